"""`cratedig generator eval`: how well generated clips follow their prompts.

Prompts are reserved-wording captions (`captions.caption(plan, rng, reserved=True)`, wordings
the aligner never trained on) of the plans of held-out corpus clips (the test split). For each
prompt one clip is generated (default 4 candidates, re-ranked) and measured:

- tempo adherence (prompts stating a BPM): `generator.analysis.estimate_tempo` (librosa's
  onset-strength autocorrelation), independent of the engine and the aligner; correct within 4 %
  of the stated tempo or of its half/double (in 6/8, where the BPM counts dotted quarters, also of
  its 3/2 and 3x: the quarter and eighth pulses);
- key + mode adherence (prompts stating a key and mode): `generator.analysis.estimate_key` (the
  same estimator as the engine's key-recoverability benchmark: CQT chroma of the drum-stripped
  harmonic part, Albrecht-Shanahan profiles); correct when tonic and major/minor quality both
  match (modes are judged by their tonic triad: dorian counts as minor, mixolydian as major);
- zero-shot style / instrument-family adherence under the aligner: the generated clip's audio
  embedding against texts naming each style ("<style> music") / family;
- prompt-to-clip similarity of the generated clip vs. the matching catalogue clip (the held-out
  clip the prompt was written from);
- self-retrieval@1: the generated clip is added to a catalogue of up to 1,000 held-out clips
  (their audio embedded once, cached); does the prompt rank it first?
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

from generator import theory
# one independent estimator for the engine's analysis (issue 2) and this evaluation: librosa
# onset-autocorrelation tempo; key from the drum-stripped CQT chroma and Albrecht-Shanahan profiles
from generator.analysis import estimate_key, estimate_tempo
from generator.plan import Plan, instrument_family
from generator.prompt import GenerateError, parse_prompt
from generator.styles import STYLES

Progress = Callable[[str, int, int], None]
CATALOGUE_SIZE = 1000
TEMPO_TOLERANCE = 0.04
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "work-data" / "corpus-v2"
EVAL_CORPUS_ENV = "CRATEDIG_EVAL_CORPUS"
def tempo_ok(estimate: float, stated: float, meter: str | None = None,
             tol: float = TEMPO_TOLERANCE) -> bool:
    factors = (1.0, 0.5, 2.0) + ((1.5, 3.0) if meter == "6/8" else ())
    return any(abs(estimate - stated * f) <= tol * stated * f for f in factors)


def _catalogue(settings, aligner, folder: Path, progress: Progress | None):
    """(rows, audio embeddings) of up to CATALOGUE_SIZE held-out clips (test split first)."""
    from generator.decoder_train import audio_embeddings, read_corpus
    rows = read_corpus(folder)
    test = [r for r in rows if r.get("split") == "test"]
    rest = [r for r in rows if r.get("split") != "test"]
    picked = (test + rest)[:CATALOGUE_SIZE]
    emb = audio_embeddings(aligner, folder, picked, settings.cache_dir, progress)
    return picked, emb


def evaluate(settings, *, n_prompts: int = 200, seed: int = 0, candidates: int = 4,
             catalogue_dir: Path | None = None, generator=None, duration: float | None = None,
             out: Path | None = None, progress: Progress | None = None) -> dict:
    """Generate one clip per reserved-wording prompt and measure adherence; returns the report.
    `duration` fixes every clip's length (default: the prompt's, else the decoder's); `out`
    receives the report so far every 10 prompts (a long run that is stopped keeps its numbers)."""
    from generator.captions import caption
    from generator.generate import Generator
    t0 = time.perf_counter()
    folder = Path(catalogue_dir or os.environ.get(EVAL_CORPUS_ENV) or DEFAULT_CORPUS)
    gen = generator or Generator(settings)
    aligner = gen.aligner
    rows, cat_emb = _catalogue(settings, aligner, folder, progress)
    held_out = [i for i, r in enumerate(rows) if r.get("split") == "test"] or list(range(len(rows)))
    rng = np.random.default_rng(seed)
    chosen = [held_out[i] for i in rng.permutation(len(held_out))[:n_prompts]]
    if len(chosen) < n_prompts:
        raise GenerateError(str(folder), f"has {len(held_out)} held-out clips; {n_prompts} prompts asked")
    style_names = sorted(STYLES)
    style_emb = aligner.embed_text([f"{STYLES[s].words[0]} music" for s in style_names])
    fam_emb = aligner.embed_text([f"{f}" for f in theory.FAMILIES])

    per = []
    for n, ci in enumerate(chosen, 1):
        src = Plan.from_dict(rows[ci]["plan"])
        prompt = caption(src, rng, reserved=True)
        try:
            facts = parse_prompt(prompt)
        except GenerateError as e:  # a caption the parser rejects is a finding, not a crash
            per.append({"prompt": prompt, "error": str(e)})
            continue
        res = gen.generate(prompt, seed=seed * 100_003 + n, candidates=candidates, write=False,
                           duration=duration)
        text = aligner.embed_text([prompt])[0]
        g_emb = aligner.embed_audio([res.audio], res.sample_rate)[0]
        item = {"prompt": prompt, "kind": src.kind, "seconds": res.seconds, "duration": res.duration,
                "sim_generated": float(g_emb @ text), "sim_matching": float(cat_emb[ci] @ text)}
        # the bar to clear: the best of the 1,000 catalogue clips for this prompt
        item["sim_catalogue_best"] = float(np.max(cat_emb @ text))
        item["self_rank1"] = bool(item["sim_generated"] > item["sim_catalogue_best"])
        ref = None
        if (facts.tempo is not None or facts.key is not None) and src.kind != "one-shot":
            import soundfile as sf  # the matching clip, measured the same way: the estimators' ceiling
            ref = sf.read(str(folder / rows[ci]["file"]), dtype="float32", always_2d=True)
        if facts.tempo is not None and res.duration >= 2.0:
            est = estimate_tempo(res.audio, res.sample_rate)
            item["tempo"] = {"stated": facts.tempo, "estimated": round(est, 1), "meter": res.plan.meter,
                             "ok": tempo_ok(est, facts.tempo, res.plan.meter)}
            if ref is not None and src.tempo_bpm:
                item["tempo"]["ref_ok"] = tempo_ok(estimate_tempo(*ref), src.tempo_bpm, src.meter)
        if facts.key is not None and facts.mode is not None and res.plan.kind != "one-shot":
            tonic, quality = estimate_key(res.audio, res.sample_rate)
            want = theory.MODE_QUALITY[facts.mode]
            item["key"] = {"stated": f"{facts.key} {facts.mode}", "estimated": f"{tonic} {quality}",
                           "ok": tonic == facts.key and quality == want}
            if ref is not None and src.key and src.mode:
                rt, rq = estimate_key(*ref)
                item["key"]["ref_ok"] = rt == src.key and rq == theory.MODE_QUALITY[src.mode]
        low = prompt.lower()
        if src.style and src.kind != "one-shot" and any(w.lower() in low for w in STYLES[src.style].words):
            order = np.argsort(-(style_emb @ g_emb))
            item["style"] = {"stated": src.style, "zero_shot": style_names[int(order[0])],
                             "ok": style_names[int(order[0])] == src.style,
                             "plan_ok": res.plan.style == src.style}
        named = _named_families(src, low)
        if named:
            order = [theory.FAMILIES[i] for i in np.argsort(-(fam_emb @ g_emb))]
            item["instrument"] = {"stated": named, "top3": order[:3],
                                  "ok": any(f in order[:3] for f in named),
                                  "plan_ok": any(f in res.plan.families for f in named)}
        per.append(item)
        if progress:
            progress("generating", n, len(chosen))
        if out is not None and n % 10 == 0 and n < len(chosen):
            partial = _summarise(per, candidates)
            partial.update({"partial": True, "decoder": gen.decoder.id, "aligner": aligner.id,
                            "catalogue_size": len(rows) + 1,
                            "wall_seconds": round(time.perf_counter() - t0, 1)})
            dump(partial, Path(out))
    report = _summarise(per, candidates)
    report.update({"catalogue_size": len(rows) + 1, "corpus": str(folder), "decoder": gen.decoder.id,
                   "aligner": aligner.id, "seed": seed, "wall_seconds": round(time.perf_counter() - t0, 1)})
    return report


def _named_families(plan: Plan, low_prompt: str) -> list[str]:
    """Families of the plan's instruments whose caption words appear in the prompt."""
    fams = []
    for p in plan.instruments:
        words = []
        if not p.instrument.startswith(("synth:", "sfx:")):
            words = list(theory.resolve_gm(p.instrument).words)
        fam = instrument_family(p.instrument)
        if any(w.lower() in low_prompt for w in words) or fam in low_prompt:
            if fam not in fams:
                fams.append(fam)
    return fams


def _rate(items: list[dict], key: str, field: str = "ok") -> dict:
    xs = [it[key][field] for it in items if key in it]
    return {"n": len(xs), "rate": round(float(np.mean(xs)), 4) if xs else None}


def _summarise(per: list[dict], candidates: int) -> dict:
    ok = [p for p in per if "error" not in p]
    sims_g = np.array([p["sim_generated"] for p in ok])
    sims_m = np.array([p["sim_matching"] for p in ok])
    return {
        "prompts": len(per), "generated": len(ok), "parse_errors": [p for p in per if "error" in p],
        "candidates": candidates,
        "tempo_adherence": _rate(ok, "tempo"),
        "tempo_reference_clips": _rate([p for p in ok if "ref_ok" in p.get("tempo", {})], "tempo", "ref_ok"),
        "key_mode_adherence": _rate(ok, "key"),
        "key_mode_reference_clips": _rate([p for p in ok if "ref_ok" in p.get("key", {})], "key", "ref_ok"),
        "style_zero_shot": _rate(ok, "style"), "style_in_plan": _rate(ok, "style", "plan_ok"),
        "instrument_zero_shot_top3": _rate(ok, "instrument"),
        "instrument_in_plan": _rate(ok, "instrument", "plan_ok"),
        "similarity": {"generated_mean": round(float(sims_g.mean()), 4) if len(ok) else None,
                       "matching_mean": round(float(sims_m.mean()), 4) if len(ok) else None,
                       "generated_ge_matching": round(float((sims_g >= sims_m).mean()), 4) if len(ok) else None,
                       "catalogue_best_mean": round(float(np.mean([p["sim_catalogue_best"] for p in ok])), 4)
                       if len(ok) else None},
        "self_retrieval_at_1": round(float(np.mean([p["self_rank1"] for p in ok])), 4) if ok else None,
        "median_generate_seconds": round(float(np.median([p["seconds"] for p in ok])), 3) if ok else None,
        "items": per,
    }


TARGETS = {"tempo_adherence": 0.90, "key_mode_adherence": 0.80, "self_retrieval_at_1": 0.80}


def format_report(r: dict) -> str:
    def rate(d):
        return "n/a" if d["rate"] is None else f"{d['rate']:.1%} of {d['n']}"
    lines = [f"decoder {r['decoder']}, aligner {r['aligner']}: {r['generated']}/{r['prompts']} prompts, "
             f"{r['candidates']} candidates, catalogue {r['catalogue_size']} clips",
             f"  tempo adherence        {rate(r['tempo_adherence'])} (target >= 90 %); "
             f"matching corpus clips {rate(r['tempo_reference_clips'])}",
             f"  key+mode adherence     {rate(r['key_mode_adherence'])} (target >= 80 %); "
             f"matching corpus clips {rate(r['key_mode_reference_clips'])}",
             f"  style zero-shot        {rate(r['style_zero_shot'])}; in plan {rate(r['style_in_plan'])}",
             f"  instrument top-3       {rate(r['instrument_zero_shot_top3'])}; in plan {rate(r['instrument_in_plan'])}",
             f"  prompt similarity      generated {r['similarity']['generated_mean']}, matching clip "
             f"{r['similarity']['matching_mean']} (generated >= matching {r['similarity']['generated_ge_matching']}), "
             f"best catalogue clip {r['similarity'].get('catalogue_best_mean')}",
             f"  self-retrieval@1       {r['self_retrieval_at_1']} (target >= 0.80)",
             f"  median generate time   {r['median_generate_seconds']} s; wall {r['wall_seconds']} s"]
    if r["parse_errors"]:
        lines.append(f"  prompts the parser rejected: {len(r['parse_errors'])}")
    return "\n".join(lines)


def dump(report: dict, path: Path) -> None:
    Path(path).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
