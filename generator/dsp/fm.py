"""Two/three-operator FM voices (DX7-style bells, electric piano, bass)."""

from __future__ import annotations

import numpy as np

from . import filters as F
from .common import render_poly
from .envelopes import adsr, exp_decay


def _op(freq: float, L: int, sr: int, phase_mod: np.ndarray | float = 0.0, phase0: float = 0.0) -> np.ndarray:
    t = np.arange(L) / sr
    return np.sin(2 * np.pi * (freq * t + phase0) + phase_mod)


def fm_bell(notes, n, sr, rng):
    """Inharmonic ratio (1:3.5, 1:1.4, 1:2.76 ...) with a long decaying index: tubular/glassy bells."""
    ratio = rng.choice([3.5, 1.4, 2.76, 4.2, 7.0, 1.41, 3.14]) * rng.uniform(0.99, 1.01)
    index = rng.uniform(1.5, 6.0)
    idec = rng.uniform(0.3, 2.0)
    adec = rng.uniform(1.0, 4.5)
    second = rng.uniform(0, 0.4)

    def note(f, dur, v, L):
        mod = _op(f * ratio, L, sr, 0.0, rng.random()) * index * (0.5 + 0.5 * v) * exp_decay(L, sr, idec, 4.0)
        x = _op(f, L, sr, mod)
        if second:  # a quieter, faster-dying high partial: the strike
            x += second * _op(f * ratio * 2.01, L, sr) * exp_decay(L, sr, adec * 0.2)
        env = exp_decay(L, sr, adec) * np.minimum(1, np.arange(L) / (0.001 * sr + 1))
        return x * env * (0.3 + 0.7 * v)

    return render_poly(notes, n, sr, adec, note, cache_release=max(0.5 * adec, 0.3), vel_levels=2,
                       max_len_s=0.75 * adec)


def fm_epiano(notes, n, sr, rng):
    """DX7 'E.PIANO 1'-like: 1:1 body plus a 14:1 tine transient; velocity raises the bark."""
    tine_ratio = rng.choice([14.0, 13.0, 15.0, 11.0]) * rng.uniform(0.995, 1.005)
    body_index = rng.uniform(0.4, 1.8)
    tine = rng.uniform(0.15, 0.6)
    adec = rng.uniform(1.2, 4.0)
    trem = rng.uniform(0, 0.3)
    trate = rng.uniform(3, 6)

    def note(f, dur, v, L):
        t = np.arange(L) / sr
        m1 = _op(f, L, sr, 0.0, rng.random()) * body_index * (0.4 + 0.9 * v) * exp_decay(L, sr, 0.6 * adec, 4.0)
        body = _op(f, L, sr, m1)
        k = min(L, int(0.35 * sr))  # the tine transient is gone after ~0.3 s: compute only that
        m2 = _op(f * tine_ratio, k, sr) * 1.2 * exp_decay(k, sr, 0.05, 4.0)
        x = body
        x[:k] += _op(f * 2 if f < 700 else f, k, sr, m2) * tine * v * exp_decay(k, sr, 0.25)
        env = adsr(L, sr, dur, 0.001, adec * (1.0 - 0.0003 * f), 0.0, 0.15, curve=5.0)
        if trem:
            env = env * (1 - trem * 0.5 * (1 + np.sin(2 * np.pi * trate * t)))
        return x * env * (0.3 + 0.7 * v)

    return render_poly(notes, n, sr, 0.4, note, cache_release=0.15, vel_levels=2, max_len_s=adec)


def fm_bass(notes, n, sr, rng):
    """Punchy FM bass (DX7 'Bass 1' / Sega Genesis-like): 1:1 or 1:2 modulator with snappy index env."""
    ratio = rng.choice([1.0, 2.0, 0.5, 3.0])
    index = rng.uniform(1.5, 5.0)
    idec = rng.uniform(0.05, 0.4)
    sus_idx = rng.uniform(0.1, 0.6)
    feedback = rng.uniform(0, 0.6)
    a, d, s_, r = 0.001, rng.uniform(0.2, 1.0), rng.uniform(0.3, 0.9), rng.uniform(0.03, 0.15)

    def note(f, dur, v, L):
        ienv = index * (sus_idx + (1 - sus_idx) * exp_decay(L, sr, idec, 4.0)) * (0.5 + 0.5 * v)
        m = _op(f * ratio, L, sr)
        if feedback:  # crude feedback: modulator modulated by itself once
            m = _op(f * ratio, L, sr, feedback * m)
        x = _op(f, L, sr, ienv * m)
        return x * adsr(L, sr, dur, a, d, s_, r) * (0.4 + 0.6 * v)

    y = render_poly(notes, n, sr, r * 1.5, note, cache_release=r)
    return F.saturate(y, rng.uniform(0, 1.0))


VOICES = {
    "fm_bell": ("mallet", fm_bell, ["fm bell", "glassy bell", "dx7 bell", "chime"]),
    "fm_epiano": ("keys", fm_epiano, ["fm electric piano", "dx7 e-piano", "80s electric piano"]),
    "fm_bass": ("bass", fm_bass, ["fm bass", "dx7 bass", "slap-like fm bass"]),
}
