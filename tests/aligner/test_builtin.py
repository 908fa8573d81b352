"""The builtin aligner's interface on real model code (random-initialised weights written by
the real exporter): shapes, L2 norm, determinism, any channel count / rate / length."""
from __future__ import annotations

import numpy as np
import pytest

from aligner.base import AlignerError, window_bounds
from aligner.builtin import BuiltinAligner
from aligner.features import SAMPLE_RATE, compute_features, n_frames


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    import torch

    from aligner.model import JointModel
    from aligner.train import export_weights
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("w") / "random.pt"
    model = JointModel().eval()
    # non-trivial BatchNorm statistics so that folding BN into the convolutions is exercised
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return export_weights(model, path, 0.25, {"note": "random weights for tests"})


@pytest.fixture(scope="module")
def aligner(weights):
    return BuiltinAligner(weights)


def _tone(freq, seconds, sr, channels=1):
    t = np.arange(int(seconds * sr)) / sr
    x = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([x] * channels, axis=1) if channels > 1 else x


def test_identity_and_shapes(aligner, weights):
    import hashlib
    assert aligner.id == "builtin-" + hashlib.sha256(weights.read_bytes()).hexdigest()[:10]
    assert aligner.dim == 256 and aligner.sample_rate == SAMPLE_RATE
    assert aligner.miss_threshold == pytest.approx(0.25)
    t = aligner.embed_text(["warm analog pad", "punchy kick drum", "warm analog pad"])
    assert t.shape == (3, 256) and t.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(t, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(t[0], t[2])
    assert not np.allclose(t[0], t[1])
    assert aligner.embed_text([]).shape == (0, 256)


def test_text_uncached_matches_cached(aligner):
    a = aligner.embed_text(["a slow sad piano ballad"], cache=False)
    b = aligner.embed_text(["a slow sad piano ballad"])
    np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("sr,channels,seconds", [(44_100, 2, 2.0), (22_050, 1, 3.0),
                                                 (8_000, 1, 1.5), (48_000, 2, 0.05),
                                                 (16_000, 1, 0.3)])
def test_audio_any_rate_channels_length(aligner, sr, channels, seconds):
    v = aligner.embed_audio([_tone(440, seconds, sr, channels)], sr)
    assert v.shape == (1, 256) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(v).all()


def test_long_audio_is_windowed_deterministically(aligner):
    x = _tone(220, 25.0, 22_050) + 0.05 * np.random.default_rng(0).standard_normal(
        int(25.0 * 22_050)).astype(np.float32)
    w1 = aligner.embed_audio_windows(x, 22_050)
    w2 = aligner.embed_audio_windows(x, 22_050)
    assert len(w1.windows) == len(window_bounds(int(25.0 * 16_000), 16_000)) == 4
    assert list(w1.starts) == [0.0, 5.0, 10.0, 15.0] and w1.ends[-1] == pytest.approx(25.0)
    assert np.array_equal(w1.windows, w2.windows) and np.array_equal(w1.pooled, w2.pooled)
    np.testing.assert_allclose(np.linalg.norm(w1.pooled), 1.0, atol=1e-5)


def test_window_embeds_the_same_alone_or_batched(aligner):
    rng = np.random.default_rng(1)
    short = (0.2 * rng.standard_normal(int(1.7 * SAMPLE_RATE))).astype(np.float32)
    long = _tone(330, 9.0, SAMPLE_RATE)
    alone = aligner.embed_windows([short])
    batched = aligner.embed_windows([long, short, _tone(100, 0.2, SAMPLE_RATE)])
    np.testing.assert_allclose(alone[0], batched[1], atol=2e-5)


def test_mono_and_identical_stereo_agree(aligner):
    mono = _tone(523.25, 2.0, 44_100)
    stereo = _tone(523.25, 2.0, 44_100, channels=2)
    np.testing.assert_allclose(aligner.embed_audio([mono], 44_100), aligner.embed_audio([stereo], 44_100),
                               atol=1e-6)


def test_features_put_energy_where_the_pitch_is():
    f = compute_features(_tone(440.0, 2.0, SAMPLE_RATE))
    assert f.shape == (76, n_frames(2 * SAMPLE_RATE))
    chroma = f[64:, 10:-10].mean(1)
    assert int(np.argmax(chroma)) == 9  # A
    low = compute_features(_tone(110.0, 2.0, SAMPLE_RATE))[:64].mean(1)
    high = compute_features(_tone(3000.0, 2.0, SAMPLE_RATE))[:64].mean(1)
    assert np.argmax(low) < 20 < np.argmax(high)
    # shorter than 1 s is zero-padded to 1 s
    assert compute_features(_tone(440, 0.05, SAMPLE_RATE)).shape[1] == n_frames(SAMPLE_RATE)


def test_corrupt_and_missing_weights_are_clear_errors(tmp_path):
    with pytest.raises(AlignerError, match="not found"):
        BuiltinAligner(tmp_path / "nope.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(np.random.default_rng(0).bytes(2000))
    with pytest.raises(AlignerError, match="cannot read"):
        BuiltinAligner(bad)
    import torch
    other = tmp_path / "other.pt"
    torch.save({"format": "something-else"}, other)
    with pytest.raises(AlignerError, match="not a builtin aligner weights file"):
        BuiltinAligner(other)


def test_worker_features_path_equals_windows(aligner):
    """The indexer computes features in its workers (`window_featurizer`) and embeds them with
    `embed_features`: same vectors as `embed_windows` on the raw windows."""
    import importlib
    mod, fn = aligner.window_featurizer.split(":")
    featurize = getattr(importlib.import_module(mod), fn)
    waves = [_tone(440, 2.5, SAMPLE_RATE), _tone(90, 0.2, SAMPLE_RATE), _tone(1000, 10.0, SAMPLE_RATE)]
    np.testing.assert_allclose(aligner.embed_features([featurize(w) for w in waves]),
                               aligner.embed_windows(waves), atol=2e-5)
