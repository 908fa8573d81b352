"""Query -> ranked files: embed, vector search with oversampling, exact re-scoring, best segment
per file, filters, keyword fusion, top k.

1. The query text goes through `aligner.embed_text` (or `--like FILE` through
   `embed_audio_windows`; both given: the normalised sum).
2. The vector store returns a shortlist of POOL_FACTOR*k segments (x4 more with filters).
3. Their rows are fetched from the catalogue in one query (`search.rows`: file facts are
   cached per store version); each segment is re-scored exactly from the vector stored in SQL,
   so reported similarities are exact cosines even when the store is approximate, and the order
   of the shortlist does not depend on quantisation.
4. Filters drop rows; segments are grouped to the best one per file (unless `segments`).
5. Too few files left: the shortlist is widened x4 (up to MAX_POOL); with filters still too
   few, the segment ids that pass the filters are listed in SQL and the store searches only them.
6. Keyword fusion (`search.keywords`) re-ranks; `min_score` applies to the fused score; top k.
"""
from __future__ import annotations

import os
from typing import Callable

import numpy as np
from sqlalchemy import select

from search.filters import SearchError, SearchFilters
from search.keywords import KeywordDoc, keyword_scores, query_tokens
from search.results import SearchHit, SearchResponse
from search.rows import FileFacts, RowFetcher

POOL_FACTOR = 8
FILTER_FACTOR = 4
WIDEN = 4
MAX_POOL = 4096
MAX_K = 1000
#: filtered searches whose matching set is at most this many segments search that set directly
MAX_ALLOWED = 2_000_000

OnMiss = Callable[["Searcher", SearchResponse, np.ndarray], SearchResponse]


class NothingIndexedError(SearchError):
    """The catalogue holds no segments yet."""


class Searcher:
    """Holds an aligner, the catalogue and the vector store open for many searches (the web app
    keeps one; `run_search` makes one per call). Thread-safe for concurrent searches."""

    def __init__(self, settings, *, catalog=None, store=None, aligner=None,
                 on_miss: OnMiss | None = None):
        self.settings = settings
        self._own_catalog = catalog is None
        if aligner is None:
            from aligner import load_aligner
            aligner = load_aligner(settings)
        self.aligner = aligner
        if catalog is None:
            from catalog.db import open_catalog
            catalog = open_catalog(settings)
        self.catalog = catalog
        if store is None:
            from catalog.vectors import VectorStore
            store = VectorStore.open(settings.index_dir, aligner.dim, aligner.id,
                                     exact_limit=settings.exact_search_limit)
        self.store = store
        self.on_miss = on_miss
        self._rows = RowFetcher(catalog)

    def close(self) -> None:
        if self._own_catalog:
            self.catalog.close()

    def __enter__(self) -> "Searcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- the search --------------------------------------------------------------------------
    def search(self, query: str | None, *, k: int = 10, segments: bool = False,
               like: str | os.PathLike | None = None, filters: SearchFilters | None = None,
               min_score: float | None = None, keywords: bool = True,
               generate: bool | None = None) -> SearchResponse:
        """Rank the catalogue for `query` (and/or example audio `like`); see the module doc."""
        text = (query or "").strip()
        if not text and like is None:
            raise SearchError("query", "empty query: describe a sound (or give --like FILE)")
        if not 1 <= int(k) <= MAX_K:
            raise SearchError("k", f"must be between 1 and {MAX_K}, got {k}")
        filters = filters or SearchFilters()
        self.store.refresh()
        self._check_indexed()
        qvec = self.embed_query(text, like)
        weight = float(self.settings.keyword_weight) if keywords else 0.0
        qtok = query_tokens(text) if weight > 0 else []

        version = self.store.version
        cands = self._candidates(qvec, k, segments, filters, version)
        if cands and qtok:
            docs: dict[int, KeywordDoc] = {}
            for c in cands:
                if c.file_id not in docs:
                    docs[c.file_id] = c.facts.doc
            kw = dict(zip(docs, keyword_scores(qtok, list(docs.values()))))
            for c in cands:
                c.keyword = kw[c.file_id]
                c.score = (1.0 - weight) * c.similarity + weight * c.keyword
        else:
            for c in cands:
                c.score = (1.0 - weight) * c.similarity
        cands.sort(key=_rank_key)
        if min_score is not None:
            cands = [c for c in cands if c.score >= min_score]
        ranked = [c.hit() for c in cands[:k]]
        resp = SearchResponse(query=text, results=ranked[:k], like=str(like) if like else None,
                              segments=segments, threshold=self._threshold())
        best = resp.best_similarity
        # min_score emptying the list is a miss too: nothing good enough was found
        resp.miss = best is None or (resp.threshold is not None and best < resp.threshold)
        want_generate = self.settings.generate_on_miss if generate is None else generate
        if resp.miss and want_generate and text and self.on_miss is not None:
            resp = self.on_miss(self, resp, qvec)
        return resp

    def embed_query(self, text: str, like=None) -> np.ndarray:
        """The query vector float32[dim]: text, example audio, or their normalised sum."""
        parts = []
        if text:
            parts.append(np.asarray(self.aligner.embed_text([text]), np.float32)[0])
        if like is not None:
            parts.append(self._embed_example(like))
        v = np.sum(parts, axis=0)
        return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)

    # ---- internals ---------------------------------------------------------------------------
    def _threshold(self) -> float | None:
        """Similarity under which the best hit is a miss: the setting, else the aligner's
        calibrated value (None: only an empty result is a miss)."""
        t = self.settings.miss_threshold
        return getattr(self.aligner, "miss_threshold", None) if t is None else t

    def _check_indexed(self) -> None:
        if self.store.count:
            return
        segs = self.catalog.counts()["segments"]
        if segs == 0:
            raise NothingIndexedError(str(self.settings.home),
                                      "nothing indexed yet: run `cratedig index PATH`")
        raise SearchError(str(self.settings.index_dir),
                          f"the vector index is empty but the catalogue has {segs} segments: "
                          f"run `cratedig reindex`")

    def _embed_example(self, like) -> np.ndarray:
        import soundfile as sf
        path = os.path.abspath(os.path.expanduser(os.fspath(like)))
        try:
            wave, sr = sf.read(path, dtype="float32", always_2d=False)
        except (RuntimeError, OSError) as e:  # soundfile raises LibsndfileError(RuntimeError)
            raise SearchError(f"--like {path}", f"cannot decode: {e}") from e
        if len(wave) == 0:
            raise SearchError(f"--like {path}", "the file holds no audio")
        return np.asarray(self.aligner.embed_audio_windows(wave, sr).pooled, np.float32)

    def _candidates(self, qvec, k, segments, filters, version) -> list["_Scored"]:
        count = self.store.count
        pool = min(count, k * POOL_FACTOR * (FILTER_FACTOR if filters.active else 1))
        allowed = None
        while True:
            # a restricted search is the fallback: make it exhaustive (all IVF lists)
            nprobe = (self.store.manifest.nlist or None) if allowed is not None else None
            _, ids = self.store.search(qvec[None, :], max(pool, 1), allowed=allowed, nprobe=nprobe)
            scored = self._score(ids[0][ids[0] >= 0], qvec, filters, version)
            grouped = _dedupe_segments(scored) if segments else _best_per_file(scored)
            enough = len(grouped) >= k
            exhausted = pool >= (count if allowed is None else len(allowed))
            if enough or exhausted or pool >= MAX_POOL:
                searched_all = exhausted and self.store.kind == "exact"
                if enough or not filters.active or allowed is not None or searched_all:
                    return grouped
                allowed = self._allowed_ids(filters)
                if len(allowed) == 0:
                    return []
                pool = min(len(allowed), max(pool, k * POOL_FACTOR))
                continue
            pool = min(pool * WIDEN, MAX_POOL, count)

    def _score(self, ids: np.ndarray, qvec: np.ndarray, filters: SearchFilters,
               version) -> list["_Scored"]:
        """The shortlist's rows that pass the filters, each with its exact cosine to `qvec`."""
        if len(ids) == 0:
            return []
        rows = self._rows.segments(ids)
        if not rows:
            return []
        facts = self._rows.files({r[1] for r in rows}, version)
        if filters.active:
            ok = {f: filters.matches(path=x.path, duration=x.duration, format=x.format,
                                     source=x.source) for f, x in facts.items()}
            rows = [r for r in rows if ok.get(r[1])]
        else:
            rows = [r for r in rows if r[1] in facts]  # a file deleted since the segment fetch
        if not rows:
            return []
        blobs = [r[5] if isinstance(r[5], bytes) else bytes(r[5]) for r in rows]
        dims = {len(b) // 4 for b in blobs}
        if dims != {len(qvec)}:
            bad = sorted(dims - {len(qvec)})[0]
            raise SearchError("catalogue", f"segment vectors have dim {bad}, the aligner "
                              f"{len(qvec)}: run `cratedig reindex`")
        sims = (np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(rows), -1)
                @ qvec).tolist()
        return [_Scored(r, facts[r[1]], sim) for r, sim in zip(rows, sims)]

    def _allowed_ids(self, filters: SearchFilters) -> np.ndarray:
        from catalog.models import File, Segment
        stmt = (select(Segment.id).join(File, File.id == Segment.file_id)
                .where(*filters.where_clauses(File)).limit(MAX_ALLOWED))
        with self.catalog.engine.connect() as conn:
            return np.fromiter((r[0] for r in conn.execute(stmt)), dtype=np.int64)


class _Scored:
    """One candidate segment with its file's facts; becomes a `SearchHit` only if it is
    among the top k (most candidates never are)."""
    __slots__ = ("segment_id", "file_id", "start", "end", "file_level", "facts", "similarity",
                 "keyword", "score")

    def __init__(self, row: tuple, facts: FileFacts, similarity: float):
        self.segment_id, self.file_id = int(row[0]), int(row[1])
        self.file_level = bool(row[4])
        self.start, self.end = (0.0, facts.duration) if self.file_level else (float(row[2]),
                                                                               float(row[3]))
        self.facts = facts
        self.similarity = similarity
        self.keyword = 0.0
        self.score = 0.0

    def hit(self) -> SearchHit:
        f = self.facts
        return SearchHit(file_id=self.file_id, segment_id=self.segment_id, path=f.path,
                         name=f.name, folder=f.folder, format=f.format, source=f.source,
                         duration=f.duration, start=self.start, end=self.end,
                         similarity=self.similarity, keyword=self.keyword, score=self.score)


def _rank_key(c: _Scored):
    return -c.score, c.facts.path, c.start


def _best_per_file(scored: list[_Scored]) -> list[_Scored]:
    best: dict[int, _Scored] = {}
    for s in scored:
        cur = best.get(s.file_id)
        # ties prefer a window over the file-level vector: its start/end say more
        if cur is None or s.similarity > cur.similarity or (
                s.similarity == cur.similarity and cur.file_level and not s.file_level):
            best[s.file_id] = s
    return list(best.values())


def _dedupe_segments(scored: list[_Scored]) -> list[_Scored]:
    """Segment hits: a one-window file's window and file-level vector cover the same span;
    keep one hit per (file, start, end)."""
    seen: dict[tuple, _Scored] = {}
    for s in scored:
        key = (s.file_id, round(s.start, 3), round(s.end, 3))
        cur = seen.get(key)
        if cur is None or s.similarity > cur.similarity:
            seen[key] = s
    return list(seen.values())


def run_search(settings, query: str | None, *, k: int = 10, segments: bool = False, like=None,
               filters: SearchFilters | None = None, min_score: float | None = None,
               keywords: bool = True, generate: bool | None = None, catalog=None, store=None,
               aligner=None, on_miss: OnMiss | None = None) -> SearchResponse:
    """One search, opening (and closing) whatever is not passed in. Processes that search many
    times keep a `Searcher` instead."""
    with Searcher(settings, catalog=catalog, store=store, aligner=aligner,
                  on_miss=on_miss) as searcher:
        return searcher.search(query, k=k, segments=segments, like=like, filters=filters,
                               min_score=min_score, keywords=keywords, generate=generate)
