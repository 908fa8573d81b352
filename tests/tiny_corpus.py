"""A tiny captioned corpus of real renders, laid out as `cratedig corpus build` writes one
(imported by name: tests/ is on sys.path)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np


def write_tiny_corpus(root: Path, n: int, *, seed: int, duration_s: float,
                      split_of: Callable[[int], str],
                      kind_of: Callable[[int], str | None] = lambda i: None) -> Path:
    """n clips of random plans (clip i rendered with seed i), 2 captions each, captions.jsonl
    in index order."""
    import soundfile as sf

    from generator.captions import captions
    from generator.engine import make_audio
    from generator.sampling import random_plan
    rng = np.random.default_rng(seed)
    (root / "audio").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        plan = random_plan(rng, kind=kind_of(i), duration_s=duration_s)
        audio, sr = make_audio(plan, i)
        sf.write(root / "audio" / f"c{i}.flac", audio, sr)
        lines.append({"file": f"audio/c{i}.flac", "split": split_of(i),
                      "captions": captions(plan, rng, n=2), "plan": plan.to_dict()})
    (root / "captions.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return root
