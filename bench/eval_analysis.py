"""Recoverability of planned tempo and key from renders, by independent estimators.

For N random arrangements and loops (generator.sampling.random_plan, seeded), render with
make_audio (no degradations) and check librosa's tempo (within 4 % or exactly half/double) and a
chroma key profile (tonic + major/minor; modal plans compare by their tonic triad's quality).

    .venv/bin/python bench/eval_analysis.py --n 200 --seed 0 [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.analysis import estimate_key, estimate_tempo, key_matches, tempo_matches  # noqa: E402
from generator.engine import make_audio  # noqa: E402
from generator.sampling import random_plan  # noqa: E402


def evaluate(n: int, seed: int, verbose: bool = False) -> dict:
    tempo_ok = key_ok = 0
    misses_t, misses_k = Counter(), Counter()
    rows = []
    t0 = time.monotonic()
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        kind = "arrangement" if rng.random() < 0.5 else "loop"
        plan = random_plan(rng, kind=kind)
        audio, sr = make_audio(plan, seed * 100_000 + i)
        bpm = estimate_tempo(audio, sr)
        key = estimate_key(audio, sr)
        t_hit = tempo_matches(bpm, plan.tempo_bpm)
        k_hit = key_matches(key, plan.key, plan.mode)
        tempo_ok += t_hit
        key_ok += k_hit
        if not t_hit:
            misses_t[plan.style] += 1
        if not k_hit:
            misses_k[plan.style] += 1
        rows.append({"i": i, "style": plan.style, "kind": kind, "tempo": plan.tempo_bpm, "est_tempo": round(bpm, 1),
                     "key": f"{plan.key} {plan.mode}", "est_key": " ".join(key), "tempo_ok": t_hit, "key_ok": k_hit,
                     "drums": plan.drums, "meter": plan.meter})
        if verbose:
            print(json.dumps(rows[-1]), file=sys.stderr)
    return {"n": n, "seed": seed, "tempo_accuracy": tempo_ok / n, "key_mode_accuracy": key_ok / n,
            "tempo_misses_by_style": dict(misses_t), "key_misses_by_style": dict(misses_k),
            "seconds": round(time.monotonic() - t0, 1), "rows": rows}


def evaluate_symbolic(n: int, seed: int) -> dict:
    """Key+mode from the composed notes alone (duration x velocity weighted pitch classes against
    the plain Krumhansl-Kessler profiles): separates composition from rendering/estimation."""
    from generator.analysis import KK_MAJOR, KK_MINOR
    from generator.compose import compose
    from generator.theory import NOTE_NAMES
    ok = 0
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        kind = "arrangement" if rng.random() < 0.5 else "loop"
        plan = random_plan(rng, kind=kind)
        pcs = np.zeros(12)
        for t in compose(plan, seed * 100_000 + i).tracks:
            if t.role != "drums":
                for start, dur, pitch, vel in t.notes:
                    pcs[pitch % 12] += min(dur, 1.0) * vel / 127
        best = max(((NOTE_NAMES[k], name) for k in range(12) for name in ("major", "minor")),
                   key=lambda km: np.corrcoef(pcs, np.roll(KK_MAJOR if km[1] == "major" else KK_MINOR,
                                                           NOTE_NAMES.index(km[0])))[0, 1])
        ok += key_matches(best, plan.key, plan.mode)
    return {"n": n, "seed": seed, "symbolic_key_mode_accuracy": ok / n}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the full result object")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--symbolic", action="store_true", help="only the notes-level key check (fast, no audio)")
    a = ap.parse_args()
    if a.symbolic:
        print(json.dumps(evaluate_symbolic(a.n, a.seed)))
        return
    res = evaluate(a.n, a.seed, a.verbose)
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        print(f"n={res['n']} seed={res['seed']} tempo={res['tempo_accuracy']:.3f} key+mode={res['key_mode_accuracy']:.3f} "
              f"({res['seconds']} s)\ntempo misses by style: {res['tempo_misses_by_style']}\n"
              f"key misses by style: {res['key_misses_by_style']}")


if __name__ == "__main__":
    main()
