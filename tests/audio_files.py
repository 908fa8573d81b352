"""Tiny real audio files for tests (good and bad kinds), importable by test modules and
subprocess helpers under a unique name (several conftest.py files exist, so `from conftest
import` is ambiguous)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

# name -> (seconds, rate, channels, format/subtype, signal)
GOOD_AUDIO = {
    "sines/a440_mono.wav": (2.0, 44_100, 1, ("WAV", "PCM_16"), "sine440"),
    "sines/a220_stereo.flac": (1.5, 48_000, 2, ("FLAC", "PCM_16"), "sine220"),
    "noise/white.ogg": (2.0, 22_050, 1, ("OGG", "VORBIS"), "noise"),
    "noise/pink_stereo.aiff": (1.0, 32_000, 2, ("AIFF", "PCM_16"), "noise"),
    "long/clip_12s.flac": (12.0, 16_000, 1, ("FLAC", "PCM_16"), "sweep"),
    "sines/a660.opus": (1.0, 48_000, 1, ("OGG", "OPUS"), "sine660"),
    "sines/a330.mp3": (1.0, 44_100, 1, ("MP3", "MPEG_LAYER_III"), "sine330"),
}
TAGGED = "tagged/kick_tagged.flac"
TAGS = {"title": "Big Kick", "artist": "Crate Tester", "genre": "Techno", "comment": "one-shot"}
# bad file -> the failure kind the indexer must record
BAD_AUDIO = {
    "bad/empty.wav": "empty",
    "bad/random_bytes.mp3": "not audio",
    "bad/text_file.wav": "not audio",
    "bad/truncated.flac": "truncated",
    "bad/truncated.wav": "truncated",
}


def signal(kind: str, seconds: float, sr: int, channels: int, seed: int = 0,
           sweep_rate: float = 150.0) -> np.ndarray:
    n = int(round(seconds * sr))
    t = np.arange(n) / sr
    rng = np.random.default_rng(seed)
    if kind.startswith("sine"):
        x = 0.4 * np.sin(2 * np.pi * float(kind[4:]) * t)
    elif kind == "noise":
        x = 0.2 * rng.standard_normal(n)
    elif kind == "sweep":  # changes over time, so its windows differ
        x = 0.4 * np.sin(2 * np.pi * (100 + sweep_rate * t) * t)
    elif kind == "silence":
        x = np.zeros(n)
    else:
        raise ValueError(kind)
    x = x.astype(np.float32)
    if channels > 1:
        x = np.stack([x * (1 - 0.2 * c) for c in range(channels)], axis=1)
    return x


def write_audio(path: Path, seconds: float, sr: int, channels: int, fmt: tuple[str, str],
                kind: str, tags: dict | None = None, seed: int = 0, sweep_rate: float = 150.0) -> Path:
    import soundfile as sf
    path.parent.mkdir(parents=True, exist_ok=True)
    x = signal(kind, seconds, sr, channels, seed, sweep_rate)
    with sf.SoundFile(path, "w", sr, channels, format=fmt[0], subtype=fmt[1]) as f:
        for k, v in (tags or {}).items():  # tags must precede the audio in FLAC/Ogg
            setattr(f, k, v)
        for i in range(0, len(x), 65_536):  # blocks: one long Ogg write can crash libsndfile
            f.write(x[i:i + 65_536])
    return path


def write_bad(root: Path) -> dict[str, str]:
    """The bad files of BAD_AUDIO under `root`; returns {absolute path: expected kind}."""
    (root / "bad").mkdir(parents=True, exist_ok=True)
    (root / "bad/empty.wav").write_bytes(b"")
    (root / "bad/random_bytes.mp3").write_bytes(np.random.default_rng(1).bytes(4000))
    (root / "bad/text_file.wav").write_text("this is not audio\n" * 40)
    good = write_audio(root / "bad/_full.flac", 3.0, 44_100, 1, ("FLAC", "PCM_16"), "noise")
    data = good.read_bytes()
    (root / "bad/truncated.flac").write_bytes(data[: len(data) // 2])
    good.unlink()
    wav = write_audio(root / "bad/_full.wav", 2.0, 44_100, 1, ("WAV", "PCM_16"), "sine440")
    data = wav.read_bytes()
    (root / "bad/truncated.wav").write_bytes(data[: len(data) // 2])
    wav.unlink()
    return {str(root / k): v for k, v in BAD_AUDIO.items()}
