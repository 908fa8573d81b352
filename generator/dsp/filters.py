"""Filters: static (scipy sos), block-wise time-varying resonant filters, saturation.

Time-varying filters recompute biquad coefficients every `block` samples (vectorised over blocks)
and run scipy.signal.lfilter per block carrying its state: a per-sample Python ladder would be two
orders of magnitude slower, and 32-64 sample updates are below the zipper threshold for envelopes.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

try:  # the C core of lfilter: skipping the array-API wrapper makes per-block calls ~3x cheaper
    from scipy.signal._sigtools import _linear_filter as _raw_lfilter
except ImportError:  # pragma: no cover - other scipy layouts
    _raw_lfilter = None


def _block_filter(b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray):
    """lfilter one 1-D float64 block carrying state zi; returns (y, zf)."""
    if _raw_lfilter is not None:
        return _raw_lfilter(b, a, x, -1, zi)
    return lfilter(b, a, x, zi=zi)


def _nyq_clip(fc: np.ndarray, sr: int) -> np.ndarray:
    return np.clip(fc, 10.0, 0.45 * sr)


def static(x: np.ndarray, sr: int, kind: str, freq: float | tuple[float, float], order: int = 2) -> np.ndarray:
    """Butterworth filter; kind in lowpass/highpass/bandpass/bandstop; axis 0."""
    if isinstance(freq, tuple):
        lo, hi = freq
        lo = float(np.clip(lo, 10.0, 0.45 * sr))
        hi = float(np.clip(hi, lo * 1.05, 0.49 * sr))
        wn = (lo, hi)
    else:
        wn = float(np.clip(freq, 10.0, 0.49 * sr))
    sos = butter(order, wn, btype=kind, fs=sr, output="sos")
    return sosfilt(sos, x, axis=0)


def lowpass(x, sr, fc, order=2):
    return static(x, sr, "lowpass", fc, order)


def highpass(x, sr, fc, order=2):
    return static(x, sr, "highpass", fc, order)


def bandpass(x, sr, lo, hi, order=2):
    return static(x, sr, "bandpass", (lo, hi), order)


def _rbj(kind: str, fc: np.ndarray, q: np.ndarray, sr: int, gain_db: np.ndarray | float = 0.0):
    """RBJ cookbook biquads, vectorised: returns b (k, 3), a (k, 3) normalised."""
    w = 2.0 * np.pi * _nyq_clip(fc, sr) / sr
    cw, sw = np.cos(w), np.sin(w)
    alpha = sw / (2.0 * np.maximum(q, 0.05))
    one = np.ones_like(w)
    if kind == "lp":
        b = np.stack([(1 - cw) / 2, 1 - cw, (1 - cw) / 2], axis=-1)
        a = np.stack([1 + alpha, -2 * cw, 1 - alpha], axis=-1)
    elif kind == "hp":
        b = np.stack([(1 + cw) / 2, -(1 + cw), (1 + cw) / 2], axis=-1)
        a = np.stack([1 + alpha, -2 * cw, 1 - alpha], axis=-1)
    elif kind == "bp":  # constant 0 dB peak gain
        b = np.stack([alpha, 0 * one, -alpha], axis=-1)
        a = np.stack([1 + alpha, -2 * cw, 1 - alpha], axis=-1)
    elif kind == "peak":
        A = 10.0 ** (np.asarray(gain_db) / 40.0) * one
        b = np.stack([1 + alpha * A, -2 * cw, 1 - alpha * A], axis=-1)
        a = np.stack([1 + alpha / A, -2 * cw, 1 - alpha / A], axis=-1)
    else:
        raise ValueError(f"unknown biquad kind {kind!r}")
    return b / a[..., :1], a / a[..., :1]


def biquad(x: np.ndarray, sr: int, kind: str, fc: float, q: float, gain_db: float = 0.0) -> np.ndarray:
    b, a = _rbj(kind, np.array([fc], dtype=np.float64), np.array([q], dtype=np.float64), sr, gain_db)
    return lfilter(b[0], a[0], x, axis=0)


def _per_block(v, n: int, block: int) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    nb = (n + block - 1) // block
    if v.ndim == 0:
        return np.full(nb, float(v))
    return v[::block][:nb]


def _segments(lfc: np.ndarray, q: np.ndarray, block: int, n: int, tol: float = 0.025) -> list[tuple[int, int, int]]:
    """Merge consecutive blocks whose log2-cutoff and Q barely change: (block index, start, end).

    Envelopes flatten out quickly, so after the attack most of a note runs as one lfilter call.
    """
    segs = []
    lfc, q = lfc.tolist(), q.tolist()
    nb = len(lfc)
    i = 0
    while i < nb:
        j = i + 1
        while j < nb and abs(lfc[j] - lfc[i]) < tol and abs(q[j] - q[i]) < 0.02 * q[i] and j - i < 256:
            j += 1
        segs.append((i, i * block, min(j * block, n)))
        i = j
    return segs


def tv_biquad(x: np.ndarray, sr: int, kind: str, fc, q, block: int = 64) -> np.ndarray:
    """Time-varying 2-pole filter; fc and q scalars or per-sample arrays of len(x)."""
    n = x.shape[0]
    fcb, qb = _nyq_clip(_per_block(fc, n, block), sr), _per_block(q, n, block)
    y = np.empty(n, dtype=np.float64)
    x = np.ascontiguousarray(x, dtype=np.float64)
    zi = np.zeros(2)
    segs = _segments(np.log2(fcb), qb, block, n)
    idx = np.array([s[0] for s in segs])
    b, a = _rbj(kind, fcb[idx], qb[idx], sr)
    for k, (_, s, e) in enumerate(segs):
        y[s:e], zi = _block_filter(b[k], a[k], x[s:e], zi)
    return y


def _polymul3(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Row-wise product of quadratic polynomials (k, 3) x (k, 3) -> (k, 5)."""
    out = np.zeros((p.shape[0], 5))
    for i in range(3):
        for j in range(3):
            out[:, i + j] += p[:, i] * q[:, j]
    return out


def ladder(x: np.ndarray, sr: int, fc, resonance, block: int = 64, drive: float = 0.0) -> np.ndarray:
    """24 dB/oct resonant lowpass (Moog/303-like), time-varying.

    Two cascaded RBJ lowpass sections combined into one 4th-order lfilter per block: the second
    section's Q carries the resonance (resonance 0..1 -> Q 0.7..~14). `drive` > 0 adds tanh
    saturation before the filter, as an overdriven analog input stage would.
    """
    n = x.shape[0]
    if drive > 0:
        x = np.tanh(x * (1.0 + drive)) / np.tanh(1.0 + drive)
    # resonance near Nyquist only rings (and warps): keep the ladder below 0.35*sr like analog ones
    fcb = np.clip(_per_block(fc, n, block), 10.0, 0.35 * sr)
    rb = np.clip(_per_block(resonance, n, block), 0.0, 0.98)
    q2 = 0.7 + 13.0 * rb ** 2
    segs = _segments(np.log2(fcb), q2, block, n)
    idx = np.array([s[0] for s in segs])
    fcs, q2s = fcb[idx], q2[idx]
    b1, a1 = _rbj("lp", fcs, np.full_like(fcs, 0.54), sr)
    b2, a2 = _rbj("lp", fcs, q2s, sr)
    b, a = _polymul3(b1, b2), _polymul3(a1, a2)
    # Resonant peaks add gain; scale down a little so high resonance does not explode the level.
    b /= (1.0 + 0.35 * q2s[:, None] ** 0.5)
    y = np.empty(n, dtype=np.float64)
    x = np.ascontiguousarray(x, dtype=np.float64)
    zi = np.zeros(4)
    for k, (_, s, e) in enumerate(segs):
        y[s:e], zi = _block_filter(b[k], a[k], x[s:e], zi)
    return y


def one_pole_lp(x: np.ndarray, sr: int, fc: float) -> np.ndarray:
    k = np.exp(-2.0 * np.pi * min(fc, 0.45 * sr) / sr)
    return lfilter([1.0 - k], [1.0, -k], x, axis=0)


def saturate(x: np.ndarray, drive: float) -> np.ndarray:
    """tanh soft clip normalised so small signals keep unit gain-ish."""
    g = 1.0 + max(drive, 0.0)
    return np.tanh(x * g) / np.tanh(g)


def formant_bank(x: np.ndarray, sr: int, freqs, bws, gains) -> np.ndarray:
    """Parallel bandpass resonators (vowel formants)."""
    out = np.zeros_like(x)
    for f, bw, g in zip(freqs, bws, gains):
        out += g * biquad(x, sr, "bp", f, f / max(bw, 1.0))
    return out
