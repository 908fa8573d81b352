"""The `Aligner` interface: one joint, L2-normalised text-audio space.

Every backend (the builtin model, HF CLAP, LAION-CLAP .pt) implements this; nothing above
`aligner/` knows which one it has.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

# Long audio is cut into fixed windows (never at random); a file vector is the mean of its
# window vectors, re-normalised. One-shots shorter than a window are one window.
WINDOW_S = 10.0
HOP_S = 5.0


class AlignerError(RuntimeError):
    """An aligner cannot be built or used (missing weights, bad checkpoint, bad input)."""

    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason


class AlignerMismatchError(AlignerError):
    """The index was built by another aligner: its vectors live in another space."""


@dataclass(frozen=True)
class WindowEmbedding:
    """Embeddings of one waveform: `windows` float32[n, dim] with `starts`/`ends` in seconds,
    and `pooled` float32[dim], the file-level vector."""
    windows: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    pooled: np.ndarray


def window_bounds(n_samples: int, sr: int, window_s: float = WINDOW_S, hop_s: float = HOP_S
                  ) -> list[tuple[int, int]]:
    """Deterministic window boundaries in samples: [0, W), [H, H+W), ... the last window ends at
    the end of the audio (shifted back so it is full length when the audio is longer than W)."""
    win, hop = int(round(window_s * sr)), int(round(hop_s * sr))
    if n_samples <= win:
        return [(0, n_samples)]
    bounds = []
    start = 0
    while start + win < n_samples:
        bounds.append((start, start + win))
        start += hop
    bounds.append((n_samples - win, n_samples))
    return bounds


def l2_normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.maximum(n, 1e-12)).astype(np.float32)


class Aligner(ABC):
    """A joint text-audio embedding model."""

    #: name + short hash of the weights, e.g. "builtin-3f2a9c1d"; recorded by the index.
    id: str
    #: embedding size
    dim: int
    #: the rate audio is resampled to before embedding
    sample_rate: int
    #: similarity below which a search is a miss (calibrated by `aligner eval`), or None
    miss_threshold: float | None = None

    @abstractmethod
    def embed_text(self, texts: list[str]) -> np.ndarray:
        """Texts -> float32[n, dim], L2-normalised."""

    @abstractmethod
    def embed_windows(self, waveforms: list[np.ndarray]) -> np.ndarray:
        """Waveforms already at `sample_rate`, mono float32, each at most one window long ->
        float32[n, dim], L2-normalised."""

    def embed_audio_windows(self, waveform: np.ndarray, sr: int) -> WindowEmbedding:
        """Any waveform (samples,) or (samples, channels), any rate, any length -> per-window
        vectors + pooled file vector."""
        from aligner.audio import to_mono_resampled
        x = to_mono_resampled(waveform, sr, self.sample_rate)
        bounds = window_bounds(len(x), self.sample_rate)
        vecs = []
        for i in range(0, len(bounds), 16):  # bounded memory for hour-long files
            vecs.append(self.embed_windows([x[a:b] for a, b in bounds[i:i + 16]]))
        windows = np.concatenate(vecs, axis=0)
        starts = np.array([a / self.sample_rate for a, _ in bounds], dtype=np.float64)
        ends = np.array([b / self.sample_rate for _, b in bounds], dtype=np.float64)
        return WindowEmbedding(windows, starts, ends, l2_normalise(windows.mean(axis=0)))

    def embed_audio(self, waveforms: list[np.ndarray], sr: int) -> np.ndarray:
        """Waveforms at rate `sr` -> float32[n, dim] file-level (pooled) vectors."""
        return np.stack([self.embed_audio_windows(w, sr).pooled for w in waveforms])
