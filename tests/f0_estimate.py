"""Pitch of a test render by autocorrelation, shared by the DSP test modules (imported by name:
tests/ is on sys.path)."""
from __future__ import annotations

import numpy as np


def f0_autocorr(x, sr, expect, span=1.5):
    """Fundamental by autocorrelation, searched between expect/span and expect*span (1.5: a fifth
    either side, no octave jumps), with parabolic interpolation of the peak lag."""
    x = x - x.mean()
    r = np.fft.irfft(np.abs(np.fft.rfft(x, 2 * x.size)) ** 2)[: x.size]
    lo, hi = int(sr / (expect * span)), int(sr / (expect / span)) + 1
    k = lo + int(np.argmax(r[lo:hi]))
    a, b, c = r[k - 1], r[k], r[k + 1]
    return sr / (k + 0.5 * (a - c) / (a - 2 * b + c))
