"""The search tests' library and `DescribingAligner` (a unique module name: `from conftest
import` is ambiguous with several conftest.py files)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from aligner.base import Aligner, l2_normalise

# relative path -> (seconds, rate, channels, (format, subtype), signal, tags)
LIBRARY = {
    "drums/kicks/Kick_808_Punchy.wav": (1.0, 44_100, 1, ("WAV", "PCM_16"), "sine60", None),
    "drums/hats/HH_open_01.wav": (0.5, 44_100, 1, ("WAV", "PCM_16"), "noise", None),
    "tones/a440.flac": (2.0, 48_000, 1, ("FLAC", "PCM_16"), "sine440", None),
    "tones/a880_stereo.ogg": (1.5, 22_050, 2, ("OGG", "VORBIS"), "sine880", None),
    "tones/fork.flac": (1.0, 44_100, 1, ("FLAC", "PCM_16"), "sine2500",
                        {"title": "Tuning Fork", "genre": "Ambient"}),
    "long/sweep_25s.flac": (25.0, 16_000, 1, ("FLAC", "PCM_16"), "sweep", None),
}
GENERATED = "generated/gen_clip.flac"


class DescribingAligner(Aligner):
    """Audio -> square root of its energy share in DIM log-spaced bands (distinct tones are
    orthogonal, noise is near everything); text -> the embedding of the sound it names."""
    sample_rate = 16_000
    dim = 32
    id = "test-describing-32"
    miss_threshold = None

    def embed_windows(self, waveforms):
        edges = np.geomspace(30, self.sample_rate / 2, self.dim + 1)
        out = []
        for w in waveforms:
            n = max(len(w), 2048)
            spec = np.abs(np.fft.rfft(np.asarray(w, np.float64), n=n)) ** 2
            idx = np.clip(np.searchsorted(edges, np.fft.rfftfreq(n, 1 / self.sample_rate)) - 1,
                          0, self.dim - 1)
            bands = np.bincount(idx, weights=spec, minlength=self.dim)
            out.append(np.sqrt(bands / max(bands.sum(), 1e-12)))
        return l2_normalise(np.asarray(out, dtype=np.float32))

    def embed_text(self, texts):
        out = []
        for t in texts:
            wave = describe(t, self.sample_rate)
            if wave is None:  # a fixed pseudo-random direction per text
                seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
                out.append(np.random.default_rng(seed).standard_normal(self.dim))
            else:
                out.append(self.embed_windows([wave])[0])
        return l2_normalise(np.asarray(out, dtype=np.float32))


def describe(text: str, sr: int) -> np.ndarray | None:
    t = np.arange(sr) / sr
    m = re.search(r"sine\s*(\d+)", text)
    if m:
        return (0.4 * np.sin(2 * np.pi * float(m.group(1)) * t)).astype(np.float32)
    if "noise" in text:
        return (0.2 * np.random.default_rng(0).standard_normal(sr)).astype(np.float32)
    return None


def _write(root: Path, rel: str, spec) -> Path:
    import soundfile as sf
    secs, sr, ch, fmt, kind, tags = spec
    n = int(secs * sr)
    t = np.arange(n) / sr
    if kind.startswith("sine"):
        x = 0.4 * np.sin(2 * np.pi * float(kind[4:]) * t)
    elif kind == "noise":
        x = 0.2 * np.random.default_rng(0).standard_normal(n)
    else:  # "sweep": 100 Hz rising, so its windows differ from each other
        x = 0.4 * np.sin(2 * np.pi * (100 + 60 * t) * t)
    x = x.astype(np.float32)
    if ch > 1:
        x = np.stack([x] * ch, axis=1)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with sf.SoundFile(path, "w", sr, ch, format=fmt[0], subtype=fmt[1]) as f:
        for k, v in (tags or {}).items():  # tags precede the audio in FLAC/Ogg
            setattr(f, k, v)
        for i in range(0, n, 65_536):  # blocks: one long Ogg write can crash libsndfile
            f.write(x[i:i + 65_536])
    return path
