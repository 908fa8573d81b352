"""The MiniLM tokenizer and weights loaded without importing transformers.

Importing transformers' BERT stack took ~3.5 s of every `cratedig search` (4.1 s to build the
text encoder, of a 6 s command). The tokenizer is the same Rust `tokenizers` backend that
transformers' BertTokenizerFast wraps, read from the model's tokenizer.json; the weights are
the model's safetensors file. tests/aligner checks ids and vectors against transformers.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace

from aligner.base import AlignerError


class Encoded(dict):
    """{"input_ids", "attention_mask"} like transformers' BatchEncoding (`.to(device)` too)."""

    def to(self, device) -> "Encoded":
        return Encoded({k: v.to(device) if hasattr(v, "to") else v for k, v in self.items()})


class WordPieceTokenizer:
    """Callable like a transformers tokenizer for what cratedig uses: texts -> ids and mask,
    with optional truncation to `max_length` tokens (special tokens included, as transformers
    counts them), right padding to the longest text, and `return_tensors="pt"`."""

    def __init__(self, path: Path):
        self._json = Path(path).read_text(encoding="utf-8")
        self._by_length: dict[int | None, object] = {}
        self._lock = threading.Lock()
        plain = self._backend(None)
        self.unk_token_id = plain.token_to_id("[UNK]")
        self.pad_token_id = plain.token_to_id("[PAD]")
        self._size = plain.get_vocab_size(with_added_tokens=True)

    def _backend(self, max_length: int | None):
        """One configured backend per truncation length: configuring a shared one per call
        would race between server threads."""
        tk = self._by_length.get(max_length)
        if tk is None:
            from tokenizers import Tokenizer
            with self._lock:
                tk = self._by_length.get(max_length)
                if tk is None:
                    tk = Tokenizer.from_str(self._json)
                    tk.no_padding()
                    if max_length is None:
                        tk.no_truncation()
                    else:
                        tk.enable_truncation(max_length=int(max_length))
                    self._by_length[max_length] = tk
        return tk

    def __len__(self) -> int:
        return self._size

    def __call__(self, texts, padding: bool = False, truncation: bool = False,
                 max_length: int | None = None, return_tensors: str | None = None,
                 add_special_tokens: bool = True) -> Encoded:
        single = isinstance(texts, str)
        batch = [texts] if single else [str(t) for t in texts]
        tk = self._backend(max_length if truncation and max_length else None)
        encs = tk.encode_batch(batch, add_special_tokens=add_special_tokens)
        ids = [e.ids for e in encs]
        if padding or return_tensors == "pt":
            if not padding and len({len(i) for i in ids}) > 1:
                raise ValueError("texts of different lengths need padding=True for tensors")
            width = max((len(i) for i in ids), default=0)
            mask = [[1] * len(i) + [0] * (width - len(i)) for i in ids]
            ids = [i + [self.pad_token_id] * (width - len(i)) for i in ids]
        else:
            mask = [[1] * len(i) for i in ids]
        if return_tensors == "pt":
            import torch
            return Encoded(input_ids=torch.tensor(ids, dtype=torch.long),
                           attention_mask=torch.tensor(mask, dtype=torch.long))
        if single:
            return Encoded(input_ids=ids[0], attention_mask=mask[0])
        return Encoded(input_ids=ids, attention_mask=mask)


def load_tokenizer(model_dir: Path):
    """The model's tokenizer: tokenizer.json through `tokenizers`, else (a folder with only
    vocab.txt) transformers' AutoTokenizer."""
    path = Path(model_dir) / "tokenizer.json"
    try:
        if path.is_file():
            return WordPieceTokenizer(path)
        from transformers import AutoTokenizer
        return AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    except Exception as e:  # OSError, ValueError, and the `tokenizers` library's own type
        raise AlignerError(str(model_dir), f"cannot load the MiniLM tokenizer: {e}") from e


def load_weights(model_dir: Path) -> tuple[dict, SimpleNamespace]:
    """(state dict as BertModel names it, config) from model.safetensors (or
    pytorch_model.bin) and config.json."""
    model_dir = Path(model_dir)
    try:
        config = SimpleNamespace(**json.loads((model_dir / "config.json").read_text()))
    except (OSError, ValueError) as e:
        raise AlignerError(str(model_dir / "config.json"), f"cannot read the MiniLM config: {e}") from e
    st, pt = model_dir / "model.safetensors", model_dir / "pytorch_model.bin"
    try:
        if st.is_file():
            from safetensors.torch import load_file
            sd = load_file(str(st))
        elif pt.is_file():
            import torch
            sd = torch.load(str(pt), map_location="cpu", weights_only=True)
        else:
            raise AlignerError(str(model_dir), "no MiniLM weights (model.safetensors or pytorch_model.bin)")
    except AlignerError:
        raise
    except Exception as e:  # a corrupt file: safetensors and torch raise their own types
        raise AlignerError(str(model_dir), f"cannot read the MiniLM weights: {e}") from e
    # checkpoints saved from BertForX carry a "bert." prefix; BertModel's own names do not
    return {k[5:] if k.startswith("bert.") else k: v for k, v in sd.items()}, config
