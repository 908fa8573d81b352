"""CPU time of one never-seen search outside the text encoder, single process, no load test.

What a search costs the server besides `aligner.embed_text`: the vector store, the shortlist's
rows from SQL, exact re-scoring, grouping, keyword fusion, result JSON, and (in `http` mode)
Flask's request handling through the app's test client. The query embeddings are computed first
and then served from a dict, so the text encoder is out of the measurement; every query is
distinct, so the web response cache never answers. Reported: CPU ms per search (process_time,
so other load on the machine does not count), median of --runs runs of --n queries each.

The catalogue is bench_api.py's (real SQLite rows, synthetic vectors; built when absent):

    echo 10 > /proc/self/autogroup
    nice -n 10 .venv/bin/python bench/bench_search_cpu.py --segments 100000 --aligner random
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--aligner", default="random", help="aligner spec, or 'random' (timing only)")
    ap.add_argument("--work", default="/tmp/cratedig-bench-api")
    ap.add_argument("--basis-clips", type=int, default=None)
    ap.add_argument("--n", type=int, default=100, help="queries per run")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)

    import faiss
    import torch
    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    from bench_api import prepare, query_texts, random_weights
    from bench_search import BASIS_CLIPS

    from catalog.settings import Settings
    from web import create_app
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    spec = random_weights(work) if args.aligner == "random" else args.aligner
    home, aligner_id = prepare(work, args.segments, spec, 0, args.basis_clips or BASIS_CLIPS)
    app = create_app(Settings(home=home, aligner=spec, device="cpu"), warm=True)
    client = app.test_client()
    searcher = app.extensions["cratedig"].searcher()
    aligner = searcher.aligner
    texts = query_texts(20 + 2 * args.runs * args.n, args.seed)
    for q in texts[:20]:  # warm-up: SQLite pages, torch kernels
        client.get("/api/search", query_string={"q": q, "k": 10})
    embedded = {q: np.asarray(aligner.embed_text([q]), np.float32) for q in texts[20:]}
    aligner.embed_text = lambda batch: np.concatenate([embedded[t] for t in batch])

    def run(batch, mode: str) -> float:
        c0 = time.process_time()
        for q in batch:
            if mode == "http":
                r = client.get("/api/search", query_string={"q": q, "k": 10})
                if r.status_code != 200:
                    raise SystemExit(f"search failed: {r.status_code} {r.get_data(as_text=True)}")
            else:
                searcher.search(q, k=10, generate=False)
        return (time.process_time() - c0) / len(batch) * 1000

    res: dict[str, list[float]] = {"http": [], "searcher": []}
    i = 20
    for _ in range(args.runs):
        for mode in res:
            res[mode].append(round(run(texts[i:i + args.n], mode), 3))
            i += args.n
    out = {"segments": args.segments, "aligner": aligner_id, "store": searcher.store.kind,
           "nprobe": searcher.store.manifest.nprobe, "queries_per_run": args.n,
           "cpu_ms_per_search_median": {m: float(np.median(v)) for m, v in res.items()},
           "runs": res}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
