"""Embedding decoded files in batches and writing them: catalogue first, then the vector store.

Crash safety comes from the order: one transaction per batch writes each file with all its
segments (and vectors) or nothing; only after the commit are the vectors added to the FAISS
store, which is saved now and then. If the process dies in between, the store is behind the
catalogue, which `catalog.store_sync.open_store` detects and repairs on the next start.

Segments: long files get windows of `WINDOW_S` seconds every `HOP_S` seconds (the last one
aligned to the end) plus one file-level segment (start 0, end = duration) holding the normalised
mean of the window vectors. A file that fits in one window has a single segment: the
file-level one (its window vector is its file vector).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from aligner.base import l2_normalise, window_bounds
from catalog.models import Failure, File, Segment, utcnow
from indexer.decode import Decoded

STORE_SAVE_INTERVAL_S = 20.0  # a crash loses at most this much store work (rebuilt from SQL)


@dataclass
class Written:
    path: str
    file_id: int
    segments: int
    audio_seconds: float
    size: int


class Ingester:
    """Collects decoded files, embeds their windows `batch_size` at a time, and writes them.

    `store` may be None (reindexing: the store is rebuilt from the catalogue at the end).
    `extra` sets columns on every file written (source-specific: prompt, seed, model)."""

    def __init__(self, catalog, store, aligner, *, batch_size: int = 32, source: str = "catalogue",
                 extra: dict | None = None, on_written: Callable[[Written], None] | None = None):
        self.catalog = catalog
        self.store = store
        self.aligner = aligner
        self.batch_size = max(1, int(batch_size))
        self.source = source
        self.extra = dict(extra or {})
        self.on_written = on_written
        self._pending: list[tuple[Decoded, list[tuple[int, int]]]] = []
        self._pending_windows = 0
        self._last_save = time.monotonic()

    def add(self, d: Decoded) -> None:
        if d.target_sr != self.aligner.sample_rate:
            raise ValueError(f"{d.path}: decoded at {d.target_sr} Hz, the aligner wants "
                             f"{self.aligner.sample_rate} Hz")
        bounds = window_bounds(d.n_samples or len(d.audio), d.target_sr)
        self._pending.append((d, bounds))
        self._pending_windows += len(bounds)
        if self._pending_windows >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending, self._pending_windows = self._pending, [], 0
        vecs = np.asarray(self._embed(batch), dtype=np.float32)
        try:
            written, new_ids, new_vecs, old_ids = self._write(batch, vecs)
        except IntegrityError:
            # Another process (a second indexer, the web server) inserted one of these paths
            # between our lookup and our insert: look again, and update its rows instead.
            written, new_ids, new_vecs, old_ids = self._write(batch, vecs)
        if self.store is not None:
            self.store.remove(old_ids)
            self.store.add(new_ids, new_vecs)
            if time.monotonic() - self._last_save > STORE_SAVE_INTERVAL_S:
                self.save()
        for w in written:
            if self.on_written:
                self.on_written(w)

    def _embed(self, batch) -> np.ndarray:
        """float32[windows of the batch, dim], in file then window order."""
        if all(d.features is not None for d, _ in batch):
            feats = [f for d, _ in batch for f in d.features]
            embed, items = self.aligner.embed_features, feats
        else:
            embed, items = self.aligner.embed_windows, [d.audio[a:b] for d, bounds in batch
                                                        for a, b in bounds]
        return np.concatenate([embed(items[i:i + self.batch_size])
                               for i in range(0, len(items), self.batch_size)])

    def save(self) -> None:
        if self.store is not None and self.store.dirty:
            self.store.save()
        self._last_save = time.monotonic()

    def finish(self) -> None:
        self.flush()
        self.save()

    # ---- the one transaction per batch --------------------------------------------------
    def _write(self, batch, vecs: np.ndarray):
        aligner_id = self.aligner.id
        written: list[Written] = []
        seg_rows: list[tuple[Segment, np.ndarray]] = []
        old_ids: list[int] = []
        paths = [d.path for d, _ in batch]
        with self.catalog.session() as s:
            existing = {f.path: f for f in s.scalars(select(File).where(File.path.in_(paths)))}
            if existing:
                ids = [f.id for f in existing.values()]
                old_ids = list(s.scalars(select(Segment.id).where(Segment.file_id.in_(ids))))
                s.execute(delete(Segment).where(Segment.file_id.in_(ids)))
            row = 0
            files = []
            for d, bounds in batch:
                wv = vecs[row:row + len(bounds)]
                row += len(bounds)
                f = existing.get(d.path) or File(path=d.path, source=self.source)
                self._fill(f, d, aligner_id)
                if f.id is None:
                    s.add(f)
                segs = []
                if len(bounds) == 1:
                    segs.append((Segment(start=0.0, end=d.duration, is_file_level=True), wv[0]))
                else:
                    sr = d.target_sr
                    for (a, b), v in zip(bounds, wv):
                        segs.append((Segment(start=a / sr, end=b / sr, is_file_level=False), v))
                    segs.append((Segment(start=0.0, end=d.duration, is_file_level=True),
                                 l2_normalise(wv.mean(axis=0))))
                for seg, v in segs:
                    seg.vector = np.ascontiguousarray(v, dtype=np.float32).tobytes()
                    seg.file = f
                seg_rows.extend(segs)
                files.append((f, d, len(segs)))
            s.add_all(seg for seg, _ in seg_rows)
            s.execute(delete(Failure).where(Failure.path.in_(paths)))
            self.catalog.set_manifest(s, aligner_id=aligner_id, dim=self.aligner.dim)
            s.flush()
            new_ids = np.array([seg.id for seg, _ in seg_rows], dtype=np.int64)
            new_vecs = np.stack([v for _, v in seg_rows]).astype(np.float32)
            for f, d, n in files:
                written.append(Written(d.path, f.id, n, d.duration, d.size))
        return written, new_ids, new_vecs, np.array(old_ids, dtype=np.int64)

    def _fill(self, f: File, d: Decoded, aligner_id: str) -> None:
        import os
        f.folder = os.path.dirname(d.path)
        f.name = os.path.basename(d.path)
        f.format = d.format
        f.subtype = d.subtype
        f.size = d.size
        f.mtime = d.mtime
        f.duration = d.duration
        f.sample_rate = d.sample_rate
        f.channels = d.channels
        for tag in ("title", "artist", "genre", "comment"):
            setattr(f, tag, d.tags.get(tag))
        for k, v in self.extra.items():
            setattr(f, k, v)
        f.aligner_id = aligner_id
        f.indexed_at = utcnow()


def record_failures(catalog, failures) -> None:
    """Upsert one Failure row per path (kind, reason, time); `failures` have path/kind/reason."""
    failures = list(failures)
    if not failures:
        return
    with catalog.session() as s:
        paths = [f.path for f in failures]
        rows = {r.path: r for r in s.scalars(select(Failure).where(Failure.path.in_(paths)))}
        for f in failures:
            r = rows.get(f.path) or Failure(path=f.path)
            r.kind, r.reason, r.at = f.kind, f.reason, utcnow()
            if r.id is None:
                s.add(r)
                rows[f.path] = r
