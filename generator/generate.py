"""The generate pipeline: prompt -> text embedding -> a pool of decoded plans (the mode and
low-temperature samples) -> the candidates the decoder's plan scorer predicts closest to the
prompt -> audio -> re-ranked by the aligner's prompt-to-audio similarity of the full renders ->
the best written with its provenance.

Same prompt + seed + models = same audio: every random choice comes from generators seeded by
(seed, candidate index), and the engine is bit-identical for a (plan, seed). Without a seed the
seed is derived from the prompt, so repeating a prompt repeats the clip.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from generator.plan import DURATION_RANGE, Plan
from generator.prompt import GenerateError, PromptError, PromptFacts, parse_prompt

DEFAULT_CANDIDATES = 4
MAX_CANDIDATES = 16
PREVIEW_S = 3.0          # seconds of each candidate rendered for ranking
PREVIEW_MIN_RATIO = 1.5  # clips up to 1.5 x PREVIEW_S are ranked on their full render
# Seconds of audio rendered per generation for ranking: when all candidates fit, they are ranked
# on their full renders (what is written and indexed); otherwise on previews, and then as many
# of the best previews as fit are rendered in full and ranked again. 4 x 10 s: 4 previews + 2 full.
RENDER_BUDGET_S = 32.0
# Plans sampled and pre-screened by the decoder's scorer per generation, and the pool's sampling
# temperature (member 0 is the decoded mode). A wider, hotter pool (256 at 0.8) retrieves better
# (self-retrieval 0.555 vs 0.46) but picks more plans whose tempo and key read wrong (tempo 0.86,
# key+mode 0.78 vs 0.90 / 0.89): stated facts come first (DECODER_CARD.md, session 3).
POOL_SIZE = 32
POOL_TEMPERATURE = 0.6
DIVERSE_CANDIDATES = False  # distinct sounds rather than the scorer's top k: no measured gain
FORMATS = {".flac": ("FLAC", "PCM_16"), ".wav": ("WAV", "PCM_16")}
Progress = Callable[[str, int, int], None]

__all__ = ["Generator", "GenerateResult", "GenerateError", "PromptError", "prompt_seed",
           "candidate_seed", "read_provenance", "write_clip", "sidecar_path"]


def prompt_seed(prompt: str) -> int:
    """A stable seed from the prompt text (case and spacing insensitive)."""
    norm = " ".join(prompt.lower().split())
    return int.from_bytes(hashlib.sha256(norm.encode("utf-8")).digest()[:4], "big") & 0x7FFFFFFF


def candidate_seed(seed: int, index: int) -> int:
    """Seed of candidate `index` of a generation with `seed`; candidate 0 differs from seed."""
    h = hashlib.sha256(f"cratedig-candidate:{int(seed)}:{int(index)}".encode()).digest()
    return int.from_bytes(h[:4], "big") & 0x7FFFFFFF


@dataclass
class Candidate:
    index: int
    seed: int
    plan: Plan
    score: float
    ranked_on: str = "full"  # "full": score of its whole render; "preview": of its first seconds
    audio: np.ndarray | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        return {"index": self.index, "seed": self.seed, "score": round(float(self.score), 4),
                "ranked_on": self.ranked_on, "plan": self.plan.to_dict()}


@dataclass
class GenerateResult:
    """What `cratedig generate --json` prints: path, plan, score, seconds, candidates (+ more)."""
    path: Path | None
    prompt: str
    seed: int
    plan: Plan
    score: float
    seconds: float
    candidates: list[Candidate]
    duration: float
    sample_rate: int
    decoder_id: str
    aligner_id: str
    facts: PromptFacts
    audio: np.ndarray | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        return {"path": None if self.path is None else str(self.path), "plan": self.plan.to_dict(),
                "score": round(float(self.score), 4), "seconds": round(self.seconds, 3),
                "candidates": [c.to_json() for c in self.candidates], "prompt": self.prompt,
                "seed": self.seed, "duration": round(self.duration, 4),
                "model": {"decoder": self.decoder_id, "aligner": self.aligner_id},
                "facts": {k: v for k, v in self.facts.to_dict().items() if k != "text" and v is not None}}

    def provenance(self) -> dict:
        """Written into the file's comment tag: enough to regenerate the clip exactly."""
        return {"generator": "cratedig", "prompt": self.prompt, "seed": self.seed,
                "candidate_seed": self.candidates[0].seed if self.candidates else None,
                "decoder": self.decoder_id, "aligner": self.aligner_id,
                "score": round(float(self.score), 4), "plan": self.plan.to_dict()}


def check_duration(duration) -> float | None:
    if duration is None:
        return None
    try:
        d = float(duration)
    except (TypeError, ValueError):
        raise GenerateError(f"duration {duration!r}", "is not a number of seconds") from None
    if not (DURATION_RANGE[0] <= d <= DURATION_RANGE[1]):
        raise GenerateError(f"duration {d:g} s", f"must be between {DURATION_RANGE[0]:g} s and "
                                                 f"{DURATION_RANGE[1]:g} s (5 minutes)")
    return d


def _slug(text: str, n: int = 40) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (s[:n].rstrip("-") or "clip")


def embed_many(aligner, waves: list[np.ndarray], sr: int) -> np.ndarray:
    """Pooled file vectors float32[n, dim] of several waveforms with one batched model call
    (same windows and pooling as `Aligner.embed_audio`)."""
    from aligner.audio import to_mono_resampled
    from aligner.base import l2_normalise, window_bounds
    chunks, owner = [], []
    for i, w in enumerate(waves):
        x = to_mono_resampled(w, sr, aligner.sample_rate)
        for a, b in window_bounds(len(x), aligner.sample_rate):
            chunks.append(x[a:b])
            owner.append(i)
    vecs = np.concatenate([aligner.embed_windows(chunks[i:i + 16]) for i in range(0, len(chunks), 16)])
    owner = np.array(owner)
    return np.stack([l2_normalise(vecs[owner == i].mean(axis=0)) for i in range(len(waves))])


class Generator:
    """The aligner + decoder pair, loaded once; `generate()` per prompt."""

    def __init__(self, settings, aligner=None, decoder=None, preview_s: float | None = None,
                 pool_size: int = POOL_SIZE, temperature: float = POOL_TEMPERATURE,
                 render_budget_s: float = RENDER_BUDGET_S, diverse: bool = DIVERSE_CANDIDATES):
        from generator.decoder import check_compatible, load_decoder
        self.settings = settings
        if aligner is None:
            from aligner import load_aligner
            aligner = load_aligner(settings)
        self.aligner = aligner
        self.decoder = decoder if decoder is not None else load_decoder()
        check_compatible(self.decoder, self.aligner)
        self.soundfont = getattr(settings, "soundfont", "") or None
        self.preview_s = PREVIEW_S if preview_s is None else preview_s  # 0 = rank full renders
        self.pool_size = int(pool_size)
        self.temperature = float(temperature)
        self.render_budget_s = float(render_budget_s)
        self.diverse = bool(diverse)

    @property
    def model_id(self) -> str:
        return f"{self.decoder.id}+{self.aligner.id}"

    def plans(self, prompt: str, *, duration: float | None = None, seed: int | None = None,
              candidates: int = DEFAULT_CANDIDATES) -> tuple[PromptFacts, np.ndarray, int, list[tuple[int, Plan]]]:
        """Parse, embed and decode: (facts, text embedding, seed, [(candidate seed, plan)])."""
        facts = parse_prompt(prompt)
        duration = check_duration(duration)
        if not isinstance(candidates, int) or not 1 <= candidates <= MAX_CANDIDATES:
            raise GenerateError(f"candidates {candidates!r}", f"must be an integer 1-{MAX_CANDIDATES}")
        seed = prompt_seed(facts.text) if seed is None else int(seed)
        if not 0 <= seed < 2 ** 63:
            raise GenerateError(f"seed {seed}", "must be a non-negative integer below 2**63")
        text_emb = self.aligner.embed_text([facts.text])[0]
        logits = self.decoder.prompt_logits(self.decoder.text_to_input(text_emb), facts)
        # A pool of plans: member 0 is the decoded mode (the most likely class of every head),
        # the others are sampled below temperature 1. With a scorer, the pool is pre-screened by
        # the predicted prompt similarity of each plan's render and the best `candidates` are
        # kept; without one, the pool is the candidates.
        scorer = getattr(self.decoder, "scorer", None)
        n_pool = max(candidates, self.pool_size) if scorer is not None else candidates
        pool = []
        for i in range(n_pool):
            cs = candidate_seed(seed, i)
            rng = np.random.default_rng([cs, 0xDEC0DE])
            pool.append((cs, self.decoder.draw(logits, rng, facts, duration,
                                               0.0 if i == 0 else self.temperature)))
        if n_pool > candidates:
            predicted = scorer.score([p.to_dict() for _, p in pool], text_emb)
            order = sorted(range(n_pool), key=lambda i: (-predicted[i], i))
            pool = [pool[i] for i in self._pick(order, [p for _, p in pool], candidates)]
        return facts, text_emb, seed, pool

    def _pick(self, order: list[int], plans: list[Plan], k: int) -> list[int]:
        """The `k` best of `order`; with `diverse`, plans that repeat an already chosen plan's
        sound (kind, style, one-shot kind, instruments, drums) wait until no new one is left:
        the scorer errs per sound, so distinct sounds hedge its mistakes."""
        if not self.diverse:
            return order[:k]
        chosen, later, seen = [], [], set()
        for i in order:
            p = plans[i]
            sig = (p.kind, p.style, p.oneshot, p.instruments, p.drums)
            (later if sig in seen else chosen).append(i)
            seen.add(sig)
            if len(chosen) == k:
                break
        return (chosen + later)[:k]

    def generate(self, prompt: str, *, duration: float | None = None, seed: int | None = None,
                 candidates: int = DEFAULT_CANDIDATES, out: Path | str | None = None,
                 write: bool = True, progress: Progress | None = None) -> GenerateResult:
        """Generate `candidates` clips, keep the one the aligner finds closest to the prompt,
        write it (FLAC or WAV by `out`'s extension; default a FLAC in settings.generated_dir)."""
        t0 = time.perf_counter()
        facts, text_emb, seed, plans = self.plans(prompt, duration=duration, seed=seed,
                                                  candidates=candidates)
        path = self._out_path(out, facts.text, seed) if write else None
        audios, scores, is_full = self._rank(plans, text_emb, progress)
        cands = [Candidate(i, cs, plan, float(scores[i]), ranked_on="full" if is_full[i] else "preview")
                 for i, (cs, plan) in enumerate(plans)]
        # full renders first (the winner is one of them), each group by score
        ranked = sorted(cands, key=lambda c: (c.ranked_on != "full", -c.score, c.index))
        best = ranked[0]
        audio, sr = audios[best.index]
        final_score = best.score  # the written clip's own similarity to the prompt
        result = GenerateResult(path=path, prompt=facts.text, seed=seed, plan=best.plan,
                                score=final_score, seconds=0.0, candidates=ranked,
                                duration=len(audio) / sr, sample_rate=sr, decoder_id=self.decoder.id,
                                aligner_id=self.aligner.id, facts=facts, audio=audio)
        if path is not None:
            write_clip(path, audio, sr, result)
        result.seconds = time.perf_counter() - t0
        return result

    def _rank(self, plans: list[tuple[int, Plan]], text_emb: np.ndarray, progress: Progress | None
              ) -> tuple[list[tuple[np.ndarray, int] | None], np.ndarray, list[bool]]:
        """Render and score candidates within the render budget: (full render per candidate or
        None, score per candidate, whether that score is of the full render). When the candidates
        fit the budget they are all rendered in full; otherwise all are previewed (the first
        PREVIEW_S seconds of the same plan and seed) and the best previews that fit what is left
        are rendered in full. The winner is always chosen among full renders, scored on the
        same windows and pooling the indexer uses: a preview can rank a candidate differently
        from its whole clip."""
        from generator.engine import make_audio
        n = len(plans)
        full: list[tuple[np.ndarray, int] | None] = [None] * n
        scores = np.zeros(n)
        durations = [p.duration_s for _, p in plans]
        if n == 1 or not self.preview_s or sum(durations) <= self.render_budget_s or \
                max(durations) <= self.preview_s * PREVIEW_MIN_RATIO:
            finalists = list(range(n))
        else:
            previews = []
            for k, (cs, plan) in enumerate(plans, 1):
                previews.append(make_audio(self._preview_plan(plan, n), cs, self.soundfont)[0])
                if progress:
                    progress("rendering previews", k, n)
            scores = embed_many(self.aligner, previews, 44100) @ text_emb
            left = self.render_budget_s - sum(min(d, self.preview_s) for d in durations)
            order = sorted(range(n), key=lambda i: (-scores[i], i))
            finalists, spent = order[:1], durations[order[0]]
            for i in order[1:]:
                if spent + durations[i] > left:
                    break
                finalists.append(i)
                spent += durations[i]
        for k, i in enumerate(finalists, 1):
            cs, plan = plans[i]
            full[i] = make_audio(plan, cs, self.soundfont)
            if progress:
                progress("rendering candidates", k, len(finalists))
        sr = full[finalists[0]][1]
        vecs = embed_many(self.aligner, [full[i][0] for i in finalists], sr)
        scores[finalists] = vecs @ text_emb
        return full, scores, [f is not None for f in full]

    def _preview_plan(self, plan: Plan, n_candidates: int) -> Plan:
        if n_candidates < 2 or not self.preview_s or plan.duration_s <= self.preview_s * PREVIEW_MIN_RATIO:
            return plan
        return plan.replace(duration_s=float(self.preview_s))

    def _out_path(self, out, prompt: str, seed: int) -> Path:
        if out is None:
            self.settings.generated_dir.mkdir(parents=True, exist_ok=True)
            return self.settings.generated_dir / f"{_slug(prompt)}-{seed}.flac"
        path = Path(out).expanduser()
        if path.suffix.lower() not in FORMATS:
            raise GenerateError(f"output {path}", f"unsupported extension {path.suffix or '(none)'!r}; "
                                                  f"use {' or '.join(FORMATS)}")
        if path.is_dir():
            raise GenerateError(f"output {path}", "is a directory; give a file name")
        if not path.parent.is_dir():
            raise GenerateError(f"output {path}", f"folder {path.parent} does not exist")
        return path.resolve()


# libsndfile keeps at most ~2 KB per string in a WAV INFO chunk (FLAC has no such limit): a
# longer provenance goes to a JSON sidecar `<file>.json` and the tag says where it is.
WAV_COMMENT_LIMIT = 2000


def sidecar_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".json")


def write_clip(path: Path, audio: np.ndarray, sr: int, result: GenerateResult) -> None:
    """Write FLAC/WAV atomically with the provenance in its tags: title = prompt, comment = JSON
    (prompt, seed, plan, model ids), software = model ids."""
    import soundfile as sf
    path = Path(path)
    fmt, subtype = FORMATS[path.suffix.lower()]
    prov = result.provenance()
    comment = json.dumps(prov, separators=(",", ":"))
    side = sidecar_path(path)
    if fmt == "WAV" and len(comment.encode("utf-8")) > WAV_COMMENT_LIMIT:
        side.write_text(json.dumps(prov, indent=1) + "\n", encoding="utf-8")
        comment = json.dumps({"generator": "cratedig", "sidecar": side.name, "seed": result.seed,
                              "decoder": result.decoder_id, "aligner": result.aligner_id},
                             separators=(",", ":"))
    else:
        side.unlink(missing_ok=True)  # a stale sidecar of an earlier clip at this path
    tmp = path.with_name(f".{path.name}.part")
    try:
        with sf.SoundFile(str(tmp), "w", samplerate=sr, channels=audio.shape[1], format=fmt,
                          subtype=subtype) as fh:
            fh.title = result.prompt[:200]
            fh.artist = "cratedig generator"
            fh.software = f"cratedig {result.decoder_id} {result.aligner_id}"
            fh.comment = comment
            for i in range(0, len(audio), 1 << 16):  # blocks: long single writes misbehave here
                fh.write(audio[i:i + (1 << 16)])
        tmp.replace(path)
    except (OSError, RuntimeError) as e:  # soundfile raises RuntimeError/LibsndfileError
        tmp.unlink(missing_ok=True)
        raise GenerateError(f"output {path}", f"cannot write: {e}") from e


def read_provenance(path: Path) -> dict | None:
    """The provenance of a generated clip (from its comment tag or sidecar), or None."""
    import soundfile as sf
    try:
        with sf.SoundFile(str(path)) as fh:
            comment = fh.comment
    except (OSError, RuntimeError):
        return None
    try:
        d = json.loads(comment) if comment else None
        if isinstance(d, dict) and d.get("sidecar"):
            d = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return d if isinstance(d, dict) and d.get("generator") == "cratedig" else None
