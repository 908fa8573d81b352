"""Published CLAP checkpoints as cratedig aligners: the shared part.

`load_clap(path, device)` picks the backend from what PATH is:
  - a folder with a Hugging Face-format CLAP checkpoint (config.json + weights + tokenizer +
    preprocessor_config.json, e.g. laion/clap-htsat-unfused, laion/larger_clap_music)
    -> `aligner.clap_hf.HFClapAligner`;
  - an original LAION-CLAP `.pt` file (630k, 630k-audioset, music_audioset; fused or not)
    -> `aligner.clap_laion.LaionClapAligner`, its weights mapped onto transformers' `ClapModel`
    (no laion-clap package needed).

Both run transformers' `ClapModel` through `ClapAligner` below: audio resampled to 48 kHz, cut by
`aligner.base.window_bounds` into fixed 10 s windows (never laion-clap's random crop), each
window padded the LAION way (repeat, then zero-pad to 10 s), the fusion branch never engaged
(it exists for clips over 10 s, which our windows never are), the file vector the normalised
mean of its windows. Nothing here touches the network: every file is read from local paths.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from aligner.base import WINDOW_S, Aligner, AlignerError, l2_normalise

SAMPLE_RATE = 48_000
#: LAION-CLAP tokenises with max_length=77 (the CLIP context length); kept for parity.
MAX_TOKENS = 77
#: RoBERTa's vocabulary has 50,265 entries. transformers 5.x offline can hand back a 5-token
#: placeholder vocabulary instead of failing; anything below this is treated as that failure.
MIN_TOKENIZER_VOCAB = 50_000
#: tokenizer files, one of which sets must be present in a tokenizer folder
TOKENIZER_FILE_SETS = (("tokenizer.json",), ("vocab.json", "merges.txt"))


def resolve_device(device: str | None) -> str:
    """'auto' -> 'cuda' when available, else 'cpu'; anything else is passed to torch as is."""
    import torch
    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def files_hash(paths: list[Path], length: int = 12) -> str:
    """Short sha256 over the names and contents of `paths` (in the given order)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0")
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
    return h.hexdigest()[:length]


def has_tokenizer_files(folder: Path) -> bool:
    return folder.is_dir() and any(all((folder / n).is_file() for n in s) for s in TOKENIZER_FILE_SETS)


def load_roberta_tokenizer(folder: Path, model_vocab: int, model_pad_id: int | None):
    """The RoBERTa BPE tokenizer from local files in `folder`, checked against the text tower.

    Raises AlignerError when the files are missing, when the vocabulary is a placeholder (the
    silent transformers 5.x offline failure), larger than the model's embedding table, or when
    the padding id disagrees with the model (RoBERTa derives position ids from it)."""
    folder = Path(folder)
    if not has_tokenizer_files(folder):
        raise AlignerError(str(folder), "no RoBERTa tokenizer files here: need tokenizer.json or "
                           "vocab.json + merges.txt (roberta-base's; see docs/CLAP.md)")
    from transformers import RobertaTokenizer
    try:
        tok = RobertaTokenizer.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, TypeError) as e:
        raise AlignerError(str(folder), f"cannot load the tokenizer: {e}") from e
    n = len(tok)
    if n < MIN_TOKENIZER_VOCAB:
        raise AlignerError(str(folder), f"tokenizer vocabulary has {n} entries, expected RoBERTa's "
                           f"~50,265 (>= {MIN_TOKENIZER_VOCAB}); the tokenizer files are incomplete "
                           "or a placeholder")
    if n > model_vocab:
        raise AlignerError(str(folder), f"tokenizer vocabulary has {n} entries but the text "
                           f"encoder embeds only {model_vocab}: tokenizer and checkpoint do not match")
    if model_pad_id is not None and tok.pad_token_id != model_pad_id:
        raise AlignerError(str(folder), f"tokenizer pad id {tok.pad_token_id} differs from the "
                           f"text encoder's {model_pad_id}: not a RoBERTa tokenizer")
    return tok


def clap_feature_extractor(num_mel_bins: int = 64, frequency_min: float = 50,
                           frequency_max: float = 14_000):
    """The LAION-CLAP front end (48 kHz, 1024-point STFT, hop 480, 64 mels 50 Hz-14 kHz, 10 s),
    as transformers' ClapFeatureExtractor implements it."""
    from transformers import ClapFeatureExtractor
    return ClapFeatureExtractor(feature_size=num_mel_bins, sampling_rate=SAMPLE_RATE,
                                hop_length=480, max_length_s=int(WINDOW_S), fft_window_size=1024,
                                frequency_min=frequency_min, frequency_max=frequency_max,
                                padding="repeatpad")


class ClapAligner(Aligner):
    """A transformers `ClapModel` + its feature extractor + RoBERTa tokenizer as an Aligner.

    `model` is in eval mode on `device`. The mel filter bank follows the checkpoint kind as in
    LAION-CLAP: fused models were trained on torchaudio-style HTK mels (stacked 4x for clips up
    to 10 s), unfused ones on librosa-style Slaney mels."""

    sample_rate = SAMPLE_RATE
    miss_threshold = None  # not calibrated for third-party weights

    def __init__(self, model, feature_extractor, tokenizer, *, id: str, device: str = "cpu"):
        self.model = model
        self.feature_extractor = feature_extractor
        self.tokenizer = tokenizer
        self.id = id
        self.device = device
        self.dim = int(model.config.projection_dim)
        self.fused = bool(model.config.audio_config.enable_fusion)

    def embed_text(self, texts: list[str]) -> np.ndarray:
        """texts -> float32[n, dim], L2-normalised. One text per forward pass, so a text's vector
        never depends on what it was batched with (padding changes the arithmetic)."""
        import torch
        if isinstance(texts, str):
            raise AlignerError("texts", "expected a list of strings, got one string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for i, t in enumerate(texts):
                if not isinstance(t, str):
                    raise AlignerError(repr(t), "text must be a string")
                enc = self.tokenizer([t], truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
                feats = self.model.get_text_features(input_ids=enc["input_ids"].to(self.device),
                                                     attention_mask=enc["attention_mask"].to(self.device))
                out[i] = feats.pooler_output[0].float().cpu().numpy()
        return l2_normalise(out)

    def prepare_windows(self, waveforms: list[np.ndarray]):
        """mono 48 kHz windows -> (input_features float32[n, 1 or 4, frames, mels], is_longer
        bool[n, 1]) on the model's device: `ClapFeatureExtractor`'s log-mel, computed batched
        with torch.stft in float64 (the extractor's per-frame numpy loop is ~20x slower)."""
        import torch
        fe = self.feature_extractor
        max_len = int(fe.nb_max_samples)
        batch = np.zeros((len(waveforms), max_len), dtype=np.float64)
        for k, w in enumerate(waveforms):
            if w.ndim != 1:
                raise AlignerError(f"window {k}", f"expected mono (samples,), got shape {w.shape}")
            if len(w) == 0:
                raise AlignerError(f"window {k}", "empty waveform")
            if len(w) > max_len:
                raise AlignerError(f"window {k}", f"{len(w)} samples is longer than one "
                                   f"{max_len / SAMPLE_RATE:g} s window at {SAMPLE_RATE} Hz")
            # LAION's "repeatpad": whole repeats of the clip, then zeros up to 10 s
            rep = np.tile(w.astype(np.float64), max_len // len(w))
            batch[k, :len(rep)] = rep
        n_fft, hop = int(fe.fft_window_size), int(fe.hop_length)
        filters = fe.mel_filters if self.fused else fe.mel_filters_slaney   # (freq bins, mels)
        x = torch.from_numpy(batch)
        spec = torch.stft(x, n_fft=n_fft, hop_length=hop, win_length=n_fft, center=True,
                          pad_mode="reflect", return_complex=True,
                          window=torch.hann_window(n_fft, periodic=True, dtype=torch.float64))
        power = spec.real ** 2 + spec.imag ** 2                              # (n, bins, frames)
        mel = torch.from_numpy(np.ascontiguousarray(filters.T, dtype=np.float64)) @ power
        db = 10.0 * torch.log10(torch.clamp(mel, min=1e-10))                 # (n, mels, frames)
        feats = db.transpose(1, 2).float().unsqueeze(1)                      # (n, 1, frames, mels)
        if self.fused:  # fused models take 4 views; for a clip <= 10 s all four are the clip
            feats = feats.expand(-1, 4, -1, -1).contiguous()
        # not "longer" than 10 s, so the fusion branch stays off (the extractor would flag a
        # random clip as longer to exercise it in training)
        is_longer = torch.zeros((len(waveforms), 1), dtype=torch.bool)
        return feats.to(self.device), is_longer.to(self.device)

    def embed_windows(self, waveforms: list[np.ndarray]) -> np.ndarray:
        """mono float32 windows at 48 kHz, each 1 sample to 10 s -> float32[n, dim], L2-normalised."""
        import torch
        if len(waveforms) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        waveforms = [np.asarray(w, dtype=np.float32) for w in waveforms]
        x, is_longer = self.prepare_windows(waveforms)
        with torch.inference_mode():
            out = self.model.get_audio_features(input_features=x, is_longer=is_longer)
        return l2_normalise(out.pooler_output.float().cpu().numpy())

    def embed_audio_features(self, input_features, is_longer):
        """The audio tower alone on prepared features (used by the benchmark)."""
        import torch
        with torch.inference_mode():
            return self.model.get_audio_features(input_features=input_features,
                                                 is_longer=is_longer).pooler_output


def load_clap(path: str | Path, device: str = "cpu", *, tokenizer_dir: str | Path | None = None
              ) -> ClapAligner:
    """`clap:PATH` -> an Aligner over a published CLAP checkpoint (see module docstring).

    `tokenizer_dir` overrides where a `.pt` checkpoint's RoBERTa tokenizer is looked for."""
    p = Path(path).expanduser()
    if p.is_dir():
        from aligner.clap_hf import HFClapAligner
        return HFClapAligner.from_folder(p, device=device)
    if p.is_file():
        if p.suffix.lower() not in (".pt", ".pth", ".ckpt"):
            raise AlignerError(str(p), "not a CLAP checkpoint: expected a Hugging Face CLAP folder "
                               "or a LAION-CLAP .pt file")
        from aligner.clap_laion import LaionClapAligner
        return LaionClapAligner.from_checkpoint(p, device=device, tokenizer_dir=tokenizer_dir)
    raise AlignerError(str(p), "no such file or folder")
