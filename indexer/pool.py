"""Decode worker processes ('spawn': forking after torch is loaded deadlocks) with backpressure.

At most a few files per worker are in flight, so decoded audio never piles up in memory while
the main process embeds. A worker that crashes (a libsndfile bug on a hostile file) breaks the
pool: the pool is restarted and the files that were in flight are retried one at a time, so the
culprit is identified, recorded as a failure, and the batch goes on.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections import deque
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


def decode_all(jobs: Iterable[tuple], workers: int) -> Iterator[Decoded | DecodeFailure]:
    """Decode `jobs` ((path, size, mtime, target_sr) tuples) in `workers` processes, yielding
    results as they complete (any order). `workers <= 0` decodes in this process."""
    jobs = list(jobs)
    if workers <= 0:
        for job in jobs:
            yield decode_job(job)
        return
    queue = deque(jobs)
    suspects: deque = deque()
    while queue or suspects:
        ex = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                 initializer=_init_worker, initargs=(os.getpid(),))
        inflight: dict = {}
        broken = False
        try:
            while (queue or suspects or inflight) and not broken:
                # Suspects (in flight during a crash) run alone, so a crash names its file.
                limit = 1 if suspects else workers * IN_FLIGHT_PER_WORKER
                src = suspects if suspects else queue
                while src and len(inflight) < limit:
                    job = src.popleft()
                    inflight[ex.submit(decode_job, job)] = job
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    job = inflight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken = True
                        if limit == 1:
                            yield DecodeFailure(job[0], "unreadable",
                                                "unreadable: the decoder crashed on this file")
                        else:
                            suspects.append(job)
            if broken:
                suspects.extend(inflight.values())
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
