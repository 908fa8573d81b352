"""The catalogue schema (SQLAlchemy 2.x declarative models).

The SQL catalogue is the source of truth: every segment keeps its vector (float32 bytes), so
the FAISS index under `settings.index_dir` is derived data that `cratedig reindex` rebuilds
without decoding audio again. Schema changes go through alembic (`migrations/versions/`); a test
compares these models with the migrations so they cannot drift.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import (BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, String, Text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Constraint names are fixed so alembic batch mode (SQLite) and PostgreSQL agree on them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# FAISS ids are int64; SQLite only autoincrements INTEGER PRIMARY KEY, so BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")

SOURCES = ("catalogue", "generated")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class File(Base):
    """One audio file on disk (a user's file or a generated clip)."""
    __tablename__ = "files"
    # Ids are never reused (AUTOINCREMENT on SQLite, sequences elsewhere): a stale FAISS id can
    # never point at another file's segment, and (count, sum, max) of ids fingerprints a set.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text, unique=True, nullable=False)  # absolute
    folder: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    format: Mapped[str] = mapped_column(String(16), nullable=False)  # lower-case extension, no dot
    subtype: Mapped[str | None] = mapped_column(String(32))  # libsndfile subtype, e.g. PCM_16
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    mtime: Mapped[float] = mapped_column(Float, nullable=False)  # st_mtime, compared exactly
    duration: Mapped[float] = mapped_column(Float, nullable=False)
    sample_rate: Mapped[int] = mapped_column(Integer, nullable=False)
    channels: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str | None] = mapped_column(Text)
    artist: Mapped[str | None] = mapped_column(Text)
    genre: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="catalogue", index=True)
    # generated clips only: what produced them
    prompt: Mapped[str | None] = mapped_column(Text)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    model: Mapped[str | None] = mapped_column(Text)
    aligner_id: Mapped[str] = mapped_column(String(128), nullable=False)
    indexed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                    default=utcnow)

    segments: Mapped[list["Segment"]] = relationship(
        back_populates="file", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Segment.id")

    def __repr__(self) -> str:
        return f"File(id={self.id}, path={self.path!r})"


class Segment(Base):
    """One embedded stretch of a file: a window, or the whole file (`is_file_level`)."""
    __tablename__ = "segments"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)  # = FAISS id
    file_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("files.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    start: Mapped[float] = mapped_column(Float, nullable=False)  # seconds
    end: Mapped[float] = mapped_column(Float, nullable=False)
    is_file_level: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # float32[dim], L2-normalised

    file: Mapped[File] = relationship(back_populates="segments")

    @property
    def array(self) -> np.ndarray:
        return np.frombuffer(self.vector, dtype=np.float32)

    def __repr__(self) -> str:
        return f"Segment(id={self.id}, file_id={self.file_id}, {self.start:.2f}-{self.end:.2f})"


class Failure(Base):
    """A file the indexer could not index, with why; one row per path, replaced on retry."""
    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text, unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # empty, truncated, not audio, ...
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class IndexManifest(Base):
    """Key-value facts about the catalogue's vectors: aligner_id, dim, count."""
    __tablename__ = "index_manifest"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class Job(Base):
    """A long job started from the web UI (index, reindex, generate); polled for progress."""
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")  # queued, running, done, failed
    params: Mapped[str | None] = mapped_column(Text)  # JSON
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    audio_seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # JSON summary when done
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                    default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                    default=utcnow, onupdate=utcnow)


Index("ix_segments_file_level", Segment.file_id, Segment.is_file_level)
