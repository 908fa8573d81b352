"""A tiny deterministic aligner for catalogue/indexer tests: a real `Aligner` (fixed random
projection of a window's log band energies), so storage and batching are tested with real
vectors while the tests stay independent of the builtin model's weights and speed."""
from __future__ import annotations

import hashlib

import numpy as np

from aligner.base import Aligner, l2_normalise

N_BANDS = 48


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
        feats = []
        edges = np.geomspace(20, self.sample_rate / 2, N_BANDS + 1)
        for w in waveforms:
            w = np.asarray(w, dtype=np.float32)
            if w.ndim != 1 or len(w) > 10 * self.sample_rate + 1:
                raise ValueError(f"window must be mono and at most 10 s, got {w.shape}")
            spec = np.abs(np.fft.rfft(w, n=max(len(w), 2048))) ** 2
            freqs = np.fft.rfftfreq(max(len(w), 2048), 1 / self.sample_rate)
            idx = np.clip(np.searchsorted(edges, freqs) - 1, 0, N_BANDS - 1)
            bands = np.bincount(idx, weights=spec, minlength=N_BANDS)
            rms = float(np.sqrt(np.mean(w ** 2))) if len(w) else 0.0
            feats.append(np.concatenate([np.log(bands + 1e-6) / 10, [np.log(rms + 1e-6), len(w) / self.sample_rate]]))
        return l2_normalise(np.asarray(feats, dtype=np.float32) @ self._proj)

    def embed_text(self, texts):
        out = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            out.append(np.random.default_rng(seed).standard_normal(self.dim))
        return l2_normalise(np.asarray(out, dtype=np.float32))
