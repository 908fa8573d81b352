"""A small indexed library for search tests: real audio files, indexed by the real indexer into
real SQLite + FAISS, with a test aligner whose text embeddings mean something.

`DescribingAligner` embeds audio by its spectrum and a text by synthesising what it describes
("sine 440" -> a 440 Hz sine, "noise") and embedding that audio, so a text query finds the
matching file for a real reason; other words get a fixed pseudo-random vector.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from aligner.base import Aligner, l2_normalise

from search_helpers import GENERATED, LIBRARY, DescribingAligner, _write, describe  # noqa: F401


@pytest.fixture(scope="session")
def describing_aligner():
    return DescribingAligner()


@pytest.fixture(scope="session")
def indexed_home(tmp_path_factory, describing_aligner):
    """(settings, library root): LIBRARY indexed by `indexer.run_index`, plus one clip ingested
    with source="generated". Shared by the search tests, which only read it."""
    from catalog.db import open_catalog
    from catalog.settings import Settings
    from catalog.store_sync import open_store
    from indexer import ingest_files, run_index

    base = tmp_path_factory.mktemp("search")
    root = base / "library"
    for rel, spec in LIBRARY.items():
        _write(root, rel, spec)
    settings = Settings(home=base / "home", workers=1, batch_size=8, keyword_weight=0.15)
    summary = run_index(settings, [root], aligner=describing_aligner)
    assert not summary.failed, summary.failed
    gen = _write(base, GENERATED, (1.0, 44_100, 1, ("FLAC", "PCM_16"), "sine440", None))
    catalog = open_catalog(settings)
    try:
        store = open_store(settings, catalog, describing_aligner.id, describing_aligner.dim)
        ingest_files(settings, catalog, store, describing_aligner, [gen], source="generated")
    finally:
        catalog.close()
    return settings, root
