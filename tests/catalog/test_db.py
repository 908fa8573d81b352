"""The catalogue schema: alembic migrations from empty to head, no drift from the models,
downgrade/upgrade round trip, on SQLite and (when configured) PostgreSQL."""
from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import inspect, select

from catalog.db import (CatalogError, current_revision, downgrade, head_revision, open_catalog,
                        upgrade)
from catalog.models import Base, File, Segment

TABLES = {"files", "segments", "failures", "index_manifest", "jobs"}


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_empty_to_head_creates_the_model_tables(settings):
    catalog = open_catalog(settings)
    try:
        assert current_revision(catalog.engine) == head_revision()
        assert tables(catalog.engine) == TABLES == set(Base.metadata.tables)
    finally:
        catalog.close()


def test_models_and_migrations_do_not_drift(settings):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    catalog = open_catalog(settings)
    try:
        with catalog.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "render_as_batch": True})
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == []
    finally:
        catalog.close()


def test_downgrade_to_base_and_upgrade_again(settings):
    catalog = open_catalog(settings)
    url = settings.db_url
    try:
        downgrade(catalog.engine, url, "base")
        assert tables(catalog.engine) == set()
        assert current_revision(catalog.engine) is None
        upgrade(catalog.engine, url, "head")
        assert tables(catalog.engine) == TABLES
        assert current_revision(catalog.engine) == head_revision()
    finally:
        catalog.close()


def test_rows_cascade_and_ids_are_never_reused(settings):
    catalog = open_catalog(settings)
    vec = np.arange(4, dtype=np.float32).tobytes()
    try:
        with catalog.session() as s:
            f = File(path="/x/a.wav", folder="/x", name="a.wav", format="wav", size=1, mtime=1.0,
                     duration=1.0, sample_rate=16000, channels=1, aligner_id="a")
            f.segments = [Segment(start=0, end=1, is_file_level=True, vector=vec)]
            s.add(f)
        first_seg = f.segments[0].id
        with catalog.session() as s:
            s.delete(s.get(File, f.id))
        with catalog.session() as s:
            assert s.scalars(select(Segment)).all() == []  # cascaded
            g = File(path="/x/b.wav", folder="/x", name="b.wav", format="wav", size=1, mtime=1.0,
                     duration=1.0, sample_rate=16000, channels=1, aligner_id="a")
            g.segments = [Segment(start=0, end=1, is_file_level=True, vector=vec)]
            s.add(g)
        assert g.segments[0].id > first_seg  # a FAISS id never comes back for another segment
        with catalog.session() as s:
            seg = s.scalars(select(Segment)).one()
            assert np.array_equal(seg.array, np.arange(4, dtype=np.float32))
    finally:
        catalog.close()


def test_open_is_idempotent_and_cheap_at_head(settings):
    open_catalog(settings).close()
    catalog = open_catalog(settings)
    try:
        assert current_revision(catalog.engine) == head_revision()
    finally:
        catalog.close()


def test_unreachable_database_is_a_catalog_error(tmp_path):
    from catalog.settings import Settings
    bad = Settings(home=tmp_path, database_url="postgresql+psycopg2://u:secret@127.0.0.1:1/none")
    with pytest.raises(CatalogError) as e:
        open_catalog(bad)
    assert "secret" not in str(e.value)
    assert "127.0.0.1:1" in str(e.value)


def test_sqlite_pragmas(sqlite_settings):
    from sqlalchemy import text
    catalog = open_catalog(sqlite_settings)
    try:
        with catalog.engine.connect() as c:
            assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        catalog.close()
