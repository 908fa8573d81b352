"""Catalogue rows for a search's candidates: segment rows by id, and per-file facts cached.

The search's shortlist (80 segments for k=10) is looked up in SQL on every search, because
each candidate is re-scored from the exact vector stored there. This is the hot path of a
search the response cache has not seen, so it avoids what costs most per row:

* the SQL is plain driver-level text in the driver's own parameter style, executed on a pooled
  DBAPI connection (no ORM objects, no per-call statement compilation: ~2x cheaper than the
  equivalent Core select with an expanding IN);
* segment rows come back as plain tuples (the caller reads all their vectors with one
  `frombuffer` of the joined blobs);
* the file half of each row (path, name, folder, format, duration, source, tags, and the
  file's keyword doc) is cached per file id for as long as the vector store's `version` is
  unchanged. Every change of searchable content (index, re-index, prune, generated clip,
  deletion) goes through a store mutation or reload, which bumps the version; a changed file
  gets new segment ids (ids are never reused), so its new segments cannot be found before the
  version moves on.
"""
from __future__ import annotations

import threading

from search.keywords import KeywordDoc

#: ids per IN (...) list: under SQLite's historical 999-variable limit
CHUNK = 900
#: file facts kept at most (about 0.5 KB each); the cache starts over when full
MAX_CACHED_FILES = 200_000
#: SQLite reads of the search's connections go through a memory map of the database file
#: instead of one read() per page: the shortlist's 80 rows cost 0.25 ms instead of 0.6 ms at
#: 100k segments. Address space only (SQLite caps it at its compile-time maximum); the pages
#: are the OS page cache's.
SQLITE_MMAP_BYTES = 1 << 34

_SEGMENT_COLUMNS = ("id", "file_id", "start", "end", "is_file_level", "vector")
_FILE_COLUMNS = ("id", "path", "folder", "name", "format", "duration", "source",
                 "title", "artist", "genre", "comment")


class FileFacts:
    """What a search needs of one file row."""
    __slots__ = ("path", "folder", "name", "format", "duration", "source", "tags", "_doc")

    def __init__(self, path, folder, name, format, duration, source, title, artist, genre,
                 comment):
        self.path, self.folder, self.name, self.format = path, folder, name, format
        self.duration, self.source = float(duration), source
        self.tags = (title, artist, genre, comment)
        self._doc = None

    @property
    def doc(self) -> KeywordDoc:
        d = self._doc
        if d is None:
            d = self._doc = KeywordDoc.of(name=self.name, folder=self.folder, tags=list(self.tags))
        return d


class RowFetcher:
    """Looks up candidate rows in one catalogue; thread-safe (one pooled connection per call)."""

    def __init__(self, catalog):
        self.catalog = catalog
        engine = catalog.engine
        quote = engine.dialect.identifier_preparer.quote
        self._style = engine.dialect.paramstyle
        self._sqlite = engine.dialect.name == "sqlite"
        self._seg_sql = (f"SELECT {', '.join(quote(c) for c in _SEGMENT_COLUMNS)} "
                         f"FROM {quote('segments')} WHERE {quote('id')} IN ")
        self._file_sql = (f"SELECT {', '.join(quote(c) for c in _FILE_COLUMNS)} "
                          f"FROM {quote('files')} WHERE {quote('id')} IN ")
        self._lock = threading.Lock()
        self._version = None
        self._files: dict[int, FileFacts] = {}

    # ---- public ----------------------------------------------------------------------------
    def segments(self, ids) -> list[tuple]:
        """Rows (id, file_id, start, end, is_file_level, vector) of the segment ids that exist."""
        return self._select(self._seg_sql, [int(i) for i in ids])

    def files(self, file_ids, version) -> dict[int, FileFacts]:
        """{file id: FileFacts} for the ids that exist, cached while the store's version holds."""
        with self._lock:
            if version != self._version or len(self._files) > MAX_CACHED_FILES:
                self._files = {}
                self._version = version
            cache = self._files  # a concurrent reset swaps the dict; late writes go to the old one
        out = {}
        missing = []
        for f in file_ids:
            facts = cache.get(f)
            if facts is None:
                missing.append(f)
            else:
                out[f] = facts
        if missing:
            for r in self._select(self._file_sql, missing):
                facts = FileFacts(*r[1:])
                cache[int(r[0])] = out[int(r[0])] = facts
        return out

    # ---- internals -------------------------------------------------------------------------
    def _placeholders(self, n: int) -> str:
        style = self._style
        if style == "qmark":
            marks = ["?"] * n
        elif style in ("format", "pyformat"):
            marks = ["%s"] * n
        elif style == "numeric":
            marks = [f":{i + 1}" for i in range(n)]
        elif style == "named":
            marks = [f":p{i}" for i in range(n)]
        else:
            raise ValueError(f"unsupported DBAPI paramstyle {style!r}")
        return "(" + ", ".join(marks) + ")"

    def _params(self, values: list):
        return {f"p{i}": v for i, v in enumerate(values)} if self._style == "named" else values

    def _select(self, head: str, values: list) -> list[tuple]:
        if not values:
            return []
        out: list[tuple] = []
        conn = self.catalog.engine.raw_connection()  # pooled; close() returns it (rolled back)
        try:
            if self._sqlite and not conn.info.get("cratedig_mmap"):
                conn.cursor().execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}").close()
                conn.info["cratedig_mmap"] = True
            cur = conn.cursor()
            try:
                for a in range(0, len(values), CHUNK):
                    part = values[a:a + CHUNK]
                    cur.execute(head + self._placeholders(len(part)), self._params(part))
                    out.extend(cur.fetchall())
            finally:
                cur.close()
        finally:
            conn.close()
        return out
