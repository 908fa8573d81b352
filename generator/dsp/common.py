"""Shared plumbing for voices: note placement, normalisation, error type."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from .oscillators import midi_to_hz

Note = tuple[float, float, int, int]
PEAK = 0.8  # every voice/kit/sfx render is peak-normalised to this (about -2 dBFS)


class DspError(ValueError):
    """Bad request to the DSP engine: `what` is the offending value, `reason` says why."""

    def __init__(self, what: object, reason: str):
        self.what = what
        self.reason = reason
        super().__init__(f"{what!r}: {reason}")


def check_length(duration_s: float, sr: int) -> int:
    if not np.isfinite(duration_s) or duration_s < 0:
        raise DspError(duration_s, "duration_s must be a finite number >= 0")
    if int(sr) <= 0:
        raise DspError(sr, "sample rate must be a positive integer")
    return int(round(duration_s * sr))


def place(out: np.ndarray, start: int, sig: np.ndarray) -> None:
    """Add sig into out at sample `start` (may be negative or run past the end)."""
    n = out.shape[0]
    a, b = start, start + sig.shape[0]
    if b <= 0 or a >= n:
        return
    out[max(a, 0):min(b, n)] += sig[max(0, -a):sig.shape[0] - max(0, b - n)]


def render_poly(notes: Iterable[Note], n: int, sr: int, tail_s: float,
                note_fn: Callable[[float, float, float, int], np.ndarray]) -> np.ndarray:
    """Render each note with note_fn(freq_hz, dur_s, vel01, length) and sum; tails cut at n."""
    out = np.zeros(n)
    for start, dur, pitch, vel in notes:
        s = int(round(start * sr))
        length = min(int(round((max(dur, 0.0) + tail_s) * sr)), n - s)
        if length <= 0 or s >= n:
            continue
        place(out, s, note_fn(float(midi_to_hz(pitch)), max(float(dur), 1.0 / sr), vel_01(vel), length))
    return out


def vel_01(vel: int) -> float:
    return float(np.clip(vel, 1, 127)) / 127.0


def finish(x: np.ndarray, peak: float = PEAK) -> np.ndarray:
    """Remove NaN/inf, DC-safe peak normalisation, float32."""
    x = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    m = float(np.max(np.abs(x))) if x.size else 0.0
    if m > 1e-9:
        x = x * (peak / m)
    return x.astype(np.float32)


def check_notes(notes) -> list[Note]:
    out = []
    for nt in notes:
        try:
            start, dur, pitch, vel = nt
        except (TypeError, ValueError):
            raise DspError(nt, "a note must be (start_s, dur_s, midi_pitch, velocity)") from None
        if not (np.isfinite(start) and np.isfinite(dur)):
            raise DspError(nt, "start_s and dur_s must be finite")
        if not 0 <= pitch <= 127:
            raise DspError(nt, "midi_pitch must be in 0..127")
        out.append((float(start), float(dur), int(pitch), int(vel)))
    return out
