"""Score calibration: when is a search's best hit a real match?

For every query (a held-out clip's caption) we take two scores:
- matched: its best similarity over the whole pool, which holds a relevant clip (its own clip,
  or one with the identical caption) — the top score when the catalogue holds the answer;
- unmatched: its best similarity over the clips that are unrelated to it (when labels are
  known: another kind of one-shot, or music of another style; else every non-relevant clip) —
  what the top score looks like when the catalogue holds nothing of the kind asked for. (Taking
  every non-relevant clip would count a second kick drum, worded differently, as "unmatched".)
The miss threshold is the score that best separates the two (minimum of misses + false hits,
i.e. where the two histograms cross when both are equally likely): below it, a best hit is more
likely an unmatched one than a matched one, and the search treats the query as a miss.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def matched_unmatched(sim: np.ndarray, relevant: np.ndarray, unrelated: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """sim float[q, n], relevant bool[q, n], unrelated bool[q, n] (default: ~relevant) ->
    (matched float[q'], unmatched float[q'']); a query contributes to each side it has clips for."""
    has = relevant.any(1)
    matched = sim.max(1)[has]
    others = ~relevant if unrelated is None else (unrelated & ~relevant)
    unmatched = np.where(others, sim, -np.inf).max(1)
    return matched.astype(np.float32), unmatched[np.isfinite(unmatched)].astype(np.float32)


def choose_threshold(matched: np.ndarray, unmatched: np.ndarray) -> float:
    """The score t minimising P(matched < t) + P(unmatched >= t) (equal priors); ties -> the
    middle of the best interval."""
    if len(matched) == 0 or len(unmatched) == 0:
        raise ValueError("calibration needs matched and unmatched scores")
    cands = np.unique(np.concatenate([matched, unmatched]))
    m = np.sort(matched)
    u = np.sort(unmatched)
    miss = np.searchsorted(m, cands, side="left") / len(m)
    false_hit = 1.0 - np.searchsorted(u, cands, side="left") / len(u)
    err = miss + false_hit
    best = np.flatnonzero(err == err.min())
    lo = cands[best[0]]
    # the largest unmatched score below the chosen one, so the threshold sits between two scores
    below = u[u < lo]
    lo_edge = below[-1] if len(below) else lo
    return float((lo + lo_edge) / 2)


def plot_calibration(matched: np.ndarray, unmatched: np.ndarray, threshold: float, path: Path,
                     title: str = "") -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    lo = float(min(matched.min(), unmatched.min()))
    hi = float(max(matched.max(), unmatched.max()))
    bins = np.linspace(lo, hi, 50)
    ax.hist(matched, bins=bins, alpha=0.6, density=True, label=f"matched (n={len(matched)})")
    ax.hist(unmatched, bins=bins, alpha=0.6, density=True,
            label=f"best unmatched (n={len(unmatched)})")
    ax.axvline(threshold, color="k", ls="--", label=f"miss threshold {threshold:.3f}")
    ax.set_xlabel("cosine similarity of query and clip")
    ax.set_ylabel("density")
    ax.set_title(title or "text->audio score calibration")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
