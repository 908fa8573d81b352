"""The app a production WSGI server loads: built once per worker process from `Settings.resolve()`
(config file -> CRATEDIG_* environment). The production command, one worker process per core
(searches are CPU-bound Python: one process cannot use a second core), a few threads each, no
--preload (torch must be imported after the fork); the workers share one catalogue and see each
other's index jobs and new vectors through it and the vector store's manifest:

    CRATEDIG_HOME=... gunicorn -c python:web.gunicorn_conf web.wsgi:app   (web/gunicorn_conf.py)

or, on one core, waitress: `waitress-serve --listen=127.0.0.1:8000 --threads=4 web.wsgi:app`.

Extra environment for the web face: CRATEDIG_INDEX_ROOTS (folders the index page may index,
separated by ':'; default the home directory), CRATEDIG_REQUIRE_TOKEN=1 (mutating requests need
the token even from loopback peers; set it when a proxy exposes the server), and
CRATEDIG_ALLOWED_HOSTS (Host names answered besides localhost, ',' separated).
"""
from __future__ import annotations

import os
from pathlib import Path

from catalog.settings import Settings
from web import create_app


def app_from_environ(environ=None):
    env = os.environ if environ is None else environ
    settings = Settings.resolve()
    roots = [Path(p).expanduser() for p in env.get("CRATEDIG_INDEX_ROOTS", "").split(os.pathsep) if p]
    require = env.get("CRATEDIG_REQUIRE_TOKEN", "").lower() in ("1", "true", "yes", "on")
    hosts = tuple(h.strip() for h in env.get("CRATEDIG_ALLOWED_HOSTS", "").split(",") if h.strip())
    return create_app(settings, index_roots=roots or None, require_token=require,
                      allowed_hosts=hosts, warm=True)


app = app_from_environ()
