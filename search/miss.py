"""Generate on miss: when the best match is too weak, make a clip for the query, index it from
its audio like any other file (source "generated") and return it first.

- Once per prompt: the catalogue row of a generated clip keeps its prompt (files.prompt), so a
  later miss for the same query returns that clip instead of generating again (and the clip is
  in the vector index anyway, so ordinary searches find it too).
- Concurrent identical misses generate once: generation for a prompt runs under an exclusive
  `fcntl.flock` on `cache_dir/locks/generate-<hash>.lock`, which works across threads and
  processes; whoever gets the lock second finds the first one's clip.
- `list_generated` / `remove_generated` serve `cratedig generated list|rm` and the web API.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Callable

import numpy as np
from sqlalchemy import func, select

from search.results import SearchHit, SearchResponse

LOCK_TIMEOUT_S = 600.0


class GeneratedClipError(ValueError):
    """A generated clip cannot be found, created or removed as asked."""

    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason


def normalise_prompt(query: str) -> str:
    return " ".join((query or "").split())


def _prompt_key(prompt: str) -> str:
    return hashlib.sha256(normalise_prompt(prompt).lower().encode("utf-8")).hexdigest()[:24]


@contextlib.contextmanager
def prompt_lock(settings, prompt: str, timeout: float = LOCK_TIMEOUT_S):
    """Exclusive lock for generating `prompt` (case/space-insensitive), across processes."""
    import fcntl
    import time
    lock_dir = Path(settings.cache_dir) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / f"generate-{_prompt_key(prompt)}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GeneratedClipError(f"prompt {prompt!r}", f"another process has been "
                                             f"generating it for over {timeout:g} s ({path})") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def find_generated(catalog, prompt: str):
    """The catalogue's generated clip for `prompt` whose file still exists, or None."""
    from catalog.models import File
    norm = normalise_prompt(prompt).lower()
    with catalog.session() as s:
        rows = list(s.scalars(select(File).where(File.source == "generated",
                                                 func.lower(File.prompt) == norm)
                              .order_by(File.id.desc())))
    return next((f for f in rows if os.path.isfile(f.path)), None)


def _file_hit(catalog, file_id: int, qvec: np.ndarray) -> SearchHit:
    """A SearchHit for one file: its best segment against the query vector."""
    from catalog.models import File, Segment
    with catalog.session() as s:
        f = s.get(File, file_id)
        segs = list(s.scalars(select(Segment).where(Segment.file_id == file_id)))
        if f is None or not segs:
            raise GeneratedClipError(f"file {file_id}", "was not indexed")
        sims = [float(np.frombuffer(g.vector, dtype=np.float32) @ qvec) for g in segs]
        i = int(np.argmax(sims))
        g = segs[i]
        start, end = (0.0, f.duration) if g.is_file_level else (g.start, g.end)
        return SearchHit(file_id=f.id, segment_id=g.id, path=f.path, name=f.name, folder=f.folder,
                         format=f.format, source=f.source, duration=f.duration, start=start,
                         end=end, similarity=sims[i], keyword=0.0, score=sims[i])


class MissHandler:
    """The `on_miss` hook of `search.Searcher`: (searcher, response, query vector) -> response
    with the generated (or previously generated) clip first."""

    def __init__(self, *, generator=None, candidates: int | None = None,
                 duration: float | None = None, progress: Callable[[str, int, int], None] | None = None):
        self.generator = generator
        self.candidates = candidates
        self.duration = duration
        self.progress = progress

    def __call__(self, searcher, resp: SearchResponse, qvec: np.ndarray) -> SearchResponse:
        prompt = normalise_prompt(resp.query)
        if not prompt:
            return resp
        settings = searcher.settings
        generated = False
        existing = find_generated(searcher.catalog, prompt)
        if existing is None:
            with prompt_lock(settings, prompt):
                existing = find_generated(searcher.catalog, prompt)  # made while we waited?
                if existing is None:
                    file_id = self._generate(searcher, prompt)
                    generated = True
        if not generated:
            file_id = existing.id
            searcher.store.refresh()  # another process may have added it
        hit = _file_hit(searcher.catalog, file_id, qvec)
        resp.results = [hit] + [h for h in resp.results if h.file_id != file_id]
        resp.generated = generated
        return resp

    def _generate(self, searcher, prompt: str) -> int:
        from generator.generate import DEFAULT_CANDIDATES, Generator
        from indexer import ingest_files
        gen = self.generator
        if gen is None or gen.aligner.id != searcher.aligner.id:
            gen = self.generator = Generator(searcher.settings, aligner=searcher.aligner)
        res = gen.generate(prompt, duration=self.duration,
                           candidates=self.candidates or DEFAULT_CANDIDATES, progress=self.progress)
        summary = ingest_files(searcher.settings, searcher.catalog, searcher.store, searcher.aligner,
                               [str(res.path)], source="generated",
                               extra_tags={"prompt": prompt, "seed": res.seed, "model": gen.model_id})
        if summary.failed or str(res.path) not in summary.files:
            reason = summary.failed[0].reason if summary.failed else "not written to the catalogue"
            raise GeneratedClipError(str(res.path), f"generated but could not be indexed: {reason}")
        return summary.files[str(res.path)]


def generate_on_miss(searcher, resp: SearchResponse, qvec: np.ndarray) -> SearchResponse:
    """Default on-miss hook (a MissHandler with default options)."""
    return MissHandler()(searcher, resp, qvec)


# ---- listing and deleting ----------------------------------------------------------------------
def _row(f) -> dict:
    return {"id": f.id, "path": f.path, "prompt": f.prompt, "seed": f.seed, "model": f.model,
            "duration": f.duration, "indexed_at": f.indexed_at.isoformat() if f.indexed_at else None}


def list_generated(settings) -> list[dict]:
    """Every generated clip in the catalogue, newest first."""
    from catalog.db import open_catalog
    from catalog.models import File
    with open_catalog(settings) as catalog, catalog.session() as s:
        return [_row(f) for f in s.scalars(select(File).where(File.source == "generated")
                                           .order_by(File.id.desc()))]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def remove_generated(settings, file_id: int, *, catalog=None, store=None) -> dict:
    """Delete generated clip `file_id`: catalogue rows, vectors and the file itself (with its
    provenance sidecar), but only a file inside settings.generated_dir."""
    from catalog.db import open_catalog
    from catalog.models import File
    from catalog.store_sync import open_store
    from generator.generate import sidecar_path
    from indexer import remove_files
    own = catalog is None
    catalog = catalog or open_catalog(settings)
    try:
        with catalog.session() as s:
            f = s.get(File, int(file_id))
            if f is None:
                raise GeneratedClipError(f"file {file_id}", "no such file in the catalogue")
            row = _row(f)
            source = f.source
        if source != "generated":
            raise GeneratedClipError(f"file {file_id}", f"is not a generated clip (source {source!r}); "
                                     "delete it from its folder and run `cratedig index --prune`")
        path = Path(row["path"])
        if not _inside(path, Path(settings.generated_dir)):
            raise GeneratedClipError(f"file {file_id}", f"{path} is outside {settings.generated_dir}; "
                                     "not deleting a file there")
        if store is None:
            m = catalog.manifest()
            if "aligner_id" in m:
                store = open_store(settings, catalog, m["aligner_id"], int(m["dim"]))
        remove_files(catalog, store, file_ids=[int(file_id)])
        existed = path.is_file()
        path.unlink(missing_ok=True)
        sidecar_path(path).unlink(missing_ok=True)
        return {**row, "deleted_file": existed}
    finally:
        if own:
            catalog.close()
