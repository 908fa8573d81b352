"""The web face: `create_app(settings)` builds a Flask app (blueprints: pages, api, audio).

There is no module-level app; `web/wsgi.py` builds the one a production server loads.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from catalog.settings import Settings

MAX_REQUEST_BYTES = 64 * 1024  # JSON bodies only; nothing is uploaded


def create_app(settings: Settings, *, index_roots: list[Path] | None = None,
               require_token: bool = False, allowed_hosts: tuple[str, ...] = (),
               config: dict | None = None, warm: bool = False, aligner=None, decoder=None) -> Flask:
    """The app for `settings`.

    index_roots: server folders the web UI may index (default: the user's home directory).
    require_token: mutating requests need the settings' token even from loopback peers (set
        when the server is bound to a non-loopback address).
    allowed_hosts: extra Host names answered in local mode (beside localhost names).
    warm: build the searcher (aligner + vector store) now instead of on the first search.
    aligner: an `Aligner` to use instead of `load_aligner(settings)` (tests, embedded use).
    decoder: a `PlanDecoder` to use instead of the generator's default weights.
    """
    from web import api, audio, errors, pages, security
    from web.state import WebState

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        REQUIRE_TOKEN=require_token,
        ALLOWED_HOSTS=tuple(allowed_hosts),
        JSON_SORT_KEYS=False,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.json.sort_keys = False
    if config:
        app.config.update(config)
    roots = index_roots if index_roots is not None else [Path.home()]
    app.extensions["cratedig"] = WebState(settings, roots, aligner=aligner, decoder=decoder)

    errors.register_error_handlers(app)
    security.install(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(audio.bp)
    if warm:
        searcher = app.extensions["cratedig"].searcher()
        searcher.aligner.embed_text(["warm up"])  # loads the text encoder now
        settle_heap()
    logging.getLogger("cratedig.web").setLevel(logging.INFO)
    return app


FULL_GC_INTERVAL_S = 600.0
_settled = False


def settle_heap() -> None:
    """Keep the garbage collector off the search path of a long-running server.

    Everything loaded so far (models, tokenizer, store) is frozen out of the collector's reach.
    The caches searches fill (keyword documents, file facts, text vectors) are not, and Python
    ran a full collection whenever they had grown by a quarter: each walked every cached object
    while holding the interpreter, stalling the searches in flight. Measured at 150 searches/s
    on a 100k-segment catalogue (bench/bench_api.py): p99 117 ms with them, 14-17 ms without.
    Young generations still collect the cycles a request leaves behind; the full collection
    runs from a timer every FULL_GC_INTERVAL_S instead, and freezes its survivors."""
    import gc
    import threading
    import time
    global _settled
    if _settled:  # one timer per process, however many warm apps it builds
        return
    _settled = True
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000_000_000)  # no automatic full collections

    def full_collections():
        while True:
            time.sleep(FULL_GC_INTERVAL_S)
            gc.collect()
            gc.freeze()

    threading.Thread(target=full_collections, name="cratedig-full-gc", daemon=True).start()
