"""Search filters: duration range, folder/path prefix, format, source.

Filters are checked in Python on the candidates the vector search returns (cheap: a few hundred
rows), and, when too few candidates survive, turned into SQL (`where_clauses`) to list the
matching segment ids so the vector search can be restricted to them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

SOURCES = ("catalogue", "generated")


class SearchError(ValueError):
    """A search cannot run as asked (bad query, bad filter, nothing indexed)."""

    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason


@dataclass(frozen=True)
class SearchFilters:
    """Which files may appear in results. None = no constraint."""
    min_duration: float | None = None   # seconds, inclusive
    max_duration: float | None = None   # seconds, inclusive
    path_prefix: str | None = None      # absolute folder or path prefix (~ expanded)
    format: str | None = None           # file extension without the dot: wav, flac, ogg, ...
    source: str | None = None           # "catalogue" or "generated"

    def __post_init__(self):
        for name in ("min_duration", "max_duration"):
            v = getattr(self, name)
            if v is not None and (v != v or v < 0):
                raise SearchError(name.replace("_", "-"), f"must be a non-negative number, got {v}")
        if (self.min_duration is not None and self.max_duration is not None
                and self.min_duration > self.max_duration):
            raise SearchError("duration", f"min {self.min_duration} > max {self.max_duration}")
        if self.source is not None and self.source not in SOURCES:
            raise SearchError("source", f"must be one of {', '.join(SOURCES)}, got {self.source!r}")
        if self.format is not None:
            fmt = self.format.strip().lower().lstrip(".")
            if not fmt:
                raise SearchError("format", "empty format")
            object.__setattr__(self, "format", fmt)
        if self.path_prefix is not None:
            if not self.path_prefix.strip():
                raise SearchError("path-prefix", "empty prefix")
            absolute = os.path.abspath(os.path.expanduser(self.path_prefix))
            if self.path_prefix.endswith(os.sep) and not absolute.endswith(os.sep):
                absolute += os.sep  # "/a/b/" means the folder: it must not match "/a/bc"
            object.__setattr__(self, "path_prefix", absolute)

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def matches(self, *, path: str, duration: float, format: str, source: str) -> bool:
        if self.min_duration is not None and duration < self.min_duration:
            return False
        if self.max_duration is not None and duration > self.max_duration:
            return False
        if self.format is not None and (format or "").lower() != self.format:
            return False
        if self.source is not None and source != self.source:
            return False
        if self.path_prefix is not None and not path.startswith(self.path_prefix):
            return False
        return True

    def where_clauses(self, file_table) -> list:
        """The same constraints as SQLAlchemy expressions on the `files` table."""
        t = file_table
        out = []
        if self.min_duration is not None:
            out.append(t.duration >= self.min_duration)
        if self.max_duration is not None:
            out.append(t.duration <= self.max_duration)
        if self.format is not None:
            out.append(t.format == self.format)
        if self.source is not None:
            out.append(t.source == self.source)
        if self.path_prefix is not None:
            # a plain string prefix of the absolute path: a folder, or a folder plus the
            # start of a name ("/samples/drums/kick")
            out.append(t.path.startswith(self.path_prefix, autoescape=True))
        return out
