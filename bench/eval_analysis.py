"""Recoverability of planned tempo and key from renders, by independent estimators.

For N random arrangements and loops (generator.sampling.random_plan with rng [seed, i], kind
arrangement/loop 50/50), render with make_audio (no degradations) and run the estimators of
generator/analysis.py, which see only the audio:

- tempo: librosa onset-autocorrelation tempo; a hit is within 4 % of the planned BPM or of exactly
  half/double it.
- key + mode: mean CQT chroma (C3 and up) of the HPSS harmonic part correlated with the 24 rotated
  major/minor key profiles (`--profiles`, default Albrecht-Shanahan; `kk-harmonic` is the first
  estimator). The estimator only answers major or minor, so a plan scores as a hit when the
  estimated tonic equals the planned tonic AND the estimated quality equals the quality of the
  mode's tonic triad: major -> major, minor -> minor, dorian -> minor, phrygian -> minor,
  mixolydian -> major, lydian -> major. So "D dorian" is a hit only for "D minor"; its relative
  "C major" (same notes, other tonic) or "A minor" is a miss. No partial credit for relative,
  dominant or parallel keys. Per-mode counts are printed so modal plans can be read separately.

    .venv/bin/python bench/eval_analysis.py --n 200 --seed 0 [--profiles kk-harmonic] [--json] [-v]
    .venv/bin/python bench/eval_analysis.py --n 200 --seed 0 --symbolic [--profiles krumhansl-kessler]
    .venv/bin/python bench/eval_analysis.py --corpus work-data/corpus-main --n 100 --seed 0

`--symbolic` runs the same key profiles on the composed notes alone (duration x velocity weighted
pitch classes): it separates composition from rendering and estimation. `--corpus DIR` measures
corpus clips instead (a seeded sample of the test split's loops and arrangements, as rendered and
degraded by the corpus builder) with this estimator and with the one `cratedig generator eval`
uses (generator/gen_eval.py), which is a different function.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.analysis import (DEFAULT_PROFILES, KEY_PROFILES, estimate_key, estimate_tempo,  # noqa: E402
                                key_from_chroma, key_matches, tempo_matches)
from generator.engine import make_audio  # noqa: E402
from generator.sampling import random_plan  # noqa: E402


def _plans(n: int, seed: int):
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        kind = "arrangement" if rng.random() < 0.5 else "loop"
        yield i, kind, random_plan(rng, kind=kind)


def _by_mode(rows: list[dict]) -> dict:
    out = defaultdict(lambda: [0, 0])
    for r in rows:
        mode = r["key"].split()[1]
        out[mode][0] += r["key_ok"]
        out[mode][1] += 1
    return {m: f"{a}/{b}" for m, (a, b) in sorted(out.items())}


def evaluate(n: int, seed: int, profiles: str = DEFAULT_PROFILES, verbose: bool = False) -> dict:
    tempo_ok = key_ok = 0
    misses_t, misses_k = Counter(), Counter()
    rows = []
    t0 = time.monotonic()
    for i, kind, plan in _plans(n, seed):
        audio, sr = make_audio(plan, seed * 100_000 + i)
        bpm = estimate_tempo(audio, sr)
        key = estimate_key(audio, sr, profiles)
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
    return {"n": n, "seed": seed, "profiles": profiles, "tempo_accuracy": tempo_ok / n,
            "key_mode_accuracy": key_ok / n, "key_by_mode": _by_mode(rows),
            "tempo_misses_by_style": dict(misses_t), "key_misses_by_style": dict(misses_k),
            "seconds": round(time.monotonic() - t0, 1), "rows": rows}


def evaluate_symbolic(n: int, seed: int, profiles: str = DEFAULT_PROFILES) -> dict:
    """Key+mode from the composed notes alone (duration x velocity weighted pitch classes against
    the same key profiles): separates composition from rendering/estimation."""
    from generator.compose import compose
    ok = 0
    misses = Counter()
    for i, _kind, plan in _plans(n, seed):
        pcs = np.zeros(12)
        for t in compose(plan, seed * 100_000 + i).tracks:
            if t.role != "drums":
                for start, dur, pitch, vel in t.notes:
                    pcs[pitch % 12] += min(dur, 1.0) * vel / 127
        hit = key_matches(key_from_chroma(pcs, profiles), plan.key, plan.mode)
        ok += hit
        if not hit:
            misses[plan.style] += 1
    return {"n": n, "seed": seed, "profiles": profiles, "symbolic_key_mode_accuracy": ok / n,
            "misses_by_style": dict(misses.most_common())}


def evaluate_corpus(folder: Path, n: int, seed: int, profiles: str = DEFAULT_PROFILES) -> dict:
    """Key+mode on corpus clips (test split loops/arrangements, seeded sample), by this module's
    estimator and by `cratedig generator eval`'s, split by whether the builder degraded the clip."""
    import soundfile as sf

    from generator import gen_eval
    rows = [json.loads(line) for line in (folder / "captions.jsonl").open()]
    pool = [r for r in rows if r.get("split") == "test" and r["plan"].get("kind") != "one-shot"
            and r["plan"].get("key") and r["plan"].get("mode")]
    rng = np.random.default_rng(seed)
    picked = [pool[j] for j in rng.permutation(len(pool))[:n]]
    tally = defaultdict(lambda: [0, 0])
    for r in picked:
        plan = r["plan"]
        audio, sr = sf.read(str(folder / r["file"]), dtype="float32", always_2d=True)
        ours = key_matches(estimate_key(audio, sr, profiles), plan["key"], plan["mode"])
        theirs = key_matches(gen_eval.estimate_key(audio, sr), plan["key"], plan["mode"])
        degraded = "degraded" if r.get("degradations") else "clean"
        for group in ("all", degraded, plan["kind"]):
            tally[(group, "analysis")][0] += ours
            tally[(group, "gen_eval")][0] += theirs
            tally[(group, "analysis")][1] += 1
            tally[(group, "gen_eval")][1] += 1
    return {"corpus": str(folder), "n": len(picked), "seed": seed, "profiles": profiles,
            "key_mode_accuracy": {f"{g}/{est}": round(a / b, 3) for (g, est), (a, b) in sorted(tally.items())},
            "counts": {f"{g}/{est}": f"{a}/{b}" for (g, est), (a, b) in sorted(tally.items())}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profiles", default=DEFAULT_PROFILES, choices=sorted(KEY_PROFILES))
    ap.add_argument("--json", action="store_true", help="print the full result object")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--symbolic", action="store_true", help="only the notes-level key check (fast, no audio)")
    ap.add_argument("--corpus", type=Path, help="measure this corpus's test clips instead of fresh renders")
    a = ap.parse_args()
    if a.symbolic:
        print(json.dumps(evaluate_symbolic(a.n, a.seed, a.profiles)))
        return
    if a.corpus:
        print(json.dumps(evaluate_corpus(a.corpus, a.n, a.seed, a.profiles), indent=1))
        return
    res = evaluate(a.n, a.seed, a.profiles, a.verbose)
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        print(f"n={res['n']} seed={res['seed']} profiles={a.profiles} tempo={res['tempo_accuracy']:.3f} "
              f"key+mode={res['key_mode_accuracy']:.3f} ({res['seconds']} s)\n"
              f"key+mode by planned mode: {res['key_by_mode']}\n"
              f"tempo misses by style: {res['tempo_misses_by_style']}\n"
              f"key misses by style: {res['key_misses_by_style']}")


if __name__ == "__main__":
    main()
