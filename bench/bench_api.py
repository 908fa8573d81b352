"""API benchmark: search latency and throughput of the production server on loopback.

Setup (cached in --work): a real SQLite catalogue of --segments segments with real rows and
synthetic vectors shaped like real ones (built by bench/bench_search.py's `build_catalogue`
from windows of rendered clips embedded by the aligner), and its vector store.

Server: the documented production command (docs/WEB.md), run as a subprocess on 127.0.0.1 only:
    gunicorn -c python:web.gunicorn_conf -w N --threads T -b 127.0.0.1:PORT web.wsgi:app
    (default: -w 2 --threads 4; the config file puts the worker heartbeat on /dev/shm)
(`--workers 1` runs `waitress-serve --listen=127.0.0.1:PORT --threads=T web.wsgi:app` instead).

Load: --clients concurrent HTTP/1.1 keep-alive connections (one event loop in this process), for
--seconds (after a short warm-up), issuing GET /api/search?q=...&k=10. Queries are real
captions from the music engine's caption writer:
  --queries unique   every request a query never seen before (the text cache never answers:
                     every request runs the text encoder)
  --queries pool:N   requests drawn at random from N distinct captions (a warm per-process
                     text cache, as for popular queries and type-ahead prefixes)
Two load shapes:
  --rate 0           closed loop: each client sends its next request when the last returns
                     (measures capacity; latency is then mostly queueing: clients/throughput)
  --rate R           open loop: the clients together offer R requests/s on a fixed schedule;
                     latency counts from each request's scheduled time, so a slow server
                     cannot hide its queue (no coordinated omission)
Bounded: every loop ends at the deadline; the server is stopped at the end.

    nice -n 10 .venv/bin/python bench/bench_api.py --segments 100000 --clients 32 \\
        --seconds 30 --queries unique --rate 0
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

HOST = "127.0.0.1"  # loopback only, always


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- catalogue ---------------------------------------------------------------------------------
def random_weights(work: Path) -> str:
    """A builtin-architecture weights file with random weights: same compute as the trained
    model, for timing when the trained weights are not there."""
    path = work / "random_builtin.pt"
    if not path.is_file():
        import torch

        from aligner.model import JointModel
        from aligner.train import export_weights
        torch.manual_seed(0)
        export_weights(JointModel(), path, None, {"note": "random weights, timing only"})
    return f"builtin:{path}"


def prepare(work: Path, n_segments: int, aligner_spec: str, seed: int,
            basis_clips: int) -> tuple[Path, str]:
    """The bench home (built once per size and aligner) -> (home, aligner id)."""
    from aligner import load_aligner
    from catalog.settings import Settings
    aligner = load_aligner(Settings(aligner=aligner_spec, device="cpu"))
    home = work / f"home-{n_segments}-{aligner.id}"
    marker = home / "bench-ready.json"
    if marker.is_file():
        return home, aligner.id
    import shutil

    from bench_search import build_catalogue, make_basis
    if home.exists():
        shutil.rmtree(home)
    corpus = ROOT / "work-data" / "corpus-main"  # real clips when present, else rendered ones
    basis_dir = corpus if (corpus / "captions.jsonl").is_file() else None
    basis, captions = make_basis(aligner, work, basis_clips, seed, basis_dir)
    settings = Settings(home=home, aligner=aligner_spec, device="cpu")
    build_catalogue(settings, aligner, n_segments, basis, captions, seed)
    marker.write_text(json.dumps({"segments": n_segments, "aligner": aligner.id}))
    return home, aligner.id


def query_texts(n: int, seed: int) -> list[str]:
    """n distinct captions of random plans (no audio is rendered for them)."""
    from generator.captions import captions
    from generator.plan import random_plan
    rng = np.random.default_rng(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        for c in captions(random_plan(rng), rng, n=8):
            if len(c) <= 500:
                out[c] = None
    return list(out)[:n]


# ---- server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_command(port: int, threads: int, workers: int) -> list[str]:
    venv = Path(sys.executable).parent
    if workers > 1:
        return [str(venv / "gunicorn"), "-c", "python:web.gunicorn_conf", "-w", str(workers),
                "--threads", str(threads), "-b", f"{HOST}:{port}", "web.wsgi:app"]
    return [str(venv / "waitress-serve"), f"--listen={HOST}:{port}", f"--threads={threads}",
            "web.wsgi:app"]


def start_server(home: Path, aligner_spec: str, port: int, threads: int, workers: int,
                 torch_threads: int, timeout: float = 300.0) -> subprocess.Popen:
    env = dict(os.environ, CRATEDIG_HOME=str(home), CRATEDIG_ALIGNER=aligner_spec,
               CRATEDIG_DEVICE="cpu", OMP_NUM_THREADS=str(torch_threads),
               MKL_NUM_THREADS=str(torch_threads), PYTHONPATH=str(ROOT),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    cmd = server_command(port, threads, workers)
    log("server: " + " ".join(cmd))
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL,
                            stderr=open(home / "server.log", "w"), start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}; see {home / 'server.log'}")
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=5)
            c.request("GET", "/api/health")
            # every worker, not just the first, must be up: the clients' keep-alive connections
            # are made at once, and a worker still loading would leave them all to the others
            if c.getresponse().status == 200 and (
                    workers <= 1 or _ready_workers(home / "server.log") >= workers):
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise SystemExit("server did not come up in time")


def _ready_workers(server_log: Path) -> int:
    """Workers that logged "cratedig worker PID ready" (web/gunicorn_conf.py)."""
    try:
        return server_log.read_text(errors="replace").count("cratedig worker ")
    except OSError:
        return 0


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: only the server and its workers
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def server_cpu_s(pgid: int) -> float:
    """User + system CPU seconds of every live process in the server's process group (the
    server runs in its own session): a load-independent measure on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ...
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


# ---- load ----------------------------------------------------------------------------------------
class _Conn:
    """One keep-alive HTTP/1.1 client connection driven by `run_load`'s event loop."""
    __slots__ = ("sock", "n", "offset", "scheduled", "buf", "need", "status", "busy")

    def __init__(self, offset: float):
        self.sock = None
        self.n = 0  # requests sent on the schedule so far
        self.offset = offset
        self.scheduled = 0.0
        self.buf = bytearray()
        self.need = -1  # total bytes of the current response once its head is parsed
        self.status = 0  # of the current response, once its head is parsed
        self.busy = False

    def due(self, t0: float, interval: float) -> float:
        """When this connection's next request is scheduled (open loop)."""
        return t0 + self.offset + self.n * interval


def _status_and_length(head: bytes) -> tuple[int, int]:
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return status, int(value)
    raise ConnectionError("response without Content-Length")


def run_load(port: int, queries, clients: int, seconds: float, rate: float, k: int) -> dict:
    """`clients` keep-alive connections driven by one event loop in this thread (a thread per
    client cost ~2 ms of client CPU per request, taken from the 2 cores the server needs).
    Closed loop (rate 0): each connection sends its next request when the last returns. Open
    loop: connection i sends on its own fixed schedule (together `rate`/s); a request whose
    time came while its connection was still busy is sent late, and its latency counts from
    its scheduled time (no coordinated omission)."""
    import selectors
    sel = selectors.DefaultSelector()
    samples: list[tuple[float, float, int]] = []
    t0 = time.perf_counter() + 0.5
    stop = t0 + seconds
    interval = clients / rate if rate > 0 else 0.0
    conns = [_Conn(i * interval / clients if interval else 0.0) for i in range(clients)]
    cpu0 = time.process_time()

    def connect(c: _Conn) -> None:
        c.sock = socket.create_connection((HOST, port), timeout=30)
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, c)

    def reopen(c: _Conn) -> None:
        try:
            sel.unregister(c.sock)
            c.sock.close()
        except (KeyError, ValueError, OSError):
            pass
        connect(c)

    def send(c: _Conn, now: float) -> None:
        q = queries()
        path = "/api/search?" + urllib.parse.urlencode({"q": q, "k": k})
        req = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
        c.scheduled = c.due(t0, interval) if interval else now
        c.n += 1
        c.buf.clear()
        c.need, c.status, c.busy = -1, 0, True
        try:
            c.sock.sendall(req)  # a few hundred bytes: fits the socket buffer at once
        except OSError:
            finish(c, 0, time.perf_counter(), reconnect=True)

    def finish(c: _Conn, status: int, now: float, reconnect: bool = False) -> None:
        samples.append((c.scheduled, now - c.scheduled, status))
        c.busy = False
        if reconnect:
            reopen(c)

    for c in conns:
        connect(c)
    while True:
        now = time.perf_counter()
        for c in conns:  # start every request whose time has come on an idle connection
            if not c.busy:
                due = c.due(t0, interval) if interval else max(t0, now)
                if due < stop and due <= now:
                    send(c, now)
        if now >= stop and not any(c.busy for c in conns):
            break
        if now >= stop + 60:
            break  # a hung server: unfinished requests are not counted
        pending = [c.due(t0, interval) for c in conns if not c.busy] if interval else [t0]
        wake = min([p for p in pending if p > now], default=now + 0.05)
        for key, _ in sel.select(timeout=max(0.0, min(wake - now, 0.05))):
            c = key.data
            try:
                chunk = c.sock.recv(262144)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:  # the server closed the connection
                if c.busy:
                    finish(c, 0, time.perf_counter(), reconnect=True)
                else:  # an idle keep-alive connection timed out: open a fresh one
                    reopen(c)
                continue
            c.buf += chunk
            if c.need < 0:
                head_end = c.buf.find(b"\r\n\r\n")
                if head_end < 0:
                    continue
                c.status, length = _status_and_length(bytes(c.buf[:head_end]))
                c.need = head_end + 4 + length
            if len(c.buf) >= c.need:
                finish(c, c.status, time.perf_counter())
    client_cpu = time.process_time() - cpu0
    for c in conns:
        try:
            c.sock.close()
        except OSError:
            pass
    sel.close()
    ok = np.array([lat for s, lat, st in samples if st == 200])
    errors = sum(1 for _, _, st in samples if st != 200)
    if len(ok) == 0:
        return {"requests": len(samples), "errors": errors}
    end = max(s + lat for s, lat, _ in samples)
    elapsed = max(end - t0, seconds)
    return {"requests": len(samples), "ok": int(len(ok)), "errors": errors,
            "throughput_per_s": round(len(ok) / elapsed, 1),
            "p50_ms": round(float(np.percentile(ok, 50)) * 1000, 2),
            "p90_ms": round(float(np.percentile(ok, 90)) * 1000, 2),
            "p99_ms": round(float(np.percentile(ok, 99)) * 1000, 2),
            "max_ms": round(float(ok.max()) * 1000, 2),
            "client_cpu_s": round(client_cpu, 2),
            "client_cpu_ms_per_request": round(1000 * client_cpu / max(len(samples), 1), 3)}


def make_picker(mode: str, seed: int):
    """-> (pick() thread-safe, warm-up pick(), description)."""
    rng = random.Random(seed)
    lock = threading.Lock()
    if mode == "unique":
        texts = iter(query_texts(60_000, seed))
        warm = query_texts(200, seed + 1)

        def pick():
            with lock:
                return next(texts)
        return pick, warm, "unique"
    if mode.startswith("pool:"):
        n = int(mode.split(":", 1)[1])
        pool = query_texts(n, seed)

        def pick():
            with lock:
                return rng.choice(pool)
        return pick, query_texts(200, seed + 1), f"pool of {n}"
    raise SystemExit(f"--queries: 'unique' or 'pool:N', got {mode!r}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=0.0, help="0: closed loop; R: offered requests/s")
    ap.add_argument("--queries", default="pool:500")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--threads", type=int, default=4, help="server threads (per worker)")
    ap.add_argument("--workers", type=int, default=2,
                    help="gunicorn worker processes (the production command); 1: waitress")
    ap.add_argument("--torch-threads", type=int, default=1, help="OMP threads in the server")
    ap.add_argument("--aligner", default="builtin", help="aligner spec, or 'random' for "
                    "builtin-architecture random weights (timing only)")
    ap.add_argument("--runs", type=int, default=1, help="repeat the measurement; medians reported")
    ap.add_argument("--work", default="/tmp/cratedig-bench-api")
    ap.add_argument("--basis-clips", type=int, default=None,
                    help="corpus clips embedded for the vectors' shape (default bench_search's)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.seconds <= 0 or args.seconds > 600 or args.clients < 1 or args.clients > 256:
        raise SystemExit("--seconds in (0, 600], --clients in [1, 256]")

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    spec = random_weights(work) if args.aligner == "random" else args.aligner
    from bench_search import BASIS_CLIPS
    home, aligner_id = prepare(work, args.segments, spec, args.seed,
                               args.basis_clips or BASIS_CLIPS)
    pick, warm, desc = make_picker(args.queries, args.seed)
    runs = []
    for r in range(args.runs):
        port = free_port()
        proc = start_server(home, spec, port, args.threads, args.workers, args.torch_threads)
        try:
            warm_iter = iter(warm)
            warm_lock = threading.Lock()

            def warm_pick():
                with warm_lock:
                    return next(warm_iter, warm[0])
            run_load(port, warm_pick, min(args.clients, 8), 3.0, 0.0, args.k)  # warm-up, discarded
            cpu0 = server_cpu_s(proc.pid)
            res = run_load(port, pick, args.clients, args.seconds, args.rate, args.k)
            cpu = server_cpu_s(proc.pid) - cpu0
            res["server_cpu_s"] = round(cpu, 2)
            if res.get("ok"):
                res["server_cpu_ms_per_search"] = round(1000 * cpu / res["ok"], 2)
        finally:
            stop_server(proc)
        log(f"run {r + 1}: {json.dumps(res)}")
        runs.append(res)
    keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float))]
    median = {k: float(np.median([x[k] for x in runs if k in x])) for k in keys}
    out = {"segments": args.segments, "aligner": aligner_id, "clients": args.clients,
           "seconds": args.seconds, "rate": args.rate or "closed loop", "queries": desc,
           "server": " ".join(server_command(0, args.threads, args.workers)[1:]).replace(":0", ":PORT"),
           "torch_threads": args.torch_threads, "runs": runs, "median": median}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
