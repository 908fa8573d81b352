"""Captioned corpus builder: FLAC clips + captions.jsonl + a data card, in parallel, resumable.

Clip i is a pure function of (seed, i): its plan, audio, degradations and captions never depend
on the worker that made it or on the order clips finish, so an interrupted build resumes
without duplicates and a rebuild gives the same files.

captions.jsonl, one object per clip:
    {"file": "audio/000/000123.flac", "split": "train"|"val"|"test", "index": 123,
     "captions": [...], "reserved_captions": [...] (val/test only), "plan": Plan.to_dict(),
     "seed": clip seed, "duration_s": ..., "degradations": [...]}
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .styles import STYLES

JSONL = "captions.jsonl"
N_CAPTIONS = 8
N_RESERVED = 4
DEGRADE_FRACTION = 0.6
KIND_WEIGHTS = {"one-shot": 0.35, "loop": 0.40, "arrangement": 0.25}
_STYLE_NAMES = sorted(STYLES)


class CorpusError(ValueError):
    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what, self.reason = what, reason


@dataclass
class CorpusSummary:
    out: Path
    clips: int
    rendered: int
    skipped: int
    seconds: float
    audio_hours: float
    splits: dict = field(default_factory=dict)


def split_of(index: int) -> str:
    """5 % test (index % 20 == 7), 5 % val (== 13), 90 % train: exact proportions, so 20,000
    clips give exactly 1,000 test clips. Styles and kinds are drawn independently of index % 20."""
    r = index % 20
    return "test" if r == 7 else "val" if r == 13 else "train"


def clip_path(index: int) -> str:
    return f"audio/{index // 1000:03d}/{index:06d}.flac"


def parse_kind_weights(text: str) -> dict[str, float]:
    """"one-shot=0.8,loop=0.1,arrangement=0.1" -> normalised weights over KIND_WEIGHTS' kinds."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, value = part.partition("=")
        kind = kind.strip()
        if kind not in KIND_WEIGHTS:
            raise CorpusError("kind_weights", f"unknown kind {kind!r}; kinds: {', '.join(KIND_WEIGHTS)}")
        try:
            out[kind] = float(value)
        except ValueError:
            raise CorpusError("kind_weights", f"{part!r} is not kind=weight") from None
        if not out[kind] >= 0:
            raise CorpusError("kind_weights", f"{part!r}: weights must be >= 0")
    total = sum(out.values())
    if total <= 0:
        raise CorpusError("kind_weights", f"{text!r} gives no kind a positive weight")
    return {k: round(out.get(k, 0.0) / total, 6) for k in KIND_WEIGHTS}


def plan_for(seed: int, index: int, kind_weights: dict | None = None):
    """(plan, clip_seed, rng) for clip `index` — styles balanced in blocks of len(STYLES).
    `kind_weights`: shares of one-shots, loops and arrangements (default KIND_WEIGHTS)."""
    from .sampling import random_plan
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(index)])
    block = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x5717, index // len(_STYLE_NAMES)])
    style = _STYLE_NAMES[int(block.permutation(len(_STYLE_NAMES))[index % len(_STYLE_NAMES)])]
    weights = kind_weights or KIND_WEIGHTS
    kinds = list(KIND_WEIGHTS)
    p = np.array([weights.get(k, 0.0) for k in kinds], dtype=float)
    kind = kinds[int(rng.choice(len(kinds), p=p / p.sum()))]
    plan = random_plan(rng, kind=kind, style=style if kind != "one-shot" else None)
    clip_seed = int(rng.integers(0, 2**31 - 1))
    return plan, clip_seed, rng


def make_clip(out: Path, seed: int, index: int, soundfont: str | None = None,
              timbre_models: float = 0.0, kind_weights: dict | None = None) -> dict:
    """Render clip `index`, write its FLAC atomically, return its jsonl record. `timbre_models`:
    share of GM parts rendered by modelled stand-ins (generator.render.modelled_tracks)."""
    import soundfile as sf

    from . import dsp
    from .caption_facts import stated_facts
    from .captions import captions
    from .engine import make_audio
    from .loudness import normalize
    plan, clip_seed, rng = plan_for(seed, index, kind_weights)
    audio, sr = make_audio(plan, clip_seed, soundfont, timbre_models)
    split = split_of(index)
    applied: list[str] = []
    if split == "train" and rng.random() < DEGRADE_FRACTION:
        audio, applied = dsp.degrade(audio, sr, rng)
        audio = normalize(audio, sr, peak_only=plan.kind == "one-shot")
    rendered = plan
    plan = heard_plan(plan, applied)
    cap_rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(index), 0xCA])
    record = {"file": clip_path(index), "split": split, "index": index,
              "captions": captions(plan, cap_rng, N_CAPTIONS)}
    if split != "train":
        record["reserved_captions"] = captions(plan, cap_rng, N_RESERVED, reserved=True)
        record["reserved_facts"] = [stated_facts(plan, c) for c in record["reserved_captions"]]
    record.update({"plan": plan.to_dict(), "seed": clip_seed,
                   "duration_s": round(len(audio) / sr, 4), "degradations": list(applied)})
    if timbre_models > 0:
        record["timbre_models"] = timbre_models
    if kind_weights:
        record["kind_weights"] = kind_weights
    if rendered != plan:
        record["rendered_mix"] = {k: getattr(rendered, k) for k in ("reverb", "tone", "width")}
    dest = out / record["file"]
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.stem + ".part.flac")
    sf.write(str(tmp), np.clip(audio, -1.0, 1.0), sr, subtype="PCM_16", format="FLAC")
    os.replace(tmp, dest)
    return record


def _add_reserved_facts(records: list[dict]) -> None:
    """Corpora built before `reserved_facts` existed get them on their next build run (a pure
    function of plan and caption, so nothing is re-rendered)."""
    from .caption_facts import stated_facts
    for r in records:
        if r.get("reserved_captions") and "reserved_facts" not in r:
            r["reserved_facts"] = [stated_facts(r["plan"], c) for c in r["reserved_captions"]]


# Degradations that change what a caption may truthfully say about the mix.
_TONE_CHANGING = {"eq_tilt", "lowcut", "highcut", "peaking_eq", "low_sample_rate", "codec"}


def heard_plan(plan, applied: list[str]):
    """The plan as the degraded clip sounds: added reverb, summed-to-mono and re-equalised
    clips must not be captioned "dry", "wide" or "bright"."""
    changes = {}
    if "hall_reverb" in applied:
        changes["reverb"] = "hall"
    elif "room_reverb" in applied and plan.reverb == "dry":
        changes["reverb"] = "room"
    if "mono" in applied:
        changes["width"] = "narrow"
    if _TONE_CHANGING & set(applied):
        changes["tone"] = "neutral"
    return plan.replace(**changes) if changes else plan


# ---- worker plumbing -----------------------------------------------------------------------
_WORKER: dict = {}


def _init_worker(out: str, seed: int, soundfont: str | None, timbre_models: float = 0.0,
                 kind_weights: dict | None = None) -> None:
    _WORKER.update(out=Path(out), seed=seed, soundfont=soundfont, timbre_models=timbre_models,
                   kind_weights=kind_weights)


def _work(index: int) -> str:
    rec = make_clip(_WORKER["out"], _WORKER["seed"], index, _WORKER["soundfont"],
                    _WORKER["timbre_models"], _WORKER["kind_weights"])
    return json.dumps(rec, ensure_ascii=False)


def load_records(out: Path) -> list[dict]:
    """Existing records whose audio file exists, first occurrence per file (resume dedupe)."""
    path = out / JSONL
    if not path.is_file():
        return []
    seen, keep = set(), []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a line cut by an interruption
        f = rec.get("file")
        if not f or f in seen or not (out / f).is_file():
            continue
        seen.add(f)
        keep.append(rec)
    return keep


# Build options that are part of what a clip is, with the value a record without the key had.
_RECIPE_DEFAULTS = {"timbre_models": 0.0, "kind_weights": None}


def _check_same_recipe(out: Path, records: list[dict], **wanted) -> None:
    """One folder holds clips of one recipe: resuming with other options would mix two."""
    def shown(v):
        return f"{v:g}" if isinstance(v, float) else (v or "default")
    for key, want in wanted.items():
        for r in records:
            got = r.get(key, _RECIPE_DEFAULTS[key])
            if got != want:
                name = key.replace("_", " ")
                raise CorpusError(key, f"{out} was built with {name} {shown(got)}, not {shown(want)}; "
                                  "use those or another folder")


def _acquire_build_lock(out: Path):
    """Two builders in one folder would render the same clips twice and interleave the jsonl."""
    import fcntl
    fh = open(out / ".build.lock", "a+", encoding="utf-8")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise CorpusError("out", f"another corpus build is running in {out}") from None
    return fh


def build_corpus(out, clips: int, seed: int = 0, workers: int = 0,
                 progress: Callable[[int, int, float], None] | None = None,
                 soundfont: str | None = None, command: str | None = None,
                 timbre_models: float = 0.0, kind_weights: dict | None = None) -> CorpusSummary:
    """Render clips 0..clips-1 into `out` (skipping those already present), write captions.jsonl
    and the data card README.md. `progress(done, total, elapsed_s)` after each clip.
    `timbre_models` (0-1): share of General MIDI parts rendered by modelled stand-ins instead of
    the soundfont; `kind_weights` ({kind: share}, see parse_kind_weights): shares of one-shots,
    loops and arrangements. Both are part of what a clip is: one folder is built with one value."""
    if clips < 1:
        raise CorpusError("clips", f"{clips} is not a positive number of clips")
    if not 0.0 <= timbre_models <= 1.0:
        raise CorpusError("timbre_models", f"{timbre_models} is not a share between 0 and 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = _acquire_build_lock(out)  # held (open) until this function returns
    records = load_records(out)
    wanted = {clip_path(i) for i in range(clips)}
    records = [r for r in records if r["file"] in wanted]
    try:
        _check_same_recipe(out, records, timbre_models=timbre_models, kind_weights=kind_weights)
    except CorpusError:
        lock.close()
        raise
    _add_reserved_facts(records)
    # Rewrite the jsonl once so it holds only valid, unique lines before appending.
    tmp = out / (JSONL + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(tmp, out / JSONL)
    done_files = {r["file"] for r in records}
    # Held-out splits first, so a build stopped early still has its full test and val pools.
    todo = sorted((i for i in range(clips) if clip_path(i) not in done_files),
                  key=lambda i: ({"test": 0, "val": 1}.get(split_of(i), 2), i))
    workers = workers or os.cpu_count() or 1
    t0 = time.monotonic()
    done = len(records)
    if progress:
        progress(done, clips, 0.0)
    with open(out / JSONL, "a", encoding="utf-8") as fh:
        def emit(line: str):
            nonlocal done
            fh.write(line + "\n")
            fh.flush()
            done += 1
            if progress:
                progress(done, clips, time.monotonic() - t0)
        if workers <= 1 or len(todo) <= 1:
            _init_worker(str(out), seed, soundfont, timbre_models, kind_weights)
            for i in todo:
                emit(_work(i))
        else:
            from aligner.spawn import spawn_pool
            with spawn_pool(min(workers, len(todo)), _init_worker,
                            (str(out), seed, soundfont, timbre_models, kind_weights)) as pool:
                for line in pool.imap_unordered(_work, todo, chunksize=2):
                    emit(line)
    elapsed = time.monotonic() - t0
    records = load_records(out)
    from .datacard import write_datacard
    hours = write_datacard(out, records, seed=seed, clips=clips, command=command)
    splits = {s: sum(1 for r in records if r["split"] == s) for s in ("train", "val", "test")}
    lock.close()
    return CorpusSummary(out=out, clips=clips, rendered=len(todo), skipped=clips - len(todo),
                         seconds=elapsed, audio_hours=hours, splits=splits)
