"""Speed of generator.dsp: x real time (audio seconds / wall seconds) per voice, drum machine, sfx
kind and for degrade, on typical content, one core (CPU time), median of several seeds.

    .venv/bin/python bench/bench_dsp.py [--runs 5] [--sr 44100]
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from generator import dsp  # noqa: E402

CLIP_S = 8.0


def content_for(family: str, rng: np.random.Generator):
    """Typical 8 s part at 120 BPM: 8th-note basslines, 8th-note melodies, 4-note chords per bar."""
    beat = 0.5
    if family in ("bass",):
        return [(i * beat / 2, beat / 2 * 0.9, int(rng.choice([36, 36, 43, 48, 39])), int(rng.integers(70, 127)))
                for i in range(int(CLIP_S / (beat / 2)))]
    if family in ("lead", "pluck", "mallet"):
        return [(i * beat / 2, beat / 2 * 0.8, int(rng.choice([60, 62, 64, 67, 69, 72])), int(rng.integers(60, 120)))
                for i in range(int(CLIP_S / (beat / 2)))]
    chords = [(48, 55, 60, 64), (45, 52, 57, 60), (41, 48, 53, 57), (43, 50, 55, 59)]
    out = []
    for bar in range(int(CLIP_S / 2)):
        for p in chords[bar % 4]:
            out.append((bar * 2.0, 1.9, p, 90))
    return out


def drum_pattern():
    hits = []
    for bar in range(4):
        t0 = bar * 2.0
        for s in range(16):
            t = t0 + s * 0.125
            hits.append((t, 42 if s % 4 != 2 else 46, 70 + 20 * (s % 2 == 0)))
            if s in (0, 8, 10):
                hits.append((t, 36, 120))
            if s in (4, 12):
                hits.append((t, 38, 110))
        if bar == 3:
            hits += [(t0 + 1.5, 50, 100), (t0 + 1.625, 47, 100), (t0 + 1.75, 45, 100), (t0 + 1.875, 41, 100)]
    hits.append((0.0, 49, 110))
    return hits


def timeit(fn, runs):
    """Median CPU seconds of this process (the team shares 2 cores, so wall time mostly measures
    other people's jobs; with BLAS/OpenMP pinned to one thread CPU time is single-core time)."""
    times = []
    for seed in range(runs):
        t = time.process_time()
        fn(np.random.default_rng(seed))
        times.append(time.process_time() - t)
    return max(float(np.median(times)), 1e-4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sr", type=int, default=44100)
    a = ap.parse_args()
    sr = a.sr
    rows = []
    for voice, fam in dsp.SYNTH_VOICES.items():
        notes = content_for(fam, np.random.default_rng(0))
        rows.append(("voice", voice, CLIP_S / timeit(lambda r: dsp.render_voice(voice, notes, CLIP_S, sr, r), a.runs)))
    hits = drum_pattern()
    for m in dsp.DRUM_MACHINES:
        rows.append(("drums", m, CLIP_S / timeit(lambda r: dsp.render_drum_machine(m, hits, CLIP_S, sr, r), a.runs)))
    for k in dsp.SFX_KINDS:
        rows.append(("sfx", k, 4.0 / timeit(lambda r: dsp.render_sfx(k, 4.0, sr, r), a.runs)))
    audio = np.stack([dsp.render_voice("string_pad", content_for("pad", np.random.default_rng(0)), CLIP_S, sr,
                                       np.random.default_rng(0))] * 2, 1)
    rows.append(("degrade", "strength=1 (random subset)", CLIP_S / timeit(lambda r: dsp.degrade(audio, sr, r, 1.0), a.runs * 4)))
    rows.append(("degrade", "strength=3 (nearly all)", CLIP_S / timeit(lambda r: dsp.degrade(audio, sr, r, 3.0), a.runs)))
    print(f"sr={sr}, clip {CLIP_S:.0f} s (sfx 4 s), median of {a.runs} seeds, x real time on one core (audio s / CPU s)")
    print("| group | name | x real time |\n|---|---|---|")
    for g, name, x in rows:
        print(f"| {g} | {name} | {x:.0f} |")
    for g in ("voice", "drums", "sfx", "degrade"):
        xs = [x for gg, _, x in rows if gg == g]
        print(f"{g}: median {np.median(xs):.0f}x, min {min(xs):.0f}x")


if __name__ == "__main__":
    main()
