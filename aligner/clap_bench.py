"""Timing baseline: the laion/clap-htsat-unfused architecture (HTSAT-tiny audio encoder +
RoBERTa-base text encoder, 512-d projections) with random weights, built offline from
transformers' ClapConfig defaults. Weights do not change the arithmetic, so the numbers are the
published model's speed on this machine; they say nothing about its quality.

    python -m aligner.clap_bench [--repeats 3] [--json]

`clap_timing(clips)` is also called by bench/bench_aligner.py in the same run as the builtin
aligner, on the same clips.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from aligner.audio import to_mono_resampled
from aligner.base import window_bounds
from aligner.clap_common import SAMPLE_RATE, ClapAligner, clap_feature_extractor

#: a typical query, "warm analog pad with a slow attack", is 9 RoBERTa tokens + <s> and </s>
QUERY_TOKENS = 11
BATCH = 16  # windows per forward pass, as Aligner.embed_audio_windows batches them


def full_size_clap(config=None, seed: int = 0) -> ClapAligner:
    """A ClapAligner over a random-weight ClapModel (default: the full clap-htsat-unfused size).
    Its tokenizer is None: text timing feeds token ids (no RoBERTa vocabulary is available
    offline; tokenising one query costs well under a millisecond)."""
    import torch
    from transformers import ClapConfig, ClapModel
    torch.manual_seed(seed)
    model = ClapModel(config if config is not None else ClapConfig()).eval()
    fe = clap_feature_extractor(num_mel_bins=model.config.audio_config.num_mel_bins)
    return ClapAligner(model, fe, None, id="clap-random", device="cpu")


def _median_time(fn, runs: int, warmup: int = 1) -> tuple[float, float]:
    """(median wall seconds, median process CPU seconds) of `fn()` over `runs` calls. CPU time
    is the load-independent figure on a shared machine (with n threads it can reach n x wall)."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall)), float(np.median(cpu))


def clap_timing(clips: list[tuple[np.ndarray, int]], *, repeats: int = 3, text_runs: int = 20,
                config=None, progress=None) -> dict:
    """Time the CLAP audio path on `clips` ((samples,) or (samples, channels) waveforms with
    their rates) and the text encoder on one query.

    Returns x real time (audio seconds / wall seconds, median of `repeats`) for the whole audio
    path (resample + 10 s windows + log-mel + HTSAT + projection), for the log-mel front end
    alone and for the encoder alone (HTSAT + projection on prepared features), and the median
    latency in ms of the text encoder (RoBERTa + projection) on one QUERY_TOKENS-token query.
    `*_cpu` keys give the same per second of process CPU time (all threads), which a busy
    machine does not distort."""
    import torch
    if not clips:
        raise ValueError("clap_timing needs at least one clip")
    aligner = full_size_clap(config)
    model = aligner.model
    audio_s = float(sum(len(w) / sr for w, sr in clips))

    def report(stage):
        if progress is not None:
            progress(stage)

    # whole path, as indexing would run it
    report("clap: audio path")
    t_full = _median_time(lambda: [aligner.embed_audio_windows(w, sr) for w, sr in clips], repeats)

    # front end and encoder apart, on the same windows
    windows = []
    for w, sr in clips:
        x = to_mono_resampled(w, sr, SAMPLE_RATE)
        windows += [x[a:b] for a, b in window_bounds(len(x), SAMPLE_RATE)]
    batches = [windows[i:i + BATCH] for i in range(0, len(windows), BATCH)]
    report("clap: log-mel front end")
    t_feat = _median_time(lambda: [aligner.prepare_windows(b) for b in batches], repeats, warmup=0)
    feats = [aligner.prepare_windows(b) for b in batches]
    report("clap: audio encoder")
    t_enc = _median_time(lambda: [aligner.embed_audio_features(x, lo) for x, lo in feats], repeats)

    report("clap: text encoder")
    ids = torch.randint(3, model.config.text_config.vocab_size, (1, QUERY_TOKENS),
                        generator=torch.Generator().manual_seed(0))
    ids[0, 0], ids[0, -1] = 0, 2  # <s> ... </s>
    mask = torch.ones_like(ids)

    def text_once():
        with torch.inference_mode():
            model.get_text_features(input_ids=ids, attention_mask=mask)
    t_text = _median_time(text_once, text_runs, warmup=3)

    n_params = lambda m: int(sum(p.numel() for p in m.parameters()))  # noqa: E731
    return {
        "model": "laion/clap-htsat-unfused architecture, random weights (timing only)",
        "audio_params": n_params(model.audio_model) + n_params(model.audio_projection),
        "text_params": n_params(model.text_model) + n_params(model.text_projection),
        "clips": len(clips),
        "windows": len(windows),
        "audio_seconds": round(audio_s, 3),
        "audio_x_realtime": round(audio_s / max(t_full[0], 1e-9), 2),
        "frontend_x_realtime": round(audio_s / max(t_feat[0], 1e-9), 2),
        "encoder_x_realtime": round(audio_s / max(t_enc[0], 1e-9), 2),
        "text_latency_ms": round(t_text[0] * 1000, 2),
        "audio_x_realtime_cpu": round(audio_s / max(t_full[1], 1e-9), 2),
        "encoder_x_realtime_cpu": round(audio_s / max(t_enc[1], 1e-9), 2),
        "text_cpu_ms": round(t_text[1] * 1000, 2),
        "text_tokens": QUERY_TOKENS,
        "torch_threads": torch.get_num_threads(),
        "repeats": repeats,
    }


def synthetic_clips(seed: int = 0) -> list[tuple[np.ndarray, int]]:
    """About 75 s of mixed clips: one-shots, loops and a track, mono and stereo, 16-48 kHz."""
    rng = np.random.default_rng(seed)
    spec = [(0.5, 44_100, 2), (1.5, 48_000, 1), (2.0, 16_000, 1), (4.0, 44_100, 2),
            (8.0, 22_050, 1), (10.0, 48_000, 2), (18.0, 44_100, 2), (30.0, 44_100, 2)]
    clips = []
    for seconds, sr, ch in spec:
        t = np.arange(int(seconds * sr)) / sr
        f0 = rng.uniform(60, 800)
        tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
        env = np.exp(-((t % 0.5) * rng.uniform(2, 8)))
        x = 0.2 * tone * env + 0.02 * rng.standard_normal(len(t))
        x = np.repeat(x[:, None], ch, axis=1) if ch > 1 else x
        clips.append((x.astype(np.float32), sr))
    return clips


def main(argv=None) -> None:
    import torch
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of the audio path (median)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (this machine: 2 cores)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    res = clap_timing(synthetic_clips(), repeats=args.repeats)
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:22s} {v}")


if __name__ == "__main__":
    main()
