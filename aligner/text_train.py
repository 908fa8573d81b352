"""Text-only retraining of the builtin aligner (`cratedig aligner train DIR --text-only --init W`).

The audio tower of the weights `init` stays exactly as it is (every catalogue vector indexed with
it stays valid, and so does everything trained on its audio embeddings); only the text head and
the temperature are trained. Because the audio side is frozen, each training clip's audio is
embedded once (its pooled file vector, windows as at indexing, `AudioBank`), and training is just
the text head over cached MiniLM sentence vectors: hundreds of epochs cost minutes. That buys:

- many more wordings per clip (`aligner.text_augment`: fresh captions from the corpus caption
  writer's training vocabularies, attribute phrases dropped and shuffled, captions wrapped as
  typed searches), embedded once by the fp32 MiniLM into the same caption cache as full
  training, plus Gaussian noise on the sentence vectors (a neighbouring wording);
- positives = every clip a caption is true of (same caption string, same one-shot label set);
  text->audio over the batch or (`bank`) over the whole training catalogue; audio->text over
  the batch;
- fact-vector dropout (a stated tempo/key must also be heard in the words) and a wider/deeper
  head when asked. Defaults are the recipe that measured best (aligner/MODEL_CARD.md).
Checkpoint per epoch (`--resume`), weights export per epoch, as the full trainer.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from aligner.base import AlignerError, l2_normalise, window_bounds
from aligner.dataset import CACHE_DIRNAME, Clip, TextCache, positive_key
from aligner.family_captions import family_caption, family_caption_sets, families_of
from aligner.features import FRAMES_PER_S
from aligner.text_augment import CaptionWriter, fresh_captions, phrase_variants, query_variant
from aligner.text_facts import text_facts
from aligner.train import Progress, _bar, _log, export_weights, prepare, recall_at



def checkpoint_path(cache_dir: Path, out: Path) -> Path:
    """Per output file, so text-only variants can train side by side on one cache."""
    return Path(cache_dir) / f"text-train-{Path(out).stem}.ckpt"


@dataclass
class TextTrainOptions:
    init: str = ""  # builtin weights file whose audio tower is kept (and head, if it fits)
    epochs: int = 30
    minutes: float | None = None
    batch_size: int = 512
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 50
    seed: int = 0
    extra_captions: int = 8  # fresh caption-writer captions per training clip
    phrase_variants: int = 2  # dropped/shuffled attribute-phrase variants per training clip
    query_variants: int = 2  # captions wrapped as typed searches per training clip
    sent_noise: float = 0.3  # Gaussian noise (relative to the unit sentence vector) in training
    # family captions are true of every clip holding the families, and scoring them so made
    # them hubs (audio->text and tempo zero-shot fell, session 3): off by default
    family_caption_p: float = 0.0
    fact_dropout: float = 0.1  # share of captions trained without their stated-facts vector
    a2t_weight: float = 0.5  # weight of the in-batch audio->text term
    bank: bool = False  # text->audio over the whole training catalogue (True) or the batch:
    # the catalogue-wide softmax cost 3x the time and measured no better (session 3)
    # weight of the variance, over the batch, of each text's similarity to the mean audio
    # vector: text->audio InfoNCE is blind to it (it shifts a text's logits equally), but
    # across texts it is a per-text bias that turns some texts into hubs for audio queries
    bias_penalty: float = 0.0
    text_hidden: int | None = None  # None: keep the init head's width
    text_layers: int | None = None  # None: keep the init head's depth
    dropout: float | None = None
    fresh_head: bool = False  # start the head from random weights even if init's fits
    val_pool: int = 500
    workers: int = 0


def audio_state_hash(state: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(state):
        h.update(k.encode())
        h.update(state[k].detach().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


class AudioBank:
    """Pooled file vectors of clips under a frozen audio tower, from the feature cache: the
    cached features cut into the indexer's 10 s / 5 s-hop windows (in frames), each window
    embedded, the clip vector the normalised mean. Saved per audio tower in the cache folder,
    in chunks, so an interrupted build resumes."""

    def __init__(self, cache_dir: Path, weights: Path, audio_hash: str):
        self.path = Path(cache_dir) / f"audio-bank-{audio_hash}.npz"
        self.weights = Path(weights)
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            data = np.load(self.path, allow_pickle=False)
            self.vectors = dict(zip(data["files"].tolist(), data["vectors"]))

    def _save(self):
        import os
        files = sorted(self.vectors)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, files=np.array(files), vectors=np.stack([self.vectors[f] for f in files]))
        os.replace(tmp, self.path)

    def build(self, clips: list[Clip], cache, progress=None, chunk: int = 500) -> None:
        todo = [c.file for c in clips if c.file not in self.vectors]
        if not todo:
            return
        from aligner.builtin import BuiltinAligner
        al = BuiltinAligner(self.weights)
        t0 = time.monotonic()
        for i in range(0, len(todo), chunk):
            files = todo[i:i + chunk]
            wins, owners = [], []
            for n, f in enumerate(files):
                x = cache.load(f)
                for a, b in _frame_windows(x.shape[1]):
                    wins.append(x[:, a:b].astype(np.float32))
                    owners.append(n)
            vecs = al.embed_features(wins)
            owners = np.array(owners)
            for n, f in enumerate(files):
                self.vectors[f] = l2_normalise(vecs[owners == n].mean(0))
            self._save()
            if progress:
                progress(min(i + chunk, len(todo)), len(todo), time.monotonic() - t0)

    def get(self, files: list[str]) -> np.ndarray:
        return np.stack([self.vectors[f] for f in files]).astype(np.float32)


def _frame_windows(frames: int) -> list[tuple[int, int]]:
    """The indexer's 10 s / 5 s-hop windows (`aligner.base.window_bounds`) in feature frames."""
    return window_bounds(frames, 1, window_s=10.0 * FRAMES_PER_S, hop_s=5.0 * FRAMES_PER_S)


class FamilyHolders:
    """caption id -> indices of the clips holding every family the family caption names
    (computed once per family set: a few hundred sets, not one per caption)."""

    def __init__(self, clips: list[Clip], sets: dict[int, frozenset]):
        names = sorted({f for s in sets.values() for f in s})
        col = {f: j for j, f in enumerate(names)}
        self.has = np.zeros((len(clips), len(names)), dtype=bool)
        for i, c in enumerate(clips):
            for f in families_of(c.plan):
                if f in col:
                    self.has[i, col[f]] = True
        self.col, self.sets, self.memo = col, sets, {}

    def __bool__(self) -> bool:
        return bool(self.sets)

    def clips(self, cap: int) -> np.ndarray:
        s = self.sets[cap]
        if s not in self.memo:
            self.memo[s] = np.flatnonzero(self.has[:, [self.col[f] for f in s]].all(1))
        return self.memo[s]


def _clip_seed(seed: int, file: str) -> list[int]:
    return [seed, int(hashlib.sha1(file.encode("utf-8")).hexdigest()[:8], 16)]


def caption_pools(train: list[Clip], o: TextTrainOptions,
                  writer: CaptionWriter | None = None) -> list[list[str]]:
    """Per training clip: its own captions + fresh captions (from `writer`) + phrase variants +
    search-wrapped captions (deterministic for the seed)."""
    pools = []
    for c in train:
        rng = np.random.default_rng(_clip_seed(o.seed, c.file))
        fresh = fresh_captions(c.plan, o.extra_captions, rng, c.captions, writer)
        var = phrase_variants(c.captions + fresh, o.phrase_variants, rng)
        base = c.captions + fresh
        wrapped = [query_variant(base[int(rng.integers(len(base)))], rng)
                   for _ in range(o.query_variants)]
        pools.append(list(dict.fromkeys(base + var + wrapped)))
    return pools


class TextTrainer:
    def __init__(self, root, out, cache_dir=None, opts: TextTrainOptions | None = None,
                 progress: Progress | None = None, caption_writer: CaptionWriter | None = None):
        self.caption_writer = caption_writer  # None: no fresh captions (extra_captions unused)
        self.root = Path(root)
        self.out = Path(out)
        self.opts = opts or TextTrainOptions()
        self.progress = progress
        self.cache_dir = Path(cache_dir) if cache_dir else self.root / CACHE_DIRNAME

    # ---- step 1: caches ------------------------------------------------------------------
    def prepare(self):
        import torch

        from aligner.builtin import read_weights
        o = self.opts
        if not o.init or not Path(o.init).is_file():
            raise AlignerError(str(o.init), "text-only training needs --init WEIGHTS (a builtin "
                               "weights file whose audio tower is kept)")
        blob = read_weights(Path(o.init))
        clips, cache, texts = prepare(self.root, self.cache_dir, o.workers, self.progress,
                                      family_captions=o.family_caption_p > 0)
        train = [c for c in clips if c.split == "train"]
        val = [c for c in clips if c.split == "val"][:o.val_pool]
        if not train:
            raise AlignerError(str(self.root), "no clips with split 'train'")
        pools = caption_pools(train, o, self.caption_writer)
        fams = (family_caption_sets() if o.family_caption_p > 0
                and any(families_of(c.plan) for c in train) else {})
        texts.build([t for p in pools for t in p] + list(fams),
                    progress=_bar("extra caption embeddings", self.progress))
        bank = AudioBank(self.cache_dir, Path(o.init), audio_state_hash(blob["audio"]))
        bank.build(train + val, cache, progress=_bar("audio bank", self.progress))
        return blob, train, val, pools, fams, texts, bank

    # ---- step 2: training ----------------------------------------------------------------
    def _model(self, blob):
        import torch

        from aligner.model import JointModel
        o = self.opts
        cfg = dict(blob["config"])
        for k, v in (("text_hidden", o.text_hidden), ("text_layers", o.text_layers),
                     ("dropout", o.dropout)):
            if v is not None:
                cfg[k] = v
        model = JointModel(cfg)
        model.audio.load_state_dict(blob["audio"])
        model.audio.eval()
        for p in model.audio.parameters():
            p.requires_grad_(False)
        fits = not o.fresh_head
        if fits:
            try:
                model.text.load_state_dict(blob["text"])
            except RuntimeError:
                fits = False
        with torch.no_grad():
            model.logit_scale.fill_(float(blob["logit_scale"]))
        return model, fits

    def run(self, resume: bool = False):
        import torch
        import torch.nn.functional as F
        o = self.opts
        t_start = time.monotonic()
        blob, train, val, pools, fams, texts, bank = self.prepare()
        cache_s = time.monotonic() - t_start
        torch.manual_seed(o.seed)
        model, warm = self._model(blob)
        _log(self.progress, f"text-only training on {len(train)} clips "
             f"({sum(map(len, pools))} captions), validating on {len(val)}; head "
             f"{'from ' + str(o.init) if warm else 'fresh'}; caches ready in {cache_s:.0f}s")

        # caption table: every caption once; sentence vectors and stated facts precomputed
        table = list(dict.fromkeys([t for p in pools for t in p] + list(fams)))
        cap_id = {t: i for i, t in enumerate(table)}
        sent = torch.from_numpy(texts.get(table))
        facts = torch.from_numpy(text_facts(table))
        pool_ids = [np.array([cap_id[t] for t in p]) for p in pools]
        # which clips each caption is true of: its own clips (identical strings), clips sharing
        # a one-shot label set, and for family captions every clip holding the named families
        n = len(train)
        holders: dict[int, list[int]] = {}
        for i, ids in enumerate(pool_ids):
            for k in ids:
                holders.setdefault(int(k), []).append(i)
        key_groups: dict[str, list[int]] = {}
        for i, c in enumerate(train):
            k = positive_key(c)
            if k is not None:
                key_groups.setdefault(k, []).append(i)
        fam_holders = FamilyHolders(train, {cap_id[t]: s for t, s in fams.items()})
        audio = torch.from_numpy(bank.get([c.file for c in train]))
        val_audio = bank.get([c.file for c in val]) if val else None
        audio_mean = audio.mean(0)

        params = [p for p in model.text.parameters()]
        decay = [p for p in params if p.dim() >= 2]
        no_decay = [p for p in params if p.dim() < 2] + [model.logit_scale]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": o.weight_decay},
                                 {"params": no_decay, "weight_decay": 0.0}], lr=o.lr)
        steps_per_epoch = max(1, n // o.batch_size)
        total_steps = o.epochs * steps_per_epoch
        state = {"epoch": 0, "step": 0, "elapsed": 0.0, "history": []}
        ckpt_path = checkpoint_path(self.cache_dir, self.out)
        if resume:
            if not ckpt_path.is_file():
                raise AlignerError(str(ckpt_path), "no text-only checkpoint to resume from")
            ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
            model.text.load_state_dict(ck["text"])
            with torch.no_grad():
                model.logit_scale.fill_(float(ck["logit_scale"]))
            opt.load_state_dict(ck["optimizer"])
            state = ck["state"]
            _log(self.progress, f"resumed at epoch {state['epoch']}, step {state['step']}")
        budget_s = o.minutes * 60.0 if o.minutes else None
        t0 = time.monotonic() - state["elapsed"]

        def lr_at():
            if state["step"] < o.warmup_steps:
                return o.lr * (state["step"] + 1) / o.warmup_steps
            f = state["step"] / total_steps
            if budget_s:
                f = max(f, (time.monotonic() - t0) / budget_s)
            return o.lr * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * min(f, 1.0))))

        threshold = None
        done = False
        model.text.train()
        while state["epoch"] < o.epochs and not done:
            rng = np.random.default_rng([o.seed, state["epoch"]])
            gen = torch.Generator().manual_seed(o.seed * 1000 + state["epoch"])
            perm = rng.permutation(n)
            loss_sum, t_ep = 0.0, time.monotonic()
            for b in range(steps_per_epoch):
                idx = perm[b * o.batch_size:(b + 1) * o.batch_size]
                caps, target = self._sample(idx, train, pool_ids, cap_id, holders, key_groups,
                                            fam_holders, n, rng)
                f = facts[caps].clone()
                f[torch.from_numpy(rng.random(len(idx)) < o.fact_dropout)] = 0.0
                for g in opt.param_groups:
                    g["lr"] = lr_at()
                x = sent[caps]
                if o.sent_noise > 0:  # a nearby wording: a neighbour in MiniLM space
                    x = F.normalize(x + o.sent_noise / math.sqrt(x.shape[1])
                                    * torch.randn(x.shape, generator=gen), dim=-1)
                t = model.text(x, f)
                scale = model.logit_scale.exp().clamp(max=100.0)
                cols = torch.from_numpy(idx)
                if o.bank:
                    logits = scale * t @ audio.T  # [B, n]: the whole catalogue
                    inb = logits[:, cols].T  # [B audio, B text]
                else:
                    logits = scale * t @ audio[cols].T
                    target = target[:, cols]
                    inb = logits.T
                tgt = target / target.sum(1, keepdim=True)
                t2a = -(tgt * F.log_softmax(logits, 1)).sum(1).mean()
                pos = (target[:, cols] if o.bank else target).T
                a2t = -((pos / pos.sum(1, keepdim=True)) * F.log_softmax(inb, 1)).sum(1).mean()
                loss = (t2a + o.a2t_weight * a2t) / (1 + o.a2t_weight)
                if o.bias_penalty > 0:
                    loss = loss + o.bias_penalty * (t @ audio_mean).var()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params + [model.logit_scale], 5.0)
                opt.step()
                state["step"] += 1
                loss_sum += float(loss.detach())
                if budget_s and time.monotonic() - t0 >= budget_s:
                    done = True
                    break
            state["epoch"] += 1
            state["elapsed"] = time.monotonic() - t0
            metrics, threshold = self._validate(model, val, val_audio, texts) if val else ({}, None)
            state["history"].append({"epoch": state["epoch"], "step": state["step"],
                                     "loss": round(loss_sum / max(1, b + 1), 4), **metrics})
            el = time.monotonic() - t0
            left = (o.epochs - state["epoch"]) * (time.monotonic() - t_ep)
            if budget_s:
                left = min(left, budget_s - el)
            _log(self.progress, f"epoch {state['epoch']} step {state['step']} loss "
                 f"{loss_sum / max(1, b + 1):.3f} lr {lr_at():.2e} "
                 f"T {1 / model.logit_scale.exp().item():.3f} "
                 + (f"val R@1 {metrics['R@1']:.3f} R@10 {metrics['R@10']:.3f} " if metrics else "")
                 + f"ETA {max(left, 0) / 60:.1f} min")
            torch.save({"text": model.text.state_dict(), "logit_scale": float(model.logit_scale.detach()),
                        "optimizer": opt.state_dict(), "state": state, "options": asdict(o)},
                       ckpt_path)
            model.text.eval()
            meta = dict(blob.get("meta") or {})
            meta["text_only"] = {"init": str(o.init), "epochs": state["epoch"],
                                 "steps": state["step"], "train_seconds": round(state["elapsed"], 1),
                                 "train_clips": n, "captions": len(table),
                                 "options": {k: v for k, v in asdict(o).items() if k != "workers"},
                                 "history": state["history"], "dataset": str(self.root.name)}
            export_weights(model, self.out, threshold, meta)
            model.text.train()
        model.text.eval()
        from aligner.train import TrainSummary
        return TrainSummary(out=self.out, epochs=state["epoch"], steps=state["step"],
                            seconds=time.monotonic() - t_start, cache_seconds=cache_s,
                            train_clips=n, val=state["history"][-1] if state["history"] else {},
                            miss_threshold=threshold)

    def _sample(self, idx, train, pool_ids, cap_id, holders, key_groups, fam_holders, n, rng):
        """-> (caption ids long[B], positives float[B, n]) for the batch's clips."""
        import torch
        o = self.opts
        caps = np.zeros(len(idx), dtype=np.int64)
        target = torch.zeros(len(idx), n)
        for r, i in enumerate(idx):
            c = train[i]
            k = None
            if fam_holders and rng.random() < o.family_caption_p:
                fc = family_caption(c.plan, rng)
                k = cap_id.get(fc) if fc else None
            if k is not None:
                target[r, torch.from_numpy(fam_holders.clips(k))] = 1.0
            else:
                ids = pool_ids[i]
                k = int(ids[int(rng.integers(len(ids)))])
                target[r, holders[k]] = 1.0
                pk = positive_key(c)
                if pk is not None:
                    target[r, key_groups[pk]] = 1.0
            target[r, i] = 1.0
            caps[r] = k
        return torch.from_numpy(caps), target

    def _validate(self, model, val, val_audio, texts: TextCache):
        """R@k of the val clips' first training caption over the val pool (frozen audio
        vectors), and the calibrated miss threshold, as the full trainer reports them."""
        import torch

        from aligner.calibration import choose_threshold, matched_unmatched
        caps = [c.captions[0] for c in val]
        model.text.eval()
        with torch.inference_mode():
            t = model.text(torch.from_numpy(texts.get(caps)),
                           torch.from_numpy(text_facts(caps))).numpy()
        q = np.array(caps)
        rel = q[:, None] == q[None, :]
        sim = t @ val_audio.T
        metrics = {k: round(v, 4) for k, v in recall_at(sim, rel).items()}
        return metrics, choose_threshold(*matched_unmatched(sim, rel))
