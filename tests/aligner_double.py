"""A tiny deterministic aligner for catalogue/indexer tests: a real `Aligner` (fixed random
projection of a window's log band energies), so storage and batching are tested with real
vectors while the tests stay independent of the builtin model's weights and speed."""
from __future__ import annotations

import hashlib

import numpy as np

from aligner.base import Aligner, l2_normalise

N_BANDS = 48


def band_features(w: np.ndarray) -> np.ndarray:
    """One mono window at 16 kHz -> float32[N_BANDS + 2]: log band energies, log RMS, length."""
    w = np.asarray(w, dtype=np.float32)
    if w.ndim != 1 or len(w) > 10 * ProjectionAligner.sample_rate + 1:
        raise ValueError(f"window must be mono and at most 10 s, got {w.shape}")
    sr = ProjectionAligner.sample_rate
    n = max(len(w), 2048)
    spec = np.abs(np.fft.rfft(w, n=n)) ** 2
    edges = np.geomspace(20, sr / 2, N_BANDS + 1)
    idx = np.clip(np.searchsorted(edges, np.fft.rfftfreq(n, 1 / sr)) - 1, 0, N_BANDS - 1)
    bands = np.bincount(idx, weights=spec, minlength=N_BANDS)
    rms = float(np.sqrt(np.mean(w ** 2))) if len(w) else 0.0
    return np.concatenate([np.log(bands + 1e-6) / 10, [np.log(rms + 1e-6), len(w) / sr]]
                          ).astype(np.float32)


class ProjectionAligner(Aligner):
    sample_rate = 16_000

    def __init__(self, seed: int = 0, dim: int = 32, delay_s: float = 0.0):
        self.id = f"test-projection-{seed}-{dim}"
        self.dim = dim
        rng = np.random.default_rng(seed)
        self._proj = rng.standard_normal((N_BANDS + 2, dim)).astype(np.float32)
        self.calls: list[int] = []  # batch sizes seen by embed_windows
        self.delay_s = delay_s  # per batch: stands for a slow model in kill-and-resume tests

    def embed_windows(self, waveforms):
        self.calls.append(len(waveforms))
        if self.delay_s:
            import time
            time.sleep(self.delay_s)
        return self._project([band_features(w) for w in waveforms])

    def _project(self, feats) -> np.ndarray:
        return l2_normalise(np.asarray(feats, dtype=np.float32).reshape(-1, N_BANDS + 2) @ self._proj)

    def embed_text(self, texts):
        out = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            out.append(np.random.default_rng(seed).standard_normal(self.dim))
        return l2_normalise(np.asarray(out, dtype=np.float32))


class FeaturizedProjectionAligner(ProjectionAligner):
    """The same model, offering the indexer's worker-featurizer path (features computed in the
    decode workers, `embed_features` in the main process)."""
    window_featurizer = "aligner_double:band_features"

    def embed_features(self, feats):
        self.calls.append(len(feats))
        return self._project(list(feats))
