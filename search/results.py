"""Search results and their one JSON serializer (shared by `cratedig search --json` and the web
API): `{"query", "generated", "results": [{"id", "path", "start", "end", "score", "source",
"duration", ...}]}`, best first."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SearchHit:
    """One result: a file (its best segment), or one segment with `--segments`."""
    file_id: int
    segment_id: int
    path: str          # absolute
    name: str
    folder: str
    format: str
    source: str        # "catalogue" | "generated"
    duration: float    # of the file, seconds
    start: float       # of the segment, seconds
    end: float
    similarity: float  # cosine between query and segment vectors
    keyword: float = 0.0   # keyword score in [0, 1] (search.keywords)
    score: float = 0.0     # fused: (1 - w) * similarity + w * keyword

    def to_json(self) -> dict:
        return {
            "id": self.file_id,
            "path": self.path,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "score": round(self.score, 6),
            "source": self.source,
            "duration": round(self.duration, 3),
            "name": self.name,
            "folder": self.folder,
            "format": self.format,
            "segment_id": self.segment_id,
            "similarity": round(self.similarity, 6),
            "keyword": round(self.keyword, 6),
        }


@dataclass
class SearchResponse:
    """What a search returns. `miss` says the best match is too weak (best similarity below
    `threshold`, or no result at all): the generate-on-miss step acts on it."""
    query: str
    results: list[SearchHit] = field(default_factory=list)
    generated: bool = False
    miss: bool = False
    threshold: float | None = None
    like: str | None = None
    segments: bool = False

    @property
    def best_similarity(self) -> float | None:
        return max((h.similarity for h in self.results), default=None)

    def to_json(self) -> dict:
        return {"query": self.query, "generated": self.generated,
                "results": [h.to_json() for h in self.results]}
