"""Feature-domain augmentation for training on cached log-power features (float[76, T]).

Everything keeps the caption true: no pitch shift of anything pitched (captions name keys and
notes; drum hits and sound effects may be retuned), time-stretch
within +-4 % (tempo classes and BPM words hold), a quiet second clip at -10..-22 dB. The corpus
already carries waveform-level degradations (reverbs, codec smearing, low rates, noise) on many
clips; these add the cheap, per-step variety on top. In log power a gain is an added constant,
an EQ an added curve and mixing is logaddexp, so every operation is exact or a close stand-in.
Gain itself is not augmented: the model removes the clip level exactly (`model.AudioTower`).
"""
from __future__ import annotations

import math

import numpy as np

from aligner.features import FRAMES_PER_S, LOG_EPS, MIN_SAMPLES, HOP, N_MELS

FLOOR = math.log(LOG_EPS)
MIN_FRAMES = MIN_SAMPLES // HOP + 1
NATS_PER_DB = math.log(10.0) / 10.0


def _mean_level(x: np.ndarray) -> float:
    """log of the mean total mel power of x [76, T]"""
    mel = x[:N_MELS].astype(np.float64)
    frame = np.log(np.exp(mel).sum(0) + 1e-30)
    return float(np.log(np.exp(frame).mean() + 1e-30))


def crop(x: np.ndarray, frames: int, rng: np.random.Generator, from_start: bool) -> np.ndarray:
    """A crop of at most `frames` frames (one-shots and short clips start at 0, as a file does)."""
    t = x.shape[1]
    if t <= frames:
        return x
    start = 0 if from_start else int(rng.integers(0, t - frames + 1))
    return x[:, start:start + frames]


def time_stretch(x: np.ndarray, rate: float) -> np.ndarray:
    """Resample the frame axis by 1/rate (rate 1.04 = 4 % faster) with linear interpolation."""
    t = x.shape[1]
    n = max(2, int(round(t / rate)))
    pos = np.linspace(0, t - 1, n)
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, t - 1)
    w = (pos - i0).astype(np.float32)
    return x[:, i0] * (1 - w) + x[:, i1] * w


def eq_curve(rng: np.random.Generator) -> np.ndarray:
    """A smooth random EQ over the mel bands, float32[64] in nats (about +-6 dB at most)."""
    k = np.linspace(0.0, 1.0, N_MELS)
    curve = rng.uniform(-1.2, 1.2) * (k - 0.5) * 2
    for order in (1, 2, 3):
        curve += rng.uniform(-0.45, 0.45) * np.cos(np.pi * order * k + rng.uniform(0, np.pi))
    return curve.astype(np.float32)


def add_noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mix a steady noise floor (white/pink/brown colour) 12-40 dB under the clip level."""
    k = np.arange(N_MELS, dtype=np.float32)
    colour = rng.choice([0.0, -1.0, -2.0])  # dB per octave-ish slope over the band index
    shape = colour * np.log2(1.0 + k) * 0.7 * NATS_PER_DB * 3.0
    shape -= np.log(np.exp(shape).sum())
    level = _mean_level(x) - rng.uniform(12, 40) * NATS_PER_DB
    noise = level + shape[:, None] + rng.normal(0, 0.25, size=(N_MELS, x.shape[1])).astype(np.float32)
    out = x.copy()
    out[:N_MELS] = np.logaddexp(x[:N_MELS], noise)
    return out


def mix(x: np.ndarray, other: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add a second clip 10-22 dB quieter (looped/cropped to x's length)."""
    t = x.shape[1]
    if other.shape[1] < t:
        other = np.tile(other, (1, int(np.ceil(t / other.shape[1]))))
    other = crop(other, t, rng, from_start=False)[:, :t]
    gain = _mean_level(x) - _mean_level(other) - rng.uniform(10, 22) * NATS_PER_DB
    return np.logaddexp(x, other + gain).astype(np.float32)


def lowpass(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Roll off the bands above a random cut (a dull recording or a low sample rate)."""
    cut = int(rng.integers(int(N_MELS * 0.65), N_MELS - 2))
    out = x.copy()
    slope = rng.uniform(0.3, 1.5)
    drop = slope * np.maximum(0, np.arange(N_MELS) - cut)[:, None]
    out[:N_MELS] = np.maximum(x[:N_MELS] - drop, FLOOR)
    return out


def spec_mask(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """SpecAugment: one or two time masks (<= 8 % of frames) and band masks (<= 6 bands)."""
    out = x.copy()
    t = x.shape[1]
    for _ in range(int(rng.integers(1, 3))):
        w = int(rng.integers(0, max(1, int(0.08 * t)) + 1))
        s = int(rng.integers(0, max(1, t - w) + 1))
        out[:, s:s + w] = FLOOR
    for _ in range(int(rng.integers(1, 3))):
        w = int(rng.integers(0, 7))
        s = int(rng.integers(0, N_MELS - w + 1))
        out[s:s + w] = FLOOR
    return out


def retune(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A sampler's pitch change of an unpitched one-shot (a drum hit, a sound effect): the mel
    bands move by up to +-2.5 bands (about +-4 semitones above 1 kHz) and the sound gets shorter
    as it gets higher. A kick tuned up is still a kick; the caption stays true."""
    shift = rng.uniform(-2.5, 2.5)
    src = np.clip(np.arange(N_MELS) - shift, 0, N_MELS - 1)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, N_MELS - 1)
    w = (src - i0).astype(np.float32)[:, None]
    out = x.copy()
    out[:N_MELS] = x[i0] * (1 - w) + x[i1] * w
    return time_stretch(out, 2 ** (shift * 1.5 / 12))  # ~1.5 semitones per band up there


def room(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A room or hall tail in the power domain: each band's power feeds an exponential decay
    (RT60 0.2-2.5 s, shorter in the high bands), mixed 3-15 dB under the direct sound."""
    from scipy.signal import fftconvolve
    rt60 = rng.uniform(0.2, 2.5)
    k = np.arange(N_MELS, dtype=np.float64)
    rt = rt60 * (1.0 - 0.6 * k / N_MELS)  # air and walls absorb highs first
    a = np.exp(-6.91 / (rt * FRAMES_PER_S))  # power falls 60 dB over rt seconds
    p = np.exp(x[:N_MELS].astype(np.float64))
    t = x.shape[1]
    lags = np.arange(min(t, int(rt60 * FRAMES_PER_S) + 1))
    kernel = (1.0 - a)[:, None] * a[:, None] ** lags[None, :]
    tail = fftconvolve(p, kernel, axes=1)[:, :t]  # all bands in one FFT pass
    tail = np.maximum(tail, 0.0)  # FFT round-off can dip below zero in silent stretches
    wet = 10 ** (-rng.uniform(3, 15) / 10)
    out = x.copy()
    out[:N_MELS] = np.log(p + wet * tail + LOG_EPS).astype(np.float32)
    return out


def augment(x: np.ndarray, rng: np.random.Generator, *, one_shot: bool, max_frames: int,
            other: np.ndarray | None = None, unpitched: bool = False) -> np.ndarray:
    """One training view of a cached clip x float16/32[76, T] -> float32[76, T'].
    `unpitched`: a one-shot whose caption states no pitch (drum hit, sound effect): it may be
    retuned as a sampler would."""
    x = crop(x.astype(np.float32), max_frames, rng, from_start=one_shot)
    if unpitched and rng.random() < 0.4:
        x = retune(x, rng)
    elif rng.random() < 0.5:
        x = time_stretch(x, rng.uniform(0.96, 1.04))
    if rng.random() < 0.2:
        x = room(x, rng)
    if other is not None and rng.random() < 0.2:
        x = mix(x, other.astype(np.float32), rng)
    if rng.random() < 0.6:
        x = x.copy()
        x[:N_MELS] += eq_curve(rng)[:, None]
    if rng.random() < 0.3:
        x = add_noise(x, rng)
    if rng.random() < 0.1:
        x = lowpass(x, rng)
    if rng.random() < 0.5:
        x = spec_mask(x, rng)
    return np.ascontiguousarray(x, dtype=np.float32)


def crop_frames(rng: np.random.Generator, lo_s: float = 3.0, hi_s: float = 6.0) -> int:
    """Random training crop length in frames (3-6 s by default)."""
    return int(rng.uniform(lo_s, hi_s) * FRAMES_PER_S)
