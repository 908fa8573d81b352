"""A per-process cache of read-only search responses.

Type-ahead and popular queries repeat; the answer to a repeated search only changes when the
catalogue does. Entries are keyed by every search parameter and tagged with the vector store's
generation, which every writer (index, prune, generated clip, deletion) advances when it saves:
after a change, older entries are never served. A short TTL bounds staleness from changes that
reach the catalogue without a store save. Searches that may generate are never cached.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

DEFAULT_SIZE = 2048
DEFAULT_TTL_S = 60.0


class ResponseCache:
    def __init__(self, size: int = DEFAULT_SIZE, ttl_s: float = DEFAULT_TTL_S):
        self.size = size
        self.ttl_s = ttl_s
        self._entries: OrderedDict[tuple, tuple[int, float, dict]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(args: dict) -> tuple:
        f = args["filters"]
        return (args["q"], args["k"], args["segments"], args["like"], args["min_score"],
                tuple(sorted(f.items())))

    def get(self, key: tuple, generation: int) -> dict | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != generation or now - entry[1] > self.ttl_s:
                if entry is not None:
                    del self._entries[key]
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[2]

    def put(self, key: tuple, generation: int, value: dict) -> None:
        with self._lock:
            self._entries[key] = (generation, time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
