"""Indexing throughput end to end, in x real time: `cratedig index DIR --json` as a subprocess
(interpreter start, model load, walk, decode workers, embedding, SQLite + FAISS writes).

Generates a library of FLAC and Ogg Vorbis files with numpy (44.1 kHz stereo: one-shots,
loops and a few long tracks; harmonic tones, noise bursts, drums), or takes an existing folder
(`--library`, e.g. the real-audio dev set), indexes it into a fresh data home N times, and prints
the median. Usage:

    nice -n 10 .venv/bin/python bench/bench_index.py --minutes 30 --runs 3 [--aligner builtin]
    .venv/bin/python bench/bench_index.py --library work-data/realaudio/catalogue --runs 3

CPU seconds are split between the main process (model, network, SQL, FAISS) and its decode
workers: the command runs under a small wrapper that reports its own rusage at exit.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SR = 44_100
BLOCK = 65_536  # write Ogg in blocks: one long write can crash libsndfile


def synth(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """float32[n, 2]: a few harmonic notes, noise hits and a kick pattern."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    out = np.zeros(n, np.float32)
    bpm = rng.uniform(80, 160)
    beat = 60 / bpm
    for _ in range(rng.integers(1, 4)):  # tones with envelopes
        f0 = 55 * 2 ** (rng.integers(0, 48) / 12)
        env = np.exp(-t % (beat * rng.integers(1, 5)) * rng.uniform(0.5, 4))
        tone = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, 6))
        out += (0.15 * env * tone).astype(np.float32)
    if rng.random() < 0.7:  # kick + hats
        phase = t % beat
        out += (0.5 * np.sin(2 * np.pi * 60 * phase * np.exp(-phase * 8)) * np.exp(-phase * 12)).astype(np.float32)
        hats = rng.standard_normal(n).astype(np.float32) * np.exp(-((t + beat / 2) % beat) * 60).astype(np.float32)
        out += 0.08 * hats
    pan = rng.uniform(0.6, 1.0)
    return np.stack([out * pan, out * (1.6 - pan)], axis=1).astype(np.float32) * 0.5


def make_library(root: Path, minutes: float, seed: int = 0) -> float:
    """Files totalling `minutes` of audio under root; returns the seconds written."""
    import soundfile as sf
    rng = np.random.default_rng(seed)
    total, i = 0.0, 0
    target = minutes * 60
    while total < target:
        kind = rng.choice(["oneshot", "loop", "track"], p=[0.45, 0.45, 0.10])
        secs = {"oneshot": rng.uniform(0.3, 3), "loop": rng.uniform(4, 30),
                "track": rng.uniform(30, 120)}[kind]
        secs = float(min(secs, target - total + 0.3))
        fmt = ("FLAC", "PCM_16", "flac") if i % 2 == 0 else ("OGG", "VORBIS", "ogg")
        path = root / kind / f"{kind}_{i:04d}.{fmt[2]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        x = synth(rng, secs)
        with sf.SoundFile(path, "w", SR, 2, format=fmt[0], subtype=fmt[1]) as f:
            for j in range(0, len(x), BLOCK):
                f.write(x[j:j + BLOCK])
        total += len(x) / SR
        i += 1
    return total


def _children_cpu() -> float:
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# Runs `cratedig ARGS...` and, at exit, prints the process's own CPU seconds and those of its
# (reaped) decode workers as the last line of stderr.
WRAPPER = """
import atexit, json, resource, sys
def _report():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stderr.write("\\nCPU " + json.dumps({"main": s.ru_utime + s.ru_stime,
                                             "workers": c.ru_utime + c.ru_stime}) + "\\n")
atexit.register(_report)
sys.argv = ["cratedig"] + sys.argv[1:]
from cli.main import main
main()
"""


def run_once(lib: Path, home: Path, aligner: str, workers: int | None) -> tuple[float, float, dict]:
    """-> (wall seconds, CPU seconds of the command and its decode workers, its JSON); the
    JSON gains `cpu_main_s` and `cpu_workers_s`."""
    cmd = [sys.executable, "-c", WRAPPER, "--home", str(home), "--aligner", aligner,
           "index", str(lib), "--json", "--quiet"]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    c0, t0 = _children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if out.returncode != 0:
        raise SystemExit(f"index failed:\n{out.stderr}")
    js = json.loads(out.stdout)
    split = json.loads(out.stderr.rsplit("CPU ", 1)[1])
    js["cpu_main_s"], js["cpu_workers_s"] = split["main"], split["workers"]
    return wall, cpu, js


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--aligner", default="builtin")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep the generated library here")
    ap.add_argument("--library", type=Path, default=None,
                    help="index this existing folder instead of a generated library")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="cratedig-bench-"))
    lib = (args.library.resolve() if args.library else None) or args.keep or tmp / "lib"
    try:
        if args.library is None and (not lib.exists() or not any(lib.rglob("*.*"))):
            t = time.perf_counter()
            secs = make_library(lib, args.minutes)
            print(f"generated {secs / 60:.1f} min in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        walls, xs, cpus, mains, workers = [], [], [], [], []
        for r in range(args.runs):
            home = tmp / f"home{r}"
            load = os.getloadavg()[0]
            wall, cpu, js = run_once(lib, home, args.aligner, args.workers)
            shutil.rmtree(home, ignore_errors=True)
            walls.append(wall)
            cpus.append(cpu)
            mains.append(js["cpu_main_s"])
            workers.append(js["cpu_workers_s"])
            xs.append(js["audio_seconds"] / wall)
            print(f"run {r + 1}: {js['indexed']} files, {js['audio_seconds'] / 60:.1f} min audio, "
                  f"{js['segments']} segments, {wall:.2f} s wall (in-process "
                  f"{js['wall_seconds']:.2f} s), {cpu:.1f} CPU s (main {js['cpu_main_s']:.1f}, "
                  f"workers {js['cpu_workers_s']:.1f}), load {load:.1f} "
                  f"-> {xs[-1]:.0f}x real time", file=sys.stderr)
        result = {"audio_minutes": round(js["audio_seconds"] / 60, 2), "files": js["indexed"],
                  "segments": js["segments"], "runs": args.runs, "cpus": os.cpu_count(),
                  "median_wall_s": round(statistics.median(walls), 2),
                  "median_x_realtime": round(statistics.median(xs), 1),
                  "all_x_realtime": [round(x, 1) for x in xs], "aligner": args.aligner,
                  # CPU seconds (command + decode workers): on a busy machine the wall time
                  # measures the neighbours; audio / (CPU / cores) is what 2 idle cores allow
                  "median_cpu_s": round(statistics.median(cpus), 2),
                  "median_cpu_main_s": round(statistics.median(mains), 2),
                  "median_cpu_workers_s": round(statistics.median(workers), 2),
                  "library": str(lib) if args.library else "generated",
                  "cpu_bound_x_realtime_2_cores": round(
                      js["audio_seconds"] / (statistics.median(cpus) / 2), 1),
                  "load_avg_1m_at_end": round(os.getloadavg()[0], 1)}
        print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
