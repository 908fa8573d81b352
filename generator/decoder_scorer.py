"""PlanScorer: a plan -> the aligner audio embedding its render is expected to have.

Generation re-ranks candidates by the aligner's prompt-to-audio similarity, but rendering and
embedding a candidate costs ~0.1 s of CPU, so only a few can be heard. The scorer predicts the
pooled audio embedding from the plan alone, so a large pool of sampled plans can be screened in
about a millisecond and only the most promising ones rendered.

Two forms share one class: the linear one (one-hot per decoder head -> ridge regression; decoders
trained before session 3) and the MLP one (one-hot + a few continuous values -> 2 GELU layers ->
embedding, trained with a cosine loss on every training-split clip of the corpus). The MLP also
sees which degradations (noise, codec, reverb...) the corpus applied to each clip; generated
clips are clean, so those inputs are zero at prediction time and their weights are dropped after
training. Held-out figures are in generator/DECODER_CARD.md.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from generator.decoder import HEADS, PlanVocab, plan_labels

DEFAULT_RIDGE = 1.0
N_CONTINUOUS = 7
# The corpus builder's degradations (generator/corpus.py): MLP training inputs only.
DEGRADATIONS = ("gain", "compression", "eq_tilt", "room_reverb", "highcut", "lowcut", "peaking_eq",
                "codec", "low_sample_rate", "saturation", "hall_reverb", "mono", "tape",
                "low_bit_depth", "hum", "vinyl_crackle", "room_tone", "hiss")
Progress = Callable[[str, int, int], None]


class ScorerError(ValueError):
    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what, self.reason = what, reason


def plan_features(vocab: PlanVocab, plan_dicts: list[dict]) -> np.ndarray:
    """Plan dicts -> float32[n, F]: one-hot of each head's label (a label the vocabulary never
    saw is all zeros for its head)."""
    offsets, n_feats = {}, 0
    for h in HEADS:
        offsets[h] = n_feats
        n_feats += len(vocab.heads[h])
    index = {h: {c: i for i, c in enumerate(vocab.heads[h])} for h in HEADS}
    x = np.zeros((len(plan_dicts), n_feats), dtype=np.float32)
    for r, d in enumerate(plan_dicts):
        for h, lab in plan_labels(d).items():
            i = index[h].get(lab)
            if i is not None:
                x[r, offsets[h] + i] = 1.0
    return x


def continuous_features(plan_dicts: list[dict]) -> np.ndarray:
    """float32[n, N_CONTINUOUS]: log tempo, has tempo, log duration, pitch, has pitch, swing,
    instrument count (the values the one-hot buckets only approximate)."""
    out = np.zeros((len(plan_dicts), N_CONTINUOUS), dtype=np.float32)
    for r, d in enumerate(plan_dicts):
        t, p = d.get("tempo_bpm"), d.get("pitch")
        out[r] = (np.log(t / 100.0) if t else 0.0, 1.0 if t else 0.0,
                  np.log(max(float(d["duration_s"]), 1e-3)), (p - 60) / 24.0 if p is not None else 0.0,
                  1.0 if p is not None else 0.0, (float(d.get("swing", 0.5)) - 0.5) * 4.0,
                  len(d.get("instruments", ())) / 4.0)
    return out


def degradation_features(degradations: list[list]) -> np.ndarray:
    x = np.zeros((len(degradations), len(DEGRADATIONS)), dtype=np.float32)
    for r, names in enumerate(degradations):
        for d in names or ():
            name = d if isinstance(d, str) else d.get("name") if isinstance(d, dict) else None
            if name in DEGRADATIONS:
                x[r, DEGRADATIONS.index(name)] = 1.0
    return x


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))


class PlanScorer:
    """Plan features -> `hidden` GELU layers [(w, b), ...] -> output map `w` float32[., dim],
    `b` float32[dim]. No hidden layers: the linear (ridge) scorer on one-hot features only."""

    def __init__(self, vocab: PlanVocab, w: np.ndarray, b: np.ndarray,
                 hidden: list[tuple[np.ndarray, np.ndarray]] | tuple = ()):
        self.vocab = vocab
        self.w = np.asarray(w, dtype=np.float32)
        self.b = np.asarray(b, dtype=np.float32)
        self.hidden = [(np.asarray(hw, dtype=np.float32), np.asarray(hb, dtype=np.float32))
                       for hw, hb in hidden]
        n_feats = sum(len(vocab.heads[h]) for h in HEADS) + (N_CONTINUOUS if self.hidden else 0)
        shapes = [(w.shape, b.shape) for w, b in self.hidden] + [(self.w.shape, self.b.shape)]
        width = n_feats
        for ws, bs in shapes:
            if len(ws) != 2 or ws[0] != width or bs != (ws[1],):
                raise ScorerError("scorer weights", f"shapes {shapes}: the network does not fit a vocabulary of "
                                                    f"{n_feats} features")
            width = ws[1]

    @property
    def dim(self) -> int:
        return int(self.w.shape[1])

    @property
    def kind(self) -> str:
        return f"mlp{len(self.hidden)}" if self.hidden else "linear"

    def arrays(self) -> dict[str, np.ndarray]:
        """Every weight array by name (saved in the decoder file, hashed into its id)."""
        out = {"w": self.w, "b": self.b}
        for i, (hw, hb) in enumerate(self.hidden):
            out[f"hidden.{i}.w"], out[f"hidden.{i}.b"] = hw, hb
        return out

    @classmethod
    def from_arrays(cls, vocab: PlanVocab, arrays: dict[str, np.ndarray]) -> "PlanScorer":
        n = len([k for k in arrays if k.startswith("hidden.") and k.endswith(".w")])
        return cls(vocab, arrays["w"], arrays["b"],
                   [(arrays[f"hidden.{i}.w"], arrays[f"hidden.{i}.b"]) for i in range(n)])

    def features(self, plan_dicts: list[dict]) -> np.ndarray:
        x = plan_features(self.vocab, plan_dicts)
        return np.hstack([x, continuous_features(plan_dicts)]) if self.hidden else x

    def predict(self, plan_dicts: list[dict]) -> np.ndarray:
        """Plan dicts -> unit-norm predicted audio embeddings float32[n, dim]."""
        z = self.features(plan_dicts)
        for hw, hb in self.hidden:
            z = _gelu(z @ hw + hb)
        z = z @ self.w + self.b
        return (z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def score(self, plan_dicts: list[dict], text_emb: np.ndarray) -> np.ndarray:
        """Predicted prompt-to-audio similarity float64[n] of each plan for a text embedding [dim]."""
        return (self.predict(plan_dicts) @ np.asarray(text_emb, dtype=np.float32)).astype(np.float64)


def fit_scorer(vocab: PlanVocab, plan_dicts: list[dict], audio: np.ndarray,
               ridge: float = DEFAULT_RIDGE) -> PlanScorer:
    """Closed-form ridge regression from one-hot plan features to audio embeddings float32[n, dim]."""
    _check(plan_dicts, audio)
    x = plan_features(vocab, plan_dicts).astype(np.float64)
    y = np.asarray(audio, dtype=np.float64)
    mx, my = x.mean(0), y.mean(0)
    xc = x - mx
    w = np.linalg.solve(xc.T @ xc + ridge * np.eye(x.shape[1]), xc.T @ (y - my))
    return PlanScorer(vocab, w.astype(np.float32), (my - mx @ w).astype(np.float32))


def fit_mlp_scorer(vocab: PlanVocab, plan_dicts: list[dict], audio: np.ndarray,
                   degradations: list[list] | None = None, *, hidden: int = 512, epochs: int = 40,
                   lr: float = 2e-3, dropout: float = 0.1, seed: int = 0,
                   progress: Progress | None = None) -> PlanScorer:
    """Two GELU layers from plan features (+ the clips' degradations) to the audio embedding,
    trained with a cosine loss (AdamW, one-cycle LR, batch 256). The degradation inputs are
    dropped afterwards: the returned scorer predicts a clean render."""
    import torch
    from torch import nn
    _check(plan_dicts, audio)
    torch.manual_seed(seed)
    base = np.hstack([plan_features(vocab, plan_dicts), continuous_features(plan_dicts)])
    deg = degradation_features(degradations if degradations is not None else [[]] * len(plan_dicts))
    x = torch.from_numpy(np.hstack([base, deg]))
    y = torch.from_numpy(np.asarray(audio, dtype=np.float32))
    act = nn.GELU(approximate="tanh")  # the numpy inference uses the tanh form
    net = nn.Sequential(nn.Linear(x.shape[1], hidden), act, nn.Dropout(dropout),
                        nn.Linear(hidden, hidden), act, nn.Dropout(dropout), nn.Linear(hidden, y.shape[1]))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    n = len(x)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * ((n + 255) // 256))
    g = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, 256):
            b = perm[i:i + 256]
            out = nn.functional.normalize(net(x[b]), dim=-1)
            loss = (1.0 - (out * y[b]).sum(-1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if progress:
            progress("training plan scorer", epoch + 1, epochs)
    net.eval()
    lin = [m for m in net if isinstance(m, nn.Linear)]
    arr = [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in lin]
    arr[0] = (arr[0][0][:base.shape[1]], arr[0][1])  # clean render: degradation inputs are 0
    return PlanScorer(vocab, arr[-1][0], arr[-1][1], arr[:-1])


def _check(plan_dicts: list[dict], audio: np.ndarray) -> None:
    if len(plan_dicts) != len(audio) or len(audio) < 2:
        raise ScorerError("training data", f"{len(plan_dicts)} plans for {len(audio)} embeddings")


def scorer_metrics(scorer: PlanScorer, plan_dicts: list[dict], audio: np.ndarray,
                   text: np.ndarray | None = None) -> dict:
    """Held-out quality: mean cosine of predicted vs real embeddings and, given caption
    embeddings `text` float32[m, dim], the mean per-caption correlation between predicted and
    real similarities over these clips (what the pre-screen relies on)."""
    pred = scorer.predict(plan_dicts)
    out = {"cosine": round(float((pred * audio).sum(1).mean()), 4), "clips": len(plan_dicts)}
    if text is not None and len(text):
        real, guess = text @ audio.T, text @ pred.T
        cors = [np.corrcoef(real[k], guess[k])[0, 1] for k in range(len(text))]
        out["similarity_correlation"] = round(float(np.nanmean(cors)), 4)
        out["captions"] = int(len(text))
    return out


__all__ = ["PlanScorer", "ScorerError", "fit_scorer", "fit_mlp_scorer", "plan_features",
           "continuous_features", "scorer_metrics"]
