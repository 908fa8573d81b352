"""Training of the builtin aligner on any captioned folder (`cratedig aligner train DIR`).

Step 1 caches features (`aligner.dataset`): decoded 16 kHz log-mel + chroma per clip, and the
frozen MiniLM embedding of every caption. Step 2 trains on the cached arrays only: feature-domain
augmentation (`aligner.augment`), one randomly chosen caption per clip and step (sometimes a
family caption, `aligner.family_captions`), symmetric
InfoNCE with a learnable temperature where batch items with the same caption (or the same
one-shot label set) are all positives. A checkpoint (with optimizer state) after every epoch;
`resume=True` continues from it. The time budget (`minutes`) also drives the learning-rate
schedule so that a budgeted run always ends annealed. The export holds what inference needs.
"""
from __future__ import annotations

import math
import pickle
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from aligner.base import AlignerError
from aligner.dataset import (CACHE_DIRNAME, Clip, FeatureCache, TextCache, positive_key,
                             read_dataset)
from aligner.family_captions import all_family_captions, families_of, family_caption
from aligner.features import FRAMES_PER_S
from aligner.text_facts import text_facts

CHECKPOINT_NAME = "train-checkpoint.pt"
VAL_FRAMES = int(10.0 * FRAMES_PER_S) + 1  # validation: a clip's first 10 s window


@dataclass
class TrainOptions:
    epochs: int = 40
    minutes: float | None = None
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 60
    crop_s: tuple[float, float] = (3.0, 6.0)
    seed: int = 0
    workers: int = 0
    val_pool: int = 500
    captions_per_clip: int = 0  # use only the first N captions of each clip (0 = all): the
    # frozen MiniLM pass over every caption costs about as much CPU as the training itself
    family_caption_p: float = 0.1  # share of steps a clip is captioned by its families
    # (aligner.family_captions), when its plan lists them
    follow: bool = False  # re-read the folder before every epoch (a corpus still being built)
    init: str | None = None  # warm start: a builtin weights file (both towers and temperature)
    extra: tuple = ()  # more captioned folders whose *train* split is trained on too
    config: dict = field(default_factory=dict)


@dataclass
class TrainSummary:
    out: Path
    epochs: int
    steps: int
    seconds: float
    cache_seconds: float
    train_clips: int
    val: dict
    miss_threshold: float | None


Progress = Callable[[str], None]


def _log(progress: Progress | None, msg: str) -> None:
    if progress:
        progress(msg)


def _bar(label: str, progress: Progress | None):
    last = [-1e9]

    def cb(done, total, elapsed):
        if progress and (done == total or elapsed - last[0] >= 5.0):
            last[0] = elapsed
            rate = done / max(elapsed, 1e-9)
            eta = (total - done) / max(rate, 1e-9)
            progress(f"{label}: {done}/{total} ({rate:.1f}/s, ETA {eta:.0f}s)")
    return cb


# One-shot kinds whose captions state no pitch (the corpus plan's `oneshot` field); a user's
# dataset without plans gets no retuning.
_UNPITCHED = {"kick", "snare", "clap", "hat_closed", "hat_open", "cymbal", "tom", "percussion",
              "riser", "impact"}


def unpitched(plan: dict) -> bool:
    shot = str(plan.get("oneshot") or "")
    return shot in _UNPITCHED or shot.startswith("sfx:")


def read_with_extra(root: Path, extra=()) -> list[Clip]:
    """Clips of `root` plus the train split of each `extra` folder; an extra clip's file is its
    absolute path, so it cannot collide with a file of `root` (the caches key on it)."""
    clips = read_dataset(root)
    for other in extra:
        other = Path(other).resolve()
        if other == Path(root).resolve():
            continue
        for c in read_dataset(other):
            if c.split == "train":
                c.file = str(other / c.file)
                clips.append(c)
    return clips


def prepare(root: Path, cache_dir: Path | None, workers: int, progress: Progress | None,
            captions_per_clip: int = 0, family_captions: bool = True, extra=()):
    """Step 1: -> (clips usable, FeatureCache, TextCache). Decode failures are reported, skipped."""
    clips = read_with_extra(root, extra)
    if captions_per_clip > 0:
        for c in clips:
            c.captions = c.captions[:captions_per_clip]
    cache = FeatureCache(root, cache_dir)
    failures = cache.build(clips, workers=workers, progress=_bar("features", progress))
    for f, reason in sorted(failures.items()):
        _log(progress, f"warning: skipped {f}: {reason}")
    clips = [c for c in clips if c.file not in failures]
    texts = TextCache(cache.dir)
    extra = (all_family_captions() if family_captions and any(families_of(c.plan) for c in clips)
             else [])
    texts.build([t for c in clips if c.split in ("train", "val") for t in c.captions] + extra,
                progress=_bar("caption embeddings", progress))
    return clips, cache, texts


def positives(captions: list[str], keys: list[str | None]):
    """bool tensor [B, B]: i and j are positives when their captions are identical or their
    one-shot label keys match."""
    import torch
    b = len(captions)
    pos = np.eye(b, dtype=bool)
    for i in range(b):
        for j in range(i + 1, b):
            if captions[i] == captions[j] or (keys[i] is not None and keys[i] == keys[j]):
                pos[i, j] = pos[j, i] = True
    return torch.from_numpy(pos)


def contrastive_loss(audio, text, logit_scale, pos):
    """Symmetric multi-positive InfoNCE. audio, text float[B, d] normalised; pos bool[B, B]."""
    import torch.nn.functional as F
    logits = logit_scale.exp().clamp(max=100.0) * audio @ text.T
    target = pos.float() / pos.float().sum(1, keepdim=True)
    a2t = -(target * F.log_softmax(logits, 1)).sum(1).mean()
    t2a = -(target * F.log_softmax(logits.T, 1)).sum(1).mean()
    return (a2t + t2a) / 2


def recall_at(sim: np.ndarray, relevant: np.ndarray, ks=(1, 5, 10)) -> dict:
    """sim float[q, n] (higher = better), relevant bool[q, n] -> {"R@k": fraction of queries
    with a relevant item in the top k, "mAP@10": mean average precision at 10}."""
    order = np.argsort(-sim, axis=1, kind="stable")[:, :max(max(ks), 10)]
    hits = np.take_along_axis(relevant, order, axis=1)
    out = {f"R@{k}": float(hits[:, :k].any(1).mean()) for k in ks}
    top = hits[:, :10]
    prec = np.cumsum(top, axis=1) / np.arange(1, top.shape[1] + 1)
    denom = np.minimum(relevant.sum(1), 10).clip(min=1)
    out["mAP@10"] = float(((prec * top).sum(1) / denom).mean())
    return out


class Trainer:
    def __init__(self, root, out, cache_dir=None, opts: TrainOptions | None = None,
                 progress: Progress | None = None):
        self.root = Path(root)
        self.out = Path(out)
        self.opts = opts or TrainOptions()
        self.progress = progress
        self.cache_dir = Path(cache_dir) if cache_dir else self.root / CACHE_DIRNAME

    def run(self, resume: bool = False) -> TrainSummary:
        import torch

        t_start = time.monotonic()
        o = self.opts
        torch.manual_seed(o.seed)
        model = self._initial_model()  # before the caches: a bad --init fails at once
        clips, cache, texts = prepare(self.root, self.cache_dir, o.workers, self.progress,
                                      o.captions_per_clip, extra=o.extra)
        cache_s = time.monotonic() - t_start
        train = [c for c in clips if c.split == "train"]
        val = [c for c in clips if c.split == "val"]
        if not train:
            raise AlignerError(str(self.root), "no clips with split 'train'")
        feats = {c.file: cache.load(c.file) for c in train + val}
        _log(self.progress, f"training on {len(train)} clips, validating on {len(val)}; "
             f"cache ready in {cache_s:.0f}s")
        decay, no_decay = [], []
        for name, p in model.named_parameters():
            (no_decay if p.dim() < 2 or name == "logit_scale" else decay).append(p)
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": o.weight_decay},
                                 {"params": no_decay, "weight_decay": 0.0}], lr=o.lr)
        steps_per_epoch = max(1, len(train) // o.batch_size)
        state = {"epoch": 0, "step": 0, "elapsed": 0.0, "history": []}
        ckpt_path = self.cache_dir / CHECKPOINT_NAME
        if resume:
            if not ckpt_path.is_file():
                raise AlignerError(str(ckpt_path), "no checkpoint to resume from")
            ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["optimizer"])
            state = ck["state"]
            _log(self.progress, f"resumed at epoch {state['epoch']}, step {state['step']}")
        rng = np.random.default_rng([o.seed, state["epoch"]])
        budget_s = o.minutes * 60.0 if o.minutes else None
        total_steps = o.epochs * steps_per_epoch
        t0 = time.monotonic() - state["elapsed"]

        def frac():
            f = state["step"] / total_steps
            if budget_s:
                f = max(f, (time.monotonic() - t0) / budget_s)
            return min(f, 1.0)

        def lr_at():
            if state["step"] < o.warmup_steps:
                return o.lr * (state["step"] + 1) / o.warmup_steps
            return o.lr * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * frac())))

        model.train()
        done = False
        threshold = None
        while state["epoch"] < o.epochs and not done:
            if o.follow and state["epoch"] > 0:
                clips, cache, texts = prepare(self.root, self.cache_dir, o.workers, self.progress,
                                              o.captions_per_clip, extra=o.extra)
                train = [c for c in clips if c.split == "train"]
                val = [c for c in clips if c.split == "val"]
                for c in train + val:
                    if c.file not in feats:
                        feats[c.file] = cache.load(c.file)
                steps_per_epoch = max(1, len(train) // o.batch_size)
                total_steps = max(total_steps, o.epochs * steps_per_epoch)
                _log(self.progress, f"epoch {state['epoch'] + 1}: {len(train)} training clips")
            perm = rng.permutation(len(train))
            t_ep, seen, loss_sum = time.monotonic(), 0, 0.0
            for b in range(steps_per_epoch):
                idx = perm[b * o.batch_size:(b + 1) * o.batch_size]
                x, valid, caps, keys = self._batch([train[i] for i in idx], feats, train, rng)
                sent = torch.from_numpy(texts.get(caps))
                facts = torch.from_numpy(text_facts(caps))
                for g in opt.param_groups:
                    g["lr"] = lr_at()
                a = model.audio(x, valid)
                t = model.text(sent, facts)
                loss = contrastive_loss(a, t, model.logit_scale, positives(caps, keys))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                opt.step()
                state["step"] += 1
                seen += len(idx)
                loss_sum += float(loss.detach())
                if state["step"] % 10 == 0 or b == steps_per_epoch - 1:
                    el = time.monotonic() - t0
                    rate = seen / max(time.monotonic() - t_ep, 1e-9)
                    left = (total_steps - state["step"]) * o.batch_size / max(rate, 1e-9)
                    if budget_s:
                        left = min(left, budget_s - el)
                    _log(self.progress, f"epoch {state['epoch'] + 1} step {state['step']} "
                         f"loss {loss_sum / (b + 1):.3f} lr {lr_at():.2e} "
                         f"T {1 / model.logit_scale.exp().item():.3f} {rate:.0f} samples/s "
                         f"ETA {max(left, 0) / 60:.1f} min")
                if budget_s and time.monotonic() - t0 >= budget_s:
                    done = True
                    break
            state["epoch"] += 1
            state["elapsed"] = time.monotonic() - t0
            metrics, threshold = self.validate(model, val, feats, texts) if val else ({}, None)
            state["history"].append({"epoch": state["epoch"], "step": state["step"],
                                     "loss": loss_sum / max(1, b + 1), **metrics})
            if metrics:
                _log(self.progress, f"epoch {state['epoch']} validation: "
                     f"R@1 {metrics['R@1']:.3f} R@10 {metrics['R@10']:.3f}")
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "state": state, "options": asdict(o)}, ckpt_path)
            # every epoch ends with a usable weights file: a run cut short still leaves a model
            model.eval()
            meta = {"train_clips": len(train), "val_clips": len(val), "epochs": state["epoch"],
                    "steps": state["step"], "train_seconds": round(state["elapsed"], 1),
                    "options": {k: v for k, v in asdict(o).items() if k != "workers"},
                    "history": state["history"], "dataset": str(self.root.name),
                    "extra_datasets": [Path(p).name for p in o.extra],
                    "init": Path(o.init).name if o.init else None}
            export_weights(model, self.out, threshold, meta)
            _log(self.progress, f"exported {self.out}")
            model.train()
        model.eval()
        return TrainSummary(out=self.out, epochs=state["epoch"], steps=state["step"],
                            seconds=time.monotonic() - t_start, cache_seconds=cache_s,
                            train_clips=len(train),
                            val=state["history"][-1] if state["history"] else {},
                            miss_threshold=threshold)

    def _initial_model(self):
        """A fresh JointModel, or with --init the weights file's towers and temperature
        (its config wins: a warm start must have the shapes it was saved with)."""
        import torch

        from aligner.model import JointModel
        if not self.opts.init:
            return JointModel(self.opts.config)
        try:
            blob = torch.load(self.opts.init, map_location="cpu", weights_only=True)
            model = JointModel(dict(blob["config"]))
            model.audio.load_state_dict(blob["audio"])
            model.text.load_state_dict(blob["text"])
        except (OSError, KeyError, TypeError, RuntimeError, ValueError, pickle.UnpicklingError) as e:
            raise AlignerError(str(self.opts.init), f"not a builtin weights file to start from: {e}") from e
        with torch.no_grad():
            model.logit_scale.fill_(float(blob["logit_scale"]))
        _log(self.progress, f"warm start from {self.opts.init}")
        return model

    def _batch(self, items: list[Clip], feats: dict, pool: list[Clip], rng):
        from aligner.augment import augment, crop_frames
        from aligner.features import pad_features
        max_frames = crop_frames(rng, *self.opts.crop_s)
        xs, caps, keys = [], [], []
        for c in items:
            one_shot = c.plan.get("kind") == "one-shot"
            other = None
            if not one_shot:
                other = feats[pool[int(rng.integers(len(pool)))].file]
            xs.append(augment(feats[c.file], rng, one_shot=one_shot, max_frames=max_frames,
                              other=other, unpitched=one_shot and unpitched(c.plan)))
            cap = None
            if rng.random() < self.opts.family_caption_p:
                cap = family_caption(c.plan, rng)
            caps.append(cap or c.captions[int(rng.integers(len(c.captions)))])
            keys.append(positive_key(c))
        x, valid = pad_features(xs)
        return x, valid, caps, keys

    def _embed_val(self, model, val: list[Clip], feats: dict, texts: TextCache):
        import torch

        from aligner.features import pad_features
        val = val[:self.opts.val_pool]
        model.eval()
        audio = []
        with torch.inference_mode():
            order = sorted(range(len(val)), key=lambda i: feats[val[i].file].shape[1])
            out = np.zeros((len(val), model.cfg["dim"]), dtype=np.float32)
            for i in range(0, len(order), 64):
                idx = order[i:i + 64]
                x, valid = pad_features([feats[val[j].file][:, :VAL_FRAMES].astype(np.float32)
                                         for j in idx])
                out[idx] = model.audio(x, valid).numpy()
            audio = out
            caps = [c.captions[0] for c in val]
            text = model.text(torch.from_numpy(texts.get(caps)),
                              torch.from_numpy(text_facts(caps))).numpy()
        return audio, text, caps

    def validate(self, model, val, feats, texts) -> tuple[dict, float]:
        """-> (R@k on the val pool with its first training caption, calibrated miss threshold)"""
        from aligner.calibration import choose_threshold, matched_unmatched
        audio, text, caps = self._embed_val(model, val, feats, texts)
        q = np.array(caps)
        rel = q[:, None] == q[None, :]
        sim = text @ audio.T
        metrics = {k: round(v, 4) for k, v in recall_at(sim, rel).items()}
        return metrics, choose_threshold(*matched_unmatched(sim, rel))


def export_weights(model, out: Path, miss_threshold: float | None, meta: dict) -> Path:
    """Write the inference weights file (float32 state dicts + config + calibration)."""
    import os

    import torch

    from aligner.builtin import WEIGHTS_FORMAT
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    blob = {"format": WEIGHTS_FORMAT, "config": dict(model.cfg),
            "audio": {k: v.detach().clone() for k, v in model.audio.state_dict().items()},
            "text": {k: v.detach().clone() for k, v in model.text.state_dict().items()},
            "logit_scale": float(model.logit_scale.detach()),
            "miss_threshold": None if miss_threshold is None else float(miss_threshold),
            "meta": meta}
    tmp = out.with_name(out.name + ".tmp")
    torch.save(blob, tmp)
    os.replace(tmp, out)
    return out
