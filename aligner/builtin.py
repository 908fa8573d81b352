"""BuiltinAligner: the contrastive text-audio model trained by this project (`aligner/train.py`).

Audio: mono 16 kHz windows (<= 10 s, `aligner.base.WINDOW_S`) -> log-mel + chroma features
(`aligner.features`) -> `AudioTower` -> float32[n, 256]. Text: frozen all-MiniLM-L6-v2 + the
tempo/key/mode facts the text states (`aligner.text_facts`) -> `TextHead` -> float32[n, 256]. Both L2-normalised; inference is deterministic (eval mode, fixed
windows, padding masked so a window embeds the same alone or in a batch).

The weights file (`torch.save` of a plain dict, loaded with weights_only=True) holds:
`format`, `config`, `audio` (state dict), `text` (state dict), `logit_scale`, `miss_threshold`,
and `meta` (training summary).
"""
from __future__ import annotations

import threading

import hashlib
from collections import OrderedDict
from pathlib import Path

import numpy as np

from aligner.base import Aligner, AlignerError, l2_normalise
from aligner.features import SAMPLE_RATE, compute_features_batch, n_frames, pad_features

WEIGHTS_FORMAT = "cratedig-builtin-aligner/1"
DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "builtin.pt"
TEXT_CACHE_SIZE = 512
SINGLE_THREAD_TEXTS = 8


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_weights(path: Path) -> dict:
    """Load and validate a builtin weights file -> its dict; AlignerError if missing/corrupt."""
    import torch
    path = Path(path)
    if not path.is_file():
        raise AlignerError(str(path), "builtin aligner weights file not found "
                           "(train one with `cratedig aligner train DATASET_DIR`)")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many types for a corrupt file
        raise AlignerError(str(path), f"cannot read weights file: {type(e).__name__}: {e}") from e
    if not isinstance(blob, dict) or blob.get("format") != WEIGHTS_FORMAT:
        raise AlignerError(str(path), f"not a builtin aligner weights file (format "
                           f"{blob.get('format') if isinstance(blob, dict) else type(blob).__name__!r},"
                           f" expected {WEIGHTS_FORMAT!r})")
    for key in ("config", "audio", "text", "logit_scale"):
        if key not in blob:
            raise AlignerError(str(path), f"weights file lacks {key!r}")
    return blob


class BuiltinAligner(Aligner):
    #: torch-free per-window featurizer for indexer workers (`embed_features` takes its output)
    window_featurizer = "aligner.features:compute_features"

    def __init__(self, weights: Path | str = DEFAULT_WEIGHTS, device: str = "cpu",
                 batch_size: int = 32):
        import torch
        from aligner.model import JointModel, fuse_conv_bn
        self.weights_path = Path(weights)
        blob = read_weights(self.weights_path)
        self.id = "builtin-" + file_sha256(self.weights_path)[:10]
        # weights from before text facts existed have none
        model = JointModel({"text_facts": 0, **blob["config"]})
        try:
            model.audio.load_state_dict(blob["audio"])
            model.text.load_state_dict(blob["text"])
        except RuntimeError as e:
            raise AlignerError(str(self.weights_path), f"weights do not fit the model: {e}") from e
        model.eval()
        self.audio_tower = fuse_conv_bn(model.audio).to(device)
        self.text_head = model.text.to(device)
        self.dim = int(blob["config"]["dim"])
        self.sample_rate = SAMPLE_RATE
        mt = blob.get("miss_threshold")
        self.miss_threshold = None if mt is None else float(mt)
        self.meta = dict(blob.get("meta") or {})
        self.device = device
        self.batch_size = max(1, int(batch_size))
        # MiniLM is built on first text query: indexing never embeds text and saves ~5 CPU s.
        self._text_encoder_obj = None
        self._text_lock = threading.Lock()
        self._text_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._torch = torch

    # ---- text ------------------------------------------------------------------------
    def _text_encoder(self):
        if self._text_encoder_obj is None:
            with self._text_lock:  # concurrent first searches build it once
                if self._text_encoder_obj is None:
                    from aligner.text import MiniLMEncoder
                    self._text_encoder_obj = MiniLMEncoder(device=self.device)
        return self._text_encoder_obj

    def embed_text(self, texts: list[str], cache: bool = True) -> np.ndarray:
        """Texts -> float32[n, dim]. Recent queries are kept in a small LRU cache (the same
        text always gives the same vector; `cache=False` measures the encoder honestly)."""
        texts = [str(t) for t in texts]
        missing = [t for t in dict.fromkeys(texts) if not cache or t not in self._text_cache]
        if missing:
            vecs = self._embed_text_uncached(missing)
            if not cache:
                found = dict(zip(missing, vecs))
                return np.stack([found[t] for t in texts]) if texts else vecs
            for t, v in zip(missing, vecs):
                self._text_cache[t] = v
        out = []
        for t in texts:
            self._text_cache.move_to_end(t)
            out.append(self._text_cache[t])
        while len(self._text_cache) > TEXT_CACHE_SIZE:
            self._text_cache.popitem(last=False)
        if not out:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack(out).astype(np.float32)

    def _embed_text_uncached(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        threads = torch.get_num_threads()
        # a query is a few tokens: one thread is faster than two (the second mostly waits at
        # barriers, and on a busy machine those waits cost tens of milliseconds)
        if len(texts) <= SINGLE_THREAD_TEXTS and threads > 1:
            torch.set_num_threads(1)
        try:
            sent = self._text_encoder().encode(texts)
        finally:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
        return self.project_sentences(sent, texts)

    def project_sentences(self, sent: np.ndarray, texts: list[str]) -> np.ndarray:
        """Precomputed MiniLM sentence embeddings float32[n, 384] of `texts` -> float32[n, dim]."""
        torch = self._torch
        facts = None
        if self.text_head.n_facts:
            from aligner.text_facts import text_facts
            facts = torch.from_numpy(text_facts(texts)).to(self.device)
        with torch.inference_mode():
            z = self.text_head(torch.from_numpy(np.asarray(sent, dtype=np.float32)).to(self.device),
                               facts)
        return l2_normalise(z.cpu().numpy())

    # ---- audio -----------------------------------------------------------------------
    def embed_windows(self, waveforms: list[np.ndarray]) -> np.ndarray:
        """Mono float32 windows at 16 kHz (each <= one window; shorter than 1 s is zero-padded
        to 1 s) -> float32[n, dim]. Batched by similar length to limit padding."""
        torch = self._torch
        if not len(waveforms):
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(waveforms)), key=lambda i: n_frames(len(waveforms[i])))
        out = np.zeros((len(waveforms), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                idx = order[i:i + self.batch_size]
                feats, valid = compute_features_batch([waveforms[j] for j in idx])
                z = self.audio_tower(feats.to(self.device), valid.to(self.device))
                out[idx] = z.cpu().numpy()
        return l2_normalise(out)

    def embed_features(self, feats: list[np.ndarray]) -> np.ndarray:
        """Cached feature matrices float[76, T_i] (as `aligner.features.compute_features`)
        -> float32[n, dim]; used by evaluation on a training cache."""
        torch = self._torch
        out = np.zeros((len(feats), self.dim), dtype=np.float32)
        order = sorted(range(len(feats)), key=lambda i: feats[i].shape[1])
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                idx = order[i:i + self.batch_size]
                x, valid = pad_features([feats[j] for j in idx])
                out[idx] = self.audio_tower(x.to(self.device), valid.to(self.device)).cpu().numpy()
        return l2_normalise(out)

