"""Small real audio for the web tests (imported by name: tests/web is on sys.path)."""
from __future__ import annotations

from pathlib import Path

from audio_files import write_audio as _write_audio  # tests/ is on sys.path (conftest)

WEB_SWEEP_RATE = 60.0  # the web library's sweep (a slower one than the indexer tests')

# relative path -> (seconds, rate, channels, (format, subtype), signal)
WEB_LIBRARY = {
    "drums/Kick 808.wav": (1.0, 44_100, 1, ("WAV", "PCM_16"), "sine60"),
    "drums/hat_open.flac": (0.5, 44_100, 1, ("FLAC", "PCM_16"), "noise"),
    "tones/a440.flac": (2.0, 48_000, 2, ("FLAC", "PCM_16"), "sine440"),
    "tones/Ünïcode ton.ogg": (1.5, 22_050, 1, ("OGG", "VORBIS"), "sine880"),
    "long/sweep_22s.flac": (22.0, 16_000, 1, ("FLAC", "PCM_16"), "sweep"),
}


def write_audio(path: Path, seconds: float, sr: int, channels: int, fmt: tuple[str, str],
                kind: str, seed: int = 0) -> Path:
    return _write_audio(path, seconds, sr, channels, fmt, kind, seed=seed, sweep_rate=WEB_SWEEP_RATE)


def write_library(root: Path, spec: dict = WEB_LIBRARY) -> Path:
    for rel, (secs, sr, ch, fmt, kind) in spec.items():
        write_audio(root / rel, secs, sr, ch, fmt, kind)
    return root
