"""Audio by catalogue id (never by path): streaming with HTTP Range, download under the
original file name, and the waveform thumbnail.

Werkzeug's conditional `send_file` does the HTTP work: 206 with Content-Range for a satisfiable
Range, 416 for an unsatisfiable one, If-Range, ETag/Last-Modified and 304s.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, request, send_file

from catalog.models import File
from web import params
from web.errors import ApiError
from web.state import state
from web.waveform import DEFAULT_SIZE, MAX_HEIGHT, MAX_WIDTH, WaveformError, cached_waveform

bp = Blueprint("audio", __name__, url_prefix="/api/files")

MIMETYPES = {
    "wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg", "oga": "audio/ogg",
    "opus": "audio/ogg", "mp3": "audio/mpeg", "aiff": "audio/aiff", "aif": "audio/aiff",
}


def _file_on_disk(file_id: int) -> tuple[File, Path]:
    """The catalogue row and its path, which must still be a regular file on disk. The path
    comes from the catalogue only, so no request can name an arbitrary file."""
    with state().catalog.session() as s:
        f = s.get(File, file_id)
        if f is None:
            raise ApiError(404, "not_found", f"no file with id {file_id}")
    p = Path(f.path)
    if not p.is_file():
        raise ApiError(404, "file_missing",
                       f"file {file_id} is in the catalogue but gone from disk: {f.path}")
    return f, p


def _send(f: File, p: Path, *, as_attachment: bool):
    st = os.stat(p)
    resp = send_file(
        p, mimetype=MIMETYPES.get(f.format, "application/octet-stream"),
        as_attachment=as_attachment, download_name=f.name if as_attachment else None,
        conditional=True, etag=f"{f.id}-{st.st_size}-{int(st.st_mtime_ns)}",
        last_modified=st.st_mtime, max_age=0)
    resp.headers["Accept-Ranges"] = "bytes"
    resp.headers.setdefault("Cache-Control", "no-cache")  # revalidate with the ETag
    return resp


@bp.get("/<int:file_id>/audio")
def audio(file_id: int):
    f, p = _file_on_disk(file_id)
    return _send(f, p, as_attachment=False)


@bp.get("/<int:file_id>/download")
def download(file_id: int):
    f, p = _file_on_disk(file_id)
    return _send(f, p, as_attachment=True)


@bp.get("/<int:file_id>/waveform.png")
def waveform(file_id: int):
    w = params.integer(request.args.get("w"), "w", default=DEFAULT_SIZE[0], lo=16, hi=MAX_WIDTH)
    h = params.integer(request.args.get("h"), "h", default=DEFAULT_SIZE[1], lo=8, hi=MAX_HEIGHT)
    f, p = _file_on_disk(file_id)
    st = os.stat(p)
    try:
        png = cached_waveform(state().settings.cache_dir, f.id, str(p), st.st_size, st.st_mtime,
                              w, h)
    except WaveformError as e:
        raise ApiError(422, "undecodable", f"file {file_id}: {e.reason}") from None
    resp = send_file(png, mimetype="image/png", conditional=True, max_age=86400)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp
