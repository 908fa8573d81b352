"""Vectorised envelopes: ADSR, exponential decays, attack-decay shapes, LFOs."""

from __future__ import annotations

import numpy as np


def adsr(n: int, sr: int, gate_s: float, attack: float, decay: float, sustain: float,
         release: float, curve: float = 4.0) -> np.ndarray:
    """Analog-style ADSR, shape (n,): linear attack, exponential decay and release.

    `curve` sets how many time constants fit in the decay/release times (4 ~ -35 dB).
    The release starts from whatever level the envelope reached when the gate closed.
    """
    t = np.arange(n, dtype=np.float64) / sr
    attack = max(attack, 1e-4)
    decay = max(decay, 1e-4)
    release = max(release, 1e-4)

    def held(tt: np.ndarray) -> np.ndarray:
        att = np.clip(tt / attack, 0.0, 1.0)
        dec = sustain + (1.0 - sustain) * np.exp(-curve * np.maximum(tt - attack, 0.0) / decay)
        return np.where(tt < attack, att, dec)

    env = held(t)
    gate_s = max(gate_s, 0.0)
    level = float(held(np.array([gate_s]))[0])
    rel = t >= gate_s
    env[rel] = level * np.exp(-curve * (t[rel] - gate_s) / release)
    return env


def exp_decay(n: int, sr: int, decay_s: float, curve: float = 6.9) -> np.ndarray:
    """exp decay reaching e^-curve (-60 dB for 6.9) at decay_s."""
    t = np.arange(n, dtype=np.float64) / sr
    return np.exp(-curve * t / max(decay_s, 1e-4))


def attack_decay(n: int, sr: int, attack_s: float, decay_s: float, curve: float = 6.9) -> np.ndarray:
    t = np.arange(n, dtype=np.float64) / sr
    a = max(attack_s, 1e-4)
    return np.where(t < a, t / a, np.exp(-curve * (t - a) / max(decay_s, 1e-4)))


def lfo(n: int, sr: int, rate_hz: float, phase: float = 0.0, shape: str = "sine") -> np.ndarray:
    """Bipolar LFO in [-1, 1]."""
    ph = rate_hz * np.arange(n, dtype=np.float64) / sr + phase
    if shape == "triangle":
        return 4.0 * np.abs(ph - np.floor(ph) - 0.5) - 1.0
    return np.sin(2.0 * np.pi * ph)


def smooth_random(n: int, sr: int, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Band-limited random wander in about [-1, 1]: random points at rate_hz, cubic-ish interpolation."""
    k = max(4, int(np.ceil(n * rate_hz / sr)) + 4)
    pts = rng.uniform(-1.0, 1.0, k)
    x = np.arange(n, dtype=np.float64) * rate_hz / sr
    i = np.floor(x).astype(np.int64)
    f = x - i
    f = f * f * (3.0 - 2.0 * f)  # smoothstep between points
    return pts[i] * (1.0 - f) + pts[i + 1] * f


def fade_edges(x: np.ndarray, sr: int, fade_in_s: float = 0.002, fade_out_s: float = 0.005) -> np.ndarray:
    """Short fades so cut notes do not click."""
    n = x.shape[0]
    a = min(n, int(fade_in_s * sr))
    b = min(n, int(fade_out_s * sr))
    if a > 1:
        x[:a] *= np.linspace(0.0, 1.0, a)
    if b > 1:
        x[n - b:] *= np.linspace(1.0, 0.0, b)
    return x
