"""Audio preparation shared by every aligner backend: mono downmix and resampling."""
from __future__ import annotations

from math import gcd

import numpy as np


def to_mono_resampled(waveform: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """(samples,) or (samples, channels) at `sr` -> mono float32 (samples',) at `target_sr`.

    Polyphase resampling is deterministic and fast enough (hundreds of x real time)."""
    x = np.asarray(waveform, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    elif x.ndim != 1:
        raise ValueError(f"waveform must be (samples,) or (samples, channels), got shape {x.shape}")
    if sr <= 0:
        raise ValueError(f"sample rate must be positive, got {sr}")
    if sr != target_sr and len(x):
        from scipy.signal import resample_poly
        g = gcd(int(sr), int(target_sr))
        x = resample_poly(x, target_sr // g, sr // g).astype(np.float32)
    return np.ascontiguousarray(x, dtype=np.float32)
