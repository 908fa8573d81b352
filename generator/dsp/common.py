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
                note_fn: Callable[[float, float, float, int], np.ndarray],
                cache_release: float | None = None, vel_levels: int = 4,
                max_len_s: float | None = None) -> np.ndarray:
    """Render each note with note_fn(freq_hz, dur_s, vel01, length) and sum; tails cut at n.

    cache_release: if given, render each (pitch, velocity level) once as a held note and derive every
    note from it with an exponential release of that many seconds after its gate. Like a DX7 or a
    sampler (phases restart at key-on) repeated notes are then identical, and basslines and chord
    parts, which repeat pitches constantly, render several times faster.
    max_len_s: cap on a note's rendered length, for voices that die away whatever the gate (plucks, bells).
    """
    out = np.zeros(n)
    todo = []
    for start, dur, pitch, vel in notes:
        s = int(round(start * sr))
        length = min(int(round((max(dur, 0.0) + tail_s) * sr)), n - s)
        if max_len_s is not None:
            length = min(length, int(max_len_s * sr))
        if length <= 0 or s >= n:
            continue
        todo.append((s, length, max(float(dur), 1.0 / sr), pitch, vel))
    if cache_release is None:
        for s, length, dur, pitch, vel in todo:
            place(out, s, note_fn(float(midi_to_hz(pitch)), dur, vel_01(vel), length))
        return out
    levels = {}
    for s, length, dur, pitch, vel in todo:
        lv = min(vel_levels - 1, int(vel_01(vel) * vel_levels))
        key = (pitch, lv)
        levels[key] = max(levels.get(key, 0), length)
    held = {key: note_fn(float(midi_to_hz(key[0])), 1e9, (key[1] + 1) / vel_levels, L) for key, L in levels.items()}
    rel_k = 4.0 / max(cache_release, 1e-3) / sr
    for s, length, dur, pitch, vel in todo:
        lv = min(vel_levels - 1, int(vel_01(vel) * vel_levels))
        sig = held[(pitch, lv)][:length] * (vel_01(vel) / ((lv + 1) / vel_levels))
        gate = int(dur * sr)
        if gate < length:
            sig[gate:] *= np.exp(-rel_k * np.arange(length - gate))
        place(out, s, sig)
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


def check_hits(hits) -> list[tuple[float, int, int]]:
    """Drum hits [(start_s, gm_note, velocity)] validated and sorted by time."""
    clean = []
    for h in hits:
        try:
            start, note, vel = float(h[0]), int(h[1]), int(h[2])
        except (TypeError, ValueError, IndexError):
            raise DspError(h, "a hit must be (start_s, gm_note, velocity)") from None
        if not np.isfinite(start):
            raise DspError(h, "start_s must be finite")
        clean.append((start, note, vel))
    clean.sort()
    return clean
