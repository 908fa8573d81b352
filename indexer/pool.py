"""Decode worker processes ('spawn': forking after torch is loaded deadlocks) with backpressure.

At most a few files per worker are in flight, so decoded audio never piles up in memory while
the main process embeds. A worker that crashes (a libsndfile bug on a hostile file) breaks the
pool: the pool is restarted and the files that were in flight are retried one at a time, so the
culprit is identified, recorded as a failure, and the batch goes on.

`DecodePool.start()` spawns and warms the workers (imports numpy, scipy, soundfile) without
waiting, so that happens while the main process loads the aligner.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
from collections import deque
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, Iterator

from indexer.decode import DecodeFailure, Decoded, decode_job

IN_FLIGHT_PER_WORKER = 2
PARENT_POLL_S = 1.0


def _init_worker(parent_pid: int) -> None:
    from indexer.decode import init_worker
    init_worker()

    # If the indexer is killed (kill -9), exit instead of lingering as an orphan.
    def watch():
        import time
        while True:
            if os.getppid() != parent_pid:
                os._exit(0)
            time.sleep(PARENT_POLL_S)
    threading.Thread(target=watch, daemon=True).start()


def _warm_up() -> int:
    import scipy.signal  # noqa: F401 - the resampler's import is the slow part of a first decode
    import soundfile  # noqa: F401
    return os.getpid()


@contextmanager
def main_process_threads(workers: int):
    """While `workers` decode processes keep the cores busy, the main process runs its network
    on one torch thread: a second intra-op thread mostly spins at barriers against the workers
    (measured on 2 shared cores: 17.8 CPU s in the main process with 2 threads, 5.1 s with 1,
    for the same 57 minutes of audio). Restored afterwards; torch is never imported here."""
    torch = sys.modules.get("torch") if workers > 0 else None
    before = torch.get_num_threads() if torch is not None else 1
    if before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before > 1:
            torch.set_num_threads(before)


class DecodePool:
    """`workers` decode processes; `workers <= 0` decodes in the calling process."""

    def __init__(self, workers: int):
        self.workers = int(workers)
        self._ex: ProcessPoolExecutor | None = None

    def start(self) -> "DecodePool":
        if self.workers > 0 and self._ex is None:
            self._ex = ProcessPoolExecutor(max_workers=self.workers,
                                           mp_context=mp.get_context("spawn"),
                                           initializer=_init_worker, initargs=(os.getpid(),))
            for _ in range(self.workers):
                self._ex.submit(_warm_up)
        return self

    def close(self) -> None:
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)
            self._ex = None

    def __enter__(self) -> "DecodePool":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def decode(self, jobs: Iterable[tuple]) -> Iterator[Decoded | DecodeFailure]:
        """Decode `jobs` ((path, size, mtime, target_sr) tuples), yielding results as they
        complete (any order)."""
        jobs = list(jobs)
        if self.workers <= 0:
            for job in jobs:
                yield decode_job(job)
            return
        queue = deque(jobs)
        suspects: deque = deque()
        while queue or suspects:
            self.start()
            inflight: dict = {}
            broken = False
            while (queue or suspects or inflight) and not broken:
                # Suspects (in flight during a crash) run alone, so a crash names its file.
                limit = 1 if suspects else self.workers * IN_FLIGHT_PER_WORKER
                src = suspects if suspects else queue
                while src and len(inflight) < limit:
                    job = src.popleft()
                    inflight[self._ex.submit(decode_job, job)] = job
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    job = inflight.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        if limit == 1:
                            yield DecodeFailure(job[0], "unreadable",
                                                "unreadable: the decoder crashed on this file")
                        else:
                            suspects.append(job)
                        continue
                    yield result
            if broken:
                suspects.extend(inflight.values())
                self.close()  # a broken executor cannot be reused; start() makes a new one


def decode_all(jobs: Iterable[tuple], workers: int) -> Iterator[Decoded | DecodeFailure]:
    """Decode `jobs` in a pool of `workers` processes started for the occasion."""
    with DecodePool(workers) as pool:
        yield from pool.decode(jobs)
