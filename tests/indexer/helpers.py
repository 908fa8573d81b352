"""Assertions shared by the indexer tests: the catalogue and the saved FAISS store agree."""
from __future__ import annotations

import hashlib
import os

import numpy as np
from sqlalchemy import func, select

from catalog.db import open_catalog
from catalog.models import File, Segment


def catalogue_state(settings) -> dict:
    """{path: (file id, sorted segment ids, n windows)} plus the store's ids, read fresh."""
    catalog = open_catalog(settings)
    try:
        with catalog.session() as s:
            files = {f.path: f.id for f in s.scalars(select(File))}
            segs = s.execute(select(Segment.id, Segment.file_id, Segment.is_file_level)).all()
            dup = s.execute(select(File.path, func.count()).group_by(File.path)
                            .having(func.count() > 1)).all()
    finally:
        catalog.close()
    assert dup == []
    return {"files": files, "segments": segs}


def assert_store_matches_catalogue(settings, aligner) -> np.ndarray:
    """The saved store holds exactly the catalogue's segment ids, with the catalogue's vectors."""
    from catalog.vectors import VectorStore
    catalog = open_catalog(settings)
    try:
        with catalog.session() as s:
            rows = s.execute(select(Segment.id, Segment.vector).order_by(Segment.id)).all()
    finally:
        catalog.close()
    store = VectorStore.open(settings.index_dir, aligner.dim, aligner.id)
    db_ids = np.array([r[0] for r in rows], dtype=np.int64)
    assert np.array_equal(store.ids(), db_ids)
    if len(rows):
        vecs = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        scores, ids = store.search(vecs, 1)
        assert np.allclose(scores[:, 0], 1.0, atol=1e-4)  # each vector finds itself (or a twin)
    return db_ids


def snapshot(root) -> dict[str, tuple[str, float]]:
    """{path: (sha1 of content, mtime)} of every file under root: proof nothing was modified."""
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                out[p] = (hashlib.sha1(f.read()).hexdigest(), os.stat(p).st_mtime)
    return out
