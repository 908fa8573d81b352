"""Frozen reference: `aligner.features.compute_features_numpy` as it was when the builtin
aligner's training cache was computed (dense filterbanks over whole-batch STFTs, commit 55d90be).
The optimised implementation must stay numerically equivalent to this (test_features.py)."""
from __future__ import annotations

import math

import numpy as np

from aligner.features import (CHROMA_HOP, CHROMA_N_FFT, HOP, LOG_EPS, N_FFT, N_MELS,
                              _CHROMA_BINS, chroma_filterbank, mel_filterbank, pad_min)


def _bases():
    lo, hi = _CHROMA_BINS
    return (np.ascontiguousarray(mel_filterbank().T),
            np.ascontiguousarray(chroma_filterbank()[:, lo:hi].T),
            (np.hanning(N_FFT + 1)[:-1] / (np.hanning(N_FFT + 1)[:-1].sum())).astype(np.float32),
            (np.hanning(CHROMA_N_FFT + 1)[:-1]
             / np.hanning(CHROMA_N_FFT + 1)[:-1].sum()).astype(np.float32))


def _power_frames(batch, n_fft, hop, offset, frames, window, bins):
    from numpy.lib.stride_tricks import sliding_window_view
    import scipy.fft
    left = n_fft // 2 - offset
    need = (frames - 1) * hop + n_fft
    padded = np.zeros((batch.shape[0], need), dtype=np.float32)
    a, b = max(0, left), min(need, left + batch.shape[1])
    padded[:, a:b] = batch[:, a - left:b - left]
    fr = sliding_window_view(padded, n_fft, axis=1)[:, ::hop][:, :frames] * window
    spec = scipy.fft.rfft(fr, axis=-1, workers=1)[..., bins[0]:bins[1]]
    return (spec.real ** 2 + spec.imag ** 2).astype(np.float32)


def reference_features(waves) -> tuple[np.ndarray, np.ndarray]:
    mel_fb, chroma_fb, win, cwin = _bases()
    waves = [pad_min(np.asarray(w, dtype=np.float32).reshape(-1)) for w in waves]
    lens = np.array([len(w) for w in waves])
    n = int(lens.max())
    batch = np.zeros((len(waves), n), dtype=np.float32)
    for i, w in enumerate(waves):
        batch[i, :len(w)] = w
    frames = n // HOP + 1
    power = _power_frames(batch, N_FFT, HOP, 0, frames, win, (0, N_FFT // 2 + 1))
    b = len(waves)
    mel = np.log(power.reshape(b * frames, -1) @ mel_fb + LOG_EPS).reshape(b, frames, N_MELS)
    rep = CHROMA_HOP // HOP
    cframes = -(-frames // rep)
    cpower = _power_frames(batch, CHROMA_N_FFT, CHROMA_HOP, (rep - 1) * HOP // 2, cframes, cwin,
                           _CHROMA_BINS)
    chroma = np.log(cpower.reshape(b * cframes, -1) @ chroma_fb + LOG_EPS).reshape(b, cframes, -1)
    chroma = np.repeat(chroma, rep, axis=1)[:, :frames]
    feats = np.concatenate([mel, chroma], axis=2).transpose(0, 2, 1)
    valid = np.minimum(frames, lens // HOP + 1).astype(np.int64)
    tail = np.arange(frames)[None, :] >= valid[:, None]
    feats = np.where(tail[:, None, :], np.float32(math.log(LOG_EPS)), feats)
    return np.ascontiguousarray(feats, dtype=np.float32), valid
