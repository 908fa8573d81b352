"""Renderer speed: make_audio (compose + render + effects + loudness) on one core.

Plans are drawn like the corpus draws them (35 % one-shots, 40 % loops, 25 % arrangements).
Speed is audio seconds per CPU second of this process (time.process_time), so other load on a
shared machine does not distort it; wall-clock figures are printed too.

    .venv/bin/python bench/bench_render.py --clips 60 --runs 3 [--timbre-models 0.7]

--timbre-models P renders that share of General MIDI parts with the modelled stand-ins
(generator/dsp/acoustic.py), as `cratedig corpus build --timbre-models P` does.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.corpus import plan_for  # noqa: E402
from generator.engine import make_audio  # noqa: E402


def run(clips: int, seed: int, timbre_models: float = 0.0) -> dict:
    plans = [plan_for(seed, i)[:2] for i in range(clips)]
    make_audio(*plans[0], None, timbre_models)  # warm-up: soundfont load, imports
    audio_s = cpu = wall = 0.0
    for plan, clip_seed in plans:
        c0, w0 = time.process_time(), time.perf_counter()
        audio, sr = make_audio(plan, clip_seed, None, timbre_models)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        audio_s += len(audio) / sr
    return {"audio_s": audio_s, "cpu_s": cpu, "wall_s": wall, "x_realtime_cpu": audio_s / cpu,
            "x_realtime_wall": audio_s / wall, "cpu_per_clip": cpu / clips}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clips", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timbre-models", type=float, default=0.0)
    a = ap.parse_args()
    results = [run(a.clips, seed=100 + r, timbre_models=a.timbre_models) for r in range(a.runs)]
    for r in results:
        print(f"audio {r['audio_s']:.1f} s  cpu {r['cpu_s']:.1f} s  wall {r['wall_s']:.1f} s  "
              f"{r['x_realtime_cpu']:.1f}x real time (cpu), {r['x_realtime_wall']:.1f}x (wall), "
              f"{r['cpu_per_clip'] * 1000:.0f} ms cpu/clip")
    med = lambda k: statistics.median(r[k] for r in results)  # noqa: E731
    print(f"median: {med('x_realtime_cpu'):.1f}x real time per core (cpu), {med('x_realtime_wall'):.1f}x (wall), "
          f"{med('cpu_per_clip') * 1000:.0f} ms cpu/clip over {a.clips} clips x {a.runs} runs")


if __name__ == "__main__":
    main()
