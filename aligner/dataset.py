"""Captioned dataset folders and the training feature cache.

A captioned folder holds audio files and `captions.jsonl`, one JSON object per clip:
`{"file": relative path, "split": "train"|"val"|"test", "captions": [...], "plan": {...}}`
(as `cratedig corpus build` writes it; a user can write one for their own audio). Held-out lines
may carry reserved evaluation wordings under `reserved_captions` (or `eval_captions`); they are
only read when `read_dataset(..., reserved=True)` is asked for, which training never does.

The cache (`DIR/.cratedig-cache/` unless given) keeps, per clip, the float16 feature matrix of
`aligner.features` (decoded, mono, 16 kHz; at most MAX_CACHE_S) and, per distinct caption, its
frozen MiniLM sentence embedding, so that training runs on cached arrays only.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from aligner.base import AlignerError

CAPTIONS_FILE = "captions.jsonl"
CACHE_DIRNAME = ".cratedig-cache"
FEATURE_VERSION = "f1-mel64-chroma12-16k-hop256"
MAX_CACHE_S = 60.0  # longer files are cached from their start only (training crops <= 6 s)
RESERVED_KEYS = ("reserved_captions", "eval_captions")


class DatasetError(AlignerError):
    """A captioned folder cannot be used (missing captions.jsonl, bad line, no clips)."""


@dataclass
class Clip:
    file: str
    split: str
    captions: list[str]
    plan: dict = field(default_factory=dict)
    reserved: list[str] = field(default_factory=list)
    # per reserved caption, the facts it states ([attribute, op, value] lists, see
    # aligner.evaluate.satisfies); empty when the dataset does not say
    reserved_facts: list[list] = field(default_factory=list)


def read_dataset(root: Path | str, reserved: bool = False) -> list[Clip]:
    """captions.jsonl of `root` -> clips whose audio file exists, in file order."""
    root = Path(root)
    path = root / CAPTIONS_FILE
    if not path.is_file():
        raise DatasetError(str(root), f"no {CAPTIONS_FILE}: not a captioned dataset folder")
    clips, seen = [], set()
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a line cut by an interrupted corpus build: its clip is not complete
            f = rec.get("file")
            caps = rec.get("captions")
            if not isinstance(f, str) or not isinstance(caps, list) or not caps:
                raise DatasetError(f"{path}:{n}", "each line needs 'file' and a non-empty 'captions' list")
            if f in seen or not (root / f).is_file():
                continue
            seen.add(f)
            res, facts = [], []
            if reserved:
                for k in RESERVED_KEYS:
                    if isinstance(rec.get(k), list):
                        res = [str(c) for c in rec[k] if str(c).strip()]
                        break
                rf = rec.get("reserved_facts")
                if isinstance(rf, list) and len(rf) == len(res) and all(isinstance(x, list) for x in rf):
                    facts = rf
            clips.append(Clip(file=f, split=str(rec.get("split", "train")),
                              captions=[str(c) for c in caps], plan=rec.get("plan") or {},
                              reserved=res, reserved_facts=facts))
    if not clips:
        raise DatasetError(str(root), f"{CAPTIONS_FILE} lists no existing audio files")
    clips.sort(key=lambda c: c.file)
    return clips


def positive_key(clip: Clip) -> str | None:
    """Clips with the same key are interchangeable for a caption of either (two kick one-shots
    of the same kit): the contrastive loss treats them as positives, never pushes them apart."""
    p = clip.plan
    if p.get("kind") != "one-shot":
        return None
    inst = ",".join(sorted(str(i.get("instrument")) for i in p.get("instruments") or []
                           if isinstance(i, dict)))
    return f"{p.get('oneshot')}|{p.get('drums')}|{inst}"


# ---- audio features ---------------------------------------------------------------------------
def decode_features(path: Path) -> np.ndarray:
    """Audio file -> float16[76, frames] features of its first MAX_CACHE_S seconds."""
    import soundfile as sf

    from aligner.audio import to_mono_resampled
    from aligner.features import SAMPLE_RATE, compute_features
    try:
        info = sf.info(str(path))
        frames = int(min(info.frames, MAX_CACHE_S * info.samplerate))
        wave, sr = sf.read(str(path), frames=frames, dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as e:
        raise DatasetError(str(path), f"cannot decode audio: {e}") from e
    x = to_mono_resampled(wave, sr, SAMPLE_RATE)
    return compute_features(x).astype(np.float16)


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{FEATURE_VERSION}:{st.st_size}:{st.st_mtime_ns}"


def _npy_name(file: str) -> str:
    return hashlib.sha1(file.encode("utf-8")).hexdigest()[:20] + ".npy"


def _feature_job(args):
    root, cache, file = args
    try:
        feats = decode_features(Path(root) / file)
    except DatasetError as e:
        return file, None, str(e)
    dest = Path(cache) / "features" / _npy_name(file)
    tmp = dest.with_suffix(".tmp.npy")
    np.save(tmp, feats)
    os.replace(tmp, dest)
    return file, int(feats.shape[1]), None


def _init_feature_worker():
    from aligner import features
    features.FFT_WORKERS = 1  # the pool is the parallelism
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass


class FeatureCache:
    """Per-clip feature matrices on disk + a manifest {file: {"stamp", "npy", "frames"}}."""

    def __init__(self, root: Path | str, cache_dir: Path | str | None = None):
        self.root = Path(root)
        self.dir = Path(cache_dir) if cache_dir else self.root / CACHE_DIRNAME
        (self.dir / "features").mkdir(parents=True, exist_ok=True)
        self.manifest_path = self.dir / "features.json"
        self.manifest: dict = {}
        if self.manifest_path.is_file():
            try:
                self.manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            except ValueError:
                self.manifest = {}

    def _save(self):
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.manifest), encoding="utf-8")
        os.replace(tmp, self.manifest_path)

    def missing(self, clips: list[Clip]) -> list[str]:
        out = []
        for c in clips:
            m = self.manifest.get(c.file)
            if not m or m.get("stamp") != _stamp(self.root / c.file) \
                    or not (self.dir / "features" / m["npy"]).is_file():
                out.append(c.file)
        return out

    def build(self, clips: list[Clip], workers: int = 0,
              progress: Callable[[int, int, float], None] | None = None) -> dict[str, str]:
        """Compute the features of clips not cached yet; returns {file: reason} of failures."""
        todo = self.missing(clips)
        failures: dict[str, str] = {}
        if not todo:
            return failures
        workers = workers or os.cpu_count() or 1
        t0 = time.monotonic()
        jobs = [(str(self.root), str(self.dir), f) for f in todo]

        def record(i, result):
            file, frames, err = result
            if err:
                failures[file] = err
            else:
                self.manifest[file] = {"stamp": _stamp(self.root / file), "npy": _npy_name(file),
                                       "frames": frames}
            if i % 500 == 0:
                self._save()
            if progress:
                progress(i + 1, len(jobs), time.monotonic() - t0)
        if workers <= 1 or len(jobs) < 64:  # spawning workers costs seconds
            for i, job in enumerate(jobs):
                record(i, _feature_job(job))
        else:
            from aligner.spawn import spawn_pool
            with spawn_pool(workers, _init_feature_worker) as pool:
                for i, result in enumerate(pool.imap_unordered(_feature_job, jobs, chunksize=8)):
                    record(i, result)
        self._save()
        return failures

    def load(self, file: str) -> np.ndarray:
        return np.load(self.dir / "features" / self.manifest[file]["npy"])


class TextCache:
    """MiniLM sentence embeddings of captions: {caption: float16[384]} in one .npz file."""

    def __init__(self, cache_dir: Path):
        self.path = Path(cache_dir) / "text-minilm.npz"
        self.index: dict[str, int] = {}
        self.vectors = np.zeros((0, 384), dtype=np.float16)
        if self.path.is_file():
            data = np.load(self.path, allow_pickle=False)
            self.vectors = data["vectors"]
            self.index = {t: i for i, t in enumerate(data["texts"].tolist())}

    def build(self, texts: list[str], progress: Callable[[int, int, float], None] | None = None,
              batch: int = 256) -> None:
        from aligner.text import MiniLMEncoder
        todo = [t for t in dict.fromkeys(texts) if t not in self.index]
        if not todo:
            return
        todo.sort(key=len)  # batches of similar length: little padding, ~2x faster
        enc = MiniLMEncoder(precision="fp32")  # train on exact vectors; int8 queries stay within cos 0.998
        t0 = time.monotonic()
        last_save = t0
        parts = [self.vectors]  # concatenated when saved: growing one array is quadratic
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            parts.append(enc.encode(chunk).astype(np.float16))
            start = len(self.index)
            for k, t in enumerate(chunk):
                self.index[t] = start + k
            if time.monotonic() - last_save > 60:  # an interrupted run keeps what it embedded
                parts = [np.concatenate(parts)]
                self.vectors = parts[0]
                self._save()
                last_save = time.monotonic()
            if progress:
                progress(min(i + batch, len(todo)), len(todo), time.monotonic() - t0)
        self.vectors = np.concatenate(parts)
        self._save()

    def _save(self):
        texts_sorted = sorted(self.index, key=self.index.get)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, vectors=self.vectors, texts=np.array(texts_sorted))
        os.replace(tmp, self.path)

    def get(self, texts: list[str]) -> np.ndarray:
        return self.vectors[[self.index[t] for t in texts]].astype(np.float32)
