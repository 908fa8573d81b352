"""The JSON API under /api (described by /api/openapi.json).

Search results are the CLI's `--json` objects, produced by the same serializer
(`SearchResponse.to_json()`); this module only validates input and maps errors.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import func, select

from catalog.models import Failure, File, Job, Segment
from web import params
from web.errors import ApiError
from web.jobs import JobConflictError
from web.state import state
from web import tasks

bp = Blueprint("api", __name__, url_prefix="/api")


# ---- search ------------------------------------------------------------------------------
@bp.get("/search")
def search_get():
    """Read-only search (results as you type): never generates; see POST for that."""
    args = params.search_args(request.args.to_dict())
    if args["generate"]:
        raise ApiError(400, "invalid_parameter",
                       "generate: a GET search never generates; POST /api/search or /api/generate")
    return jsonify(tasks.search(state(), args))


@bp.post("/search")
def search_post():
    """Search; with {"generate": true} a miss generates a clip, indexes it and returns it."""
    return jsonify(tasks.search(state(), params.search_args(params.body())))


# ---- generation --------------------------------------------------------------------------
@bp.post("/generate")
def generate():
    """Start a generation job; poll /api/jobs/{id}; its result holds the new clip's result
    object (the same shape as a search result)."""
    b = params.body()
    spec = {
        "prompt": params.text(b.get("prompt"), "prompt"),
        "duration": params.number(b.get("duration"), "duration", lo=0.1, hi=300.0),
        "seed": params.integer(b.get("seed"), "seed", lo=0, hi=2**63 - 1),
    }
    job = state().jobs.start("generate", spec, tasks.generate_job(state(), spec))
    return jsonify(job), 202, {"Location": f"/api/jobs/{job['id']}"}


@bp.delete("/generated/<int:file_id>")
def delete_generated(file_id: int):
    return jsonify(tasks.delete_generated(state(), file_id))


# ---- index jobs --------------------------------------------------------------------------
@bp.get("/jobs")
def jobs_list():
    limit = params.integer(request.args.get("limit"), "limit", default=20, lo=1, hi=200)
    kind = params.choice(request.args.get("kind"), "kind", ("index", "generate"))
    return jsonify({"jobs": state().jobs.list(limit=limit, kind=kind)})


@bp.post("/jobs")
def jobs_start():
    """Start a bulk index of server folders: {"kind": "index", "paths": [...], "prune": false}."""
    st = state()
    b = params.body()
    kind = params.choice(b.get("kind", "index"), "kind", ("index",))
    paths = b.get("paths", b.get("path"))
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not paths:
        raise params.bad("paths", "give a non-empty list of server folders")
    if len(paths) > params.MAX_PATHS:
        raise params.bad("paths", f"at most {params.MAX_PATHS} folders per job")
    folders = [params.server_folder(p, "paths", st.index_roots) for p in paths]
    spec = {"paths": [str(f) for f in folders], "prune": params.boolean(b.get("prune"), "prune")}
    try:
        job = st.jobs.start(kind, spec, tasks.index_job(st, spec), exclusive=True)
    except JobConflictError as e:
        raise ApiError(409, "job_running", str(e)) from None
    return jsonify(job), 202, {"Location": f"/api/jobs/{job['id']}"}


@bp.get("/jobs/<int:job_id>")
def job_get(job_id: int):
    job = state().jobs.get(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job with id {job_id}")
    return jsonify(job)


@bp.post("/jobs/<int:job_id>/cancel")
def job_cancel(job_id: int):
    job = state().jobs.cancel(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job with id {job_id}")
    return jsonify(job)


# ---- files and stats ---------------------------------------------------------------------
def file_json(f: File, segments: list[Segment] | None = None) -> dict:
    out = {
        "id": f.id, "path": f.path, "name": f.name, "folder": f.folder, "format": f.format,
        "subtype": f.subtype, "size": f.size, "duration": f.duration,
        "sample_rate": f.sample_rate, "channels": f.channels, "title": f.title,
        "artist": f.artist, "genre": f.genre, "comment": f.comment, "source": f.source,
        "prompt": f.prompt, "seed": f.seed, "model": f.model,
        "indexed_at": f.indexed_at.isoformat() if f.indexed_at else None,
        "audio_url": f"/api/files/{f.id}/audio",
        "download_url": f"/api/files/{f.id}/download",
        "waveform_url": f"/api/files/{f.id}/waveform.png",
    }
    if segments is not None:
        out["segments"] = [{"id": s.id, "start": s.start, "end": s.end}
                           for s in segments if not s.is_file_level]
    return out


@bp.get("/files/<int:file_id>")
def file_detail(file_id: int):
    with state().catalog.session() as s:
        f = s.get(File, file_id)
        if f is None:
            raise ApiError(404, "not_found", f"no file with id {file_id}")
        segs = list(s.scalars(select(Segment).where(Segment.file_id == file_id)
                              .order_by(Segment.start)))
        return jsonify(file_json(f, segs))


@bp.get("/failures")
def failures():
    limit = params.integer(request.args.get("limit"), "limit", default=100, lo=1, hi=1000)
    with state().catalog.session() as s:
        rows = s.scalars(select(Failure).order_by(Failure.at.desc()).limit(limit))
        return jsonify({"failures": [{"path": r.path, "kind": r.kind, "reason": r.reason,
                                      "at": r.at.isoformat()} for r in rows]})


@bp.get("/stats")
def stats():
    st = state()
    with st.catalog.session() as s:
        by_source = dict(s.execute(select(File.source, func.count(File.id)).group_by(File.source)).all())
        by_format = dict(s.execute(select(File.format, func.count(File.id)).group_by(File.format)).all())
        files = sum(by_source.values())
        out = {
            "files": files,
            "segments": s.scalar(select(func.count(Segment.id))) or 0,
            "generated": by_source.get("generated", 0),
            "failures": s.scalar(select(func.count(Failure.id))) or 0,
            "hours": round((s.scalar(select(func.sum(File.duration))) or 0.0) / 3600.0, 4),
            "formats": by_format,
            "active_jobs": s.scalar(select(func.count(Job.id))
                                    .where(Job.state.in_(("queued", "running", "cancelling")))) or 0,
        }
    manifest = st.catalog.manifest()
    out["aligner_id"] = manifest.get("aligner_id")
    out["searcher_ready"] = st.searcher_ready
    return jsonify(out)


@bp.get("/health")
def health():
    return jsonify({"ok": True, "searcher_ready": state().searcher_ready})


@bp.get("/openapi.json")
def openapi():
    from web.openapi import document
    return jsonify(document())
