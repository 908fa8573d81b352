"""What one app instance holds: the settings, the open catalogue, the searcher (built on first
use, because it loads the aligner and the vector store) and the job runner.

Stored in `app.extensions["cratedig"]`; `state()` fetches it inside a request.
"""
from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app

from catalog.db import Catalog, open_catalog
from catalog.settings import Settings
from web.cache import ResponseCache
from web.jobs import JobRunner


class WebState:
    def __init__(self, settings: Settings, index_roots: list[Path], aligner=None, decoder=None):
        self.settings = settings
        self._aligner = aligner  # None: `load_aligner(settings)` when the searcher is built
        self._decoder = decoder  # None: the generator's default weights, loaded on first use
        self.index_roots = [Path(r).resolve() for r in index_roots]
        self.catalog: Catalog = open_catalog(settings)
        self.jobs = JobRunner(self.catalog)
        self.response_cache = ResponseCache()
        self._lock = threading.Lock()
        self._searcher = None
        self._generator = None

    def searcher(self):
        """The process's `search.Searcher` (aligner + catalogue + vector store), built once."""
        s = self._searcher
        if s is None:
            with self._lock:
                if self._searcher is None:
                    from search import Searcher
                    from search.miss import MissHandler
                    self.miss_handler = MissHandler()
                    # POST /api/search with generate=true generates on a miss through it
                    self._searcher = Searcher(self.settings, catalog=self.catalog, aligner=self._aligner,
                                              on_miss=self.miss_handler)
                s = self._searcher
        return s

    def generator(self):
        """The process's `generator.generate.Generator`, sharing the searcher's aligner."""
        g = self._generator
        if g is None:
            aligner = self.searcher().aligner
            with self._lock:
                if self._generator is None:
                    from generator.generate import Generator
                    self._generator = Generator(self.settings, aligner=aligner,
                                                decoder=self._decoder)
                    self.miss_handler.generator = self._generator  # one decoder in memory
                g = self._generator
        return g

    @property
    def aligner(self):
        return self.searcher().aligner

    @property
    def searcher_ready(self) -> bool:
        return self._searcher is not None

    def close(self) -> None:
        s = self._searcher
        if s is not None and hasattr(s, "close"):
            s.close()
        self.jobs.close()
        self.catalog.close()


def state() -> WebState:
    return current_app.extensions["cratedig"]
