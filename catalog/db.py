"""Opening the catalogue: engine, sessions, and the schema brought to the newest migration.

`open_catalog(settings)` is what every command calls first; it runs `alembic upgrade head`
programmatically (cheaply skipped when the database is already at head).
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import File, IndexManifest, Segment
from catalog.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000  # the web server and a CLI indexer may write at once


class CatalogError(RuntimeError):
    """The catalogue database cannot be opened or migrated."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"catalogue {safe_url(url)}: {reason}")
        self.url = url
        self.reason = reason


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as given minus nothing secret
        return url.split("@")[-1]


def migrations_dir() -> Path:
    import migrations
    return Path(migrations.__file__).resolve().parent


def alembic_config(url: str, connection=None):
    """An alembic Config pointing at the packaged migrations, for `url` (or an open connection)."""
    from alembic.config import Config
    d = migrations_dir()
    cfg = Config(str(d / "alembic.ini"))
    cfg.set_main_option("script_location", str(d))
    # '%' is configparser interpolation; URL-encoded passwords contain it.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: readers never block the indexer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, url: str, revision: str = "head") -> None:
    from alembic import command
    with engine.begin() as conn:
        command.upgrade(alembic_config(url, conn), revision)


def downgrade(engine: Engine, url: str, revision: str) -> None:
    from alembic import command
    with engine.begin() as conn:
        command.downgrade(alembic_config(url, conn), revision)


class Catalog:
    """An open catalogue: `engine` plus `session()` (commit on success, rollback on error)."""

    def __init__(self, settings: Settings, engine: Engine):
        self.settings = settings
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self._sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    # ---- manifest ------------------------------------------------------------------------
    def manifest(self) -> dict[str, str]:
        with self.session() as s:
            return {m.key: m.value for m in s.scalars(select(IndexManifest))}

    def set_manifest(self, s: Session, **values) -> None:
        for k, v in values.items():
            s.merge(IndexManifest(key=k, value=str(v)))

    def counts(self) -> dict[str, int]:
        with self.session() as s:
            return {"files": s.scalar(select(func.count(File.id))) or 0,
                    "segments": s.scalar(select(func.count(Segment.id))) or 0}

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Catalog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_catalog(settings: Settings, *, migrate: bool = True) -> Catalog:
    """Engine for `settings.db_url`; the schema is upgraded to head unless `migrate=False`."""
    url = settings.db_url
    if url.startswith("sqlite") and not settings.database_url:
        settings.ensure_dirs()
    try:
        engine = make_engine(url)
        if migrate and current_revision(engine) != head_revision():
            try:
                upgrade(engine, url)
            except SQLAlchemyError:
                # Another process (the web server, a second CLI) may have migrated meanwhile.
                if current_revision(engine) != head_revision():
                    raise
    except SQLAlchemyError as e:
        raise CatalogError(url, f"{type(e).__name__}: {e.orig if hasattr(e, 'orig') else e}") from e
    return Catalog(settings, engine)
