"""Loudness: ITU-R BS.1770 integrated loudness (K-weighted, gated), true peak (8x oversampled around peaks),
and normalisation to a target LUFS with a look-ahead limiter keeping true peak below a ceiling."""
from __future__ import annotations

import numpy as np

TARGET_LUFS = -14.0
CEILING_DBTP = -1.0


def _k_weighting(sr: int):
    """The two BS.1770 biquads (high shelf + high pass) for any sample rate (pyloudnorm's
    bilinear-transform design)."""
    # stage 1: high shelf
    G, Q, fc = 3.99984385397, 0.7071752369554193, 1681.9744509555319
    K = np.tan(np.pi * fc / sr)
    Vh, Vb = 10 ** (G / 20), 10 ** (G / 20) ** 0.499666774155
    a0 = 1 + K / Q + K * K
    b1 = [(Vh + Vb * K / Q + K * K) / a0, 2 * (K * K - Vh) / a0, (Vh - Vb * K / Q + K * K) / a0]
    a1 = [1.0, 2 * (K * K - 1) / a0, (1 - K / Q + K * K) / a0]
    # stage 2: high pass
    Q, fc = 0.5003270373253953, 38.13547087613982
    K = np.tan(np.pi * fc / sr)
    a0 = 1 + K / Q + K * K
    b2 = [1.0, -2.0, 1.0]
    a2 = [1.0, 2 * (K * K - 1) / a0, (1 - K / Q + K * K) / a0]
    return (b1, a1), (b2, a2)


def integrated_lufs(audio: np.ndarray, sr: int) -> float:
    """Integrated loudness in LUFS of (n, channels) audio; -inf for silence. Clips shorter than
    one 400 ms gating block are measured as a whole."""
    from scipy.signal import sosfilt
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    (b1, a1), (b2, a2) = _k_weighting(sr)
    sos = np.array([list(b1) + list(a1), list(b2) + list(a2)])
    y = sosfilt(sos, x, axis=0).astype(np.float64)
    block, hop = int(0.4 * sr), int(0.1 * sr)
    if len(y) < block:
        z = np.sum(np.mean(y ** 2, axis=0))
        return -np.inf if z <= 0 else float(-0.691 + 10 * np.log10(z))
    cs = np.concatenate([np.zeros((1, y.shape[1])), np.cumsum(y ** 2, axis=0)])
    starts = np.arange(0, len(y) - block + 1, hop)
    z = np.sum((cs[starts + block] - cs[starts]) / block, axis=1)
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(np.maximum(z, 1e-20))
    z = z[lk > -70.0]
    if len(z) == 0:
        return -np.inf
    rel = -0.691 + 10 * np.log10(np.mean(z)) - 10.0
    lk = -0.691 + 10 * np.log10(np.maximum(z, 1e-20))
    z = z[lk > rel]
    return float(-0.691 + 10 * np.log10(np.mean(z)))


def true_peak_db(audio: np.ndarray, oversample: int = 8, taps: int = 32) -> float:
    """True peak in dBTP: 8x windowed-sinc interpolation around the loudest sample peaks (the
    inter-sample maximum lies next to a large sample, so only those neighbourhoods are
    oversampled; ~50x cheaper than oversampling the whole clip)."""
    x = np.asarray(audio)
    if x.ndim == 1:
        x = x[:, None]
    if x.size == 0:
        return -np.inf
    a = np.abs(x)
    sample_peak = float(a.max())
    if sample_peak <= 0:
        return -np.inf
    half = taps // 2
    idx_n, idx_c = np.nonzero(a > sample_peak * 0.5)     # inter-sample overs are at most ~+3 dB
    if len(idx_n) > 4000:
        top = np.argpartition(a[idx_n, idx_c], -4000)[-4000:]
        idx_n, idx_c = idx_n[top], idx_c[top]
    padded = np.pad(x, ((half, half), (0, 0)))
    offsets = np.arange(-half + 1, half + 1)
    seg = padded[idx_n[:, None] + half + offsets[None, :], idx_c[:, None]].astype(np.float64)  # (k, taps)
    fracs = np.arange(1, oversample) / oversample
    t = fracs[None, :] - offsets[:, None]                                     # (taps, os-1)
    kernel = np.sinc(t) * np.hanning(taps + 2)[1:-1][:, None]
    inter = np.abs(seg @ kernel).max() if len(seg) else 0.0
    peak = max(sample_peak, float(inter))
    return 20 * np.log10(peak)


def _block_env(peak: np.ndarray, block: int) -> np.ndarray:
    n_blocks = -(-len(peak) // block)
    padded = np.pad(peak, (0, n_blocks * block - len(peak)))
    return padded.reshape(n_blocks, block).max(axis=1)


def limit(audio: np.ndarray, sr: int, ceiling_db: float, lookahead_s: float = 0.003,
          release_s: float = 0.08, block: int = 32) -> np.ndarray:
    """Look-ahead peak limiter. The gain each block of 32 samples needs (its peak over the
    ceiling) is spread back over the look-ahead (min filter), released exponentially, and
    interpolated to samples — block-rate control costs ~1/32 of a per-sample one."""
    from scipy.ndimage import minimum_filter1d
    from scipy.signal import lfilter
    ceiling = 10 ** (ceiling_db / 20)
    peak = np.maximum(np.abs(audio[:, 0]), np.abs(audio[:, 1]))
    if peak.max() <= ceiling:
        return audio.astype(np.float32, copy=False)
    env = _block_env(peak, block).astype(np.float64)
    need = np.minimum(1.0, ceiling / np.maximum(env, 1e-12))
    w = max(1, int(round(lookahead_s * sr / block)))
    need = minimum_filter1d(need, size=2 * w + 1, mode="nearest")
    a = np.exp(-block / (release_s * sr))
    smooth = lfilter([1 - a], [1, -a], need - 1.0) + 1.0   # release only: drops follow `need`
    gain_blocks = np.minimum(need, smooth)
    # Interpolate between block minima without overshooting a block's own requirement.
    centers = np.arange(len(gain_blocks)) * block + block / 2
    gain = np.interp(np.arange(len(audio)), centers, gain_blocks)
    gain = np.minimum(gain, np.repeat(gain_blocks, block)[:len(audio)])
    return (audio * gain[:, None].astype(np.float32)).astype(np.float32)


def normalize(audio: np.ndarray, sr: int, target_lufs: float = TARGET_LUFS,
              ceiling_db: float = CEILING_DBTP, peak_only: bool = False) -> np.ndarray:
    """Gain to `target_lufs` (or, for one-shots with `peak_only`, to the ceiling), limit, and
    guarantee true peak < ceiling_db. Silence is returned unchanged."""
    x = np.asarray(audio, dtype=np.float32)
    if not np.any(x):
        return x
    margin = 0.3  # inter-sample peaks of the limiter's output
    if peak_only:
        tp = true_peak_db(x)
        g = 10 ** ((ceiling_db - margin - 0.2 - tp) / 20)
        lufs = integrated_lufs(x * g, sr)
        if lufs > target_lufs + 4:  # keep very dense one-shots from being louder than music
            g *= 10 ** ((target_lufs + 4 - lufs) / 20)
        return (x * np.float32(g)).astype(np.float32)
    lufs = integrated_lufs(x, sr)
    if not np.isfinite(lufs):
        return x
    x = x * np.float32(10 ** ((target_lufs - lufs) / 20))
    x = limit(x, sr, ceiling_db - margin)
    tp = true_peak_db(x)
    if tp > ceiling_db - 0.1:
        x = x * np.float32(10 ** ((ceiling_db - 0.1 - tp) / 20))
    return x.astype(np.float32)
