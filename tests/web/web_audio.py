"""Small real audio for the web tests (imported by name: tests/web is on sys.path)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

# relative path -> (seconds, rate, channels, (format, subtype), signal)
WEB_LIBRARY = {
    "drums/Kick 808.wav": (1.0, 44_100, 1, ("WAV", "PCM_16"), "sine60"),
    "drums/hat_open.flac": (0.5, 44_100, 1, ("FLAC", "PCM_16"), "noise"),
    "tones/a440.flac": (2.0, 48_000, 2, ("FLAC", "PCM_16"), "sine440"),
    "tones/Ünïcode ton.ogg": (1.5, 22_050, 1, ("OGG", "VORBIS"), "sine880"),
    "long/sweep_22s.flac": (22.0, 16_000, 1, ("FLAC", "PCM_16"), "sweep"),
}


def make_signal(kind: str, seconds: float, sr: int, channels: int, seed: int = 0) -> np.ndarray:
    n = int(round(seconds * sr))
    t = np.arange(n) / sr
    if kind.startswith("sine"):
        x = 0.4 * np.sin(2 * np.pi * float(kind[4:]) * t)
    elif kind == "noise":
        x = 0.2 * np.random.default_rng(seed).standard_normal(n)
    elif kind == "sweep":
        x = 0.4 * np.sin(2 * np.pi * (100 + 60 * t) * t)
    elif kind == "silence":
        x = np.zeros(n)
    else:
        raise ValueError(kind)
    x = x.astype(np.float32)
    if channels > 1:
        x = np.stack([x * (1 - 0.2 * c) for c in range(channels)], axis=1)
    return x


def write_audio(path: Path, seconds: float, sr: int, channels: int, fmt: tuple[str, str],
                kind: str, seed: int = 0) -> Path:
    import soundfile as sf
    path.parent.mkdir(parents=True, exist_ok=True)
    x = make_signal(kind, seconds, sr, channels, seed)
    with sf.SoundFile(path, "w", sr, channels, format=fmt[0], subtype=fmt[1]) as f:
        for i in range(0, len(x), 65_536):  # blocks: one long Ogg write can crash libsndfile
            f.write(x[i:i + 65_536])
    return path


def write_library(root: Path, spec: dict = WEB_LIBRARY) -> Path:
    for rel, (secs, sr, ch, fmt, kind) in spec.items():
        write_audio(root / rel, secs, sr, ch, fmt, kind)
    return root
