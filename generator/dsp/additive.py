"""Additive/formant voices: drawbar organ and a formant 'aah' choir."""

from __future__ import annotations

import numpy as np

from . import filters as F
from . import oscillators as O
from .common import render_poly
from .envelopes import adsr, lfo, smooth_random

# Hammond drawbar footages as harmonic ratios: 16', 5 1/3', 8', 4', 2 2/3', 2', 1 3/5', 1 1/3', 1'
_DRAWBARS = np.array([0.5, 1.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0])
_REGISTRATIONS = [
    [8, 8, 8, 0, 0, 0, 0, 0, 0],  # gospel/jazz "888"
    [8, 8, 8, 8, 8, 8, 8, 8, 8],  # full organ
    [8, 3, 8, 0, 0, 0, 0, 0, 3],
    [0, 0, 8, 8, 0, 0, 0, 0, 0],
    [6, 8, 8, 6, 0, 0, 0, 0, 0],
    [8, 6, 8, 5, 3, 2, 0, 0, 0],
    [0, 0, 6, 8, 6, 0, 4, 0, 8],
]


def organ_synth(notes, n, sr, rng):
    """Tonewheel-style organ: drawbar sines, key click, optional percussion and rotary speaker."""
    reg = np.array(_REGISTRATIONS[int(rng.integers(len(_REGISTRATIONS)))], dtype=float)
    reg = np.clip(reg + rng.integers(-1, 2, reg.size) * (reg > 0), 0, 8)
    gains = (10 ** ((reg - 8) * 3 / 20)) * (reg > 0)
    perc = rng.random() < 0.4
    click = rng.uniform(0.0, 0.3)
    rotary = rng.choice([0.0, 0.8, 6.5]) * rng.uniform(0.9, 1.1)  # off / slow chorale / fast tremolo
    drive = rng.uniform(0, 2.0)

    def note(f, dur, v, L):
        x = O.stack_loop(f, [(r, "sine", g, 0) for r, g in zip(_DRAWBARS, gains) if g > 0], L, sr, rng, 2.0)
        if perc and f * 3 < 0.45 * sr:  # second/third-harmonic percussion: a decaying sine, first 1 s only
            k = min(L, sr)
            t = np.arange(k) / sr
            x[:k] += 0.8 * np.sin(2 * np.pi * f * 3 * t) * np.exp(-t / 0.2)
        k = min(L, int(0.006 * sr))
        if click and k > 0:
            x[:k] += click * O.white(k, rng) * np.linspace(1, 0, k) * gains.sum() * 0.4
        return x * adsr(L, sr, dur, 0.004, 0.05, 1.0, 0.03)

    y = render_poly(notes, n, sr, 0.05, note, cache_release=0.03)
    if rotary:
        # Leslie: amplitude and Doppler-ish brightness modulation of the summed signal.
        m = lfo(n, sr, rotary, rng.random())
        bright = F.highpass(y, sr, 800.0)
        y = y * (1 - 0.15 * m) + 0.3 * bright * m
    if drive:
        y = F.saturate(y / (np.max(np.abs(y)) + 1e-9), drive)
    return y


# Formants (Hz, bandwidth Hz, gain) for an open "aah" across voice types.
_AAH = {
    "bass": ([600, 1040, 2250, 2450, 2750], [60, 70, 110, 120, 130], [1.0, 0.45, 0.35, 0.35, 0.1]),
    "tenor": ([650, 1080, 2650, 2900, 3250], [80, 90, 120, 130, 140], [1.0, 0.5, 0.45, 0.4, 0.1]),
    "alto": ([800, 1150, 2800, 3500, 4950], [80, 90, 120, 130, 140], [1.0, 0.6, 0.15, 0.1, 0.02]),
    "soprano": ([800, 1150, 2900, 3900, 4950], [80, 90, 120, 130, 140], [1.0, 0.5, 0.3, 0.25, 0.05]),
}


def vocal_aah(notes, n, sr, rng):
    """Choir 'aah': several jittered glottal pulse trains per note through parallel vowel formants."""
    singers = int(rng.integers(2, 5))
    vib = rng.uniform(10, 45)
    a, r = rng.uniform(0.08, 0.5), rng.uniform(0.2, 0.9)
    breath = rng.uniform(0.0, 0.05)

    def note(f, dur, v, L):
        x = np.zeros(L)
        # pitch drift and vibrato at a control rate of sr/16, interpolated: smooth, and 16x cheaper
        cr = 16
        Lc = L // cr + 2
        ramp = np.clip(np.arange(Lc) / (0.5 * sr / cr), 0, 1)
        tc = np.arange(L) / cr
        for _ in range(singers):
            cents = (rng.uniform(-12, 12) + 6 * smooth_random(Lc, sr / cr, 2.0, rng)
                     + vib * lfo(Lc, sr / cr, rng.uniform(4.5, 6.2), rng.random()) * ramp)
            x += O.saw(f * 2 ** (np.interp(tc, np.arange(Lc), cents) / 1200), sr, rng.random())
        # glottal source: saws with their top rolled off, like a real voice's -12 dB/oct source
        x = F.one_pole_lp(x, sr, max(2 * f, 400))
        x += breath * F.one_pole_lp(O.white(L, rng), sr, 2500.0) * np.sqrt(singers)  # breathiness
        return x * adsr(L, sr, dur, a, 0.3, 0.9, r, curve=3.0) * (0.4 + 0.6 * v)

    src = render_poly(notes, n, sr, r * 1.3, note, cache_release=r)
    mean_pitch = np.mean([p for _, _, p, _ in notes]) if len(notes) else 60
    kind = "bass" if mean_pitch < 52 else "tenor" if mean_pitch < 60 else "alto" if mean_pitch < 67 else "soprano"
    fr, bw, g = _AAH[kind]
    shift = rng.uniform(0.93, 1.07)  # different vocal tract lengths
    y = F.formant_bank(src, sr, [x * shift for x in fr], bw, g)
    return F.highpass(y, sr, 80.0)


VOICES = {
    "organ_synth": ("organ", organ_synth, ["organ", "drawbar organ", "tonewheel organ", "hammond-style organ"]),
    "vocal_aah": ("choir", vocal_aah, ["choir aah", "vocal pad", "synth choir", "aah voices"]),
}
