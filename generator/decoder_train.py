"""Training the PlanDecoder on a captioned corpus folder (audio files + captions.jsonl).

Inputs are the aligner's embeddings of each clip's *audio* (cached under settings.cache_dir by
aligner id and file); targets are each clip's plan labels (`decoder.plan_labels`). The text->audio
prior is a ridge regression from caption text embeddings to the clip's audio embedding; it is
switched on only if it raises the decoder's accuracy on held-out *captions* (the input it sees at
generation time). Everything measured is returned and written next to the weights.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import numpy as np

from generator.decoder import HEADS, PlanDecoder, PlanVocab, plan_labels
from generator.decoder_scorer import fit_mlp_scorer, scorer_metrics

Progress = Callable[[str, int, int], None]
# Heads whose accuracy is the headline: what a listener would call "the wrong sound".
MAIN_HEADS = ("kind", "style", "oneshot", "drums", "role:bass", "role:chords", "role:pad", "role:lead",
              "role:oneshot", "role:fx", "energy", "tempo", "key", "mode", "meter")


class TrainError(ValueError):
    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what, self.reason = what, reason


def read_corpus(folder: Path, limit: int | None = None) -> list[dict]:
    """captions.jsonl rows whose audio file exists, in file order; `limit` keeps the first ones."""
    folder = Path(folder)
    index = folder / "captions.jsonl"
    if not index.is_file():
        raise TrainError(str(folder), "no captions.jsonl: not a captioned dataset folder")
    rows = []
    with index.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except ValueError:
                continue  # a line being written right now by the corpus builder
            if not isinstance(row, dict) or "plan" not in row or "file" not in row:
                raise TrainError(f"{index}:{n}", "expected an object with 'file', 'captions', 'plan'")
            if (folder / row["file"]).is_file():
                rows.append(row)
    if not rows:
        raise TrainError(str(folder), "captions.jsonl lists no existing audio files")
    if limit and len(rows) > limit:
        # the first clips: the corpus draws plans at random in index order, so they are a random
        # sample, and the same subset (and its cached embeddings) stays valid as the corpus grows
        rows = rows[:limit]
    return rows


def audio_embeddings(aligner, folder: Path, rows: list[dict], cache_dir: Path,
                     progress: Progress | None = None) -> np.ndarray:
    """float32[n, dim] pooled audio embeddings of rows' files, cached per aligner id."""
    import soundfile as sf
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache_path = cache_dir / f"decoder-audio-{aligner.id}.npz"
    cached: dict[str, np.ndarray] = {}
    if cache_path.is_file():
        with np.load(cache_path, allow_pickle=False) as z:
            cached = dict(zip(z["files"].tolist(), z["vectors"]))
    out = np.zeros((len(rows), aligner.dim), dtype=np.float32)
    todo = [i for i, r in enumerate(rows) if r["file"] not in cached]
    for i, r in enumerate(rows):
        if r["file"] in cached:
            out[i] = cached[r["file"]]
    feature_cache = _aligner_feature_cache(aligner, folder)
    done = 0
    for start in range(0, len(todo), 64):  # chunks: one batched model call per 64 clips
        chunk = todo[start:start + 64]
        vecs = _from_features(aligner, feature_cache, [rows[i]["file"] for i in chunk]) \
            if feature_cache is not None else [None] * len(chunk)
        for i, vec in zip(chunk, vecs):
            if vec is None:
                wave, sr = sf.read(str(Path(folder) / rows[i]["file"]), dtype="float32", always_2d=True)
                vec = aligner.embed_audio([wave], sr)[0]
            out[i] = vec
            cached[rows[i]["file"]] = vec
        done += len(chunk)
        if progress:
            progress("embedding audio", done, len(todo))
        if done % 512 < 64 or done == len(todo):
            _save_cache(cache_path, cached)
    return out


def _aligner_feature_cache(aligner, folder: Path):
    """The builtin aligner's training feature cache of this corpus, if it has one: embedding
    from cached features skips decoding and the STFTs (the same windows and pooling)."""
    if not hasattr(aligner, "embed_features"):
        return None
    from aligner.dataset import CACHE_DIRNAME, FeatureCache
    if not (Path(folder) / CACHE_DIRNAME / "features.json").is_file():
        return None
    return FeatureCache(folder)


def _from_features(aligner, cache, files: list[str]) -> list[np.ndarray | None]:
    """Pooled embeddings from cached features, windowed like `Aligner.embed_audio_windows`
    (None for a file the cache lacks)."""
    from aligner.base import l2_normalise, window_bounds
    from aligner.features import HOP
    wins, owner = [], []
    for k, file in enumerate(files):
        m = cache.manifest.get(file)
        if not m or not (cache.dir / "features" / m["npy"]).is_file():
            continue
        try:
            feats = np.asarray(cache.load(file), dtype=np.float32)
        except (OSError, ValueError):
            continue
        # window bounds in samples at the aligner rate -> frame bounds (hop HOP samples)
        for a, b in window_bounds((feats.shape[1] - 1) * HOP, aligner.sample_rate):
            wins.append(feats[:, a // HOP: b // HOP + 1])
            owner.append(k)
    out: list[np.ndarray | None] = [None] * len(files)
    if wins:
        vecs = aligner.embed_features(wins)
        owner = np.array(owner)
        for k in set(owner.tolist()):
            out[k] = l2_normalise(vecs[owner == k].mean(axis=0))
    return out


def _save_cache(path: Path, cached: dict) -> None:
    tmp = path.with_suffix(".tmp.npz")
    files = np.array(list(cached), dtype=str)
    np.savez(tmp, files=files, vectors=np.stack(list(cached.values())).astype(np.float32))
    tmp.replace(path)


def text_embeddings(aligner, rows: list[dict], folder: Path | None = None,
                    per_clip: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Up to `per_clip` captions of every row -> (float32[m, dim], row index int[m]). Captions
    whose frozen MiniLM embedding the aligner's training cache holds are only projected."""
    texts, owner = [], []
    for i, r in enumerate(rows):
        for c in (r.get("captions") or [])[:per_clip]:
            texts.append(c)
            owner.append(i)
    out = np.zeros((len(texts), aligner.dim), dtype=np.float32)
    todo = list(range(len(texts)))
    cache = _aligner_text_cache(aligner, folder)
    if cache is not None:
        hit = [k for k in todo if texts[k] in cache.index]
        for j in range(0, len(hit), 1024):
            part = hit[j:j + 1024]
            out[part] = aligner.project_sentences(cache.get([texts[k] for k in part]),
                                                  [texts[k] for k in part])
        todo = [k for k in todo if texts[k] not in cache.index]
    for j in range(0, len(todo), 256):
        part = todo[j:j + 256]
        out[part] = aligner.embed_text([texts[k] for k in part])
    return out, np.array(owner, dtype=np.int64)


def _aligner_text_cache(aligner, folder: Path | None):
    if folder is None or not hasattr(aligner, "project_sentences"):
        return None
    from aligner.dataset import CACHE_DIRNAME, TextCache
    d = Path(folder) / CACHE_DIRNAME
    return TextCache(d) if (d / "text-minilm.npz").is_file() else None


def fit_prior(text: np.ndarray, audio: np.ndarray, ridge: float = 1e-1) -> dict:
    """Ridge regression text -> audio embedding (closed form): {'w': [dim, dim], 'b': [dim]}."""
    mx, my = text.mean(0), audio.mean(0)
    x, y = text - mx, audio - my
    w = np.linalg.solve(x.T @ x + ridge * len(x) * np.eye(x.shape[1]) / x.shape[1], x.T @ y)
    return {"w": w.astype(np.float32), "b": (my - mx @ w).astype(np.float32)}


def head_accuracy(decoder: PlanDecoder, emb: np.ndarray, targets: list[dict[str, int]]) -> dict[str, float]:
    """Arg-max accuracy per head over rows whose target label the vocabulary knows."""
    lg = decoder.logits(emb)
    acc = {}
    for h in HEADS:
        t = np.array([tg[h] for tg in targets])
        ok = t >= 0
        if ok.any():
            acc[h] = float((np.argmax(lg[h], axis=1)[ok] == t[ok]).mean())
    acc["main_mean"] = float(np.mean([acc[h] for h in MAIN_HEADS if h in acc]))
    return acc


def train_mlp(x: np.ndarray, targets: list[dict[str, int]], vocab: PlanVocab, *, hidden: int = 512,
              epochs: int = 60, lr: float = 2e-3, noise: float = 0.05, seed: int = 0,
              progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Trunk MLP + one linear softmax head per plan attribute, summed cross-entropy.

    Inputs get Gaussian noise and are re-normalised: the decoder must tolerate the gap between
    the audio embeddings it is trained on and the text embeddings it is fed."""
    import torch
    from torch import nn
    torch.manual_seed(seed)
    dim = x.shape[1]
    trunk = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(approximate="tanh"), nn.Dropout(0.2),
                          nn.Linear(hidden, hidden), nn.GELU(approximate="tanh"), nn.Dropout(0.2))
    heads = nn.ModuleDict({h.replace(":", "__"): nn.Linear(hidden, len(vocab.heads[h])) for h in HEADS})
    params = list(trunk.parameters()) + list(heads.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    X = torch.from_numpy(x.astype(np.float32))
    Y = {h: torch.tensor([t[h] for t in targets], dtype=torch.long) for h in HEADS}
    n = len(X)
    steps = epochs * max(1, (n + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    ce = nn.CrossEntropyLoss(ignore_index=-1)
    g = torch.Generator().manual_seed(seed)
    step = 0
    for epoch in range(epochs):
        trunk.train()
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, 256):
            b = perm[i:i + 256]
            xb = X[b] + noise * torch.randn(len(b), dim, generator=g)
            xb = torch.nn.functional.normalize(xb, dim=-1)
            h = trunk(xb)
            loss = sum(ce(heads[k.replace(":", "__")](h), Y[k][b]) for k in HEADS)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
        if progress:
            progress("training", epoch + 1, epochs)
    trunk.eval()
    sd = {"w0": trunk[0].weight.detach().numpy().T.copy(), "b0": trunk[0].bias.detach().numpy().copy(),
          "w1": trunk[3].weight.detach().numpy().T.copy(), "b1": trunk[3].bias.detach().numpy().copy()}
    for h in HEADS:
        lin = heads[h.replace(":", "__")]
        sd[f"head.{h}.w"] = lin.weight.detach().numpy().T.copy()
        sd[f"head.{h}.b"] = lin.bias.detach().numpy().copy()
    return sd


def train_decoder(settings, folder: Path, out: Path, *, limit: int | None = None, epochs: int = 60,
                  seed: int = 0, scorer_epochs: int = 40, aligner=None,
                  progress: Progress | None = None) -> dict:
    """Train on `folder`, write weights to `out` and metrics to `out` with .json; return metrics.

    The MLP reads the `limit` first clips; the plan scorer is fit on *every* training-split clip
    of the folder (its held-out selection quality keeps rising with data: see DECODER_CARD.md)."""
    import torch
    torch.set_num_threads(1)  # a tiny MLP: more threads only spin against each other on a busy CPU
    t0 = time.perf_counter()
    if aligner is None:
        from aligner import load_aligner
        aligner = load_aligner(settings)
    folder = Path(folder)
    rows = read_corpus(folder, limit=limit)
    train_idx = [i for i, r in enumerate(rows) if r.get("split", "train") == "train"]
    test_idx = [i for i, r in enumerate(rows) if r.get("split") == "test"] or \
        [i for i, r in enumerate(rows) if r.get("split") in ("val", "valid", "validation")]
    if len(train_idx) < 50 or not test_idx:
        raise TrainError(str(folder), f"needs >= 50 train and some test clips; has {len(train_idx)} "
                                      f"train, {len(test_idx)} test")
    audio = audio_embeddings(aligner, folder, rows, settings.cache_dir, progress)
    t_embed = time.perf_counter() - t0
    text, owner = text_embeddings(aligner, rows, folder)
    # The vocabulary and the per-group masks come from every training plan of the corpus, not
    # only the embedded subset: plans cost nothing to read, and a mask built from a few hundred
    # clips forbids combinations the engine renders fine ("church organ" as a one-shot note).
    vocab_plans = [r["plan"] for r in (read_corpus(folder) if limit else rows)
                   if r.get("split", "train") == "train"]
    vocab = PlanVocab.build(vocab_plans)
    targets = [vocab.encode(r["plan"]) for r in rows]
    params = train_mlp(audio[train_idx], [targets[i] for i in train_idx], vocab, epochs=epochs,
                       seed=seed, progress=progress)
    meta = {"aligner_id": aligner.id, "corpus": str(folder), "clips_train": len(train_idx),
            "clips_test": len(test_idx), "vocab_plans": len(vocab_plans), "epochs": epochs, "seed": seed}
    # the plan -> audio embedding pre-screen generation uses (decoder_scorer.py): every training
    # clip of the folder (embedded through the same cache), degradations as inputs
    all_rows = read_corpus(folder) if limit else rows
    sc_rows = [r for r in all_rows if r.get("split", "train") == "train"]
    t_sc = time.perf_counter()
    sc_audio = audio_embeddings(aligner, folder, sc_rows, settings.cache_dir, progress)
    t_embed += time.perf_counter() - t_sc
    t_sc = time.perf_counter()
    scorer = fit_mlp_scorer(vocab, [r["plan"] for r in sc_rows], sc_audio,
                            [r.get("degradations") or [] for r in sc_rows], epochs=scorer_epochs,
                            seed=seed, progress=progress)
    t_sc = time.perf_counter() - t_sc
    decoder = PlanDecoder(vocab, params, meta, scorer=scorer)
    # held-out evaluation: audio input (what it was trained on), captions as given, captions
    # through the prior (fit on train pairs only)
    train_set, test_set = set(train_idx), set(test_idx)
    tr_pairs = np.array([k for k, o in enumerate(owner) if o in train_set])
    te_pairs = np.array([k for k, o in enumerate(owner) if o in test_set])
    prior = fit_prior(text[tr_pairs], audio[owner[tr_pairs]])
    te_targets = [targets[o] for o in owner[te_pairs]]
    metrics = {
        "audio_input": head_accuracy(decoder, audio[test_idx], [targets[i] for i in test_idx]),
        "text_input": head_accuracy(decoder, text[te_pairs], te_targets),
    }
    first_captions = [k for k, o in enumerate(owner) if o in test_set and (k == 0 or owner[k - 1] != o)]
    metrics["scorer"] = scorer_metrics(scorer, [rows[i]["plan"] for i in test_idx], audio[test_idx],
                                       text[first_captions] if first_captions else None)
    metrics["scorer"].update({"kind": scorer.kind, "clips_train": len(sc_rows), "epochs": scorer_epochs,
                              "seconds": round(t_sc, 1)})
    decoder.prior = {**prior, "use": True}
    metrics["text_through_prior"] = head_accuracy(decoder, decoder.text_to_input(text[te_pairs]), te_targets)
    # chance-level reference: always the most frequent training label
    metrics["majority_baseline"] = _majority(vocab, [targets[i] for i in train_idx],
                                             [targets[o] for o in owner[te_pairs]])
    use = metrics["text_through_prior"]["main_mean"] > metrics["text_input"]["main_mean"] + 0.005
    decoder.prior["use"] = use
    meta.update({"prior_used": use, "captions_test": int(len(te_pairs)),
                 "seconds_total": round(time.perf_counter() - t0, 1), "seconds_embedding": round(t_embed, 1)})
    decoder.meta = meta
    decoder = PlanDecoder(decoder.vocab, decoder.params, meta, decoder.prior, scorer)
    decoder.save(Path(out))
    result = {"decoder_id": decoder.id, "meta": meta, "metrics": metrics}
    Path(out).with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def _majority(vocab: PlanVocab, train: list[dict[str, int]], test: list[dict[str, int]]) -> dict[str, float]:
    acc = {}
    for h in HEADS:
        tr = np.array([t[h] for t in train])
        te = np.array([t[h] for t in test])
        te = te[te >= 0]
        if len(te):
            acc[h] = float((te == np.bincount(tr[tr >= 0]).argmax()).mean())
    acc["main_mean"] = float(np.mean([acc[h] for h in MAIN_HEADS if h in acc]))
    return acc


__all__ = ["train_decoder", "read_corpus", "fit_prior", "head_accuracy", "TrainError", "plan_labels"]
