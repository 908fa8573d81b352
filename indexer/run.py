"""The indexing verbs: `run_index` (folders), `ingest_files` (a few files, e.g. generated clips)
and `reindex` (rebuild the store, or re-embed everything after an aligner change)."""
from __future__ import annotations

import os
import time

import numpy as np
from sqlalchemy import delete, select

from catalog.db import Catalog, open_catalog
from catalog.models import Failure, File, Segment
from catalog.store_sync import (catalog_aligner_ids, check_aligner, open_store, rebuild_store)
from indexer.decode import DecodeFailure
from indexer.ingest import Ingester, Written, record_failures
from indexer.pool import DecodePool, main_process_threads
from indexer.summary import FailureInfo, IndexProgress, IndexSummary, ProgressCallback
from indexer.walk import Candidate, walk

# Small jobs are decoded in-process: starting worker processes costs about a second, while
# 2 MB of audio decodes in well under that (a generated clip, a handful of one-shots).
IN_PROCESS_MAX_FILES = 2
IN_PROCESS_MAX_BYTES = 2_000_000


def _workers(settings, todo: list[Candidate]) -> int:
    if len(todo) <= IN_PROCESS_MAX_FILES or sum(c.size for c in todo) <= IN_PROCESS_MAX_BYTES:
        return 0
    return settings.workers if settings.workers > 0 else (os.cpu_count() or 1)


def worker_featurizer(aligner) -> str | None:
    """The aligner's torch-free window featurizer ("module:function") if it can embed
    precomputed features (see indexer.decode), else None."""
    if not callable(getattr(aligner, "embed_features", None)):
        return None
    spec = getattr(aligner, "window_featurizer", None)
    if isinstance(spec, str) and spec:
        return spec
    # The builtin model's features are numpy (aligner.features.compute_features); its
    # embed_features runs the network on them.
    if type(aligner).__module__ == "aligner.builtin":
        return "aligner.features:compute_features"
    return None


def _load_aligner(settings, aligner):
    if aligner is not None:
        return aligner
    from aligner import load_aligner
    return load_aligner(settings)


class _Run:
    """State of one pass over files to (re)embed: counts, progress, failures."""

    def __init__(self, catalog: Catalog, store, aligner, settings, summary: IndexSummary,
                 progress: ProgressCallback | None, source: str = "catalogue",
                 extra: dict | None = None):
        self.catalog, self.store, self.aligner = catalog, store, aligner
        self.settings, self.summary, self.progress = settings, summary, progress
        self.source, self.extra = source, extra
        self.t0 = time.monotonic()
        self.done = self.total = self.bytes_done = self.bytes_total = 0

    def _tick(self) -> None:
        if self.progress:
            self.progress(IndexProgress(self.done, self.total, self.bytes_done, self.bytes_total,
                                        self.summary.audio_seconds, time.monotonic() - self.t0))

    def _written(self, w: Written) -> None:
        self.summary.indexed += 1
        self.summary.segments += w.segments
        self.summary.audio_seconds += w.audio_seconds
        self.summary.files[w.path] = w.file_id
        self.done += 1
        self.bytes_done += w.size
        self._tick()

    def process(self, todo: list[Candidate], pool: DecodePool | None = None) -> list[FailureInfo]:
        """Decode (in `pool`, or one sized for `todo`), embed and write `todo`; returns the
        decode failures (also recorded)."""
        self.total += len(todo)
        self.bytes_total += sum(c.size for c in todo)
        ing = Ingester(self.catalog, self.store, self.aligner, batch_size=self.settings.batch_size,
                       source=self.source, extra=self.extra, on_written=self._written)
        failures: list[FailureInfo] = []
        sizes = {c.path: c.size for c in todo}
        feat = worker_featurizer(self.aligner)
        jobs = [(c.path, c.size, c.mtime, self.aligner.sample_rate, feat) for c in todo]
        own = pool is None
        pool = pool or DecodePool(_workers(self.settings, todo))
        try:
            with main_process_threads(pool.workers):
                for res in pool.decode(jobs):
                    if isinstance(res, DecodeFailure):
                        failures.append(FailureInfo(res.path, res.kind, res.reason))
                        self.done += 1
                        self.bytes_done += sizes.get(res.path, 0)
                        self._tick()
                    else:
                        ing.add(res)
                ing.finish()
        finally:
            if own:
                pool.close()
        if failures:
            # A file that changed into something unreadable must not keep its old vectors.
            remove_files(self.catalog, self.store, paths=[f.path for f in failures])
            record_failures(self.catalog, failures)
        return failures


REMOVE_CHUNK = 500  # ids per IN (...): SQLite caps the number of bound parameters


def remove_files(catalog: Catalog, store, *, paths=None, file_ids=None) -> int:
    """Delete files (and their segments) from the catalogue, then their vectors from the store."""
    keys = list(paths) if paths is not None else list(file_ids)
    col = File.path if paths is not None else File.id
    removed, seg_ids = 0, []
    for i in range(0, len(keys), REMOVE_CHUNK):
        with catalog.session() as s:
            ids = list(s.scalars(select(File.id).where(col.in_(keys[i:i + REMOVE_CHUNK]))))
            if not ids:
                continue
            seg_ids += list(s.scalars(select(Segment.id).where(Segment.file_id.in_(ids))))
            s.execute(delete(Segment).where(Segment.file_id.in_(ids)))
            s.execute(delete(File).where(File.id.in_(ids)))
            removed += len(ids)
    if store is not None and seg_ids:
        store.remove(np.array(seg_ids, dtype=np.int64))
        store.save()
    return removed


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def run_index(settings, paths, *, aligner=None, prune: bool = False,
              progress: ProgressCallback | None = None) -> IndexSummary:
    """Index audio under `paths` incrementally: new and changed files are embedded, unchanged
    ones (same path, size and mtime) skipped; `prune` drops catalogued files under `paths` that
    are gone from disk. Raises `AlignerMismatchError` if the catalogue was built by another
    aligner, `IndexPathError` if a path does not exist."""
    t0 = time.monotonic()
    candidates, walk_failures = walk(paths)  # before any loading: a typo fails fast
    roots = [os.path.abspath(os.fspath(p)) for p in paths]
    summary = IndexSummary()
    catalog = open_catalog(settings)
    pool = None
    try:
        with catalog.session() as s:
            known = {p: (size, mtime) for p, size, mtime in
                     s.execute(select(File.path, File.size, File.mtime))}
        todo = [c for c in candidates if known.get(c.path) != (c.size, c.mtime)]
        summary.unchanged = len(candidates) - len(todo)
        # The decode workers start up while the aligner loads (both take about a second).
        pool = DecodePool(_workers(settings, todo)).start()
        aligner = _load_aligner(settings, aligner)
        store = _open_store(settings, catalog, aligner, summary)
        run = _Run(catalog, store, aligner, settings, summary, progress)
        failed = [FailureInfo(f.path, f.kind, f.reason) for f in walk_failures]
        record_failures(catalog, failed)
        failed += run.process(todo, pool)
        pool.close()
        if prune:
            summary.pruned = _prune(catalog, store, roots, {c.path for c in candidates})
        summary.failed = sorted(failed, key=lambda f: f.path)
        summary.wall_seconds = time.monotonic() - t0
        return summary
    finally:
        if pool is not None:
            pool.close()
        catalog.close()


def _open_store(settings, catalog, aligner, summary: IndexSummary):
    from catalog.vectors import read_manifest
    before = read_manifest(settings.index_dir)
    store = open_store(settings, catalog, aligner.id, aligner.dim)
    after = read_manifest(settings.index_dir)
    summary.store_rebuilt = (before is None) != (after is None) or (
        before is not None and after is not None and before.generation != after.generation)
    return store


def _prune(catalog: Catalog, store, roots: list[str], present: set[str]) -> int:
    """Drop catalogued files under `roots` that no longer exist on disk (and their failures)."""
    with catalog.session() as s:
        rows = s.execute(select(File.id, File.path)).all()
        gone_failures = [p for p in s.scalars(select(Failure.path))
                         if _under(p, roots) and not os.path.lexists(p)]
        if gone_failures:
            s.execute(delete(Failure).where(Failure.path.in_(gone_failures)))
    gone = [fid for fid, p in rows if _under(p, roots) and p not in present and not os.path.exists(p)]
    return remove_files(catalog, store, file_ids=gone) if gone else 0


def ingest_files(settings, catalog: Catalog, store, aligner, paths, source: str = "catalogue",
                 extra_tags: dict | None = None,
                 progress: ProgressCallback | None = None) -> IndexSummary:
    """Index a few given files now (in-process decoding), e.g. a generated clip with
    `source="generated"` and `extra_tags={"prompt": ..., "seed": ..., "model": ...}`.
    `store` is the open VectorStore (from `catalog.store_sync.open_store`); it is saved.
    Files are re-embedded even if unchanged. Returns the summary; `.files` maps path -> id."""
    t0 = time.monotonic()
    candidates, walk_failures = walk(paths)
    summary = IndexSummary()
    check_aligner(catalog, aligner.id)
    run = _Run(catalog, store, aligner, settings, summary, progress, source=source,
               extra={k: v for k, v in (extra_tags or {}).items() if k in ("prompt", "seed", "model")})
    failed = [FailureInfo(f.path, f.kind, f.reason) for f in walk_failures]
    record_failures(catalog, failed)
    failed += run.process(candidates)
    summary.failed = failed
    summary.wall_seconds = time.monotonic() - t0
    return summary


def reindex(settings, *, aligner=None, from_audio: bool = False,
            progress: ProgressCallback | None = None) -> IndexSummary:
    """Make the vector store match the catalogue and the current aligner.

    When every file was embedded by the current aligner (and not `from_audio`), the store is
    rebuilt from the catalogue's vectors without decoding. Otherwise each file is decoded and
    re-embedded (files embedded by the current aligner already are skipped, so an interrupted
    reindex resumes); files gone or unreadable are removed and listed as failures."""
    t0 = time.monotonic()
    aligner = _load_aligner(settings, aligner)
    summary = IndexSummary()
    catalog = open_catalog(settings)
    try:
        ids = catalog_aligner_ids(catalog)
        stale = from_audio or any(a != aligner.id for a in ids)
        if stale:
            with catalog.session() as s:
                q = select(File.path, File.size, File.mtime, File.aligner_id)
                rows = s.execute(q).all()
            todo, failed = [], []
            for path, size, mtime, aid in rows:
                if aid == aligner.id and not from_audio:
                    summary.unchanged += 1
                    continue
                try:
                    st = os.stat(path)
                    todo.append(Candidate(path, st.st_size, st.st_mtime))
                except OSError as e:
                    failed.append(FailureInfo(path, "gone", f"cannot re-embed: {e.strerror or e}"))
            if failed:
                remove_files(catalog, None, paths=[f.path for f in failed])
                record_failures(catalog, failed)
            run = _Run(catalog, None, aligner, settings, summary, progress)
            failed += run.process(todo)
            summary.failed = sorted(failed, key=lambda f: f.path)
        else:
            summary.unchanged = sum(ids.values())
        rebuild_store(settings, catalog, aligner.id, aligner.dim)
        with catalog.session() as s:
            catalog.set_manifest(s, aligner_id=aligner.id, dim=aligner.dim)
        summary.store_rebuilt = True
        summary.wall_seconds = time.monotonic() - t0
        return summary
    finally:
        catalog.close()
