"""The joint text-audio space. `load_aligner(settings)` builds the configured backend:

- "builtin"       the model trained by this project, weights at aligner/weights/builtin.pt
- "builtin:PATH"  the same model with another weights file (e.g. a fresh `aligner train` export)
- "clap:PATH"     a published CLAP checkpoint (Hugging Face folder or LAION-CLAP .pt file)

Backends are cached per (spec, device) in-process: loading MiniLM/CLAP takes seconds.
"""
from __future__ import annotations

import threading
from pathlib import Path

from aligner.base import Aligner, AlignerError, AlignerMismatchError, WindowEmbedding

__all__ = ["Aligner", "AlignerError", "AlignerMismatchError", "WindowEmbedding", "load_aligner",
           "resolve_device"]

_LOADED: dict[tuple[str, str], Aligner] = {}
_LOCK = threading.Lock()


def resolve_device(device: str) -> str:
    if device in ("", "auto", None):
        import torch
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_aligner(settings) -> Aligner:
    """settings.aligner ('builtin' | 'builtin:PATH' | 'clap:PATH') -> a ready Aligner."""
    spec = (getattr(settings, "aligner", "") or "builtin").strip()
    device = resolve_device(getattr(settings, "device", "auto"))
    key = (spec, device)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = _build(spec, device, int(getattr(settings, "batch_size", 32) or 32))
        return _LOADED[key]


def _build(spec: str, device: str, batch_size: int) -> Aligner:
    name, _, arg = spec.partition(":")
    if name == "builtin":
        from aligner.builtin import DEFAULT_WEIGHTS, BuiltinAligner
        path = Path(arg).expanduser() if arg else DEFAULT_WEIGHTS
        return BuiltinAligner(path, device=device, batch_size=batch_size)
    if name == "clap":
        if not arg:
            raise AlignerError(spec, "clap needs a path: clap:/path/to/checkpoint")
        path = Path(arg).expanduser()
        if not path.exists():
            raise AlignerError(str(path), "CLAP checkpoint not found")
        try:
            # imported lazily: the CLAP backends pull in transformers' CLAP classes
            from aligner.clap_common import load_clap
        except ImportError as e:
            raise AlignerError(spec, f"CLAP backend unavailable: {e}") from e
        return load_clap(path, device)
    raise AlignerError(spec, "unknown aligner; use 'builtin', 'builtin:PATH' or 'clap:PATH'")
