"""Shared fixtures: tiny real audio files (good and bad), a data home in tmp_path, and database
URLs (SQLite always; PostgreSQL too when CRATEDIG_TEST_PG_URL is set, one fresh database per
test)."""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))  # tests/aligner_double.py for tests and their subprocesses

PG_ENV = "CRATEDIG_TEST_PG_URL"

from audio_files import (BAD_AUDIO, GOOD_AUDIO, TAGGED, TAGS, signal,  # noqa: E402,F401
                         write_audio, write_bad)


@pytest.fixture
def audio_dir(tmp_path) -> Path:
    """A folder of small real audio files in every format (plus a tagged one and a .txt)."""
    root = tmp_path / "library"
    for name, (secs, sr, ch, fmt, kind) in GOOD_AUDIO.items():
        write_audio(root / name, secs, sr, ch, fmt, kind)
    write_audio(root / TAGGED, 0.5, 44_100, 1, ("FLAC", "PCM_16"), "noise", tags=TAGS)
    (root / "notes.txt").write_text("not scanned: not an audio extension")
    return root


@pytest.fixture
def bad_dir(tmp_path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "broken"
    return root, write_bad(root)


def _pg_fresh_database(base_url: str):
    """Create a throwaway database on the CRATEDIG_TEST_PG_URL server; returns (url, drop)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    base = make_url(base_url)
    name = f"cratedig_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """'' (SQLite in the data home) or a fresh PostgreSQL database URL."""
    if request.param == "sqlite":
        yield ""
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} not set")
    url, drop = _pg_fresh_database(base)
    yield url
    drop()


@pytest.fixture
def settings(tmp_path, db_url):
    """Settings with its home in tmp_path, on each database of `db_url`; 2 decode workers."""
    from catalog.settings import Settings
    return Settings(home=tmp_path / "home", database_url=db_url, workers=2, batch_size=8)


@pytest.fixture
def sqlite_settings(tmp_path):
    from catalog.settings import Settings
    return Settings(home=tmp_path / "home", workers=2, batch_size=8)


@pytest.fixture
def test_aligner():
    from aligner_double import ProjectionAligner
    return ProjectionAligner(seed=0)
