"""Decoding one file (in a worker process): metadata, tags, and mono audio at the aligner's rate.

This module runs in spawned decode workers, so it imports only numpy, scipy and soundfile
(never torch): a worker costs little memory and starts fast. Files are opened read-only.
A bad file is a `DecodeFailure` with a kind and a reason, never an exception.

Featurizers: an aligner may name a torch-free function ("module:function") that turns one mono
window at its sample rate into the model's input features, and embed those with
`embed_features(list) -> float32[n, dim]` (equal to `embed_windows` of the windows). The
workers then cut the windows and compute the features too, so the main process only runs
the network: on 2 cores that is most of the indexing speed.
"""
from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field

import numpy as np

TAGS = ("title", "artist", "genre", "comment")
BLOCK_FRAMES = 1 << 20  # read in blocks: bounded extra memory for multi-channel hour-long files

# libsndfile notes a WAV/AIFF whose data chunk is shorter than its header says, then reads on.
_SHORT_CHUNK = re.compile(r"^\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be\s*(\d+)\)", re.MULTILINE)


@dataclass
class Decoded:
    """A decoded file: its metadata, plus `audio` mono float32 (samples,) at `target_sr`."""
    path: str
    size: int
    mtime: float
    format: str
    subtype: str | None
    sample_rate: int
    channels: int
    duration: float
    audio: np.ndarray  # empty when `features` is set (the windows were featurized here)
    target_sr: int
    tags: dict = field(default_factory=dict)
    n_samples: int = 0  # length of the mono audio at target_sr
    features: list | None = None  # one feature array per window (see window_bounds)


@dataclass
class DecodeFailure:
    path: str
    kind: str  # empty | truncated | not audio | unreadable | permission
    reason: str


# MP3 and Ogg headers give an encoder's estimate of the length (encoder delay, padding, VBR
# tables): intact real files decode a few hundred to a few thousand frames short of it. Only a
# larger shortfall means the file was cut. PCM containers state their length exactly.
ESTIMATED_LENGTH_FORMATS = {"MP3", "MPEG", "OGG"}  # libsndfile names MP3 files "MP3"
ESTIMATE_TOLERANCE = 0.02


def is_truncated(fmt: str, frames: int, frames_read: int) -> bool:
    """Whether `frames_read` decoded frames fall short of the header's `frames` by more than the
    format's own uncertainty."""
    if frames_read >= frames:
        return False
    if fmt in ESTIMATED_LENGTH_FORMATS:
        return frames - frames_read > ESTIMATE_TOLERANCE * frames
    return True


def decode_file(path: str, size: int, mtime: float, target_sr: int,
                featurizer: str | None = None) -> Decoded | DecodeFailure:
    """Read `path` into mono float32 at `target_sr`, with its format, tags and duration; with a
    `featurizer` ("module:function"), the per-window features instead of the audio."""
    import soundfile as sf
    if size == 0:
        return DecodeFailure(path, "empty", "empty file (0 bytes)")
    try:
        with open(path, "rb") as fh:  # read-only; soundfile reads through our handle
            with sf.SoundFile(fh) as f:
                info = (f.format, f.subtype, int(f.samplerate), int(f.channels), int(f.frames))
                tags = {k: v.strip() for k, v in f.copy_metadata().items()
                        if k in TAGS and v and v.strip()}
                log = f.extra_info if info[0] in ("WAV", "WAVEX", "AIFF", "RF64", "W64") else ""
                mono, frames_read = _read_mono(f, info[3], info[4])
    except PermissionError as e:
        return DecodeFailure(path, "permission", f"permission denied ({e.strerror})")
    except sf.LibsndfileError as e:
        return _classify(path, str(e))
    except (OSError, RuntimeError, ValueError, MemoryError) as e:
        return DecodeFailure(path, "unreadable", f"{type(e).__name__}: {e}")
    fmt, subtype, sr, channels, frames = info
    if frames_read == 0:
        return DecodeFailure(path, "empty", "no audio frames")
    if is_truncated(fmt, frames, frames_read):
        return DecodeFailure(path, "truncated", f"truncated: the header announces {frames} "
                             f"frames, the file holds {frames_read}")
    short = _SHORT_CHUNK.search(log)
    if short and int(short.group(2)) < int(short.group(1)):
        return DecodeFailure(path, "truncated", f"truncated: the header announces "
                             f"{short.group(1)} bytes of audio data, the file holds {short.group(2)}")
    if not np.isfinite(mono).all():
        mono = np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0)
    from aligner.audio import to_mono_resampled
    audio = to_mono_resampled(mono, sr, target_sr)
    del mono
    features = None
    if featurizer:
        from aligner.base import window_bounds
        fn = _featurizer(featurizer)
        features = [fn(audio[a:b]) for a, b in window_bounds(len(audio), target_sr)]
    return Decoded(path=path, size=size, mtime=mtime, format=_format_name(path, fmt),
                   subtype=subtype, sample_rate=sr, channels=channels,
                   duration=frames_read / sr, target_sr=target_sr, tags=tags,
                   n_samples=len(audio), features=features,
                   audio=np.zeros(0, np.float32) if features is not None else audio)


_FEATURIZERS: dict = {}
_IN_WORKER = False  # set by init_worker in decode worker processes


def _featurizer(spec: str):
    if spec not in _FEATURIZERS:
        module, _, name = spec.partition(":")
        mod = importlib.import_module(module)
        if _IN_WORKER and hasattr(mod, "FFT_WORKERS"):
            mod.FFT_WORKERS = 1  # the featurizer's convention: the worker pool is the parallelism
        _FEATURIZERS[spec] = getattr(mod, name)
    return _FEATURIZERS[spec]


def _read_mono(f, channels: int, frames: int) -> tuple[np.ndarray, int]:
    """Mono float32 of the whole file, read block by block (frames may be unknown or wrong)."""
    blocks = []
    n = 0
    while True:
        block = f.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
        if not len(block):
            break
        blocks.append(_downmix(block))
        n += len(block)
        if len(block) < BLOCK_FRAMES:
            break
    mono = np.concatenate(blocks) if len(blocks) > 1 else (blocks[0] if blocks else
                                                           np.zeros(0, np.float32))
    return mono, n


def _downmix(block: np.ndarray) -> np.ndarray:
    """(frames, channels) -> (frames,) mean; summing columns is ~10x faster than .mean(axis=1)."""
    if block.shape[1] == 1:
        return block[:, 0].copy()
    out = block[:, 0].copy()
    for c in range(1, block.shape[1]):
        out += block[:, c]
    out *= np.float32(1.0 / block.shape[1])
    return out


def _classify(path: str, message: str) -> DecodeFailure:
    msg = message.split(":", 1)[-1].strip() if message.startswith("Error opening") else message
    low = message.lower()
    if "format not recognised" in low or "not a regular file" in low or "unknown format" in low:
        return DecodeFailure(path, "not audio", f"not audio: libsndfile does not recognise it ({msg})")
    if "malformed" in low or "lost sync" in low or "unexpected end" in low or "truncated" in low:
        return DecodeFailure(path, "truncated", f"truncated or corrupt: {msg}")
    return DecodeFailure(path, "unreadable", f"unreadable: {msg}")


def _format_name(path: str, sf_format: str) -> str:
    """The file's extension (lower case) when it has one, else libsndfile's format name."""
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    return ext or sf_format.lower()


def decode_job(job: tuple) -> Decoded | DecodeFailure:
    """Worker entry point: `job` = (path, size, mtime, target_sr[, featurizer])."""
    return decode_file(*job)


def init_worker() -> None:
    """Keep mpg123's resync notes off the terminal: every problem is reported as a
    DecodeFailure instead."""
    global _IN_WORKER
    _IN_WORKER = True
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass
