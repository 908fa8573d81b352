"""Chiptune channels (NES/Game Boy style): pulse with duty cycles, 4-bit stepped triangle,
frame-rate (50/60 Hz) envelopes and vibrato, tracker arpeggios."""

from __future__ import annotations

import numpy as np

from . import filters as F
from . import oscillators as O
from .common import render_poly

DUTIES = [0.125, 0.25, 0.5]


def _frame_env(L: int, sr: int, fps: float, dur: float, attack_frames: int, decay_per_frame: float,
               sustain: float, release_frames: int, v: float) -> np.ndarray:
    """4-bit (16 level) volume envelope stepped once per video frame."""
    frames = int(np.ceil(L * fps / sr)) + 1
    k = np.arange(frames, dtype=np.float64)
    env = np.minimum(1.0, (k + 1) / max(attack_frames, 1))
    env = np.where(k < attack_frames, env, np.maximum(sustain, (1 - decay_per_frame) ** (k - attack_frames)))
    gate_f = int(dur * fps)
    if gate_f < frames:
        lvl = env[min(gate_f, frames - 1)]
        rel = np.maximum(0.0, 1 - (k[gate_f:] - gate_f + 1) / max(release_frames, 1))
        env[gate_f:] = lvl * rel
    env = np.round(env * v * 15) / 15
    idx = np.minimum((np.arange(L) * fps / sr).astype(np.int64), frames - 1)
    return env[idx]


def _frame_vibrato(L: int, sr: int, fps: float, depth_semi: float, speed_frames: int, delay_frames: int):
    frames = int(np.ceil(L * fps / sr)) + 1
    k = np.arange(frames)
    tri = 4 * np.abs((k / max(speed_frames, 2)) % 1 - 0.5) - 1
    v = np.where(k >= delay_frames, depth_semi * tri, 0.0)
    idx = np.minimum((np.arange(L) * fps / sr).astype(np.int64), frames - 1)
    return 2 ** (v[idx] / 12)


def _console_filter(x, sr):
    # NES output stage: ~90 Hz and ~440 Hz highpasses are gentle; ~14 kHz lowpass.
    return F.lowpass(F.highpass(x, sr, 60.0, 1), sr, 14000.0, 1)


def _pulse_voice(notes, n, sr, rng, bass: bool):
    fps = float(rng.choice([60.0, 50.0]))
    duty = float(rng.choice(DUTIES if not bass else [0.25, 0.5]))
    sweep_duty = rng.random() < 0.25
    vib = 0.0 if bass else float(rng.choice([0.0, 0.0, rng.uniform(0.1, 0.5)]))
    dec = rng.uniform(0.0, 0.12)
    sus = rng.uniform(0.3, 1.0)
    att = int(rng.integers(1, 3))
    rel = int(rng.integers(1, 8))

    def note(f, dur, v, L):
        fr = f * (_frame_vibrato(L, sr, fps, vib, int(rng.integers(4, 9)), int(rng.integers(8, 20))) if vib else 1.0)
        fr = np.broadcast_to(fr, (L,))
        w = duty
        if sweep_duty:  # duty cycling per frame, a common tracker effect
            frames = (np.arange(L) * fps / sr).astype(np.int64)
            w = np.array(DUTIES)[(frames // 4) % 3]
        x = O.pulse(fr, sr, w, 0.0)
        return x * _frame_env(L, sr, fps, dur, att, dec, sus, rel, 0.35 + 0.65 * v)

    return _console_filter(render_poly(notes, n, sr, rel / fps + 0.02, note), sr)


def chip_pulse(notes, n, sr, rng):
    return _pulse_voice(notes, n, sr, rng, bass=False)


def chip_pulse_bass(notes, n, sr, rng):
    return _pulse_voice(notes, n, sr, rng, bass=True)


def chip_triangle(notes, n, sr, rng):
    """NES triangle: 32-step quantised waveform, no volume control (gate only)."""
    def note(f, dur, v, L):
        ph = O.phase_from_freq(np.full(L, f), sr, 0.0)
        tri = np.floor((4 * np.abs(ph - 0.5) - 1) * 7.5 + 7.5) / 7.5 - 1  # 16 levels up and down
        g = np.ones(L)
        gate = int(dur * sr)
        g[gate:] = 0.0
        return tri * g

    return _console_filter(render_poly(notes, n, sr, 0.0, note), sr)


def chip_arp(notes, n, sr, rng):
    """Tracker arpeggio: chords cycle one note per 1-2 frames on one pulse channel; single notes get
    a 0-3/4-7 arpeggio."""
    fps = float(rng.choice([60.0, 50.0]))
    step_frames = int(rng.integers(1, 3))
    duty = float(rng.choice(DUTIES))
    minor = rng.random() < 0.4
    octave = rng.random() < 0.3
    frames = int(np.ceil(n * fps / sr)) + 1
    pitch = np.full(frames, np.nan)
    vel = np.zeros(frames)
    active: list[dict[int, int]] = [dict() for _ in range(frames)]
    for s, d, p, v in notes:  # mark each note's frames: work ~ total note length, not frames x notes
        for fi in range(max(0, int(np.ceil(s * fps))), min(frames, int(np.ceil((s + d) * fps)))):
            active[fi][p] = max(v, active[fi].get(p, 0))
    for fi in range(frames):
        if not active[fi]:
            continue
        act = sorted(active[fi])
        if len(act) == 1:
            p = act[0]
            act = [p, p + (3 if minor else 4), p + 7] + ([p + 12] if octave else [])
        pitch[fi] = act[(fi // step_frames) % len(act)]
        vel[fi] = max(active[fi].values()) / 127
    last = np.nan
    for fi in range(frames):  # hold the last pitch through silence so the phase stays continuous
        if np.isnan(pitch[fi]):
            pitch[fi] = last if not np.isnan(last) else 60.0
        last = pitch[fi]
    idx = np.minimum((np.arange(n) * fps / sr).astype(np.int64), frames - 1)
    fr = O.midi_to_hz(pitch[idx])
    env = np.round(vel * 15 * rng.uniform(0.6, 1.0)) / 15
    x = O.pulse(fr, sr, duty, 0.0) * env[idx]
    return _console_filter(x, sr)


def chip_wave(notes, n, sr, rng):
    """Game Boy wave channel: a 32-step, 4-bit user wavetable read without interpolation."""
    kind = rng.choice(["saw", "sine", "random", "square"])
    k = np.arange(32)
    table = {"saw": k / 31.0, "sine": 0.5 + 0.5 * np.sin(2 * np.pi * k / 32),
             "random": rng.random(32), "square": (k < rng.integers(4, 28)).astype(float)}[kind]
    table = np.round(table * 15) / 15 * 2 - 1
    table -= table.mean()
    vol = float(rng.choice([1.0, 0.5, 0.25]))  # the channel's coarse volume shift

    def note(f, dur, v, L):
        ph = O.phase_from_freq(np.full(L, f), sr, 0.0)
        x = table[(ph * 32).astype(np.int64) % 32]
        x[int(dur * sr):] = 0.0
        return x * vol

    return _console_filter(render_poly(notes, n, sr, 0.0, note), sr)


VOICES = {
    "chip_pulse": ("lead", chip_pulse, ["chiptune lead", "8-bit square lead", "nes pulse", "game boy lead"]),
    "chip_pulse_bass": ("bass", chip_pulse_bass, ["chiptune bass", "8-bit bass", "pulse bass"]),
    "chip_triangle": ("bass", chip_triangle, ["nes triangle bass", "8-bit triangle", "chiptune triangle"]),
    "chip_wave": ("lead", chip_wave, ["game boy wave channel", "4-bit wavetable lead", "chiptune"]),
    "chip_arp": ("lead", chip_arp, ["chiptune arpeggio", "8-bit arp", "tracker arpeggio"]),
}
