"""Caption augmentation for text-only retraining (`aligner.text_train`).

The builtin text head learnt the corpus's 8 captions per clip by heart and generalises poorly to
other wordings of the same facts. Two cheap sources of new, still true, training wordings:

- `fresh_captions`: more captions from the corpus's own caption writer (`generator.captions`,
  passed in by the CLI; training vocabularies and templates only: `reserved=False` never draws
  an evaluation wording) for the clip's plan, when the dataset lists plans it can read;
- `phrase_variants`: a caption's comma-separated attribute phrases with some dropped and the
  rest shuffled ("dark, 121 bpm, acid line" -> "acid line, dark"): dropping an attribute keeps a
  caption true, and order carries no meaning in a tag list.
- `query_variant`: a caption wrapped the way people type searches ("find me ...", "... please").
  The corpus captions are tag lists and short phrases while queries are often sentences; the
  wrappers here are training-only and deliberately unlike the reserved evaluation templates
  (`generator/captions_vocab.py`: "I'm looking for", "the sound of", "need a", "an audio clip
  of", "an isolated ... sound", "... recorded on its own").
All are deterministic for a (seed, clip) pair, so the MiniLM cache of them is reusable.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

# (plan dict, how many, rng) -> distinct true training-vocabulary captions ([] if unreadable)
CaptionWriter = Callable[[dict, int, np.random.Generator], list]


def fresh_captions(plan: dict, n: int, rng: np.random.Generator, exclude: list[str],
                   writer: CaptionWriter | None) -> list[str]:
    """Up to `n` new captions for `plan` from `writer` (the corpus caption writer, handed in by
    the CLI: the aligner layer does not import the generator), none of them in `exclude`."""
    if n <= 0 or writer is None or not isinstance(plan, dict) or not plan.get("kind"):
        return []
    seen = set(exclude)
    return [c for c in writer(plan, n + len(exclude), rng) if c not in seen][:n]


def phrase_variant(caption: str, rng: np.random.Generator, drop_p: float = 0.3) -> str | None:
    """The caption's comma-separated phrases, each dropped with `drop_p` (at least one kept), the
    rest shuffled; None when it has fewer than 3 phrases or the variant equals the caption."""
    parts = [p.strip() for p in caption.split(",") if p.strip()]
    if len(parts) < 3:
        return None
    keep = [p for p in parts if rng.random() >= drop_p] or [parts[int(rng.integers(len(parts)))]]
    order = rng.permutation(len(keep))
    out = ", ".join(keep[i] for i in order)
    return None if out == caption else out


def phrase_variants(captions: list[str], n: int, rng: np.random.Generator,
                    drop_p: float = 0.3) -> list[str]:
    """Up to `n` distinct phrase variants drawn from `captions` (see `phrase_variant`)."""
    multi = [c for c in captions if c.count(",") >= 2]
    out: list[str] = []
    for _ in range(4 * n if multi else 0):
        v = phrase_variant(multi[int(rng.integers(len(multi)))], rng, drop_p)
        if v and v not in out and v not in captions:
            out.append(v)
        if len(out) >= n:
            break
    return out


QUERY_WRAPPERS = ["find me {}", "{}, please", "searching for {}", "show me {}", "{} wanted",
                  "got any {}?", "search: {}", "something like {}", "{} for my project",
                  "want {}", "clips with {}", "give me {}"]


def query_variant(caption: str, rng: np.random.Generator) -> str:
    """`caption` inside one of the training-only search wrappers."""
    c = caption.rstrip(".")
    if c[:2] in ("A ", "An") and c[1:2] in (" ", "n"):  # "A lively ..." mid-sentence
        c = c[0].lower() + c[1:]
    return QUERY_WRAPPERS[int(rng.integers(len(QUERY_WRAPPERS)))].format(c)
