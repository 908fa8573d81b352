"""aligner.audio.to_mono_resampled: the matmul form of scipy's resample_poly must equal
resample_poly (the training cache used it) to float32 rounding, at every rate pair and length."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from aligner.audio import to_mono_resampled


@pytest.mark.parametrize("sr,target", [(44_100, 16_000), (48_000, 16_000), (22_050, 16_000),
                                       (8_000, 16_000), (11_025, 16_000), (32_000, 16_000),
                                       (44_100, 48_000), (34_000, 16_000)])
def test_resampling_equals_resample_poly(sr, target):
    from math import gcd
    rng = np.random.default_rng(sr)
    g = gcd(sr, target)
    for n in (1, 2, 7, 441, int(1.7 * sr)):
        x = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
        want = resample_poly(x.mean(axis=1), target // g, sr // g).astype(np.float32)
        got = to_mono_resampled(x, sr, target)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= 2e-6, (n, np.abs(got - want).max())


def test_same_rate_and_bad_input():
    x = np.linspace(-1, 1, 1000, dtype=np.float32)
    assert np.array_equal(to_mono_resampled(x, 16_000, 16_000), x)
    assert to_mono_resampled(np.zeros(0, np.float32), 44_100, 16_000).shape == (0,)
    with pytest.raises(ValueError, match="sample rate"):
        to_mono_resampled(x, 0, 16_000)
    with pytest.raises(ValueError, match="shape"):
        to_mono_resampled(np.zeros((2, 2, 2), np.float32), 16_000, 16_000)
