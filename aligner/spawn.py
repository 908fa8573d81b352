"""Worker pools for CPU-bound batch work (feature caches, corpus renders, indexing).

Two facts of this kind of machine shape them: forking a process after torch has been imported
has deadlocked (so workers are *spawned*), and N workers that each start a full OpenMP/BLAS
thread pool on N cores oversubscribe them (so each spawned worker gets one thread, through the
environment it inherits; the parent's own environment is restored afterwards).
"""
from __future__ import annotations

import multiprocessing
import os
from contextlib import contextmanager

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def spawn_pool(workers: int, initializer=None, initargs: tuple = ()):
    """`with spawn_pool(n, init, args) as pool:` a spawn-context Pool of single-threaded workers."""
    ctx = multiprocessing.get_context("spawn")
    saved = {k: os.environ.get(k) for k in THREAD_VARS}
    os.environ.update({k: "1" for k in THREAD_VARS})  # inherited by the spawned workers
    try:
        with ctx.Pool(workers, initializer=initializer, initargs=initargs) as pool:
            yield pool
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
