"""Benchmark: seconds to generate a 10 s clip with 4 re-ranked candidates (cratedig's decoder +
engine + aligner), and, in the same run, transformers' MusicGen-small architecture (random
weights from a MusicgenConfig matching facebook/musicgen-small; nothing downloaded).

    .venv/bin/python bench/bench_generate.py [--runs 7] [--musicgen-tokens 25,75] [--json]

cratedig: models are loaded once (as in `cratedig serve` or a miss inside a search); each run is
`Generator.generate(prompt, duration=10, candidates=4)` including writing the FLAC. Medians.
A decoder with a plan scorer samples a pool of plans (`--pool`, default generate.POOL_SIZE) and
renders the best 4; they are ranked on 3 s previews, then the best that fit the render budget
(`--budget` seconds of audio, default generate.RENDER_BUDGET_S: 2 of 4 at 10 s) in full.

MusicGen-small: 10 s = 500 decoder steps (50 frames/s, 4 codebooks in the delay pattern, with
classifier-free guidance 3.0 as in its generation config: batch 2 per step). Generating 500
tokens on this CPU takes minutes, so by default two shorter runs (25 and 75 new tokens) are
timed, a line (fixed cost + cost per token) is fitted and extrapolated to 500 tokens, and the
EnCodec decode of 500 frames is timed separately and added. `--musicgen-tokens 500` times it
directly.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROMPTS = [
    "lo-fi hip hop beat with dusty drums and mellow electric piano, 10 seconds",
    "uplifting house loop with piano chords at 124 BPM in A minor",
    "cinematic orchestral strings and brass, slow and dark",
    "funky clavinet and slap bass groove, 104 bpm",
    "ambient synth pad drone in D major",
    "fast drum and bass break with a reese bass",
    "acoustic folk guitar and fiddle in G major, 3/4",
]


def bench_cratedig(runs: int, candidates: int, preview_s: float | None, decoder: str | None = None,
                   pool: int | None = None, budget: float | None = None) -> dict:
    import torch
    torch.set_num_threads(2)
    from catalog.settings import Settings
    from generator.generate import Generator
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.resolve({"home": tmp})
        t = time.perf_counter()
        from generator.decoder import load_decoder
        from generator.generate import POOL_SIZE, RENDER_BUDGET_S
        gen = Generator(settings, preview_s=preview_s, decoder=load_decoder(Path(decoder) if decoder else None),
                        pool_size=POOL_SIZE if pool is None else pool,
                        render_budget_s=RENDER_BUDGET_S if budget is None else budget)
        gen.generate("warm up", duration=2.0, candidates=1, write=False)
        load_s = time.perf_counter() - t
        times, cpus, scores = [], [], []
        for i in range(runs):
            prompt = PROMPTS[i % len(PROMPTS)]
            c0 = time.process_time()
            res = gen.generate(prompt, duration=10.0, seed=1000 + i, candidates=candidates)
            cpus.append(time.process_time() - c0)
            times.append(res.seconds)
            scores.append(res.score)
            print(f"  cratedig run {i + 1}/{runs}: {res.seconds:.3f} s wall, {cpus[-1]:.3f} s CPU "
                  f"({prompt[:50]}...)", file=sys.stderr)
    return {"median_s": statistics.median(times), "median_cpu_s": statistics.median(cpus),
            "min_s": min(times), "max_s": max(times),
            "runs": runs, "candidates": candidates, "clip_s": 10.0, "load_s": round(load_s, 2),
            "preview_s": gen.preview_s, "pool": gen.pool_size if gen.decoder.scorer is not None else None,
            "render_budget_s": gen.render_budget_s, "decoder": gen.decoder.id, "aligner": gen.aligner.id,
            "times": [round(x, 3) for x in times]}


def musicgen_small_config():
    from transformers import EncodecConfig, MusicgenConfig, MusicgenDecoderConfig, T5Config
    text = T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12,
                    relative_attention_num_buckets=32, feed_forward_proj="relu")
    audio = EncodecConfig(sampling_rate=32000, audio_channels=1, num_filters=64, codebook_size=2048,
                          codebook_dim=128, hidden_size=128, upsampling_ratios=[8, 5, 4, 4],
                          target_bandwidths=[2.2], num_lstm_layers=2, num_residual_layers=1,
                          use_causal_conv=False, norm_type="weight_norm", pad_mode="reflect",
                          normalize=False, compress=2, dilation_growth_rate=2, kernel_size=7,
                          last_kernel_size=7, residual_kernel_size=3, trim_right_ratio=1.0)
    dec = MusicgenDecoderConfig(vocab_size=2048, max_position_embeddings=2048, num_hidden_layers=24,
                                ffn_dim=4096, num_attention_heads=16, hidden_size=1024,
                                num_codebooks=4, audio_channels=1, pad_token_id=2048, bos_token_id=2048)
    return MusicgenConfig(text_encoder=text, audio_encoder=audio, decoder=dec)


def bench_musicgen(token_counts: list[int], repeats: int) -> dict:
    import numpy as np
    import torch
    from transformers import MusicgenForConditionalGeneration
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = MusicgenForConditionalGeneration(musicgen_small_config()).eval()
    params = sum(p.numel() for p in model.parameters())
    ids = torch.randint(0, 32128, (1, 12))
    mask = torch.ones_like(ids)
    timed, cpu = {}, {}
    with torch.inference_mode():
        for n in token_counts:
            xs, cs = [], []
            for _ in range(repeats):
                t, c0 = time.perf_counter(), time.process_time()
                codes = model.generate(input_ids=ids, attention_mask=mask, do_sample=True,
                                       guidance_scale=3.0, max_new_tokens=n, min_new_tokens=n,
                                       return_dict_in_generate=True)
                xs.append(time.perf_counter() - t)
                cs.append(time.process_time() - c0)
                del codes
            timed[n], cpu[n] = statistics.median(xs), statistics.median(cs)
            print(f"  musicgen {n} tokens (incl. EnCodec decode): {timed[n]:.2f} s wall, "
                  f"{cpu[n]:.2f} s CPU", file=sys.stderr)
        # EnCodec decode of 10 s worth of frames, timed on its own
        frames = torch.randint(0, 2048, (1, 1, 4, 500))
        t, c0 = time.perf_counter(), time.process_time()
        model.audio_encoder.decode(frames, [None])
        decode_500, decode_500_cpu = time.perf_counter() - t, time.process_time() - c0
    ns = sorted(timed)

    def extrapolate(t: dict, dec: float) -> tuple[float, str]:
        if 500 in t:
            return t[500], "timed directly"
        slope, intercept = np.polyfit(ns, [t[n] for n in ns], 1)
        # the timed runs include decoding their own (short) audio; a 500-frame decode is added
        return intercept + slope * 500 + dec, (
            f"linear fit over {ns} new tokens (fixed {intercept:.2f} s + {slope * 1000:.1f} ms/token) "
            f"extrapolated to 500 tokens + EnCodec decode of 500 frames ({dec:.2f} s)")
    total, method = extrapolate(timed, decode_500)
    total_cpu, method_cpu = extrapolate(cpu, decode_500_cpu)
    return {"seconds_10s": total, "cpu_seconds_10s": total_cpu, "per_audio_second": total / 10.0,
            "method": method, "method_cpu": method_cpu,
            "timed": {str(k): round(v, 3) for k, v in timed.items()},
            "timed_cpu": {str(k): round(v, 3) for k, v in cpu.items()},
            "params_millions": round(params / 1e6, 1)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--candidates", type=int, default=4)
    ap.add_argument("--preview", type=float, default=None, help="preview seconds (0 = rank full renders)")
    ap.add_argument("--decoder", default=None, help="decoder weights (default: the committed ones)")
    ap.add_argument("--pool", type=int, default=None, help="plans pre-screened by the scorer")
    ap.add_argument("--budget", type=float, default=None, help="seconds of audio rendered for ranking")
    ap.add_argument("--musicgen-tokens", default="25,75")
    ap.add_argument("--musicgen-repeats", type=int, default=1)
    ap.add_argument("--skip-musicgen", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    out = {"cpu_count": os.cpu_count(), "loadavg_start": os.getloadavg()[0]}
    out["cratedig"] = bench_cratedig(a.runs, a.candidates, a.preview, a.decoder, a.pool, a.budget)
    if not a.skip_musicgen:
        out["musicgen_small"] = bench_musicgen([int(x) for x in a.musicgen_tokens.split(",")], a.musicgen_repeats)
        out["ratio"] = out["musicgen_small"]["seconds_10s"] / out["cratedig"]["median_s"]
        out["ratio_cpu"] = out["musicgen_small"]["cpu_seconds_10s"] / out["cratedig"]["median_cpu_s"]
    out["loadavg_end"] = os.getloadavg()[0]
    if a.json:
        print(json.dumps(out, indent=1))
        return
    c = out["cratedig"]
    print(f"cratedig: 10 s clip, {c['candidates']} candidates: median {c['median_s']:.3f} s wall, "
          f"{c['median_cpu_s']:.3f} s CPU (min {c['min_s']:.3f}, max {c['max_s']:.3f}, {c['runs']} runs; "
          f"load {c['load_s']} s)")
    if "musicgen_small" in out:
        m = out["musicgen_small"]
        print(f"MusicGen-small architecture ({m['params_millions']} M params, random weights): "
              f"{m['seconds_10s']:.1f} s wall, {m['cpu_seconds_10s']:.1f} s CPU for 10 s "
              f"({m['per_audio_second']:.2f} s wall per audio second; {m['method']})")
        print(f"ratio MusicGen-small / cratedig: {out['ratio']:.0f}x wall, {out['ratio_cpu']:.0f}x CPU")
    print(f"load average {out['loadavg_start']:.1f} -> {out['loadavg_end']:.1f} on {out['cpu_count']} cores")


if __name__ == "__main__":
    main()
