"""`cratedig aligner eval DIR --split test`: retrieval, zero-shot and score calibration of any
Aligner on a captioned folder, through the same audio path the indexer uses (decode -> mono ->
resample -> fixed 10 s windows -> pooled file vector).

- Pool: the first `pool` clips (by file name) of the split; each clip's query is its first
  reserved evaluation wording (`reserved_captions`), or its first caption when the folder has
  none (reported as `"wordings": "training"`).
- Relevance (`text_to_audio`, `audio_to_text`): strict: a clip is relevant to a query if it is
  the query's clip or its query text is identical (two "kick drum" one-shots answer each other).
  R@k: fraction of queries with a relevant item in the top k; mAP@10 over up to 10 relevant items.
- `stated_facts` (when the dataset lists the facts each reserved caption states, as the corpus
  builder does): the same metrics where every clip satisfying all the query's stated facts is
  relevant, and the ceiling that this ambiguity puts on the strict R@1.
- Zero-shot: prompts per class (several templates, embeddings averaged), argmax over the classes
  present in the pool: style (music clips), instrument family (clips of exactly one family),
  tempo class (slow < 90 <= medium < 130 <= fast BPM), mode (major/minor clips), one-shot kind.
- Calibration: see `aligner.calibration`.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from aligner.base import Aligner, l2_normalise, window_bounds
from aligner.calibration import choose_threshold, matched_unmatched, plot_calibration
from aligner.dataset import Clip, DatasetError, read_dataset
from aligner.train import recall_at

STYLE_NAMES = {"hiphop": "hip-hop", "dnb": "drum and bass", "lofi": "lo-fi", "acid": "acid house",
               "cinematic": "cinematic orchestral", "world": "world music", "gospel": "gospel",
               "classical": "classical", "synthwave": "synthwave", "chiptune": "chiptune"}
FAMILY_NAMES = {"fx": "sound effect", "keys": "electric piano keys", "mallet": "mallet percussion",
                "plucked": "plucked strings", "woodwind": "woodwind", "synth lead": "synth lead",
                "synth pad": "synth pad", "percussion": "hand percussion"}
ONESHOT_NAMES = {"hat_closed": "closed hi-hat", "hat_open": "open hi-hat", "bass_hit": "808 bass hit",
                 "chord_stab": "chord stab", "pad_swell": "pad swell", "note": "single instrument note",
                 "percussion": "hand percussion hit", "tom": "tom drum", "cymbal": "cymbal crash"}
TEMPO_CLASSES = ("slow", "medium", "fast")
TEMPO_WORDS = {"slow": "slow", "medium": "medium tempo", "fast": "fast"}
# classes whose words alone are ambiguous get explicit prompt sets (chosen before any evaluation)
CLASS_PROMPTS = {
    "tempo_class": {"slow": ["slow music", "a slow song", "slow tempo, 70 bpm"],
                    "medium": ["mid-tempo music", "a medium tempo song", "moderate tempo, 110 bpm"],
                    "fast": ["fast music", "a fast song", "fast tempo, 150 bpm"]},
    "mode": {"major": ["music in a major key", "a happy song in a major key", "major key"],
             "minor": ["music in a minor key", "a sad song in a minor key", "minor key"]},
}
TEMPLATES = {
    "style": ["{} music", "a {} track", "{}"],
    "family": ["{}", "the sound of a {}", "{} sound"],
    "tempo_class": ["{} music", "a {} song", "{} beat"],
    "mode": ["music in a {} key", "{} key", "a song in {}"],
    "oneshot_kind": ["{}", "a {} sample", "{} one-shot"],
}


def tempo_class(bpm: float) -> str:
    return "slow" if bpm < 90 else "medium" if bpm < 130 else "fast"


def select(clips: list[Clip], split: str, pool: int) -> list[Clip]:
    splits = None if split == "all" else set(split.split(","))
    chosen = [c for c in clips if splits is None or c.split in splits]
    if not chosen:
        raise DatasetError(split, "no clips in this split")
    return chosen[:pool]


def embed_files(aligner: Aligner, root: Path, clips: list[Clip],
                progress: Callable[[int, int, float], None] | None = None) -> np.ndarray:
    """Pooled file vectors float32[n, dim], windows batched across files (same result as
    `Aligner.embed_audio_windows(...).pooled` per file)."""
    import soundfile as sf

    from aligner.audio import to_mono_resampled
    sr_t = aligner.sample_rate
    out = np.zeros((len(clips), aligner.dim), dtype=np.float32)
    pending: list[tuple[int, np.ndarray]] = []
    t0 = time.monotonic()

    def flush():
        vecs = aligner.embed_windows([w for _, w in pending])
        owners = np.array([i for i, _ in pending])
        for i in np.unique(owners):
            out[i] = l2_normalise(vecs[owners == i].mean(0))
        pending.clear()

    for n, c in enumerate(clips):
        try:
            wave, sr = sf.read(str(root / c.file), dtype="float32", always_2d=True)
        except (RuntimeError, sf.LibsndfileError) as e:
            raise DatasetError(str(root / c.file), f"cannot decode audio: {e}") from e
        x = to_mono_resampled(wave, sr, sr_t)
        for a, b in window_bounds(len(x), sr_t):
            pending.append((n, x[a:b]))
        if len(pending) >= 64:
            flush()
        if progress and (n + 1) % 100 == 0:
            progress(n + 1, len(clips), time.monotonic() - t0)
    if pending:
        flush()
    return out


def _class_prompts(task: str, cls: str, name: str) -> list[str]:
    if cls in CLASS_PROMPTS.get(task, {}):
        return CLASS_PROMPTS[task][cls]
    return [t.format(name) for t in TEMPLATES[task]]


def zero_shot(aligner: Aligner, audio: np.ndarray, labels: list, names: dict, task: str):
    """labels: per clip a set of true classes (empty = not scored) -> (accuracy, n scored)."""
    scored = [i for i, lab in enumerate(labels) if lab]
    if not scored:
        return None, 0
    classes = sorted({c for i in scored for c in labels[i]})
    if len(classes) < 2:
        return None, len(scored)
    protos = []
    for c in classes:
        e = aligner.embed_text(_class_prompts(task, c, names.get(c, c)))
        protos.append(l2_normalise(e.mean(0)))
    sims = audio[scored] @ np.stack(protos).T
    pred = [classes[k] for k in sims.argmax(1)]
    correct = [p in labels[i] for p, i in zip(pred, scored)]
    return float(np.mean(correct)), len(scored)


def task_labels(clips: list[Clip]) -> dict[str, list[set]]:
    lab = {k: [] for k in TEMPLATES}
    for c in clips:
        p = c.plan
        music = p.get("kind") in ("loop", "arrangement")
        lab["style"].append({p["style"]} if music and p.get("style") else set())
        fams = p.get("families") or []
        lab["family"].append({fams[0]} if len(fams) == 1 else set())
        bpm = p.get("tempo_bpm")
        lab["tempo_class"].append({tempo_class(float(bpm))} if music and bpm else set())
        lab["mode"].append({p["mode"]} if music and p.get("mode") in ("major", "minor") else set())
        lab["oneshot_kind"].append({p["oneshot"]} if p.get("kind") == "one-shot" and p.get("oneshot")
                                   else set())
    return lab


def _names(task: str, labels: list[set]) -> dict:
    if task == "oneshot_kind":
        return {c: _oneshot_name(c) for lab in labels for c in lab}
    return {"style": STYLE_NAMES, "family": FAMILY_NAMES, "tempo_class": TEMPO_WORDS}.get(task, {})


def _oneshot_name(c: str) -> str:
    if c.startswith("sfx:"):
        return c[4:].replace("_", " ") + " sound effect"
    return ONESHOT_NAMES.get(c, c.replace("_", " "))


def evaluate(root: Path | str, aligner: Aligner, split: str = "test", pool: int = 1000,
             png: Path | str | None = None,
             progress: Callable[[str], None] | None = None) -> dict:
    """-> the `aligner eval --json` object (see module docstring)."""
    root = Path(root)
    clips = select(read_dataset(root, reserved=True), split, pool)
    reserved = all(c.reserved for c in clips)
    queries = [c.reserved[0] if reserved else c.captions[0] for c in clips]
    t0 = time.monotonic()
    if progress:
        progress(f"embedding {len(clips)} clips of split {split!r} with {aligner.id}")
    bar = (lambda d, t, e: progress(f"audio: {d}/{t} ({d / max(e, 1e-9):.1f} clips/s)")) \
        if progress else None
    audio = embed_files(aligner, root, clips, bar)
    text = aligner.embed_text(queries)
    sim = text @ audio.T
    q = np.array(queries)
    relevant = q[:, None] == q[None, :]
    result = {"text_to_audio": _round(recall_at(sim, relevant)),
              "audio_to_text": _round(recall_at(sim.T, relevant.T))}
    if reserved and all(c.reserved_facts for c in clips):
        result["stated_facts"] = stated_facts_metrics(sim, relevant, clips)
    labels = task_labels(clips)
    zs, counts = {}, {}
    for task in TEMPLATES:
        acc, n = zero_shot(aligner, audio, labels[task], _names(task, labels[task]), task)
        zs[task] = None if acc is None else round(acc, 4)
        counts[task] = n
    matched, unmatched = matched_unmatched(sim, relevant, unrelated_mask(clips))
    threshold = choose_threshold(matched, unmatched)
    result.update({"zero_shot": zs, "pool": len(clips), "miss_threshold": round(threshold, 4),
                   "split": split, "wordings": "reserved" if reserved else "training",
                   "aligner": aligner.id, "zero_shot_counts": counts,
                   "calibration": {"matched_median": round(float(np.median(matched)), 4),
                                   "unmatched_median": round(float(np.median(unmatched)), 4)},
                   "seconds": round(time.monotonic() - t0, 1)})
    if png:
        plot_calibration(matched, unmatched, threshold, Path(png),
                         title=f"{aligner.id}: {len(clips)} {split} clips, "
                               f"{'reserved' if reserved else 'training'} wordings")
        result["calibration"]["png"] = str(png)
    return result


def satisfies(plan: dict, facts: list) -> bool:
    """Does a clip's plan satisfy every [attribute, op, value] fact a query states? (The facts
    come from the dataset: `generator.caption_facts` writes them for the corpus.)"""
    for attr, op, value in facts:
        if attr == "kind_class":
            have = "one-shot" if plan.get("kind") == "one-shot" else "music"
        elif op == "has":
            have = [i.get("instrument") for i in plan.get("instruments") or [] if isinstance(i, dict)]
            if value not in have:
                return False
            continue
        else:
            have = plan.get(attr)
        if op in ("near", "between", "pc") and not isinstance(have, (int, float)):
            return False
        if op == "eq" and have != value \
                or op == "near" and abs(have / value - 1.0) > 0.04 \
                or op == "between" and not value[0] < have <= value[1] \
                or op == "pc" and int(have) % 12 != value:
            return False
    return True


def stated_facts_metrics(sim: np.ndarray, strict: np.ndarray, clips: list[Clip]) -> dict:
    """Retrieval where every pool clip that satisfies all the facts a query states counts as
    relevant (a query "kick recorded on its own, unprocessed" is answered by any dry kick), and
    the ceiling that ambiguity puts on the strict R@1: a system that knows exactly which clips
    fit a query but cannot tell them apart finds the query's own clip first 1/|fitting| of the
    time."""
    rel = strict | np.array([[satisfies(c.plan, q.reserved_facts[0]) for c in clips] for q in clips])
    n_fit = rel.sum(1)
    return {"text_to_audio": _round(recall_at(sim, rel)),
            "audio_to_text": _round(recall_at(sim.T, rel.T)),
            "relevant_per_query_median": float(np.median(n_fit)),
            "single_answer_queries": round(float(np.mean(n_fit == 1)), 4),
            "strict_R@1_ceiling": round(float(np.mean(1.0 / n_fit)), 4)}


def group_of(plan: dict) -> str:
    """What a catalogue would have to hold for a query to be answerable: the one-shot kind, or
    the style of a music clip."""
    if plan.get("kind") == "one-shot":
        return "one-shot:" + str(plan.get("oneshot"))
    return "music:" + str(plan.get("style"))


def unrelated_mask(clips: list[Clip]) -> np.ndarray | None:
    """bool[n, n]: clip j is unrelated to clip i's query (another group); None without plans."""
    if not all(c.plan for c in clips):
        return None
    g = np.array([group_of(c.plan) for c in clips])
    return g[:, None] != g[None, :]


def _round(d: dict) -> dict:
    return {k: round(v, 4) for k, v in d.items()}


def write_threshold(weights: Path, threshold: float) -> None:
    """Store a calibrated miss threshold in a builtin weights file (changes its id)."""
    import os

    import torch

    from aligner.builtin import read_weights
    blob = read_weights(weights)
    blob["miss_threshold"] = float(threshold)
    tmp = Path(str(weights) + ".tmp")
    torch.save(blob, tmp)
    os.replace(tmp, weights)
