"""The optimised builtin features (aligner.features) against the frozen reference implementation
the training cache was computed with: same shapes and valid frames, log values equal to float
rounding, on decoded real audio files as the indexer sees them and on edge-case lengths."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aligner.audio import to_mono_resampled
from aligner.base import window_bounds
from aligner.features import (HOP, LOG_EPS, MIN_SAMPLES, N_FEATURES, SAMPLE_RATE,
                              compute_features, compute_features_numpy)
from features_reference import reference_features

# The brief allows 1e-3 (log units); the implementations differ only by summation order and
# |z|^2 rounding, ~1e-6, so a tighter bound catches a real regression early.
TOLERANCE = 1e-4
REAL_AUDIO = Path(__file__).resolve().parents[2] / "work-data" / "realaudio" / "catalogue"


def _music(seconds: float, sr: int, seed: int) -> np.ndarray:
    """float32[n, 2]: chords, a kick, hats, a quiet noise bed and a fade to digital silence, so
    loud, quiet and floor-level bands all occur."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    x = np.zeros(n)
    for f0 in 110 * 2 ** (rng.choice([0, 3, 4, 7, 10], 3) / 12):
        x += sum(np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6)) / h ** 1.5 for h in range(1, 8))
    beat = 60 / rng.uniform(90, 150)
    ph = t % beat
    x = 0.1 * x + 0.6 * np.sin(2 * np.pi * 55 * ph * np.exp(-ph * 6)) * np.exp(-ph * 9)
    x += 0.05 * rng.standard_normal(n) * np.exp(-((t + beat / 2) % beat) * 50)
    x += 1e-4 * rng.standard_normal(n)
    x *= np.clip((seconds - 2.0 - t) / 2.0, 0.0, 1.0)  # fade out, then 2 s of exact zeros
    return np.stack([x, 0.8 * x], axis=1).astype(np.float32) * 0.7


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[tuple[np.ndarray, int]]:
    """Decoded real encoded files (Ogg Vorbis and FLAC, 44.1 kHz stereo): (float32[n, 2], sr)."""
    import soundfile as sf
    root = tmp_path_factory.mktemp("feat")
    out = []
    for i, (fmt, sub, ext, secs) in enumerate([("OGG", "VORBIS", "ogg", 14.0),
                                               ("FLAC", "PCM_16", "flac", 3.3)]):
        path = root / f"clip{i}.{ext}"
        x = _music(secs, 44_100, seed=i)
        with sf.SoundFile(path, "w", 44_100, 2, format=fmt, subtype=sub) as f:
            for j in range(0, len(x), 65_536):
                f.write(x[j:j + 65_536])
        out.append(sf.read(str(path), dtype="float32", always_2d=True))
    return out


@pytest.fixture(scope="module")
def decoded(files) -> list[np.ndarray]:
    """Mono 16 kHz audio as the indexer prepares it."""
    return [to_mono_resampled(y, sr, SAMPLE_RATE) for y, sr in files]


def _assert_equivalent(waves) -> None:
    got, valid = compute_features_numpy(waves)
    ref, ref_valid = reference_features(waves)
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.array_equal(valid, ref_valid)
    err = np.abs(got - ref).max()
    assert err <= TOLERANCE, f"max |log difference| {err}"


def test_indexer_windows_match_the_reference(decoded):
    for audio in decoded:
        windows = [audio[a:b] for a, b in window_bounds(len(audio), SAMPLE_RATE)]
        for w in windows:
            _assert_equivalent([w])
        _assert_equivalent(windows)


def test_resampled_features_match_the_reference_pipeline(files):
    """The whole path (downmix, resampling, features) against the one the cache was made
    with: scipy's resample_poly, then the reference features."""
    from scipy.signal import resample_poly
    for y, sr in files:
        old = resample_poly(y.mean(axis=1), 160, 441).astype(np.float32)
        new = to_mono_resampled(y, sr, SAMPLE_RATE)
        assert sr == 44_100 and new.shape == old.shape
        got, valid = compute_features_numpy([new])
        ref, ref_valid = reference_features([old])
        assert got.shape == ref.shape and np.array_equal(valid, ref_valid)
        assert np.abs(got - ref).max() <= TOLERANCE


def test_edge_lengths_and_mixed_batches_match_the_reference(decoded):
    rng = np.random.default_rng(1)
    src = decoded[0]
    lengths = [0, 1, 100, MIN_SAMPLES - 1, MIN_SAMPLES, MIN_SAMPLES + HOP - 1, MIN_SAMPLES + HOP,
               4 * HOP * 17 + 3, 160_000, 160_001]
    waves = [src[:n] for n in lengths] + [np.zeros(20_000, np.float32),
                                          (rng.standard_normal(30_000) * 3).astype(np.float32)]
    _assert_equivalent(waves)
    for w in waves:
        _assert_equivalent([w])


def test_layout_floor_and_single_clip(decoded):
    audio = decoded[1]
    feats, valid = compute_features_numpy([audio[:MIN_SAMPLES // 2], audio])
    assert feats.shape == (2, N_FEATURES, len(audio) // HOP + 1)
    assert list(valid) == [MIN_SAMPLES // HOP + 1, len(audio) // HOP + 1]
    # frames past the short clip's valid length hold exactly the log floor
    assert (feats[0, :, valid[0]:] == np.float32(np.log(LOG_EPS))).all()
    assert np.isfinite(feats).all()
    one = compute_features(audio)
    assert one.shape == (N_FEATURES, valid[1])
    assert np.array_equal(one, feats[1, :, :valid[1]])


@pytest.mark.skipif(not REAL_AUDIO.is_dir(), reason="real-audio dev set not present")
def test_real_recordings_match_the_reference():
    import soundfile as sf
    files = sorted(REAL_AUDIO.glob("*.*"))[::40][:6]
    for path in files:
        y, sr = sf.read(str(path), dtype="float32", always_2d=True)
        audio = to_mono_resampled(y, sr, SAMPLE_RATE)
        bounds = window_bounds(len(audio), SAMPLE_RATE)
        _assert_equivalent([audio[a:b] for a, b in bounds[:4]])
