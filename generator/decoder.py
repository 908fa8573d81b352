"""PlanDecoder: a joint text-audio embedding -> a distribution over Plans.

As in unCLIP / AudioLDM, the decoder is trained on the aligner's *audio* embeddings of corpus
clips (target: each clip's Plan) and fed the *text* embedding of a prompt at generation time
(optionally mapped towards the audio side by a linear text->audio `prior`, kept only when it
measurably helps; see generator/DECODER_CARD.md).

The model is a small MLP trunk with one softmax head per plan attribute (`PlanVocab.heads`):
kind, style, one-shot kind, tempo bucket, key, mode, meter, drum kit, one instrument head per
role, energy, dynamics, register, reverb, tone, width, sidechain, swing bucket, duration bucket,
pitch. Sampling is ancestral: kind, then style (or one-shot kind), then every other head masked
to the values seen together with that choice in the training corpus (`PlanVocab.allowed`), so a
sampled plan is one the engine can render. Inference is numpy only; torch is needed to load
the weights file and to train.
"""
from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generator import theory
from generator.plan import KINDS, ROLES, Part, Plan, PlanError
from generator.prompt import GenerateError, PromptFacts
from generator.styles import STYLES

NONE = "none"
# Bucket edges: tempo bins are ~4 % wide (the adherence tolerance), durations log-spaced.
TEMPO_EDGES = np.geomspace(50.0, 200.0, 36)
DURATION_EDGES = np.geomspace(0.1, 300.0, 25)
SWING_EDGES = np.array([0.5, 0.52, 0.58, 0.64, 0.70, 0.7501])
ENUM_HEADS = ("energy", "dynamics", "register", "reverb", "tone", "width")
ROLE_HEADS = tuple(f"role:{r}" for r in ROLES)
HEADS = ("kind", "style", "oneshot", "tempo", "key", "mode", "meter", "drums", *ROLE_HEADS,
         *ENUM_HEADS, "sidechain", "swing", "duration", "pitch")
LOOP_BARS = (1, 2, 4, 8, 16, 32, 64)
DEFAULT_TEMPERATURE = 0.8


class DecoderError(GenerateError):
    """The decoder weights are missing, unreadable or do not fit the aligner."""


def _bin(value: float, edges: np.ndarray) -> str:
    i = int(np.clip(np.searchsorted(edges, value, side="right") - 1, 0, len(edges) - 2))
    return f"b{i:02d}"


def _bin_range(label: str, edges: np.ndarray) -> tuple[float, float]:
    i = int(label[1:])
    return float(edges[i]), float(edges[i + 1])


def plan_labels(d: dict) -> dict[str, str]:
    """Plan.to_dict() -> one class label per head (strings; NONE for absent)."""
    roles = {}
    for p in d.get("instruments", []):
        roles.setdefault(p["role"], p["instrument"])
    lab = {
        "kind": d["kind"], "style": d.get("style") or NONE, "oneshot": d.get("oneshot") or NONE,
        "tempo": NONE if d.get("tempo_bpm") is None else _bin(d["tempo_bpm"], TEMPO_EDGES),
        "key": d.get("key") or NONE, "mode": d.get("mode") or NONE, "meter": d.get("meter") or NONE,
        "drums": d.get("drums") or NONE,
        "sidechain": "yes" if d.get("sidechain") else "no",
        "swing": _bin(float(d.get("swing", 0.5)), SWING_EDGES),
        "duration": _bin(float(d["duration_s"]), DURATION_EDGES),
        "pitch": NONE if d.get("pitch") is None else str(int(d["pitch"])),
    }
    for r in ROLES:
        lab[f"role:{r}"] = roles.get(r, NONE)
    for h in ENUM_HEADS:
        lab[h] = str(d[h])
    return lab


def group_of(labels: dict[str, str]) -> str:
    """The conditioning group other heads are masked by: 'one-shot|kick', 'loop|house'."""
    if labels["kind"] == "one-shot":
        return f"one-shot|{labels['oneshot']}"
    return f"{labels['kind']}|{labels['style']}"


@dataclass
class PlanVocab:
    """Class labels per head and, per group, which classes co-occurred in the training data."""
    heads: dict[str, list[str]]
    allowed: dict[str, dict[str, list[int]]]

    @classmethod
    def build(cls, plan_dicts: list[dict]) -> "PlanVocab":
        labels = [plan_labels(d) for d in plan_dicts]
        heads: dict[str, list[str]] = {}
        for h in HEADS:
            seen = {lab[h] for lab in labels}
            if h == "kind":
                seen |= set(KINDS)
            heads[h] = sorted(seen)
        index = {h: {c: i for i, c in enumerate(heads[h])} for h in HEADS}
        allowed: dict[str, dict[str, set]] = {}
        for lab in labels:
            g = allowed.setdefault(group_of(lab), {h: set() for h in HEADS})
            for h in HEADS:
                g[h].add(index[h][lab[h]])
        return cls(heads, {g: {h: sorted(v) for h, v in hs.items()} for g, hs in allowed.items()})

    def encode(self, plan_dict: dict) -> dict[str, int]:
        """Plan dict -> class index per head (-1 for a label the vocabulary never saw)."""
        lab = plan_labels(plan_dict)
        return {h: (self.heads[h].index(lab[h]) if lab[h] in self.heads[h] else -1) for h in HEADS}

    def to_json(self) -> dict:
        return {"heads": self.heads, "allowed": self.allowed}

    @classmethod
    def from_json(cls, d: dict) -> "PlanVocab":
        return cls({h: list(v) for h, v in d["heads"].items()}, d["allowed"])


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


class PlanDecoder:
    """Embedding float32[dim] -> per-head probabilities -> sampled Plan.

    `params` holds numpy arrays: trunk `w0,b0,w1,b1` and per head `head.<name>.w/.b`;
    `prior` (optional) holds `w,b` of the linear text->audio map and whether to use it.
    """

    def __init__(self, vocab: PlanVocab, params: dict[str, np.ndarray], meta: dict,
                 prior: dict | None = None, scorer=None):
        self.vocab = vocab
        self.params = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
        self.meta = dict(meta)
        self.prior = None if prior is None else {k: (np.asarray(v, dtype=np.float32)
                                                     if k in ("w", "b") else v) for k, v in prior.items()}
        digest = hashlib.sha256()
        for k in sorted(self.params):
            digest.update(k.encode())
            digest.update(self.params[k].tobytes())
        if self.prior is not None and self.prior.get("use"):
            # the prior moves the text embedding the heads see: different clips, another id
            for k in ("w", "b"):
                digest.update(f"prior.{k}".encode())
                digest.update(self.prior[k].tobytes())
        #: optional `decoder_scorer.PlanScorer`: pre-screens sampled plans (it changes which
        #: plans are rendered, so it is part of the id)
        self.scorer = scorer
        if scorer is not None:
            for k, v in scorer.arrays().items():
                if k not in ("w", "b"):
                    digest.update(k.encode())  # a linear scorer hashes as before
                digest.update(v.tobytes())
        #: name + hash of the weights, recorded in every generated clip's tags
        self.id = f"plandecoder-{digest.hexdigest()[:8]}"
        self.dim = int(self.params["w0"].shape[0])

    # ---- inference -----------------------------------------------------------------------
    @property
    def uses_prior(self) -> bool:
        return bool(self.prior and self.prior.get("use"))

    def text_to_input(self, text_emb: np.ndarray) -> np.ndarray:
        """Text embedding(s) [..., dim] -> decoder input: through the prior when it helps."""
        x = np.asarray(text_emb, dtype=np.float32)
        if self.uses_prior:
            x = _normalise(x @ self.prior["w"] + self.prior["b"])
        return x

    def logits(self, emb: np.ndarray) -> dict[str, np.ndarray]:
        """emb float32[n, dim] (or [dim]) -> {head: float32[n, classes]} (or [classes])."""
        x = np.asarray(emb, dtype=np.float32)
        single = x.ndim == 1
        x = np.atleast_2d(x)
        if x.shape[1] != self.dim:
            raise DecoderError("embedding", f"has {x.shape[1]} dimensions; the decoder expects "
                                            f"{self.dim} (trained with aligner {self.meta.get('aligner_id')})")
        p = self.params
        h = _gelu(x @ p["w0"] + p["b0"])
        h = _gelu(h @ p["w1"] + p["b1"])
        out = {name: h @ p[f"head.{name}.w"] + p[f"head.{name}.b"] for name in HEADS}
        return {k: v[0] for k, v in out.items()} if single else out

    def distribution(self, emb: np.ndarray) -> dict[str, dict[str, float]]:
        """Readable per-head probabilities for one embedding (for --json and debugging)."""
        out = {}
        for h, z in self.logits(emb).items():
            pr = _softmax(z.astype(np.float64))
            out[h] = {self.vocab.heads[h][i]: float(pr[i]) for i in np.argsort(-pr)[:5]}
        return out

    def predict_labels(self, emb: np.ndarray) -> list[dict[str, str]]:
        """Arg-max label per head for each row of emb float32[n, dim]."""
        lg = self.logits(np.atleast_2d(emb))
        n = next(iter(lg.values())).shape[0]
        return [{h: self.vocab.heads[h][int(np.argmax(lg[h][i]))] for h in HEADS} for i in range(n)]

    def sample(self, emb: np.ndarray, rng: np.random.Generator, facts: PromptFacts | None = None,
               duration: float | None = None, temperature: float = DEFAULT_TEMPERATURE,
               attempts: int = 16) -> Plan:
        """One Plan drawn from the decoded distribution; explicit `facts` (and `duration`, which
        wins over the prompt's) replace what the decoder would choose."""
        return self.draw(self.prompt_logits(emb, facts), rng, facts, duration, temperature, attempts)

    def prompt_logits(self, emb: np.ndarray, facts: PromptFacts | None = None) -> dict[str, np.ndarray]:
        """Per-head logits for one embedding [dim], with the classes the prompt names boosted:
        computed once per prompt, then `draw` samples as many plans as wanted."""
        logits = self.logits(np.asarray(emb, dtype=np.float32).reshape(-1))
        if facts is not None and facts.text:
            logits = boost_named(self.vocab, logits, facts.text)
        return PromptLogits(logits)

    def draw(self, logits: dict[str, np.ndarray], rng: np.random.Generator,
             facts: PromptFacts | None = None, duration: float | None = None,
             temperature: float = DEFAULT_TEMPERATURE, attempts: int = 16) -> Plan:
        """One Plan from `prompt_logits`; temperature 0 takes the most likely class of every head
        (continuous values inside a chosen bucket still come from `rng`)."""
        last: Exception | None = None
        for _ in range(attempts):
            try:
                return draw_plan(self.vocab, logits, rng, facts, duration, temperature)
            except PlanError as e:  # a rare combination the engine refuses: draw again
                last = e
        raise GenerateError("plan", f"no renderable plan after {attempts} draws: {last}")

    # ---- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        import torch
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = {"format": "cratedig-plandecoder-1",
                "vocab": json.dumps(self.vocab.to_json()), "meta": json.dumps(self.meta),
                "params": {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in self.params.items()}}
        if self.scorer is not None:
            blob["scorer"] = {k: torch.from_numpy(np.ascontiguousarray(v))
                              for k, v in self.scorer.arrays().items()}
        if self.prior is not None:
            blob["prior"] = {"w": torch.from_numpy(self.prior["w"]), "b": torch.from_numpy(self.prior["b"]),
                             "use": bool(self.prior.get("use"))}
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save(blob, tmp)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "PlanDecoder":
        import torch
        path = Path(path)
        if not path.is_file():
            raise DecoderError(str(path), "decoder weights not found; train them with "
                                          "`cratedig generator train CORPUS_DIR`")
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
            if blob.get("format") != "cratedig-plandecoder-1":
                raise ValueError(f"unknown format {blob.get('format')!r}")
            params = {k: v.numpy() for k, v in blob["params"].items()}
            prior = None
            if "prior" in blob:
                prior = {"w": blob["prior"]["w"].numpy(), "b": blob["prior"]["b"].numpy(),
                         "use": bool(blob["prior"]["use"])}
            vocab = PlanVocab.from_json(json.loads(blob["vocab"]))
            scorer = None
            if "scorer" in blob:  # decoders trained before the pre-screen existed have none
                from generator.decoder_scorer import PlanScorer
                scorer = PlanScorer.from_arrays(vocab, {k: v.numpy() for k, v in blob["scorer"].items()})
            return cls(vocab, params, json.loads(blob["meta"]), prior, scorer)
        except (OSError, RuntimeError, ValueError, KeyError, AttributeError, pickle.UnpicklingError) as e:
            raise DecoderError(str(path), f"cannot read decoder weights: {str(e).splitlines()[0]}") from e


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "decoder.pt"
_LOADED: dict[str, PlanDecoder] = {}


def load_decoder(path: Path | None = None) -> PlanDecoder:
    """The committed decoder (or one at `path`), cached per process."""
    p = str(Path(path) if path else DEFAULT_WEIGHTS)
    if p not in _LOADED:
        _LOADED[p] = PlanDecoder.load(Path(p))
    return _LOADED[p]


def check_compatible(decoder: PlanDecoder, aligner) -> None:
    """The decoder reads embeddings of one aligner; another aligner's space is meaningless to it."""
    if decoder.dim != aligner.dim:
        raise DecoderError("decoder", f"{decoder.id} reads {decoder.dim}-d embeddings of "
                                      f"{decoder.meta.get('aligner_id')}; aligner {aligner.id} gives {aligner.dim}-d")



# ---- names in the prompt -----------------------------------------------------------------------
_ONESHOT_WORDS = {"kick": "kick", "bass drum": "kick", "snare": "snare", "rimshot": "snare",
                  "clap": "clap", "hat": "hat_closed", "hi-hat": "hat_closed", "hihat": "hat_closed",
                  "open hat": "hat_open", "open hi-hat": "hat_open", "cymbal": "cymbal",
                  "crash": "cymbal", "ride": "cymbal", "tom": "tom", "stab": "chord_stab",
                  "swell": "pad_swell", "riser": "riser", "impact": "impact"}
NAMED_BOOST = 6.0  # logits added to a class the prompt names: it wins unless the group forbids it
_NAME_INDEX: list[tuple[object, str, str]] | None = None


def _name_index() -> list[tuple[object, str, str]]:
    """(word regex, head kind, label) for every caption word of a style, instrument, drum kit,
    drum machine, synth voice or sound effect: the vocabulary captions are written in."""
    global _NAME_INDEX
    if _NAME_INDEX is None:
        import re
        from generator import dsp
        pairs: list[tuple[str, str, str]] = []
        for name, st in STYLES.items():
            pairs += [(w, "style", name) for w in st.words]
        for slug, g in theory.GM_INSTRUMENTS.items():
            pairs += [(w, "instrument", slug) for w in g.words]
        for voice, words in dsp.VOICE_INFO.items():
            pairs += [(w, "instrument", f"synth:{voice}") for w in words]
        for kind, words in dsp.SFX_INFO.items():
            pairs += [(w, "instrument", f"sfx:{kind}") for w in words]
            pairs += [(w, "oneshot", f"sfx:{kind}") for w in words]
        for kit, words in theory.KIT_WORDS.items():
            pairs += [(w, "drums", kit) for w in words]
        for machine, words in dsp.DRUM_MACHINE_INFO.items():
            pairs += [(w, "drums", f"machine:{machine}") for w in words]
        pairs += [(w, "oneshot", k) for w, k in _ONESHOT_WORDS.items()]
        _NAME_INDEX = [(re.compile(r"(?<![\w-])" + re.escape(w.lower()) + r"(?!\w)"), kind, label)
                       for w, kind, label in sorted(pairs, key=lambda p: -len(p[0]))]
    return _NAME_INDEX


def named_labels(text: str) -> dict[str, set[str]]:
    """Styles, instruments, kits and sound effects the prompt names, by the words captions use
    ("rhodes" -> electric_piano, "boom bap" -> hiphop). Longer names win over their parts."""
    low = text.lower()
    taken: list[tuple[int, int]] = []
    out: dict[str, set[str]] = {}
    for rx, kind, label in _name_index():
        for m in rx.finditer(low):
            if any(a < m.end() and m.start() < b for a, b in taken if (a, b) != (m.start(), m.end())):
                continue  # inside a longer name already read ("electric piano" vs "piano")
            taken.append((m.start(), m.end()))
            out.setdefault(kind, set()).add(label)
    return out


def boost_named(vocab: PlanVocab, logits: dict[str, np.ndarray], text: str) -> dict[str, np.ndarray]:
    """Raise the classes the prompt names: its explicit words outrank the embedding's guess."""
    named = named_labels(text)
    if not named:
        return logits
    out = dict(logits)
    heads = {"style": ["style"], "drums": ["drums"], "oneshot": ["oneshot"], "instrument": list(ROLE_HEADS)}
    for kind, labels in named.items():
        for head in heads[kind]:
            idx = [i for i, c in enumerate(vocab.heads[head]) if c in labels]
            if idx:
                out[head] = out[head].copy()
                out[head][idx] += NAMED_BOOST
    return out


# ---- ancestral sampling ------------------------------------------------------------------------
class PromptLogits(dict):
    """{head: logits} of one prompt plus a memo of the sampling tables built from them: a pool
    of hundreds of plans draws from the same (head, allowed classes) many times."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tables: dict = {}


def _table(logits: np.ndarray, idx: tuple, temperature: float) -> tuple[tuple, object]:
    """(classes, mode class) at temperature 0, else (classes, cumulative probabilities)."""
    a = np.asarray(idx, dtype=np.int64)
    if temperature <= 0:  # the mode: first of the most likely allowed classes
        return idx, int(a[np.argmax(logits[a])])
    z = logits[a].astype(np.float64) / max(temperature, 1e-3)
    return idx, np.cumsum(_softmax(z)).tolist()


def _draw(rng: np.random.Generator, logits: np.ndarray, allowed, temperature: float,
          tables: dict | None = None, head: str = "") -> int:
    """Sample a class index among `allowed` (iterable of ints) from logits at a temperature
    (inverse CDF: one uniform per draw); `tables` memoises the CDF per (head, allowed)."""
    import bisect
    idx = tuple(allowed)
    if not idx:
        raise PlanError("decoder", "no allowed value")
    key = (head, idx, temperature)
    tab = tables.get(key) if tables is not None else None
    if tab is None:
        tab = _table(logits, idx, temperature)
        if tables is not None:
            tables[key] = tab
    if temperature <= 0:
        return tab[1]
    cdf = tab[1]
    return idx[min(bisect.bisect_right(cdf, rng.random() * cdf[-1]), len(idx) - 1)]


def _group_allowed(vocab: PlanVocab, group: str, head: str) -> set[int]:
    """Classes seen with this group; an unseen group falls back to the union over groups of the
    same kind (a style the corpus never rendered as an arrangement still gets instruments).
    Cached on the vocabulary (callers must not mutate the set)."""
    cache = vocab.__dict__.setdefault("_allowed_cache", {})
    key = (group, head)
    if key not in cache:
        cache[key] = frozenset(_group_allowed_uncached(vocab, group, head))
    return cache[key]


def _group_allowed_uncached(vocab: PlanVocab, group: str, head: str) -> set[int]:
    if group in vocab.allowed:
        return set(vocab.allowed[group][head])
    kind = group.split("|")[0]
    out: set[int] = set()
    for g, heads in vocab.allowed.items():
        if g.split("|")[0] == kind:
            out |= set(heads[head])
    return out or set(range(len(vocab.heads[head])))


def _uniform_in(rng, lo: float, hi: float, log: bool = False) -> float:
    if log:
        return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    return float(rng.uniform(lo, hi))


def draw_plan(vocab: PlanVocab, logits: dict[str, np.ndarray], rng: np.random.Generator,
              facts: PromptFacts | None, duration: float | None, temperature: float) -> Plan:
    """Sample kind -> style/one-shot kind -> every other head within that group; apply facts."""
    facts = facts or PromptFacts(text="")
    tables = getattr(logits, "tables", None)
    H = vocab.heads
    idx = vocab.__dict__.get("_index")
    if idx is None:  # label -> class index per head, built once per vocabulary
        idx = vocab.__dict__["_index"] = {h: {c: i for i, c in enumerate(H[h])} for h in H}
    label = {}

    def pick(head: str, allowed, *, exclude=(NONE,)) -> str:
        keep = [i for i in allowed if H[head][i] not in exclude] or list(allowed)
        label[head] = H[head][_draw(rng, logits[head], keep, temperature, tables, head)]
        return label[head]

    # 1. kind: the prompt's word wins; a stated tempo, meter or mode means music, not a one-shot.
    kinds = [i for i, k in enumerate(H["kind"]) if k in KINDS]
    if facts.kind:
        kinds = [idx["kind"][facts.kind]]
    elif facts.tempo or facts.meter or (facts.mode and facts.mode not in ("major", "minor")):
        kinds = [i for i in kinds if H["kind"][i] != "one-shot"]
    kind = pick("kind", kinds)
    shot = kind == "one-shot"

    # 2. the group: one-shot kind, or style (restricted to styles that use a stated mode).
    if shot:
        pick("oneshot", range(len(H["oneshot"])))
        group = f"one-shot|{label['oneshot']}"
        pick("style", _group_allowed(vocab, group, "style"), exclude=())
    else:
        styles = [i for i, s in enumerate(H["style"]) if s in STYLES]
        if facts.mode and facts.mode not in ("major", "minor"):
            styles = [i for i in styles if facts.mode in STYLES[H["style"][i]].modes] or styles
        pick("style", styles)
        group = f"{kind}|{label['style']}"

    # 3. everything else within the group
    for head in ("key", "mode", "meter", "drums", *ROLE_HEADS, *ENUM_HEADS, "sidechain", "swing",
                 "duration", "pitch", "tempo"):
        allowed = _group_allowed(vocab, group, head)
        # heads a group may leave empty (roles, drums, pitch...) keep NONE as an option
        pick(head, allowed, exclude=() if _may_be_none(vocab, allowed, head, shot) else (NONE,))

    parts = [Part(h.split(":", 1)[1], label[h]) for h in ROLE_HEADS if label[h] != NONE]
    drums = None if label["drums"] == NONE else label["drums"]
    if not parts and drums is None:
        # every role came out empty: take the most likely instrument of the group's first role
        best = max((h for h in ROLE_HEADS), key=lambda h: max(
            (logits[h][i] for i in _group_allowed(vocab, group, h) if H[h][i] != NONE), default=-1e9))
        pick(best, _group_allowed(vocab, group, best))
        parts = [Part(best.split(":", 1)[1], label[best])]

    key = facts.key or (None if label["key"] == NONE else label["key"])
    mode = facts.mode or (None if label["mode"] == NONE else label["mode"])
    if shot:
        tempo = meter = None
        if label["mode"] == NONE and not facts.mode:
            mode = None
        pitch = None if label["pitch"] == NONE else int(label["pitch"])
        if pitch is not None and key and drums is None:
            # a pitched one-shot sounds its key: move the pitch to the nearest note of that class
            pitch += (theory.pitch_class(key) - pitch + 6) % 12 - 6
            pitch = int(np.clip(pitch, 0, 127))
    else:
        tempo = facts.tempo
        if tempo is None:
            lo, hi = _bin_range(label["tempo"], TEMPO_EDGES) if label["tempo"] != NONE else STYLES[label["style"]].tempo
            tempo = round(_uniform_in(rng, lo, hi, log=True))
        meter = facts.meter or (None if label["meter"] == NONE else label["meter"]) or "4/4"
        key = key or theory.NOTE_NAMES[int(rng.integers(12))]
        mode = mode or "major"
        pitch = None
    seconds = duration if duration is not None else facts.duration
    if seconds is None:
        lo, hi = _bin_range(label["duration"], DURATION_EDGES)
        seconds = _uniform_in(rng, lo, hi, log=True)
        if kind == "loop":  # a loop is a whole number of bars
            bar = theory.METERS[meter][0] * (60.0 / tempo / (6.0 if meter == "6/8" else 4.0))
            bars = min(LOOP_BARS, key=lambda b: abs(np.log(b * bar / seconds)))
            seconds = min(bars * bar, 300.0)
    swing_lo, swing_hi = _bin_range(label["swing"], SWING_EDGES)
    return Plan(kind=kind, style=None if label["style"] == NONE else label["style"],
                duration_s=float(seconds), tempo_bpm=None if tempo is None else float(tempo),
                key=key, mode=mode, meter=meter, instruments=tuple(parts), drums=drums,
                energy=label["energy"], dynamics=label["dynamics"], register=label["register"],
                swing=0.5 if shot else round(min(_uniform_in(rng, swing_lo, swing_hi), 0.75), 3),
                reverb=label["reverb"], tone=label["tone"], width=label["width"],
                sidechain=label["sidechain"] == "yes", oneshot=label["oneshot"] if shot else None,
                pitch=pitch)


def _may_be_none(vocab: PlanVocab, allowed: set[int], head: str, shot: bool) -> bool:
    if head in ("key", "mode", "meter", "tempo", "pitch"):
        return shot  # music always has them; one-shots may not
    return True
