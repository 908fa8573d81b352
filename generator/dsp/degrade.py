"""Randomised, caption-preserving degradations of a stereo render (n, 2).

Order follows a real signal path: the room (reverb, background noise), production (EQ, saturation,
tape, compression), distribution (mono, low sample rate, lossy codec, low bit depth), level.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import oaconvolve, istft, resample_poly, stft

from . import filters as F
from . import oscillators as O
from .common import DspError
from .envelopes import exp_decay

DEGRADATIONS = ("room_reverb", "hall_reverb", "hiss", "hum", "room_tone", "vinyl_crackle", "eq_tilt",
                "lowcut", "highcut", "peaking_eq", "saturation", "tape", "compression", "mono",
                "low_sample_rate", "codec", "low_bit_depth", "gain")


def synthetic_ir(sr: int, rng: np.random.Generator, rt60: float, bright: float) -> np.ndarray:
    """Stereo IR (L, 2): early reflections then exponentially decaying, darkening noise."""
    L = max(16, int(rt60 * sr))
    ir = np.zeros((L, 2))
    for ch in range(2):
        tail = O.white(L, rng) * exp_decay(L, sr, rt60)
        # the tail darkens as it decays: crossfade bright and lowpassed noise
        dark = F.lowpass(tail, sr, 1500 * bright)
        w = np.linspace(0.0, 1.0, L)
        ir[:, ch] = (1 - w) * F.lowpass(tail, sr, 7000 * bright) + w * dark
        pre = int(rng.uniform(0.005, 0.03) * sr)
        ir[:pre, ch] *= np.linspace(0, 1, pre)
        for _ in range(int(rng.integers(5, 12))):
            k = int(rng.uniform(0.004, 0.08) * sr)
            if k < L:
                ir[k, ch] += rng.uniform(-1, 1) * 3.0
    return ir / (np.sqrt(np.sum(ir ** 2, axis=0, keepdims=True)) + 1e-9)


def _reverb(x, sr, rng, hall):
    rt60 = rng.uniform(1.2, 3.5) if hall else rng.uniform(0.2, 0.8)
    ir = synthetic_ir(sr, rng, rt60, rng.uniform(0.6, 1.4))
    wet = np.stack([oaconvolve(x[:, c], ir[:, c])[: x.shape[0]] for c in range(2)], axis=1)
    mix = rng.uniform(0.1, 0.45)
    return (1 - mix) * x + mix * wet * (np.std(x) / (np.std(wet) + 1e-12))


def _rms(x):
    return float(np.sqrt(np.mean(x ** 2)) + 1e-12)


def _add_noise(x, sr, rng, kind):
    n = x.shape[0]
    if kind == "hiss":
        nz = np.stack([O.white(n, rng), O.white(n, rng)], 1)
        nz = F.highpass(nz, sr, 2000, 1) + 0.3 * nz
        snr = rng.uniform(20, 45)
    elif kind == "hum":
        t = np.arange(n) / sr
        f = float(rng.choice([50.0, 60.0]))
        h = sum(a * np.sin(2 * np.pi * f * k * t + rng.random() * 6.28) for k, a in ((1, 1), (2, .5), (3, .35), (5, .1)))
        nz = np.stack([h, h], 1)
        snr = rng.uniform(25, 50)
    elif kind == "room_tone":
        nz = np.stack([F.lowpass(O.pink(n, rng), sr, 1500) for _ in range(2)], 1)
        snr = rng.uniform(20, 40)
    else:  # vinyl crackle: sparse clicks plus low surface noise
        clicks = (rng.random(n) < rng.uniform(5, 40) / sr) * rng.uniform(-1, 1, n) * 8
        clicks = F.bandpass(clicks, sr, 500, 8000) + 0.2 * F.lowpass(O.white(n, rng), sr, 3000)
        nz = np.stack([clicks, clicks], 1)
        snr = rng.uniform(18, 35)
    return x + nz * (_rms(x) / _rms(nz)) * 10 ** (-snr / 20)


def _compress(x, sr, rng):
    block = 256
    n = x.shape[0]
    nb = (n + block - 1) // block
    pad = np.pad(np.max(np.abs(x), axis=1), (0, nb * block - n))
    lvl = 20 * np.log10(pad.reshape(nb, block).max(axis=1) + 1e-9)
    peak = np.max(lvl)
    thr = peak - rng.uniform(4, 18)
    ratio = rng.uniform(2, 10)
    gr = np.minimum(0, (thr - lvl) * (1 - 1 / ratio))
    # release smoothing in the block domain (attack is the block length, ~6 ms)
    k = np.exp(-block / (rng.uniform(0.05, 0.4) * sr))
    sm = np.empty_like(gr)
    g = 0.0
    for i, v in enumerate(gr):  # n/256 iterations: cheap
        g = v if v < g else k * g + (1 - k) * v
        sm[i] = g
    gain = 10 ** (np.interp(np.arange(n), np.arange(nb) * block + block / 2, sm) / 20)
    makeup = 10 ** (-np.min(sm) * rng.uniform(0.3, 0.7) / 20)
    return x * (gain * makeup)[:, None]


def _codec(x, sr, rng, s):
    """Chunked (about 12 s, crossfaded) so a 5-minute clip's STFT stays small in memory."""
    chunk, fade = 1 << 19, 4096
    n = x.shape[0]
    if n <= chunk + fade:
        return _codec_chunk(x, sr, rng, s)
    out = np.zeros_like(x)
    ramp = np.linspace(0.0, 1.0, fade)[:, None]
    pos = 0
    params = rng.integers(0, 2 ** 31)  # one codec setting for the whole clip
    while pos < n:
        a, b = max(0, pos - fade), min(n, pos + chunk)
        y = _codec_chunk(x[a:b], sr, np.random.default_rng(params), s)
        if a > 0:  # crossfade the overlap with what the previous chunk wrote
            y[:fade] *= ramp
            out[a:a + fade] *= 1 - ramp
        out[a:b] += y
        pos = b
    return out


def _codec_chunk(x, sr, rng, s):
    """MP3/Vorbis-like artefacts: band-limit, coarse magnitude quantisation, spectral holes where a
    bin is far below its frame's peak (what a psychoacoustic model would drop at a low bitrate)."""
    nper = 1024
    cutoff = rng.uniform(8000, 16000) / max(min(s, 1.5), 0.75)
    if x.shape[0] < 64:  # too short to have a spectrum worth coding
        return x
    nper = min(nper, x.shape[0])
    _, _, Z = stft(x.T, sr, nperseg=nper)
    freqs = np.linspace(0.0, sr / 2, Z.shape[1])
    Z[:, freqs > cutoff, :] = 0
    mag = np.abs(Z)
    step_db = rng.uniform(1.0, 4.0) * min(s, 1.5)
    ref = mag.max(axis=1, keepdims=True) + 1e-12  # per channel and frame
    db = 20 * np.log10(mag / ref + 1e-9)
    q = np.round(db / step_db) * step_db
    floor = -rng.uniform(50, 75) / max(min(s, 1.5), 0.75)
    holes = (db < floor) | ((db < floor + 20) & (rng.random(db.shape) < rng.uniform(0.1, 0.4) * min(s, 1.5)))
    # scale each bin by a real gain (quantised/original magnitude): the phase is kept without angle/exp
    gain = np.where(holes, 0.0, 10 ** ((q - db) / 20))
    _, y = istft(Z * gain, sr, nperseg=nper)
    y = y.T[: x.shape[0]]
    if y.shape[0] < x.shape[0]:
        y = np.pad(y, ((0, x.shape[0] - y.shape[0]), (0, 0)))
    return y


def degrade(audio: np.ndarray, sr: int, rng: np.random.Generator, strength: float = 1.0) -> tuple[np.ndarray, list[str]]:
    """audio (n, 2) float -> (same shape float32, names of applied degradations).

    strength in [0, 1+] scales both how many degradations fire and how hard. Output is finite
    and peak <= 0.99.
    """
    x = np.asarray(audio)
    if x.ndim != 2 or x.shape[1] != 2:
        raise DspError(getattr(x, "shape", None), "degrade expects stereo audio shaped (n, 2)")
    x = np.nan_to_num(x.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    s = max(0.0, float(strength))
    applied: list[str] = []
    n = x.shape[0]
    if n == 0 or s == 0.0:
        return x.astype(np.float32), applied

    def fire(p):
        return rng.random() < min(1.0, p * s)

    if fire(0.35):
        hall = rng.random() < 0.4
        x = _reverb(x, sr, rng, hall)
        applied.append("hall_reverb" if hall else "room_reverb")
    if fire(0.35):
        kind = str(rng.choice(["hiss", "hum", "room_tone", "vinyl_crackle"]))
        x = _add_noise(x, sr, rng, kind)
        applied.append(kind)
    if fire(0.3):
        tilt = rng.uniform(-0.5, 0.5) * s
        lo, hi = F.lowpass(x, sr, 800), F.highpass(x, sr, 800)
        x = lo * (1 - tilt) + hi * (1 + tilt)
        applied.append("eq_tilt")
    if fire(0.2):
        x = F.highpass(x, sr, rng.uniform(60, 300) * min(s, 1.5))
        applied.append("lowcut")
    if fire(0.2):
        x = F.lowpass(x, sr, rng.uniform(3000, 12000) / max(s, 0.5))
        applied.append("highcut")
    if fire(0.2):
        x = F.biquad(x, sr, "peak", float(np.exp(rng.uniform(np.log(200), np.log(6000)))), rng.uniform(0.5, 3),
                     rng.uniform(-8, 8) * min(s, 1.5))
        applied.append("peaking_eq")
    if fire(0.15):
        x = F.saturate(x / (np.max(np.abs(x)) + 1e-9), rng.uniform(0.5, 4) * s)
        applied.append("saturation")
    if fire(0.1):
        # tape: soft saturation, head-bump-free HF loss and slight wow/flutter
        x = F.saturate(x / (np.max(np.abs(x)) + 1e-9), rng.uniform(0.3, 1.5))
        x = F.lowpass(x, sr, rng.uniform(8000, 14000))
        t = np.arange(n)
        wow = t + (rng.uniform(0.0005, 0.002) * sr / (2 * np.pi * 0.6)) * np.sin(2 * np.pi * 0.6 * t / sr + rng.random() * 6)
        x = np.stack([np.interp(wow, t, x[:, c]) for c in range(2)], 1)
        applied.append("tape")
    if fire(0.3):
        x = _compress(x, sr, rng)
        applied.append("compression")
    if fire(0.1):
        x = np.repeat(x.mean(axis=1, keepdims=True), 2, axis=1)
        applied.append("mono")
    if fire(0.15):
        target = int(rng.choice([8000, 11025, 16000, 22050]))
        if target < sr:
            g = np.gcd(target, sr)
            y = resample_poly(resample_poly(x, target // g, sr // g, axis=0), sr // g, target // g, axis=0)
            x = y[:n] if y.shape[0] >= n else np.pad(y, ((0, n - y.shape[0]), (0, 0)))
            applied.append("low_sample_rate")
    if fire(0.2):
        x = _codec(x, sr, rng, s)
        applied.append("codec")
    if fire(0.1):
        bits = int(rng.integers(8, 13))
        pk = np.max(np.abs(x)) + 1e-9
        q = 2 ** (bits - 1)
        x = np.round(x / pk * q + rng.uniform(-0.5, 0.5, x.shape) * 0.5) / q * pk
        applied.append("low_bit_depth")
    if fire(0.4):
        x = x * 10 ** (rng.uniform(-6, 3) / 20)
        applied.append("gain")
    x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    pk = float(np.max(np.abs(x)))
    if pk > 0.99:
        x *= 0.99 / pk
    return x.astype(np.float32), applied
