"""Analog-style pads: oscillator stacks per note summed, then one shared (paraphonic) resonant
filter with slow movement, as on string machines and paraphonic polysynths.
Voice functions: fn(notes, n, sr, rng) -> float64 (n,), un-normalised."""

from __future__ import annotations

import numpy as np

from . import filters as F
from . import oscillators as O
from .common import render_poly
from .envelopes import adsr, lfo, smooth_random


def _pad(notes, n, sr, rng, osc_fn, fc, res, a, r, s_=0.9):
    def note(f, dur, v, L):
        return osc_fn(f, L) * adsr(L, sr, dur, a, a * 2 + 0.2, s_, r, curve=3.0) * (0.5 + 0.5 * v)

    x = render_poly(notes, n, sr, r * 1.2, note, cache_release=r)
    return F.ladder(x, sr, fc, res, block=128) if n else x


def saw_pad(notes, n, sr, rng):
    det = rng.uniform(5, 18)
    a, r = rng.uniform(0.1, 1.2), rng.uniform(0.4, 2.0)
    fc = rng.uniform(700, 3500) * 2 ** (rng.uniform(0, 0.5) * lfo(n, sr, rng.uniform(0.05, 0.4), rng.random()))

    def osc(f, L):
        return O.stack_loop(f, [(1.0, "saw", 1.0, 0), (2 ** (det / 1200), "saw", 1.0, 0),
                                (2 ** (-det / 1200), "saw", 1.0, 0)], L, sr, rng)

    return _pad(notes, n, sr, rng, osc, fc, rng.uniform(0, 0.4), a, r)


def string_pad(notes, n, sr, rng):
    """String machine / supersaw ensemble with chorus-like pitch drift, highpassed body."""
    voices = int(rng.integers(5, 8))
    det = rng.uniform(8, 30)
    a, r = rng.uniform(0.15, 1.0), rng.uniform(0.4, 1.8)
    fc = rng.uniform(2000, 7000)

    offs = np.linspace(-1.0, 1.0, voices) * det * rng.uniform(0.7, 1.0, voices)
    comps = [(2 ** (o / 1200), "saw", 1 / np.sqrt(voices), 0) for o in offs]

    def osc(f, L):
        return O.stack_loop(f, comps, L, sr, rng)

    x = _pad(notes, n, sr, rng, osc, fc, rng.uniform(0, 0.2), a, r)
    return F.highpass(x, sr, rng.uniform(120, 350))


def warm_pad(notes, n, sr, rng):
    det = rng.uniform(3, 12)
    pw = rng.uniform(0.3, 0.5)
    a, r = rng.uniform(0.2, 1.5), rng.uniform(0.6, 2.5)
    fc = rng.uniform(400, 1600) * 2 ** (0.3 * lfo(n, sr, rng.uniform(0.05, 0.3), rng.random()))

    pw2 = pw - rng.uniform(0.08, 0.2)  # two slightly detuned pulses of different widths: a PWM-like shimmer

    def osc(f, L):
        return O.stack_loop(f, [(1.0, "pulse", 0.7, pw), (2 ** (det / 2400), "pulse", 0.7, pw2),
                                (2 ** (det / 1200), "saw", 1.0, 0), (0.5, "triangle", 0.5, 0)], L, sr, rng)

    return _pad(notes, n, sr, rng, osc, fc, rng.uniform(0, 0.3), a, r)


def evolving_pad(notes, n, sr, rng):
    """Slow resonant filter sweep (LFO 0.03-0.25 Hz plus random wander) over a thick oscillator stack."""
    det = rng.uniform(6, 20)
    a, r = rng.uniform(0.5, 2.5), rng.uniform(1.0, 3.0)
    center = rng.uniform(500, 2000)
    depth = rng.uniform(1.0, 2.5)
    fc = center * 2 ** (depth * (0.7 * lfo(n, sr, rng.uniform(0.03, 0.25), rng.random())
                                 + 0.3 * smooth_random(n, sr, 0.3, rng)))
    fifth = rng.random() < 0.4

    def osc(f, L):
        comps = [(1.0, "saw", 1.0, 0), (2 ** (det / 1200), "pulse", 1.0, 0.4)]
        if fifth:
            comps.append((1.5, "saw", 0.4, 0))
        return O.stack_loop(f, comps, L, sr, rng)

    return _pad(notes, n, sr, rng, osc, fc, rng.uniform(0.35, 0.7), a, r)


