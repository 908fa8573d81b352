"""The documented production command (docs/WEB.md): gunicorn with web/gunicorn_conf.py, two
worker processes sharing one catalogue indexed with the builtin aligner, answering over HTTP on
loopback."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from web_audio import WEB_LIBRARY, write_library

pytest.importorskip("gunicorn")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(port, process group, catalogue file ids) of gunicorn -c python:web.gunicorn_conf -w 2."""
    from catalog.settings import Settings
    from indexer import run_index
    base = tmp_path_factory.mktemp("gunicorn")
    library = write_library(base / "library")
    settings = Settings(home=base / "home", workers=1, batch_size=8)
    summary = run_index(settings, [library])  # the builtin aligner, as the server loads it
    assert summary.indexed == len(WEB_LIBRARY)
    port = _free_port()
    env = dict(os.environ, CRATEDIG_HOME=str(settings.home), CRATEDIG_DEVICE="cpu",
               PYTHONPATH=str(ROOT))
    env.pop("OMP_NUM_THREADS", None)  # the config file sets it
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(base / "server.log", "wb")
    proc = subprocess.Popen([str(gunicorn), "-c", "python:web.gunicorn_conf", "-w", "2",
                             "--threads", "2", "-b", f"127.0.0.1:{port}", "web.wsgi:app"],
                            cwd=str(base), env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if _get(port, "/api/health")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("gunicorn did not come up:\n" + (base / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        from sqlalchemy import select

        from catalog.db import open_catalog
        from catalog.models import File
        with open_catalog(settings) as cat, cat.session() as s:
            ids = set(s.execute(select(File.id)).scalars())
        yield port, proc.pid, ids
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _workers(pgid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != pgid:
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and int(fields[1]) == pgid:
                out.append(int(d.name))
    return out


def test_the_production_command_serves_searches_from_two_workers(served):
    port, pgid, ids = served
    assert len(_workers(pgid)) == 2
    for i in range(12):  # fresh connections: the kernel spreads them over both workers
        q = urllib.parse.urlencode({"q": f"low sine tone {i}", "k": 3})
        status, body = _get(port, f"/api/search?{q}")
        assert status == 200, body
        assert body["results"] and {r["id"] for r in body["results"]} <= ids


def test_the_production_command_answers_errors_in_the_api_shape(served):
    port, _, _ = served
    status, body = _get(port, "/api/search?q=&k=10")
    assert status == 400 and body["error"]["status"] == 400 and "empty" in body["error"]["message"]


def test_a_warm_server_keeps_full_collections_off_the_search_path():
    """settle_heap: no automatic full collections (they stalled searches ~100 ms under load),
    young ones still run and collect a request's cycles, a timer thread does the full ones."""
    code = ("import gc, threading; from web import settle_heap; settle_heap(); settle_heap(); "
            "a = []; a.append(a); ref = id(a); del a; "
            "print(gc.get_threshold()[2] >= 10**9, gc.get_freeze_count() > 0, "
            "gc.collect(0) + gc.collect(1) >= 1, "
            "sum(t.name == 'cratedig-full-gc' for t in threading.enumerate()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True", "True", "1"]
