"""What an indexing run reports: live progress (for the callback) and the final summary."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable


@dataclass(frozen=True)
class FailureInfo:
    path: str
    kind: str  # empty | truncated | not audio | unreadable | permission | gone
    reason: str


@dataclass(frozen=True)
class IndexProgress:
    """A snapshot passed to the progress callback after each file."""
    files_done: int
    files_total: int  # files needing work (unchanged ones are not counted)
    bytes_done: int
    bytes_total: int
    audio_seconds: float  # audio embedded so far
    elapsed: float  # wall seconds since the work started
    phase: str = "index"  # "index" | "store"

    @property
    def x_realtime(self) -> float:
        return self.audio_seconds / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Remaining seconds, extrapolated from the bytes decoded so far."""
        if self.bytes_done <= 0 or self.elapsed <= 0:
            return None
        return self.elapsed * max(self.bytes_total - self.bytes_done, 0) / self.bytes_done


ProgressCallback = Callable[[IndexProgress], None]


@dataclass
class IndexSummary:
    indexed: int = 0
    unchanged: int = 0
    failed: list[FailureInfo] = field(default_factory=list)
    pruned: int = 0
    segments: int = 0  # segments written by this run
    audio_seconds: float = 0.0  # audio embedded by this run
    wall_seconds: float = 0.0
    store_rebuilt: bool = False
    files: dict[str, int] = field(default_factory=dict)  # path -> file id, for files indexed now

    @property
    def x_realtime(self) -> float:
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def to_json(self) -> dict:
        return {
            "indexed": self.indexed,
            "unchanged": self.unchanged,
            "failed": [asdict(f) for f in self.failed],
            "failed_count": len(self.failed),
            "pruned": self.pruned,
            "segments": self.segments,
            "audio_seconds": round(self.audio_seconds, 3),
            "wall_seconds": round(self.wall_seconds, 3),
            "x_realtime": round(self.x_realtime, 1),
            "store_rebuilt": self.store_rebuilt,
        }

    def headline(self) -> str:
        return (f"indexed {self.indexed}, unchanged {self.unchanged}, failed {len(self.failed)}"
                + (f", pruned {self.pruned}" if self.pruned else ""))
