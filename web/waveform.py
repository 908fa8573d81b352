"""Waveform thumbnails: min/max envelope per pixel column, drawn with numpy, encoded as PNG
with zlib (no matplotlib: a thumbnail costs milliseconds), cached under `settings.cache_dir`.

The audio is read in blocks, so an hour-long file costs memory for one block, not the file.
"""
from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np

DEFAULT_SIZE = (480, 64)
MAX_WIDTH, MAX_HEIGHT = 1600, 400
BLOCK_FRAMES = 1 << 16
FOREGROUND = (72, 160, 255, 255)
BACKGROUND = (0, 0, 0, 0)  # transparent: the page's colours show through


class WaveformError(Exception):
    """A waveform cannot be drawn for `path`."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def envelope(path: str | Path, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) float32[width]: min and max of the mono mix over each column's samples."""
    import soundfile as sf
    try:
        info = sf.info(str(path))
        n = int(info.frames)
        lo = np.zeros(width, dtype=np.float32)
        hi = np.zeros(width, dtype=np.float32)
        if n <= 0:
            return lo, hi
        lo[:] = np.inf
        hi[:] = -np.inf
        pos = 0
        for block in sf.blocks(str(path), blocksize=BLOCK_FRAMES, dtype="float32", always_2d=True):
            mono = block.mean(axis=1)
            m = len(mono)
            if m == 0:
                continue
            cols = (np.arange(pos, pos + m, dtype=np.int64) * width) // n
            np.clip(cols, 0, width - 1, out=cols)
            # columns are contiguous runs within a block: reduce each run at once
            starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
            c = cols[starts]
            lo[c] = np.minimum(lo[c], np.minimum.reduceat(mono, starts))
            hi[c] = np.maximum(hi[c], np.maximum.reduceat(mono, starts))
            pos += m
    except (RuntimeError, OSError, ValueError) as e:  # soundfile raises LibsndfileError(RuntimeError)
        raise WaveformError(str(path), f"cannot decode: {e}") from e
    # very short files have fewer samples than columns: fill the gaps from the neighbours
    empty = ~np.isfinite(lo)
    if empty.any():
        idx = np.flatnonzero(~empty)
        if len(idx) == 0:
            return np.zeros(width, np.float32), np.zeros(width, np.float32)
        nearest = idx[np.clip(np.searchsorted(idx, np.arange(width)), 0, len(idx) - 1)]
        lo[empty], hi[empty] = lo[nearest[empty]], hi[nearest[empty]]
    return np.clip(lo, -1, 1), np.clip(hi, -1, 1)


def draw(lo: np.ndarray, hi: np.ndarray, height: int) -> np.ndarray:
    """uint8[height, width, 4] RGBA image of the envelope, scaled to its own peak so quiet
    samples still show a shape; a one-pixel line at least, so silence reads as silence."""
    width = len(lo)
    peak = max(float(np.max(np.abs(hi))), float(np.max(np.abs(lo))), 1e-4)
    scale = min(1.0 / peak, 8.0)
    mid = (height - 1) / 2.0
    top = np.floor(mid - hi * scale * mid).astype(np.int64)
    bottom = np.ceil(mid - lo * scale * mid).astype(np.int64)
    rows = np.arange(height)[:, None]
    mask = (rows >= np.minimum(top, bottom)[None, :]) & (rows <= np.maximum(top, bottom)[None, :])
    img = np.empty((height, width, 4), dtype=np.uint8)
    img[:] = BACKGROUND
    img[mask] = FOREGROUND
    return img


def encode_png(rgba: np.ndarray) -> bytes:
    """uint8[h, w, 4] -> PNG bytes (8-bit RGBA, filter 0 on every row)."""
    h, w, _ = rgba.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgba.reshape(h, w * 4)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b""))


def waveform_png(path: str | Path, width: int = DEFAULT_SIZE[0], height: int = DEFAULT_SIZE[1]) -> bytes:
    lo, hi = envelope(path, width)
    return encode_png(draw(lo, hi, height))


def cached_waveform(cache_dir: Path, file_id: int, path: str, size: int, mtime: float,
                    width: int, height: int) -> Path:
    """The thumbnail's cache file, drawn first if needed. The key holds size and mtime, so a
    changed file gets a new picture; written to a temp file and renamed, so concurrent workers
    never serve half a PNG."""
    d = Path(cache_dir) / "waveforms"
    out = d / f"{file_id}-{size}-{int(mtime * 1000)}-{width}x{height}.png"
    if out.is_file():
        return out
    data = waveform_png(path, width, height)
    d.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
