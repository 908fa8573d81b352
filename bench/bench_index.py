"""Indexing throughput end to end, in x real time: `cratedig index DIR --json` as a subprocess
(interpreter start, model load, walk, decode workers, embedding, SQLite + FAISS writes).

Generates a library of FLAC and Ogg Vorbis files with numpy (44.1 kHz stereo: one-shots,
loops and a few long tracks; harmonic tones, noise bursts, drums), indexes it into a fresh data
home N times, and prints the median. Usage:

    nice -n 10 .venv/bin/python bench/bench_index.py --minutes 30 --runs 3 [--aligner builtin]
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


def run_once(lib: Path, home: Path, aligner: str, workers: int | None) -> tuple[float, float, dict]:
    """-> (wall seconds, CPU seconds of the command and its decode workers, its JSON)."""
    cmd = [str(ROOT / ".venv/bin/cratedig"), "--home", str(home), "--aligner", aligner,
           "index", str(lib), "--json", "--quiet"]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    c0, t0 = _children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if out.returncode != 0:
        raise SystemExit(f"index failed:\n{out.stderr}")
    return wall, cpu, json.loads(out.stdout)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--aligner", default="builtin")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep the generated library here")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="cratedig-bench-"))
    lib = args.keep or tmp / "lib"
    try:
        if not lib.exists() or not any(lib.rglob("*.*")):
            t = time.perf_counter()
            secs = make_library(lib, args.minutes)
            print(f"generated {secs / 60:.1f} min in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        walls, xs, cpus = [], [], []
        for r in range(args.runs):
            home = tmp / f"home{r}"
            load = os.getloadavg()[0]
            wall, cpu, js = run_once(lib, home, args.aligner, args.workers)
            shutil.rmtree(home, ignore_errors=True)
            walls.append(wall)
            cpus.append(cpu)
            xs.append(js["audio_seconds"] / wall)
            print(f"run {r + 1}: {js['indexed']} files, {js['audio_seconds'] / 60:.1f} min audio, "
                  f"{js['segments']} segments, {wall:.2f} s wall (in-process "
                  f"{js['wall_seconds']:.2f} s), {cpu:.1f} CPU s, load {load:.1f} "
                  f"-> {xs[-1]:.0f}x real time", file=sys.stderr)
        result = {"audio_minutes": round(js["audio_seconds"] / 60, 2), "files": js["indexed"],
                  "segments": js["segments"], "runs": args.runs, "cpus": os.cpu_count(),
                  "median_wall_s": round(statistics.median(walls), 2),
                  "median_x_realtime": round(statistics.median(xs), 1),
                  "all_x_realtime": [round(x, 1) for x in xs], "aligner": args.aligner,
                  # CPU seconds (command + decode workers): on a busy machine the wall time
                  # measures the neighbours; audio / (CPU / cores) is what 2 idle cores allow
                  "median_cpu_s": round(statistics.median(cpus), 2),
                  "cpu_bound_x_realtime_2_cores": round(
                      js["audio_seconds"] / (statistics.median(cpus) / 2), 1),
                  "load_avg_1m_at_end": round(os.getloadavg()[0], 1)}
        print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
