"""aligner.audio.to_mono_resampled: scipy's resample_poly with a filter designed once per rate
pair must give bit-identical output to resample_poly's own (the training cache used it)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from aligner.audio import to_mono_resampled


@pytest.mark.parametrize("sr,target", [(44_100, 16_000), (48_000, 16_000), (22_050, 16_000),
                                       (8_000, 16_000), (11_025, 16_000), (44_100, 48_000)])
def test_resampling_is_identical_to_resample_poly(sr, target):
    from math import gcd
    rng = np.random.default_rng(sr)
    x = (0.3 * rng.standard_normal((int(1.7 * sr), 2))).astype(np.float32)
    mono = x.mean(axis=1)
    g = gcd(sr, target)
    want = resample_poly(mono, target // g, sr // g).astype(np.float32)
    for _ in range(2):  # the second call uses the cached filter
        got = to_mono_resampled(x, sr, target)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        assert np.array_equal(got, want)


def test_same_rate_and_bad_input():
    x = np.linspace(-1, 1, 1000, dtype=np.float32)
    assert np.array_equal(to_mono_resampled(x, 16_000, 16_000), x)
    assert to_mono_resampled(np.zeros(0, np.float32), 44_100, 16_000).shape == (0,)
    with pytest.raises(ValueError, match="sample rate"):
        to_mono_resampled(x, 0, 16_000)
    with pytest.raises(ValueError, match="shape"):
        to_mono_resampled(np.zeros((2, 2, 2), np.float32), 16_000, 16_000)
