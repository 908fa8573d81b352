"""Mix effects chain: EQ tilt, reverb, compression, stereo width — driven by the plan's mix fields.

All vectorised numpy/scipy (no per-sample Python), deterministic given the rng.
"""
from __future__ import annotations

import numpy as np

REVERB = {"dry": None, "room": (0.45, 0.16), "hall": (2.2, 0.24)}   # RT60 s, wet gain
TILT_DB = {"dark": -5.0, "neutral": 0.0, "bright": 4.0}
WIDTH = {"narrow": 0.35, "normal": 1.0, "wide": 1.6}


def apply_chain(audio: np.ndarray, sr: int, plan, rng: np.random.Generator, loop: bool = False) -> np.ndarray:
    """(n, 2) float32 -> (n, 2) float32: tilt EQ -> reverb -> compressor -> width."""
    x = audio.astype(np.float32, copy=True)
    if plan.tone != "neutral":
        x = tilt_eq(x, sr, TILT_DB[plan.tone])
    if REVERB[plan.reverb] is not None:
        rt60, wet = REVERB[plan.reverb]
        x = reverb(x, sr, rt60, wet, rng, loop=loop)
    if plan.kind != "one-shot":
        x = compress(x, sr, threshold_db=-20.0, ratio=2.5 if plan.energy == "high" else 1.8)
    x = stereo_width(x, WIDTH[plan.width])
    return x.astype(np.float32)


def tilt_eq(x: np.ndarray, sr: int, db: float, pivot_hz: float = 1200.0) -> np.ndarray:
    """First-order tilt: boost (db > 0) or cut the band above the pivot."""
    from scipy.signal import lfilter
    a = np.exp(-2 * np.pi * pivot_hz / sr)
    low = lfilter([1 - a], [1, -a], x, axis=0)
    high = x - low
    g = 10 ** (db / 20)
    return (low + g * high).astype(np.float32)


def reverb(x: np.ndarray, sr: int, rt60: float, wet: float, rng: np.random.Generator,
           loop: bool = False) -> np.ndarray:
    """Convolution with a synthetic decaying-noise impulse response (decorrelated per channel,
    darker as it decays). A loop's reverb tail wraps to its start."""
    from scipy.signal import lfilter, oaconvolve
    n_ir = int(min(rt60 * 0.8, 1.8) * sr)  # -41 dB by 0.6 x RT60: the rest is inaudible in a mix
    t = np.arange(n_ir) / sr
    decay = np.exp(-6.91 * t / rt60)
    ir = rng.standard_normal((n_ir, 2)) * decay[:, None]
    ir = lfilter([0.35], [1, -0.65], ir, axis=0)  # damp highs
    pre = int(0.012 * sr)
    ir = np.concatenate([np.zeros((pre, 2)), ir])
    ir /= np.sqrt(np.sum(ir ** 2, axis=0, keepdims=True)) + 1e-12
    n = len(x)
    wet_sig = np.stack([oaconvolve(x[:, c], ir[:, c]) for c in range(2)], axis=1)
    if loop:
        tail = wet_sig[n:]
        k = min(len(tail), n)
        wet_sig[:k] += tail[:k]
    return (x + wet * wet_sig[:n]).astype(np.float32)


def compress(x: np.ndarray, sr: int, threshold_db: float = -20.0, ratio: float = 2.0,
             attack_s: float = 0.01, release_s: float = 0.15, block: int = 64) -> np.ndarray:
    """Feed-forward RMS compressor on the stereo-linked level, with make-up gain. The level is
    tracked per block of 64 samples (1.5 ms, well under the attack) and the gain interpolated."""
    from scipy.signal import lfilter
    n = len(x)
    n_blocks = -(-n // block)
    power = 0.5 * (x[:, 0] * x[:, 0] + x[:, 1] * x[:, 1])  # (explicit: axis=1 means over 2 are slow)
    sq = np.pad(power, (0, n_blocks * block - n)).reshape(n_blocks, block).mean(axis=1)
    a = np.exp(-block / (0.5 * (attack_s + release_s) * sr))
    env = np.sqrt(np.maximum(lfilter([1 - a], [1, -a], sq.astype(np.float64)), 1e-12))
    over = np.maximum(20 * np.log10(env) - threshold_db, 0.0)
    gain_db = -over * (1 - 1 / ratio)
    makeup_db = np.percentile(-gain_db, 90) * 0.5
    gain = 10 ** ((gain_db + makeup_db) / 20)
    centers = np.arange(n_blocks) * block + block / 2
    g = np.interp(np.arange(n), centers, gain).astype(np.float32)
    return (x * g[:, None]).astype(np.float32)


def stereo_width(x: np.ndarray, width: float) -> np.ndarray:
    mid = (x[:, 0] + x[:, 1]) * 0.5
    side = (x[:, 0] - x[:, 1]) * 0.5 * width
    return np.stack([mid + side, mid - side], axis=1).astype(np.float32)
