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
import os
import threading

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
_LOCK = threading.Lock()
FFT_WORKERS = -1  # feature threads (-1 = all cores); worker processes set 1


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


# ---- the fast path ------------------------------------------------------------------------
# Frames are processed in chunks that stay in the CPU cache (frame -> FFT -> power -> filters),
# and each filterbank is applied as a few dense blocks over the STFT bins its bands cover (the
# mel matrix is >95% zeros). Every matmul stays below OpenBLAS's multi-threading threshold
# (m*n*k < 262,144): threaded BLAS on matrices this small mostly spins, and on a shared 2-core
# machine that spinning cost 2x. Results match the plain dense formulation to float rounding.
MEL_CHUNK = 128  # frames per chunk: 128 x 1024 float32 = 512 KB through the FFT
CHROMA_CHUNK = 16  # 16 x 4096; also keeps the 16 x 1066 x 12 chroma matmul single-threaded
MEL_BLOCK_BANDS = 8
DENORMAL = 1e-30  # filter weights below this are zero: x87/SSE slow paths, no effect on the log


def _blocks(fb: np.ndarray, group: int) -> list[tuple[int, int, int, int, np.ndarray]]:
    """Dense `fb` [bins, bands] -> [(band_lo, band_hi, bin_lo, bin_hi, weights)] over groups of
    `group` consecutive bands, each restricted to the bins where those bands are non-zero."""
    out = []
    for b0 in range(0, fb.shape[1], group):
        b1 = min(b0 + group, fb.shape[1])
        rows = np.flatnonzero((fb[:, b0:b1] != 0).any(axis=1))
        lo, hi = (int(rows[0]), int(rows[-1]) + 1) if len(rows) else (0, 1)
        out.append((b0, b1, lo, hi, np.ascontiguousarray(fb[lo:hi, b0:b1])))
    return out


def _plan():
    if "plan" not in _CACHE:
        mel_fb, chroma_in_range, win, cwin = _bases()
        lo, hi = _CHROMA_BINS
        chroma_fb = np.zeros((CHROMA_N_FFT // 2 + 1, N_CHROMA), dtype=np.float32)
        chroma_fb[lo:hi] = np.where(np.abs(chroma_in_range) < DENORMAL, 0, chroma_in_range)
        _CACHE["plan"] = (_blocks(mel_fb, MEL_BLOCK_BANDS), _blocks(chroma_fb, N_CHROMA),
                          win, cwin)
    return _CACHE["plan"]


def _padded(x: np.ndarray, stfts: list[tuple[int, int, int, int]]) -> tuple[np.ndarray, list[int]]:
    """One zero-padded copy of `x` serving several STFTs, each (n_fft, hop, offset, frames)
    with frame k centred at offset + k*hop of `x` (zero outside the signal) -> (buffer, the
    index in it of each STFT's first frame)."""
    lefts = [n_fft // 2 - offset for n_fft, _, offset, _ in stfts]
    ends = [(frames - 1) * hop + n_fft - left
            for (n_fft, hop, _, frames), left in zip(stfts, lefts)]
    left = max(0, *lefts)
    n = min(len(x), max(ends))
    buf = np.empty(left + max(ends), dtype=np.float32)
    buf[:left] = 0.0
    buf[left:left + n] = x[:n]
    buf[left + n:] = 0.0
    return buf, [left - lf for lf in lefts]


def _log_filtered_stft(padded: np.ndarray, start: int, n_fft: int, hop: int, frames: int,
                       window: np.ndarray, blocks, chunk: int, out: np.ndarray,
                       fft_workers: int) -> None:
    """out[frames, bands] = log(|STFT|^2 @ filters + LOG_EPS), frame k being
    padded[start + k*hop : start + k*hop + n_fft]."""
    from numpy.lib.stride_tricks import sliding_window_view
    import scipy.fft
    view = sliding_window_view(padded[start:start + (frames - 1) * hop + n_fft], n_fft)[::hop]
    lo = min(blk[2] for blk in blocks)
    hi = max(blk[3] for blk in blocks)
    buf = np.empty((min(chunk, frames), n_fft), dtype=np.float32)
    power = np.empty((min(chunk, frames), hi - lo), dtype=np.float32)
    for s in range(0, frames, chunk):
        c = min(chunk, frames - s)
        np.multiply(view[s:s + c], window, out=buf[:c])
        spec = scipy.fft.rfft(buf[:c], axis=-1, workers=fft_workers)[:, lo:hi]
        p = power[:c]
        np.abs(spec, out=p)  # |z| then squared: 2.5x faster than re^2 + im^2, same to 1 ulp
        np.square(p, out=p)
        for b0, b1, k0, k1, w in blocks:
            np.matmul(p[:, k0 - lo:k1 - lo], w, out=out[s:s + c, b0:b1])
    out += LOG_EPS
    np.log(out, out=out)


def compute_features_numpy(waves) -> tuple[np.ndarray, np.ndarray]:
    """Mono float32 waveforms at SAMPLE_RATE (any lengths) -> (float32[B, N_FEATURES, T],
    int64[B] valid frames). Shorter clips are zero-padded to 1 s; frames past a clip's valid
    length hold the log floor and must be masked by the caller.

    Each clip is computed on its own (a clip's frames do not depend on the others in the
    batch), clips in parallel on FFT_WORKERS threads; the FFTs run in scipy (pocketfft,
    vectorised over frames: 4x faster than torch.stft and 9x numpy.fft on this CPU)."""
    waves = [pad_min(np.asarray(w, dtype=np.float32).reshape(-1)) for w in waves]
    valid = np.array([len(w) // HOP + 1 for w in waves], dtype=np.int64)
    out = np.full((len(waves), N_FEATURES, int(valid.max())), math.log(LOG_EPS), dtype=np.float32)
    _plan()  # built once, before any thread needs it
    threads = _threads()
    if threads > 1 and len(waves) > 1:
        # numpy and pocketfft release the GIL: clips in parallel threads scale better than
        # splitting each clip's FFT batch across threads
        list(_executor(threads).map(lambda i: _clip_features(waves[i], out[i], 1),
                                    range(len(waves))))
    else:
        for w, o in zip(waves, out):
            _clip_features(w, o, threads)
    return out, valid


def _threads() -> int:
    return (os.cpu_count() or 1) if FFT_WORKERS < 1 else FFT_WORKERS


def _executor(threads: int):
    from concurrent.futures import ThreadPoolExecutor
    with _LOCK:
        if _CACHE.get("pool_threads") != threads:
            _CACHE["pool"] = ThreadPoolExecutor(threads, thread_name_prefix="features")
            _CACHE["pool_threads"] = threads
        return _CACHE["pool"]


def _clip_features(w: np.ndarray, out: np.ndarray, fft_workers: int) -> None:
    """One padded clip -> its valid frames of out float32[N_FEATURES, T]."""
    mel_blocks, chroma_blocks, win, cwin = _plan()
    t = len(w) // HOP + 1
    rep = CHROMA_HOP // HOP
    # chroma frame k covers mel frames k*rep .. k*rep+rep-1: centred on their middle
    cframes = -(-t // rep)
    padded, (m0, c0) = _padded(w, [(N_FFT, HOP, 0, t),
                                   (CHROMA_N_FFT, CHROMA_HOP, (rep - 1) * HOP // 2, cframes)])
    mel = np.empty((t, N_MELS), dtype=np.float32)
    _log_filtered_stft(padded, m0, N_FFT, HOP, t, win, mel_blocks, MEL_CHUNK, mel, fft_workers)
    chroma = np.empty((cframes, N_CHROMA), dtype=np.float32)
    _log_filtered_stft(padded, c0, CHROMA_N_FFT, CHROMA_HOP, cframes, cwin, chroma_blocks,
                       CHROMA_CHUNK, chroma, fft_workers)
    out[:N_MELS, :t] = mel.T
    out[N_MELS:, :t] = np.repeat(chroma.T, rep, axis=1)[:, :t]


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
