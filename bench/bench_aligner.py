"""Aligner speed on this machine: builtin audio embedding in x real time and one-query text
latency (uncached), and -- in the same run, on the same clips -- the CLAP HTSAT audio encoder and
its RoBERTa text encoder (random weights: a timing baseline; `aligner.clap_bench`).

    .venv/bin/python bench/bench_aligner.py [--clips-dir work-data/corpus-main] [--n 60]
        [--repeats 5] [--threads 2] [--json] [--no-clap]

Clips: `--n` audio files of mixed length (one-shots, loops, tracks) from a folder (decoded once,
not timed; stereo 44.1 kHz as the corpus stores them), or synthetic clips without a folder.
Audio timing = resample + fixed 10 s windows + features + network, windows batched across files
as the indexer batches them; median of `--repeats` runs. Text: median/p99 of 50 distinct queries,
each embedded once with the cache off.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUERIES = [f"{a} {b}" for a in ("warm analog", "punchy", "dark ambient", "fast", "lo-fi", "bright",
                                "distorted", "slow sad", "funky", "cinematic")
           for b in ("pad", "kick drum", "piano loop", "techno track", "guitar riff")]


def load_clips(folder: Path | None, n: int, seed: int = 0) -> list[tuple[np.ndarray, int]]:
    import soundfile as sf
    if folder is None:
        from aligner.clap_bench import synthetic_clips
        return synthetic_clips(seed)
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".flac", ".wav", ".ogg"))
    if not files:
        raise SystemExit(f"no audio files under {folder}")
    rng = np.random.default_rng(seed)
    pick = [files[i] for i in sorted(rng.choice(len(files), size=min(n, len(files)), replace=False))]
    return [sf.read(str(p), dtype="float32", always_2d=True) for p in pick]


def builtin_timing(aligner, clips, repeats: int, text: bool = True) -> dict:
    from aligner.audio import to_mono_resampled
    from aligner.base import l2_normalise, window_bounds
    audio_s = float(sum(len(w) / sr for w, sr in clips))

    def run():
        windows, owners = [], []
        for i, (w, sr) in enumerate(clips):
            x = to_mono_resampled(w, sr, aligner.sample_rate)
            for a, b in window_bounds(len(x), aligner.sample_rate):
                windows.append(x[a:b])
                owners.append(i)
        vecs = aligner.embed_windows(windows)
        owners = np.array(owners)
        return [l2_normalise(vecs[owners == i].mean(0)) for i in range(len(clips))], len(windows)

    run()  # warm-up
    wall, cpu = _timed(run, repeats)
    n_windows = run()[1]
    qt, qc = [], []
    for q in (QUERIES if text else []):
        w, c = _timed(lambda: aligner.embed_text([q], cache=False), 1)
        qt.append(w[0])
        qc.append(c[0])
    res = {"aligner": aligner.id, "clips": len(clips), "windows": n_windows,
           "audio_seconds": round(audio_s, 2),
           "audio_x_realtime": round(audio_s / float(np.median(wall)), 1),
           "audio_x_realtime_per_cpu_s": round(audio_s / float(np.median(cpu)), 1),
           "audio_runs_wall_s": [round(x, 3) for x in wall],
           "audio_runs_cpu_s": [round(x, 3) for x in cpu]}
    if qt:
        res.update({"text_latency_ms_median": round(1000 * float(np.median(qt)), 2),
                    "text_latency_ms_p99": round(1000 * float(np.percentile(qt, 99)), 2),
                    "text_cpu_ms_median": round(1000 * float(np.median(qc)), 2),
                    "text_queries": len(qt)})
    return res


def _timed(fn, repeats: int) -> tuple[list[float], list[float]]:
    """(wall seconds, process CPU seconds) of each of `repeats` calls. The team shares two
    cores: under load, CPU time says what the code costs, wall time what it got."""
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def clap_cpu_timing(clips) -> dict:
    """CPU seconds of the CLAP HTSAT audio path and RoBERTa text encoder on the same clips."""
    import torch

    from aligner.clap_bench import QUERY_TOKENS, full_size_clap
    clap = full_size_clap()
    audio_s = float(sum(len(w) / sr for w, sr in clips))
    clap.embed_audio_windows(*clips[0])  # warm-up
    _, cpu = _timed(lambda: [clap.embed_audio_windows(w, sr) for w, sr in clips], 1)
    ids = torch.randint(3, clap.model.config.text_config.vocab_size, (1, QUERY_TOKENS),
                        generator=torch.Generator().manual_seed(0))

    def text():
        with torch.inference_mode():
            clap.model.get_text_features(input_ids=ids, attention_mask=torch.ones_like(ids))
    text()
    _, tc = _timed(text, 20)
    return {"audio_x_realtime_per_cpu_s": round(audio_s / cpu[0], 1),
            "text_cpu_ms_median": round(1000 * float(np.median(tc)), 2)}


def main(argv=None) -> dict:
    import torch
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips-dir", type=Path, default=None)
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--aligner", default="builtin", help="builtin or builtin:PATH")
    ap.add_argument("--no-clap", action="store_true", help="skip the CLAP baseline")
    ap.add_argument("--audio-only", action="store_true",
                    help="builtin audio timing only (no text queries, no CLAP)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from aligner import load_aligner
    from catalog.settings import Settings
    clips = load_clips(args.clips_dir, args.n)
    aligner = load_aligner(Settings(aligner=args.aligner, device="cpu"))
    res = {"threads": args.threads, "load_average": [round(x, 1) for x in __import__("os").getloadavg()],
           "builtin": builtin_timing(aligner, clips, args.repeats, text=not args.audio_only)}
    if not (args.no_clap or args.audio_only):
        try:
            from aligner.clap_bench import clap_timing
        except ImportError:
            res["clap"] = None
        else:
            res["clap"] = clap_timing(clips, repeats=max(1, min(args.repeats, 3)))
            res["clap"].update({"cpu": clap_cpu_timing(clips)})
            res["builtin_vs_clap_audio"] = round(
                res["builtin"]["audio_x_realtime"] / res["clap"]["audio_x_realtime"], 1)
            res["builtin_vs_clap_audio_cpu"] = round(
                res["builtin"]["audio_x_realtime_per_cpu_s"]
                / res["clap"]["cpu"]["audio_x_realtime_per_cpu_s"], 1)
    if args.json:
        print(json.dumps(res))
    else:
        b = res["builtin"]
        print(f"builtin {b['aligner']}: audio {b['audio_x_realtime']}x real time (wall), "
              f"{b['audio_x_realtime_per_cpu_s']}x per CPU-second, on {b['clips']} clips "
              f"({b['audio_seconds']} s, {b['windows']} windows)" + (
                  f"; text {b['text_latency_ms_median']} ms median, {b['text_latency_ms_p99']} ms "
                  f"p99 (CPU {b['text_cpu_ms_median']} ms)" if "text_queries" in b else ""))
        if res.get("clap"):
            c = res["clap"]
            print(f"CLAP HTSAT (random weights): audio {c['audio_x_realtime']}x real time; "
                  f"RoBERTa text {c['text_latency_ms']} ms; builtin/CLAP audio speed "
                  f"{res['builtin_vs_clap_audio']}x")
    return res


if __name__ == "__main__":
    main()
