"""Keeping the FAISS store (derived data) consistent with the SQL catalogue (the truth).

Writers commit catalogue rows first and update the store after, so a crash can leave the store
behind. Segment ids are never reused and only grow, so (count, sum, max) of the ids fingerprints
the set: `open_store` compares the store's fingerprint with the catalogue's and rebuilds the
store from the stored vectors when they differ, when the store was built by another aligner, or
when it is unreadable. The catalogue's own aligner must match: its vectors cannot be converted.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from sqlalchemy import func, select

from aligner.base import AlignerMismatchError
from catalog.db import Catalog
from catalog.models import File, Segment

Progress = Callable[[int, int], None]


def catalog_aligner_ids(catalog: Catalog) -> dict[str, int]:
    """{aligner id: number of files embedded with it}."""
    with catalog.session() as s:
        rows = s.execute(select(File.aligner_id, func.count(File.id)).group_by(File.aligner_id))
        return {a: int(n) for a, n in rows}


def check_aligner(catalog: Catalog, aligner_id: str) -> None:
    """Raise `AlignerMismatchError` when any catalogued file was embedded by another aligner."""
    others = {a: n for a, n in catalog_aligner_ids(catalog).items() if a != aligner_id}
    if others:
        desc = ", ".join(f"{a} ({n} files)" for a, n in sorted(others.items()))
        raise AlignerMismatchError(
            "catalogue", f"it was indexed with aligner {desc} but the current aligner is "
            f"{aligner_id}; run `cratedig reindex` to re-embed it with the current aligner")


def catalog_fingerprint(catalog: Catalog, aligner_id: str) -> tuple[int, int, int]:
    """(count, sum, max) of the segment ids embedded by `aligner_id`."""
    with catalog.session() as s:
        n, total, top = s.execute(
            select(func.count(Segment.id), func.sum(Segment.id), func.max(Segment.id))
            .join(File, File.id == Segment.file_id).where(File.aligner_id == aligner_id)).one()
    return int(n or 0), int(total or 0), int(top or 0)


def store_fingerprint(store) -> tuple[int, int, int]:
    ids = store.ids()
    return (len(ids), int(ids.sum()), int(ids.max())) if len(ids) else (0, 0, 0)


def catalog_vectors(catalog: Catalog, aligner_id: str, dim: int,
                    progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every segment vector embedded by `aligner_id` -> (ids int64[n], vecs float32[n, dim])."""
    n = catalog_fingerprint(catalog, aligner_id)[0]
    ids = np.empty(n, np.int64)
    vecs = np.empty((n, dim), np.float32)
    i = 0
    with catalog.session() as s:
        rows = s.execute(select(Segment.id, Segment.vector)
                         .join(File, File.id == Segment.file_id)
                         .where(File.aligner_id == aligner_id)
                         .order_by(Segment.id).execution_options(yield_per=20_000))
        for sid, blob in rows:
            if i >= n:  # a writer added rows since the count: take them next time
                break
            v = np.frombuffer(blob, dtype=np.float32)
            if v.shape[0] != dim:
                raise AlignerMismatchError(
                    "catalogue", f"segment {sid} has a {v.shape[0]}-d vector but aligner "
                    f"{aligner_id} is {dim}-d; run `cratedig reindex`")
            ids[i] = sid
            vecs[i] = v
            i += 1
            if progress and i % 20_000 == 0:
                progress(i, n)
    return ids[:i], vecs[:i]


def rebuild_store(settings, catalog: Catalog, aligner_id: str, dim: int,
                  progress: Progress | None = None):
    """A new store holding exactly the catalogue's vectors for `aligner_id`, saved."""
    from catalog.vectors import VectorStore
    store = VectorStore.create(settings.index_dir, dim, aligner_id,
                               exact_limit=settings.exact_search_limit)
    ids, vecs = catalog_vectors(catalog, aligner_id, dim, progress)
    store.rebuild(ids, vecs)
    store.save()
    return store


def open_store(settings, catalog: Catalog, aligner_id: str, dim: int,
               progress: Progress | None = None):
    """The vector store, guaranteed to agree with the catalogue (rebuilt from it if needed).

    Raises `AlignerMismatchError` when the catalogue itself was embedded by another aligner."""
    from catalog.vectors import VectorStore, VectorStoreError
    check_aligner(catalog, aligner_id)
    try:
        store = VectorStore.open(settings.index_dir, dim, aligner_id,
                                 exact_limit=settings.exact_search_limit)
    except (AlignerMismatchError, VectorStoreError):
        # The catalogue agrees with this aligner, so the store is merely stale or damaged.
        return rebuild_store(settings, catalog, aligner_id, dim, progress)
    if store_fingerprint(store) != catalog_fingerprint(catalog, aligner_id) or store.needs_rebuild:
        return rebuild_store(settings, catalog, aligner_id, dim, progress)
    return store
