"""The web's calls into the verbs: search, bulk index, generate, delete a generated clip.

Each returns JSON-ready dicts in the CLI's shapes (`SearchResponse.to_json()`,
`IndexSummary.to_json()`); long ones are job functions taking a `web.jobs.Progress`.
"""
from __future__ import annotations

import threading
from pathlib import Path

from catalog.models import File
from web.errors import ApiError
from web.state import WebState

# One writer of the vector store per process at a time (index jobs and generations share it).
_WRITE_LOCK = threading.Lock()


def _filters(f: dict):
    from search import SearchFilters
    return SearchFilters(min_duration=f["min_duration"], max_duration=f["max_duration"],
                         path_prefix=f["folder"], format=f["format"], source=f["source"])


def _like_path(st: WebState, file_id: int) -> str:
    """"More like this" names a file by catalogue id; the searcher embeds that file's audio."""
    with st.catalog.session() as s:
        f = s.get(File, file_id)
        if f is None:
            raise ApiError(404, "not_found", f"like: no file with id {file_id}")
        path = f.path
    if not Path(path).is_file():
        raise ApiError(404, "file_missing", f"like: file {file_id} is gone from disk: {path}")
    return path


def search(st: WebState, args: dict) -> dict:
    """The search as JSON; read-only searches are answered from the response cache while the
    vector store's generation (and so the catalogue's searchable content) is unchanged."""
    if args["generate"]:
        st.generator()  # the miss handler generates with the app's generator (and decoder)
        return _search(st, args)
    searcher = st.searcher()
    searcher.store.refresh()  # picks up other writers' saves, so the generation is current
    generation = searcher.store.manifest.generation
    key = st.response_cache.key(args)
    out = st.response_cache.get(key, generation)
    if out is None:
        out = _search(st, args)
        st.response_cache.put(key, generation, out)
    return out


def _search(st: WebState, args: dict) -> dict:
    like = _like_path(st, args["like"]) if args["like"] is not None else None
    searcher = st.searcher()
    k = args["k"] + (1 if like is not None else 0)  # room for the example, dropped below
    resp = searcher.search(args["q"], k=k, segments=args["segments"], like=like,
                           filters=_filters(args["filters"]), min_score=args["min_score"],
                           generate=args["generate"])
    out = resp.to_json()
    # the page offers "generate" on a miss; the CLI's JSON object is extended, not changed
    out["miss"] = bool(resp.miss)
    if like is not None:
        out["like"] = args["like"]
        # an example finds itself first: "more like this" means the others
        out["results"] = [r for r in out["results"] if r["id"] != args["like"]][:args["k"]]
    return out


def index_job(st: WebState, spec: dict):
    """Job function for a bulk index of `spec["paths"]`."""
    def run(progress) -> dict:
        from indexer import run_index

        def on_progress(p) -> None:
            msg = "saving the vector index" if getattr(p, "phase", "index") == "store" else None
            progress.update(done=p.files_done, total=p.files_total,
                            audio_seconds=p.audio_seconds, message=msg)

        progress.update(message="scanning folders", force=True)
        with _WRITE_LOCK:
            summary = run_index(st.settings, [Path(p) for p in spec["paths"]], aligner=st.aligner,
                                prune=spec["prune"], progress=on_progress)
        out = summary.to_json()
        progress.update(done=summary.indexed + len(summary.failed),
                        total=summary.indexed + len(summary.failed),
                        audio_seconds=summary.audio_seconds, message=summary.headline(), force=True)
        return out
    return run


def generate_job(st: WebState, spec: dict):
    """Job function: make a clip for the prompt, index it from its audio, return it as a search
    result object. Without a seed this is the search's generate-on-miss step (`search.miss`):
    a clip generated earlier for the same prompt is reused, and concurrent identical requests
    generate once. With a seed, a clip is generated for that seed like `cratedig generate`."""
    def run(progress) -> dict:
        from search import NothingIndexedError, SearchResponse
        from search.miss import MissHandler, prompt_lock

        progress.update(message="loading models", force=True)
        searcher = st.searcher()
        gen = st.generator()
        prompt = spec["prompt"]

        def on_progress(phase: str, n: int, total: int) -> None:
            progress.update(done=n, total=total, message=f"{phase} candidate {n}/{total}")

        progress.update(message="decoding the prompt", force=True)
        try:
            resp = searcher.search(prompt, k=10, generate=False)
        except NothingIndexedError:  # an empty catalogue: everything is a miss
            resp = SearchResponse(query=prompt, miss=True)
        qvec = searcher.embed_query(resp.query)
        if spec["seed"] is None:
            handler = MissHandler(generator=gen, duration=spec["duration"], progress=on_progress)
            with _WRITE_LOCK:
                searcher.store.refresh()  # it writes through the searcher's store: load the latest
                resp = handler(searcher, resp, qvec)
            return {"result": resp.results[0].to_json(), "generated": resp.generated,
                    "response": resp.to_json()}
        with prompt_lock(st.settings, prompt), _WRITE_LOCK:
            result = gen.generate(prompt, duration=spec["duration"], seed=spec["seed"],
                                  progress=on_progress)
            progress.update(message="indexing the new clip", force=True)
            file_id = _ingest_generated(st, searcher, gen, result)
        return {"result": _file_result(searcher, prompt, str(result.path)), "generated": True,
                "generation": result.to_json(), "file_id": file_id}
    return run


def _writable_store(st: WebState):
    """A store to write through, synced with the catalogue now (the searcher's copy may be older
    than what an index job or another worker saved since; writing it back would lose that)."""
    from catalog.store_sync import open_store
    a = st.aligner
    return open_store(st.settings, st.catalog, a.id, a.dim)


def _ingest_generated(st: WebState, searcher, gen, result) -> int:
    from indexer import ingest_files
    path = str(result.path)
    summary = ingest_files(st.settings, searcher.catalog, _writable_store(st), searcher.aligner, [path],
                           source="generated",
                           extra_tags={"prompt": result.prompt, "seed": result.seed,
                                       "model": gen.model_id})
    if summary.failed or path not in summary.files:
        reason = summary.failed[0].reason if summary.failed else "not written to the catalogue"
        raise RuntimeError(f"the generated clip {path} could not be indexed: {reason}")
    return summary.files[path]


def _file_result(searcher, prompt: str, path: str) -> dict:
    """The clip's search result for its prompt: the same search, restricted to that one file."""
    from search import SearchFilters
    resp = searcher.search(prompt, k=1, filters=SearchFilters(path_prefix=path), generate=False)
    if not resp.results or resp.results[0].path != path:
        raise RuntimeError(f"the generated clip {path} was indexed but the search cannot find it")
    return resp.results[0].to_json()


def delete_generated(st: WebState, file_id: int) -> dict:
    """Remove a generated clip (catalogue rows, vectors, the file in the generated folder)
    through `search.miss.remove_generated`, the function behind `cratedig generated rm`."""
    from search.miss import remove_generated

    with st.catalog.session() as s:
        f = s.get(File, file_id)
        if f is None:
            raise ApiError(404, "not_found", f"no file with id {file_id}")
        if f.source != "generated":
            raise ApiError(409, "not_generated",
                           f"file {file_id} is a catalogue file, not a generated clip; only "
                           "generated clips can be deleted here")
    with _WRITE_LOCK:
        out = remove_generated(st.settings, file_id, catalog=st.catalog, store=_writable_store(st))
    return {**out, "deleted": True}
