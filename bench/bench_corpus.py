"""Corpus build throughput: `build_corpus` with N workers into a temporary folder.

Reports wall time, clips/s, and the CPU seconds per clip summed over the worker processes
(resource.getrusage RUSAGE_CHILDREN), then projects a 20,000-clip build on 2 dedicated cores
as 20000 * cpu_per_clip / 2 — a projection, stated as such, because a shared machine's wall
time mostly measures the other tenants.

    .venv/bin/python bench/bench_corpus.py --clips 300 --workers 2 --runs 1
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.corpus import build_corpus  # noqa: E402


def run(clips: int, workers: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        s = build_corpus(Path(tmp) / "corpus", clips, seed=seed, workers=workers)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
               + self_after.ru_utime + self_after.ru_stime - self_before.ru_utime - self_before.ru_stime)
        size = sum(f.stat().st_size for f in (Path(tmp) / "corpus").rglob("*.flac"))
    return {"wall_s": wall, "clips_per_s": clips / wall, "cpu_per_clip": cpu / clips,
            "hours": s.audio_hours, "mb": size / 1e6,
            "projected_20k_min": 20000 * (cpu / clips) / 2 / 60}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clips", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    a = ap.parse_args()
    results = [run(a.clips, a.workers, seed=200 + r) for r in range(a.runs)]
    for r in results:
        print(f"{a.clips} clips, {a.workers} workers: wall {r['wall_s']:.0f} s ({r['clips_per_s']:.2f} clips/s), "
              f"{r['cpu_per_clip'] * 1000:.0f} ms cpu/clip, {r['hours']:.2f} h audio, {r['mb']:.0f} MB FLAC; "
              f"projected 20k clips on 2 free cores: {r['projected_20k_min']:.0f} min")
    if len(results) > 1:
        print(f"median projected 20k: {statistics.median(r['projected_20k_min'] for r in results):.0f} min")


if __name__ == "__main__":
    main()
