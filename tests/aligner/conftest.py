"""Fixtures for the aligner tests: tiny real audio files and a tiny captioned dataset folder."""
from __future__ import annotations

import json

import numpy as np
import pytest


def _sound(kind: str, seconds: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    if kind == "low tone":
        x = np.sin(2 * np.pi * rng.uniform(80, 160) * t)
    elif kind == "high tone":
        x = np.sin(2 * np.pi * rng.uniform(2000, 3500) * t)
    elif kind == "noise":
        x = rng.standard_normal(len(t))
    else:  # clicks: a fast pulse train
        x = np.zeros(len(t))
        period = int(sr * 60 / rng.uniform(150, 170))
        x[::period] = 1.0
        x = np.convolve(x, np.exp(-np.arange(200) / 20.0), mode="same")
    return (0.3 * x / (np.abs(x).max() + 1e-9)).astype(np.float32)


CAPTIONS = {
    "low tone": ["low sine tone", "deep bass hum", "a low hum"],
    "high tone": ["high pitched whistle", "high sine tone", "a bright beep"],
    "noise": ["white noise", "hiss", "static noise"],
    "clicks": ["fast clicking pulse", "rapid clicks", "a fast ticking"],
}


def make_dataset(root, n_per_class: int = 6, seed: int = 0, sr: int = 22050):
    """A captioned folder of 4 * n_per_class short clips (sines, noise, clicks) with splits."""
    import soundfile as sf
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    lines = []
    i = 0
    for kind, caps in CAPTIONS.items():
        for k in range(n_per_class):
            f = f"audio/{kind.replace(' ', '_')}_{k}.flac"
            (root / f).parent.mkdir(parents=True, exist_ok=True)
            sf.write(str(root / f), _sound(kind, rng.uniform(0.4, 3.0), sr, rng), sr)
            split = "test" if k == 0 else "val" if k == 1 else "train"
            rec = {"file": f, "split": split, "captions": caps,
                   "plan": {"kind": "one-shot" if kind != "clicks" else "loop",
                            "oneshot": kind if kind != "clicks" else None,
                            "style": "techno" if kind == "clicks" else None,
                            "tempo_bpm": 160.0 if kind == "clicks" else None,
                            "mode": None, "families": ["fx"], "instruments": [], "drums": None}}
            if split != "train":
                rec["reserved_captions"] = [f"reserved wording for {kind}"]
            lines.append(json.dumps(rec))
            i += 1
    (root / "captions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("captioned"))
