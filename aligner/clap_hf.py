"""Hugging Face-format CLAP checkpoints (laion/clap-htsat-unfused, laion/larger_clap_music, ...)
from a local folder, through transformers' `ClapModel`, never the network."""
from __future__ import annotations

from pathlib import Path

from aligner.base import WINDOW_S, AlignerError
from aligner.clap_common import (SAMPLE_RATE, ClapAligner, files_hash, has_tokenizer_files,
                                 load_roberta_tokenizer, resolve_device)

WEIGHT_PATTERNS = ("model.safetensors", "model-*.safetensors", "pytorch_model.bin",
                   "pytorch_model-*.bin")


def checkpoint_files(folder: Path) -> tuple[Path, list[Path]]:
    """(config.json, weight files) of an HF CLAP folder; AlignerError naming what is missing."""
    config = folder / "config.json"
    weights = sorted({w for pat in WEIGHT_PATTERNS for w in folder.glob(pat)})
    missing = []
    if not config.is_file():
        missing.append("config.json")
    if not weights:
        missing.append("model weights (model.safetensors or pytorch_model.bin)")
    if not (folder / "preprocessor_config.json").is_file():
        missing.append("preprocessor_config.json")
    if not has_tokenizer_files(folder):
        missing.append("tokenizer files (tokenizer.json or vocab.json + merges.txt)")
    if missing:
        raise AlignerError(str(folder), "not a complete Hugging Face CLAP checkpoint, missing: "
                           + ", ".join(missing))
    return config, weights

#: buffers that transformers recomputes, so a checkpoint may omit them
BUFFER_SUFFIXES = ("position_ids", "token_type_ids", "relative_position_index")


class HFClapAligner(ClapAligner):
    """`ClapModel` + `ClapFeatureExtractor` + RoBERTa tokenizer loaded from one local folder."""

    @classmethod
    def from_folder(cls, folder: str | Path, device: str = "cpu") -> "HFClapAligner":
        folder = Path(folder).expanduser().resolve()
        config_path, weights = checkpoint_files(folder)
        import torch
        from transformers import ClapConfig, ClapFeatureExtractor, ClapModel
        try:
            config = ClapConfig.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise AlignerError(str(config_path), f"not a CLAP config: {e}") from e
        if getattr(config, "model_type", None) != "clap":
            raise AlignerError(str(config_path), f"model_type is {config.model_type!r}, not 'clap'")
        tokenizer = load_roberta_tokenizer(folder, config.text_config.vocab_size,
                                           config.text_config.pad_token_id)
        try:
            fe = ClapFeatureExtractor.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError, TypeError) as e:
            raise AlignerError(str(folder / "preprocessor_config.json"),
                               f"cannot load the feature extractor: {e}") from e
        if fe.sampling_rate != SAMPLE_RATE or fe.nb_max_samples != int(WINDOW_S * SAMPLE_RATE):
            raise AlignerError(str(folder / "preprocessor_config.json"),
                               f"expects {fe.max_length_s} s at {fe.sampling_rate} Hz; cratedig's "
                               f"CLAP windows are {WINDOW_S:g} s at {SAMPLE_RATE} Hz")
        device = resolve_device(device)
        try:
            # float32 whatever the checkpoint's dtype: half precision is slow or unsupported on CPU
            model, info = ClapModel.from_pretrained(str(folder), config=config, local_files_only=True,
                                                    dtype=torch.float32, output_loading_info=True)
        except (OSError, ValueError, RuntimeError) as e:
            raise AlignerError(str(folder), f"cannot load the CLAP weights: {e}") from e
        # transformers fills missing weights with random values and only logs it: refuse instead.
        missing = [k for k in info.get("missing_keys", ()) if not k.endswith(BUFFER_SUFFIXES)]
        mismatched = list(info.get("mismatched_keys", ()))
        if missing or mismatched:
            bad = (missing + [str(m) for m in mismatched])
            raise AlignerError(str(folder), f"weights do not fit the config: {len(bad)} tensors "
                               f"missing or mismatched, e.g. {', '.join(map(str, bad[:3]))}")
        model.eval().to(device)
        return cls(model, fe, tokenizer, id="clap-" + files_hash([config_path, *weights]),
                   device=device)
