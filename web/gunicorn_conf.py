"""gunicorn settings for the production command (docs/WEB.md):

    CRATEDIG_HOME=/srv/cratedig gunicorn -c python:web.gunicorn_conf web.wsgi:app

Command-line flags override these (`-b 0.0.0.0:8000`, `-w 4`, `--threads 8`).
"""
import os

bind = ["127.0.0.1:8000"]  # loopback: exposing the server is a decision (see docs/WEB.md)
# One worker process per core: an uncached search is CPU-bound Python, and one process runs
# Python on one core at a time. A few threads each overlap one request's SQL or torch kernels
# with another's Python; more only add contention.
workers = os.cpu_count() or 2
threads = 4
# The workers' heartbeat touches a file on every loop turn; on a disk-backed /tmp that cost
# ~1-3 ms of CPU per request at 100 requests/s here (gunicorn's docs recommend tmpfs).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Workers import torch after the fork (no preload: forking after torch is loaded can deadlock),
# and each runs its kernels on one thread: two workers on two cores must not each start two.
preload_app = False
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


def post_worker_init(worker):
    """Each worker has loaded the aligner and the store (web.wsgi builds a warm app): say so, so
    that a deploy script (or bench/bench_api.py) can wait until every worker serves."""
    worker.log.info("cratedig worker %s ready", worker.pid)
