"""Int8 MiniLM forward: the default text path of the builtin aligner (one query in ~2-3 ms of
CPU instead of ~6-7 ms for the fp32 `LeanBert`).

A single query is a dozen tokens, so every Linear is a (12 x 384) @ (384 x 1536)-sized product:
the cost is reading 42 MB of fp32 weights, not arithmetic. Here weights are int8 (10.6 MB,
per output channel scales) and activations are quantised per token at run time, multiplied
with `torch._int_mm` (exact int32 accumulation). Per-token (not per-tensor) activation scales
keep every text's vector independent of what else is in its batch, and the integer product is
exact, so a text gives the same vector alone or batched (deterministic).

Plain int8 loses too much (cosine to the fp32 vector down to ~0.99: BERT activations have a few
outlier channels). SmoothQuant (Xiao et al. 2022) moves those outliers into the weights: input
channel j is divided by s_j and weight row j multiplied by it, s_j = amax_j^a / wmax_j^(1-a).
The activation maxima amax come from `CALIBRATION_FILE`, measured once on corpus captions
(`python -m aligner.text_fast CAPTIONS.jsonl`) and tied to the weights by a fingerprint.
Measured over 3,000 held-out captions: see BENCHMARKS.md "Text query latency".
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from aligner.base import AlignerError

CALIBRATION_FILE = Path(__file__).with_name("minilm_int8_calibration.npz")
SMOOTH_ALPHA = 0.65  # 0.5 left the FFN-output layer too lossy (min cosine 0.9954 vs 0.9981)
LINEARS = ("qkv", "o", "i", "f")  # attention in-projection, attention out, FFN in, FFN out
CALIBRATION_TEXTS = 1000


def weights_fingerprint(lean) -> str:
    """A cheap fingerprint of a LeanBert's weights (a few slices of every layer's tensors):
    calibration maxima measured on other weights must not be applied."""
    h = hashlib.sha256()
    h.update(lean.word[:4].numpy().tobytes())
    for layer in lean.layers:
        for t in (layer[0], layer[5], layer[7]):
            h.update(t[:2].numpy().tobytes())
    return h.hexdigest()[:16]


class Int8Linear:
    """y = x @ W + b with W int8 per output channel, x int8 per token (after dividing input
    channels by the smoothing factors). x float[M, K] -> float[M, N]."""

    def __init__(self, w_t, bias, act_amax, alpha: float = SMOOTH_ALPHA):
        """w_t float[K, N] (transposed weight), bias float[N], act_amax float[K]."""
        import torch
        wmax = w_t.abs().amax(1).clamp_min(1e-8)
        smooth = (act_amax.clamp_min(1e-5) ** alpha / wmax ** (1 - alpha)).clamp_min(1e-5)
        w = w_t * smooth[:, None]
        scale = w.abs().amax(0).clamp_min(1e-8) / 127.0  # per output channel
        self.w_q = torch.round(w / scale).to(torch.int8).contiguous()
        self.inv_smooth = (1.0 / smooth).contiguous()
        self.out_scale = (scale / 127.0).contiguous()  # folds the activations' /127 in as well
        self.bias = bias.contiguous()
        self._torch = torch

    def __call__(self, x):
        torch = self._torch
        x = x * self.inv_smooth
        # abs().amax(): the same exact maximum as vector_norm(inf), 4-10x cheaper per call
        amax = x.abs().amax(1, keepdim=True).clamp_min_(1e-8)
        x_q = (x * (127.0 / amax)).round_().to(torch.int8)
        acc = torch._int_mm(x_q, self.w_q)
        return torch.addcmul(self.bias, acc.to(x.dtype), amax * self.out_scale)


class Int8Bert:
    """The LeanBert forward with its four Linears per layer in int8 (`Int8Linear`); embeddings,
    LayerNorm, attention and GELU stay fp32. Same call: ids, mask int[B, L] -> float[B, L, H]."""

    def __init__(self, lean, calibration: dict[str, np.ndarray]):
        import torch
        self.lean = lean
        self.layers = []
        for i, (qkv_w, qkv_b, o_w, o_b, ln1, i_w, i_b, f_w, f_b, ln2) in enumerate(lean.layers):
            amax = {n: torch.from_numpy(np.asarray(calibration[f"{i}.{n}"], dtype=np.float32))
                    for n in LINEARS}
            self.layers.append((Int8Linear(qkv_w, qkv_b, amax["qkv"]), Int8Linear(o_w, o_b, amax["o"]),
                                ln1, Int8Linear(i_w, i_b, amax["i"]), Int8Linear(f_w, f_b, amax["f"]),
                                ln2))
        self._torch = torch

    def __call__(self, ids, mask):
        torch = self._torch
        F = torch.nn.functional
        lean = self.lean
        b, n = ids.shape
        h = lean.word.shape[1]
        d = h // lean.heads
        x = F.layer_norm(lean.word[ids] + lean.pos[:n] + lean.type0, (h,), *lean.ln0, lean.eps)
        attn_mask = None if bool(mask.all()) else mask[:, None, None, :].bool()
        for qkv, o, ln1, inter, out, ln2 in self.layers:
            q, k, v = qkv(x.reshape(b * n, h)).reshape(b, n, 3, lean.heads, d).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
            a = a.transpose(1, 2).reshape(b * n, h)
            x = F.layer_norm(o(a).reshape(b, n, h) + x, (h,), *ln1, lean.eps)
            y = F.gelu(inter(x.reshape(b * n, h)))
            x = F.layer_norm(out(y).reshape(b, n, h) + x, (h,), *ln2, lean.eps)
        return x


class TracedInt8Bert:
    """`Int8Bert` with the unpadded case compiled by TorchScript (trace + freeze +
    optimize_for_inference): the same kernels minus ~200 Python-level dispatches per query,
    ~18 % less CPU per query here and bit-identical outputs (tests/aligner checks). Padded
    batches (a mask with zeros) take the eager forward: the trace holds the no-mask branch."""

    def __init__(self, bert: Int8Bert):
        import torch
        self.eager = bert
        self._torch = torch
        self.traced = None
        try:
            self.traced = self._trace(bert)
        except Exception as e:  # TorchScript is deprecated upstream: a torch without it runs eager
            import logging
            logging.getLogger("cratedig.aligner").warning("int8 MiniLM runs eager: %s", e)

    @staticmethod
    def _trace(bert: Int8Bert):
        import warnings

        import torch

        class _NoMask(torch.nn.Module):
            def forward(self, ids):
                return bert(ids, torch.ones_like(ids))

        example = torch.tensor([[101, 4010, 11698, 2997, 102]])  # a 5-token text
        with torch.inference_mode(), warnings.catch_warnings():
            # the trace holds the no-mask branch on purpose; TorchScript's deprecation is known
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            traced = torch.jit.trace(_NoMask(), (example,), check_trace=False)
            return torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))

    def __call__(self, ids, mask):
        if self.traced is not None and bool(mask.all()):
            return self.traced(ids)
        return self.eager(ids, mask)


def activation_maxima(lean, tokenizer, texts: list[str], max_tokens: int) -> dict[str, np.ndarray]:
    """Per input channel max |activation| entering each Linear of the fp32 forward, over
    `texts` embedded one at a time (as queries are) -> {"<layer>.<linear>": float32[K]}."""
    import torch
    F = torch.nn.functional
    out: dict[str, torch.Tensor] = {}

    def seen(key, x):
        m = x.abs().amax(0)
        out[key] = torch.maximum(out[key], m) if key in out else m

    h = lean.word.shape[1]
    d = h // lean.heads
    with torch.inference_mode():
        for text in texts:
            ids = tokenizer([text], truncation=True, max_length=max_tokens, return_tensors="pt")["input_ids"]
            n = ids.shape[1]
            x = F.layer_norm(lean.word[ids] + lean.pos[:n] + lean.type0, (h,), *lean.ln0, lean.eps)[0]
            for i, (qkv_w, qkv_b, o_w, o_b, ln1, i_w, i_b, f_w, f_b, ln2) in enumerate(lean.layers):
                seen(f"{i}.qkv", x)
                q, k, v = torch.addmm(qkv_b, x, qkv_w).reshape(n, 3, lean.heads, d).permute(1, 2, 0, 3)
                a = F.scaled_dot_product_attention(q, k, v).transpose(0, 1).reshape(n, h)
                seen(f"{i}.o", a)
                x = F.layer_norm(torch.addmm(o_b, a, o_w) + x, (h,), *ln1, lean.eps)
                seen(f"{i}.i", x)
                y = F.gelu(torch.addmm(i_b, x, i_w))
                seen(f"{i}.f", y)
                x = F.layer_norm(torch.addmm(f_b, y, f_w) + x, (h,), *ln2, lean.eps)
    return {k: v.numpy().astype(np.float32) for k, v in out.items()}


def load_calibration(lean, path: Path = CALIBRATION_FILE) -> dict[str, np.ndarray]:
    """The stored activation maxima for these weights; AlignerError if missing or measured on
    other weights."""
    if not Path(path).is_file():
        raise AlignerError(str(path), "int8 text calibration file is missing")
    with np.load(path, allow_pickle=False) as data:
        stored = str(data["fingerprint"])
        if stored != weights_fingerprint(lean):
            raise AlignerError(str(path), f"int8 text calibration was measured on other MiniLM "
                               f"weights (fingerprint {stored}, these are {weights_fingerprint(lean)})")
        return {k: data[k] for k in data.files if k != "fingerprint"}


def calibration_texts(captions_jsonl: Path, n: int = CALIBRATION_TEXTS, seed: int = 0) -> list[str]:
    """`n` captions drawn (seeded) from the training split of a corpus captions.jsonl."""
    texts = []
    with open(captions_jsonl) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("split", "train") == "train":
                texts.extend(rec["captions"])
    if not texts:
        raise AlignerError(str(captions_jsonl), "no training captions to calibrate on")
    rng = np.random.default_rng(seed)
    return [texts[i] for i in rng.choice(len(texts), size=min(n, len(texts)), replace=False)]


def main(argv=None) -> None:
    """python -m aligner.text_fast CAPTIONS.jsonl [OUT.npz]: (re)measure the calibration."""
    import torch

    from aligner.text import MAX_TOKENS, MiniLMEncoder
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit(main.__doc__)
    torch.set_num_threads(1)
    out = Path(args[1]) if len(args) > 1 else CALIBRATION_FILE
    enc = MiniLMEncoder(precision="fp32")
    amax = activation_maxima(enc.lean, enc.tokenizer, calibration_texts(Path(args[0])), MAX_TOKENS)
    np.savez(out, fingerprint=np.array(weights_fingerprint(enc.lean)), **amax)
    print(f"wrote {out}: {len(amax)} activation maxima from {CALIBRATION_TEXTS} captions")


if __name__ == "__main__":
    main()
