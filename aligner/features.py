"""Audio features of the builtin aligner (numpy + scipy.fft; no torchaudio).

One feature matrix per clip, float[N_FEATURES, frames], all in natural-log power:
rows 0..63  log-mel (64 bands, 20 Hz - 8 kHz, n_fft 1024, hop 256 at 16 kHz: 62.5 frames/s);
rows 64..75 log-chroma (12 pitch classes C..B, from a longer n_fft 4096 STFT, because 64 mel
            bands are ~1.5 semitones wide at 500 Hz: too coarse for key and mode). The model only
            uses its time average, so it is computed at hop 1024 and repeated to the mel frames
            (4x cheaper; the repeat keeps crops and time-stretches of the matrix consistent).
Log power makes feature-domain augmentation simple: a gain is an added constant, an EQ an added
curve, and mixing two sounds is `logaddexp`. The training cache stores exactly these matrices.
"""
from __future__ import annotations

import math

import numpy as np

SAMPLE_RATE = 16_000
N_FFT = 1024
HOP = 256
N_MELS = 64
F_MIN, F_MAX = 20.0, 8000.0
CHROMA_N_FFT = 4096
CHROMA_HOP = 4 * HOP
CHROMA_F_MIN, CHROMA_F_MAX = 55.0, 4200.0  # A1 .. ~C8: where pitch classes are resolvable
N_CHROMA = 12
N_FEATURES = N_MELS + N_CHROMA
FRAMES_PER_S = SAMPLE_RATE / HOP
MIN_SAMPLES = SAMPLE_RATE  # clips shorter than 1 s are zero-padded to 1 s (train and inference)
LOG_EPS = 1e-7  # floor of the power before the log (-16.1): far below any audible level

# the STFT bins the chroma filters cover (the rest are zero)
_CHROMA_BINS = (int(CHROMA_F_MIN * CHROMA_N_FFT / SAMPLE_RATE) - 1,
                int(CHROMA_F_MAX * CHROMA_N_FFT / SAMPLE_RATE) + 3)
_CACHE: dict = {}
FFT_WORKERS = -1  # scipy.fft threads (-1 = all cores); worker processes set 1


def _hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank() -> np.ndarray:
    """float32[N_MELS, N_FFT//2+1] triangular HTK-mel filters with area normalisation (Slaney)."""
    freqs = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    pts = _mel_to_hz(np.linspace(_hz_to_mel(F_MIN), _hz_to_mel(F_MAX), N_MELS + 2))
    fb = np.zeros((N_MELS, len(freqs)))
    for i in range(N_MELS):
        lo, mid, hi = pts[i], pts[i + 1], pts[i + 2]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        fb[i] = np.maximum(0.0, np.minimum(up, down)) * (2.0 / (hi - lo))
    return fb.astype(np.float32)


def chroma_filterbank() -> np.ndarray:
    """float32[12, CHROMA_N_FFT//2+1]: each STFT bin in range goes to its pitch class with a
    Gaussian weight (sigma 0.35 semitone) so that bins between two semitones count little."""
    freqs = np.linspace(0, SAMPLE_RATE / 2, CHROMA_N_FFT // 2 + 1)
    fb = np.zeros((N_CHROMA, len(freqs)))
    ok = (freqs >= CHROMA_F_MIN) & (freqs <= CHROMA_F_MAX)
    midi = 69.0 + 12.0 * np.log2(np.maximum(freqs, 1e-6) / 440.0)
    for pc in range(N_CHROMA):
        # distance in semitones to the nearest note of pitch class pc (C = 0)
        d = (midi - pc + 6.0) % 12.0 - 6.0
        fb[pc] = np.exp(-0.5 * (d / 0.35) ** 2) * ok
    return fb.astype(np.float32)


def _bases():
    if "fb" not in _CACHE:
        lo, hi = _CHROMA_BINS
        _CACHE["fb"] = (
            np.ascontiguousarray(mel_filterbank().T),  # [bins, mels]
            np.ascontiguousarray(chroma_filterbank()[:, lo:hi].T),  # [bins in range, 12]
            (np.hanning(N_FFT + 1)[:-1] / (np.hanning(N_FFT + 1)[:-1].sum())).astype(np.float32),
            (np.hanning(CHROMA_N_FFT + 1)[:-1]
             / np.hanning(CHROMA_N_FFT + 1)[:-1].sum()).astype(np.float32),
        )
    return _CACHE["fb"]


def n_frames(n_samples: int) -> int:
    """Frames of a clip of `n_samples` (after padding to MIN_SAMPLES), centred framing."""
    return max(n_samples, MIN_SAMPLES) // HOP + 1


def pad_min(x: np.ndarray) -> np.ndarray:
    if len(x) < MIN_SAMPLES:
        x = np.concatenate([x, np.zeros(MIN_SAMPLES - len(x), dtype=np.float32)])
    return x


def _power_frames(batch: np.ndarray, n_fft: int, hop: int, offset: int, frames: int,
                  window: np.ndarray, bins: tuple[int, int]) -> np.ndarray:
    """batch float32[B, n] -> power float32[B, frames, bins] of frames centred at
    offset + k*hop (zero outside the signal)."""
    from numpy.lib.stride_tricks import sliding_window_view
    import scipy.fft
    left = n_fft // 2 - offset
    need = (frames - 1) * hop + n_fft
    padded = np.zeros((batch.shape[0], need), dtype=np.float32)
    a, b = max(0, left), min(need, left + batch.shape[1])
    padded[:, a:b] = batch[:, a - left:b - left]
    fr = sliding_window_view(padded, n_fft, axis=1)[:, ::hop][:, :frames] * window
    spec = scipy.fft.rfft(fr, axis=-1, workers=FFT_WORKERS)[..., bins[0]:bins[1]]
    return (spec.real ** 2 + spec.imag ** 2).astype(np.float32)


def compute_features_numpy(waves) -> tuple[np.ndarray, np.ndarray]:
    """Mono float32 waveforms at SAMPLE_RATE (any lengths) -> (float32[B, N_FEATURES, T],
    int64[B] valid frames). Shorter clips are zero-padded to 1 s; frames past a clip's valid
    length hold the log floor and must be masked by the caller.

    The FFTs run in scipy (multi-threaded pocketfft: 4x faster than torch.stft on this CPU)."""
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
    # 2-d matmuls: numpy's batched 3-d matmul is ~8x slower here
    mel = np.log(power.reshape(b * frames, -1) @ mel_fb + LOG_EPS).reshape(b, frames, N_MELS)
    rep = CHROMA_HOP // HOP
    cframes = -(-frames // rep)
    # chroma frame k covers mel frames k*rep .. k*rep+rep-1: centred on their middle
    cpower = _power_frames(batch, CHROMA_N_FFT, CHROMA_HOP, (rep - 1) * HOP // 2, cframes, cwin,
                           _CHROMA_BINS)
    chroma = np.log(cpower.reshape(b * cframes, -1) @ chroma_fb + LOG_EPS).reshape(b, cframes, -1)
    chroma = np.repeat(chroma, rep, axis=1)[:, :frames]
    feats = np.concatenate([mel, chroma], axis=2).transpose(0, 2, 1)
    valid = np.minimum(frames, lens // HOP + 1).astype(np.int64)
    tail = np.arange(frames)[None, :] >= valid[:, None]
    feats = np.where(tail[:, None, :], np.float32(math.log(LOG_EPS)), feats)
    return np.ascontiguousarray(feats, dtype=np.float32), valid


def compute_features_batch(waves):
    """As `compute_features_numpy`, as torch tensors (float32 [B, 76, T], int64 [B])."""
    import torch
    feats, valid = compute_features_numpy(waves)
    return torch.from_numpy(feats), torch.from_numpy(valid)


def compute_features(wave: np.ndarray) -> np.ndarray:
    """One mono waveform at SAMPLE_RATE -> float32[N_FEATURES, frames]."""
    feats, valid = compute_features_numpy([wave])
    return feats[0, :, :int(valid[0])]


def pad_features(feats: list[np.ndarray]):
    """Feature matrices float[76, T_i] -> (float32 tensor [B, 76, max T], int64 tensor [B])."""
    import torch
    t = max(f.shape[1] for f in feats)
    x = torch.full((len(feats), N_FEATURES, t), math.log(LOG_EPS), dtype=torch.float32)
    for i, f in enumerate(feats):
        x[i, :, :f.shape[1]] = torch.from_numpy(np.asarray(f, dtype=np.float32))
    return x, torch.tensor([f.shape[1] for f in feats], dtype=torch.long)
