"""Web fixtures: a small real library indexed by the real indexer into real SQLite + FAISS (with
the deterministic projection test aligner, so these tests do not depend on the builtin model's
weights or speed), and apps/clients over it."""
from __future__ import annotations

from pathlib import Path

import pytest

from web_audio import WEB_LIBRARY, write_library
from web_helpers import file_ids, wait_job  # noqa: F401


@pytest.fixture(scope="module")
def web_aligner():
    from aligner_double import ProjectionAligner
    return ProjectionAligner(seed=3)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, web_aligner):
    """(settings, roots folder, library folder): WEB_LIBRARY indexed with `indexer.run_index`.
    Tests that change the catalogue use `fresh_app` instead."""
    from catalog.settings import Settings
    from indexer import run_index

    base = tmp_path_factory.mktemp("web")
    library = write_library(base / "roots" / "library")
    settings = Settings(home=base / "home", workers=1, batch_size=8)
    summary = run_index(settings, [library], aligner=web_aligner)
    assert summary.indexed == len(WEB_LIBRARY) and not summary.failed
    return settings, base / "roots", library


@pytest.fixture(scope="module")
def app(indexed, web_aligner):
    from web import create_app
    settings, roots, _ = indexed
    return create_app(settings, index_roots=[roots], aligner=web_aligner)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def fresh_app(tmp_path, web_aligner):
    """An app over its own (initially empty) data home; index roots = tmp_path/roots."""
    from catalog.settings import Settings
    from web import create_app
    roots = tmp_path / "roots"
    roots.mkdir()
    settings = Settings(home=tmp_path / "home", workers=1, batch_size=8)
    app = create_app(settings, index_roots=[roots], aligner=web_aligner)
    yield app
    app.extensions["cratedig"].close()
