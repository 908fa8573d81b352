"""Original LAION-CLAP `.pt` checkpoints (630k, 630k-audioset, music_audioset; fused or not)
mapped onto transformers' `ClapModel`, so neither the laion-clap package (numpy<2 pin, undeclared
torchvision import, network access for roberta-base) nor the network is needed.

LAION-CLAP = HTSAT (Swin) audio branch + RoBERTa text branch + two 2-layer MLP projections.
transformers' ClapModel is the same network with renamed tensors; the renaming below follows
transformers' own conversion script. Tensors the embedding never uses (the torchlibrosa front end,
HTSAT's SED head, the training-only MLP "transforms", Swin attention masks) are dropped; anything
else unknown is an error, never silently ignored. The architecture (HTSAT-tiny or -base, fused
or not, projection size) is read from tensor shapes.
"""
from __future__ import annotations

import re
from pathlib import Path

from aligner.base import AlignerError
from aligner.clap_common import (ClapAligner, clap_feature_extractor, files_hash,
                                 has_tokenizer_files, load_roberta_tokenizer, resolve_device)

AUDIO_PREFIX_PT, AUDIO_PREFIX_HF = "audio_branch.", "audio_model.audio_encoder."
TEXT_PREFIX_PT, TEXT_PREFIX_HF = "text_branch.", "text_model."

#: LAION tensors with no counterpart in the embedding path
DROPPED = re.compile(r"^(audio_branch\.(spectrogram_extractor|logmel_extractor|tscam_conv|head)\."
                     r"|text_transform\.|audio_transform\.|text_branch\.embeddings\.position_ids$"
                     r"|audio_branch\.layers\.\d+\.blocks\.\d+\.attn_mask$)")

# Inside a Swin block: LAION name -> transformers name (qkv is split separately).
BLOCK_RENAMES = (
    ("norm1.", "layernorm_before."),
    ("norm2.", "layernorm_after."),
    ("attn.proj.", "attention.output.dense."),
    ("attn.relative_position_bias_table", "attention.self.relative_position_bias_table"),
    ("attn.relative_position_index", "attention.self.relative_position_index"),
    ("mlp.fc1.", "intermediate.dense."),
    ("mlp.fc2.", "output.dense."),
)
BLOCK_KEY = re.compile(r"^(layers\.\d+\.blocks\.\d+\.)(.*)$")
PROJ_KEY = re.compile(r"^(text|audio)_projection\.(0|2)\.(weight|bias)$")
#: transformers' buffers it recomputes itself; a LAION checkpoint need not carry them
HF_OWN_BUFFERS = ("text_model.embeddings.position_ids", "text_model.embeddings.token_type_ids")


class LaionCheckpointError(AlignerError):
    """A .pt file is not a LAION-CLAP checkpoint this loader understands."""


def laion_to_hf_state_dict(sd: dict) -> dict:
    """LAION-CLAP state dict (with or without DDP's `module.` prefix) -> ClapModel state dict."""
    out = {}
    unknown = []
    for key, value in sd.items():
        k = key[7:] if key.startswith("module.") else key
        if DROPPED.match(k):
            continue
        if k.startswith(TEXT_PREFIX_PT):
            out[TEXT_PREFIX_HF + k[len(TEXT_PREFIX_PT):]] = value
        elif m := PROJ_KEY.match(k):
            out[f"{m[1]}_projection.linear{1 if m[2] == '0' else 2}.{m[3]}"] = value
        elif k in ("logit_scale_a", "logit_scale_t"):
            out[k] = value
        elif k.startswith(AUDIO_PREFIX_PT):
            rest = k[len(AUDIO_PREFIX_PT):]
            if rest.startswith("bn0."):
                out[AUDIO_PREFIX_HF + "batch_norm." + rest[4:]] = value
            elif rest.startswith(("patch_embed.", "norm.")) or re.match(r"layers\.\d+\.downsample\.", rest):
                out[AUDIO_PREFIX_HF + rest] = value
            elif m := BLOCK_KEY.match(rest):
                head, tail = m[1], m[2]
                if tail.startswith("attn.qkv."):
                    q, kk, v = value.chunk(3, dim=0)
                    kind = tail[len("attn.qkv."):]
                    for name, part in (("query", q), ("key", kk), ("value", v)):
                        out[f"{AUDIO_PREFIX_HF}{head}attention.self.{name}.{kind}"] = part.clone()
                    continue
                for old, new in BLOCK_RENAMES:
                    if tail.startswith(old):
                        out[AUDIO_PREFIX_HF + head + new + tail[len(old):]] = value
                        break
                else:
                    unknown.append(key)
            else:
                unknown.append(key)
        else:
            unknown.append(key)
    if unknown:
        raise LaionCheckpointError("state dict", f"{len(unknown)} tensors not in LAION-CLAP's "
                                   f"HTSAT+RoBERTa layout, e.g. {', '.join(unknown[:3])}")
    return out


def hf_to_laion_state_dict(sd: dict) -> dict:
    """The exact inverse of `laion_to_hf_state_dict` (for the kept tensors), in LAION's naming
    without the `module.` prefix: lets a ClapModel be saved as a LAION-style checkpoint."""
    import torch
    out = {}
    qkv: dict[str, dict[str, torch.Tensor]] = {}
    for k, value in sd.items():
        if k in HF_OWN_BUFFERS:
            continue
        if k.startswith(TEXT_PREFIX_HF):
            out[TEXT_PREFIX_PT + k[len(TEXT_PREFIX_HF):]] = value
        elif m := re.match(r"^(text|audio)_projection\.linear([12])\.(weight|bias)$", k):
            out[f"{m[1]}_projection.{0 if m[2] == '1' else 2}.{m[3]}"] = value
        elif k in ("logit_scale_a", "logit_scale_t"):
            out[k] = value
        elif k.startswith(AUDIO_PREFIX_HF):
            rest = k[len(AUDIO_PREFIX_HF):]
            if rest.startswith("batch_norm."):
                out[AUDIO_PREFIX_PT + "bn0." + rest[len("batch_norm."):]] = value
            elif m := re.match(r"^(layers\.\d+\.blocks\.\d+\.)attention\.self\.(query|key|value)\.(weight|bias)$", rest):
                qkv.setdefault(f"{m[1]}attn.qkv.{m[3]}", {})[m[2]] = value
            elif m := BLOCK_KEY.match(rest):
                for old, new in BLOCK_RENAMES:
                    if m[2].startswith(new):
                        out[AUDIO_PREFIX_PT + m[1] + old + m[2][len(new):]] = value
                        break
                else:
                    raise KeyError(k)
            else:
                out[AUDIO_PREFIX_PT + rest] = value
        else:
            raise KeyError(k)
    for name, parts in qkv.items():
        out[AUDIO_PREFIX_PT + name] = torch.cat([parts["query"], parts["key"], parts["value"]], dim=0)
    return out


def config_from_state_dict(sd: dict):
    """A ClapConfig matching the tensor shapes of a (transformers-named) CLAP state dict."""
    from transformers import ClapConfig

    def get(k):
        if k not in sd:
            raise LaionCheckpointError("state dict", f"missing tensor {k}")
        return sd[k]

    a = AUDIO_PREFIX_HF
    proj = get(a + "patch_embed.proj.weight")                 # (embed, in_ch, patch, patch)
    stages = sorted({int(m[1]) for k in sd if (m := re.match(re.escape(a) + r"layers\.(\d+)\.", k))})
    depths, heads = [], []
    for i in stages:
        blocks = {int(m[1]) for k in sd
                  if (m := re.match(re.escape(a) + rf"layers\.{i}\.blocks\.(\d+)\.", k))}
        depths.append(len(blocks))
        heads.append(int(get(f"{a}layers.{i}.blocks.0.attention.self.relative_position_bias_table").shape[1]))
    table = get(f"{a}layers.0.blocks.0.attention.self.relative_position_bias_table").shape[0]
    window = int(round((table ** 0.5 + 1) / 2))               # table has (2w-1)^2 rows
    fc1 = get(f"{a}layers.0.blocks.0.intermediate.dense.weight")
    audio_proj = get("audio_projection.linear1.weight")       # (projection_dim, audio hidden)
    fused = (a + "patch_embed.mel_conv2d.weight") in sd
    audio_config = dict(
        patch_embeds_hidden_size=int(proj.shape[0]), patch_embed_input_channels=int(proj.shape[1]),
        patch_size=int(proj.shape[2]), depths=depths, num_attention_heads=heads, window_size=window,
        hidden_size=int(audio_proj.shape[1]), num_mel_bins=int(get(a + "batch_norm.weight").shape[0]),
        mlp_ratio=float(fc1.shape[0]) / float(fc1.shape[1]),
        enable_fusion=fused, fusion_type="aff_2d" if fused else None,
        enable_patch_layer_norm=(a + "patch_embed.norm.weight") in sd,
        qkv_bias=f"{a}layers.0.blocks.0.attention.self.query.bias" in sd)
    t = TEXT_PREFIX_HF
    hidden = int(get(t + "embeddings.word_embeddings.weight").shape[1])
    n_layers = len({int(m[1]) for k in sd if (m := re.match(re.escape(t) + r"encoder\.layer\.(\d+)\.", k))})
    text_config = dict(
        vocab_size=int(get(t + "embeddings.word_embeddings.weight").shape[0]), hidden_size=hidden,
        num_hidden_layers=n_layers, num_attention_heads=max(1, hidden // 64),  # RoBERTa: 64 per head
        intermediate_size=int(get(t + "encoder.layer.0.intermediate.dense.weight").shape[0]),
        max_position_embeddings=int(get(t + "embeddings.position_embeddings.weight").shape[0]),
        type_vocab_size=int(get(t + "embeddings.token_type_embeddings.weight").shape[0]),
        layer_norm_eps=1e-5)                                   # roberta-base's, as LAION used it
    return ClapConfig(text_config=text_config, audio_config=audio_config,
                      projection_dim=int(audio_proj.shape[0]))


def _numpy_global(name: str):
    """numpy objects pickled inside LAION checkpoints (metrics stored as numpy scalars), under
    their numpy 1.x (`numpy.core`) or 2.x (`numpy._core`) module names."""
    import importlib
    module, _, attr = name.rpartition(".")
    for mod in (module, module.replace("numpy.core", "numpy._core", 1)):
        try:
            return getattr(importlib.import_module(mod), attr)
        except (ImportError, AttributeError):
            continue
    return None


SAFE_NUMPY = re.compile(r"^numpy\.(core|_core)\.multiarray\.(scalar|_reconstruct)$"
                        r"|^numpy\.(dtype|ndarray)$|^numpy\.dtypes\.\w+DType$")


def read_checkpoint(path: Path) -> dict:
    """The state dict in a LAION `.pt` file, loaded with torch's weights-only unpickler (no code
    from the file runs); the numpy scalars LAION stores beside the weights are allow-listed."""
    import pickle
    import zipfile

    import torch
    try:
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except (RuntimeError, OSError, pickle.UnpicklingError, ValueError) as e:
        raise LaionCheckpointError(str(path), f"not a torch checkpoint: {e}") from e
    bad = [g for g in unsafe if not SAFE_NUMPY.match(g) or _numpy_global(g) is None]
    if bad:
        raise LaionCheckpointError(str(path), "refusing to unpickle objects other than tensors "
                                   f"and numpy scalars: {', '.join(bad[:5])}")
    allowed = [(_numpy_global(g), g) for g in unsafe]
    if unsafe:  # numpy dtypes are reached through BUILD, which the scan above does not list
        import numpy as np
        allowed += [c for c in vars(np.dtypes).values() if isinstance(c, type) and c.__name__.endswith("DType")]
    try:
        with torch.serialization.safe_globals(allowed):
            # mmap: the optimizer state saved beside the weights (about half the file) is
            # never read from disk
            ckpt = torch.load(str(path), map_location="cpu", weights_only=True,
                              mmap=zipfile.is_zipfile(path))
    except (RuntimeError, OSError, pickle.UnpicklingError, ValueError, EOFError) as e:
        raise LaionCheckpointError(str(path), f"cannot read checkpoint: {e}") from e
    sd = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(sd, dict) or not sd or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise LaionCheckpointError(str(path), "no state dict of tensors inside")
    return sd


def find_tokenizer(ckpt: Path, tokenizer_dir: Path | None) -> Path:
    """Where the RoBERTa tokenizer files for `ckpt` are: `tokenizer_dir` if given, else a
    `roberta-base` folder beside the checkpoint, else the checkpoint's own folder."""
    if tokenizer_dir is not None:
        return Path(tokenizer_dir).expanduser()
    for cand in (ckpt.parent / "roberta-base", ckpt.parent):
        if has_tokenizer_files(cand):
            return cand
    raise AlignerError(str(ckpt), "LAION-CLAP checkpoints need roberta-base's tokenizer files "
                       f"(tokenizer.json, or vocab.json + merges.txt) in {ckpt.parent / 'roberta-base'} "
                       f"or {ckpt.parent}; none found (see docs/CLAP.md)")


class LaionClapAligner(ClapAligner):
    """A LAION-CLAP `.pt` checkpoint running as transformers' `ClapModel`."""

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "cpu",
                        tokenizer_dir: str | Path | None = None) -> "LaionClapAligner":
        path = Path(path).expanduser().resolve()
        if not path.is_file():
            raise AlignerError(str(path), "no such checkpoint file")
        tok_dir = find_tokenizer(path, tokenizer_dir)      # fail before reading GBs of weights
        sd = laion_to_hf_state_dict(read_checkpoint(path))
        config = config_from_state_dict(sd)
        tokenizer = load_roberta_tokenizer(tok_dir, config.text_config.vocab_size,
                                           config.text_config.pad_token_id)
        from transformers import ClapModel
        model = ClapModel(config)
        try:
            result = model.load_state_dict(sd, strict=False)
        except RuntimeError as e:  # shape mismatches
            raise LaionCheckpointError(str(path), f"weights do not fit the inferred architecture: {e}") from e
        missing = [k for k in result.missing_keys if k not in HF_OWN_BUFFERS
                   and not k.endswith("relative_position_index")]
        if missing or result.unexpected_keys:
            raise LaionCheckpointError(str(path), f"{len(missing)} tensors missing "
                                       f"(e.g. {', '.join(missing[:3])}), {len(result.unexpected_keys)} "
                                       f"unexpected (e.g. {', '.join(result.unexpected_keys[:3])})")
        device = resolve_device(device)
        model.eval().to(device)
        fe = clap_feature_extractor(num_mel_bins=config.audio_config.num_mel_bins)
        return cls(model, fe, tokenizer, id="clap-" + files_hash([path]), device=device)
