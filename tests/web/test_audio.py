"""Audio by id: streaming with HTTP Range, conditional requests, download names, waveforms,
and path traversal attempts on every route that takes an id or a path."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest

from web_helpers import file_ids


@pytest.fixture
def a440(app):
    from catalog.models import File
    fid = file_ids(app)["a440.flac"]
    with app.extensions["cratedig"].catalog.session() as s:
        return fid, Path(s.get(File, fid).path)


def test_whole_file(client, a440):
    fid, path = a440
    resp = client.get(f"/api/files/{fid}/audio")
    assert resp.status_code == 200
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert resp.mimetype == "audio/flac"
    assert resp.data == path.read_bytes()
    assert int(resp.headers["Content-Length"]) == path.stat().st_size
    assert "attachment" not in resp.headers.get("Content-Disposition", "")


@pytest.mark.parametrize("header, lo, hi", [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, None),
    ("bytes=-50", -50, None),
    ("bytes=10-10", 10, 10),
])
def test_range_requests_give_206(client, a440, header, lo, hi):
    fid, path = a440
    data = path.read_bytes()
    size = len(data)
    resp = client.get(f"/api/files/{fid}/audio", headers={"Range": header})
    assert resp.status_code == 206
    first = lo if lo >= 0 else size + lo
    last = size - 1 if hi is None else hi
    assert resp.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert resp.data == data[first:last + 1]
    assert int(resp.headers["Content-Length"]) == last - first + 1


def test_unsatisfiable_range_is_416_in_the_error_shape(client, a440):
    fid, path = a440
    size = path.stat().st_size
    resp = client.get(f"/api/files/{fid}/audio", headers={"Range": f"bytes={size + 10}-"})
    assert resp.status_code == 416
    assert resp.get_json()["error"]["code"] == "range_not_satisfiable"
    assert resp.headers["Content-Range"] == f"bytes */{size}"


def test_conditional_requests(client, a440):
    fid, path = a440
    first = client.get(f"/api/files/{fid}/audio")
    etag = first.headers["ETag"]
    again = client.get(f"/api/files/{fid}/audio", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # If-Range with a stale validator: the whole file, not a slice of a different version
    stale = client.get(f"/api/files/{fid}/audio", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.data == path.read_bytes()
    fresh = client.get(f"/api/files/{fid}/audio", headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206 and len(fresh.data) == 10


def test_download_keeps_the_original_name(client, app):
    ids = file_ids(app)
    resp = client.get(f"/api/files/{ids['Kick 808.wav']}/download")
    assert resp.status_code == 200 and resp.mimetype == "audio/wav"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="Kick 808.wav"'
    uni = client.get(f"/api/files/{ids['Ünïcode ton.ogg']}/download")
    cd = uni.headers["Content-Disposition"]
    assert cd.startswith("attachment;") and "filename*=UTF-8''%C3%9Cn%C3%AFcode%20ton.ogg" in cd
    part = client.get(f"/api/files/{ids['Kick 808.wav']}/download", headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.data == b"RIFF"


def test_file_gone_from_disk(fresh_app, tmp_path):
    from web_helpers import wait_job
    from web_audio import write_audio
    client = fresh_app.test_client()
    lib = tmp_path / "roots" / "lib"
    clip = write_audio(lib / "soon_gone.wav", 0.5, 16_000, 1, ("WAV", "PCM_16"), "sine440")
    assert wait_job(client, client.post("/api/jobs", json={"paths": [str(lib)]}).get_json()["id"])["state"] == "done"
    fid = file_ids(fresh_app)["soon_gone.wav"]
    clip.unlink()
    for url in (f"/api/files/{fid}/audio", f"/api/files/{fid}/download", f"/api/files/{fid}/waveform.png"):
        resp = client.get(url)
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "file_missing"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_waveform_png_is_drawn_and_cached(client, app, a440):
    fid, _ = a440
    resp = client.get(f"/api/files/{fid}/waveform.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert _png_size(resp.data) == (480, 64)
    cache = app.extensions["cratedig"].settings.cache_dir / "waveforms"
    cached = list(cache.glob(f"{fid}-*-480x64.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == resp.data
    before = cached[0].stat().st_mtime_ns
    small = client.get(f"/api/files/{fid}/waveform.png?w=100&h=20")
    assert _png_size(small.data) == (100, 20)
    assert client.get(f"/api/files/{fid}/waveform.png").data == resp.data
    assert cached[0].stat().st_mtime_ns == before  # served from the cache, not redrawn
    for bad in ("w=0", "w=5000", "h=abc", "h=7"):
        r = client.get(f"/api/files/{fid}/waveform.png?{bad}")
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_parameter"


ID_ROUTES = ["/api/files/{}", "/api/files/{}/audio", "/api/files/{}/download",
             "/api/files/{}/waveform.png", "/api/jobs/{}", "/api/generated/{}", "/api/jobs/{}/cancel"]
TRAVERSALS = ["../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "%252e%252e%252f%252e%252e%252fetc%252fpasswd", "/etc/passwd", "%2Fetc%2Fpasswd",
              "1/../../../etc/passwd", "..\\..\\etc\\passwd", "1%00", "-1", "1.5", "0x1"]


@pytest.mark.parametrize("route", ID_ROUTES)
def test_no_traversal_through_id_routes(client, route):
    for bad in TRAVERSALS:
        url = route.format(bad)
        method = "delete" if "generated" in route else ("post" if "cancel" in route else "get")
        resp = getattr(client, method)(url, follow_redirects=True)
        assert resp.status_code in (404, 405), (url, resp.status_code)
        assert resp.is_json and resp.get_json()["error"]["status"] == resp.status_code
        assert b"root:" not in resp.data


@pytest.mark.parametrize("url", [
    "/static/../web/__init__.py", "/static/..%2f__init__.py", "/static/%2e%2e/__init__.py",
    "/static/%252e%252e/__init__.py", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
    "/static/....//....//etc/passwd", "/static/..\\__init__.py",
])
def test_no_traversal_through_static(client, url):
    resp = client.get(url, follow_redirects=True)  # '//' is merged by a redirect within /static
    assert resp.status_code == 404 and resp.is_json
    assert b"root:" not in resp.data and b"create_app" not in resp.data


def test_static_assets_are_served_by_the_app(client):
    for name, kind in (("search.js", "javascript"), ("common.js", "javascript"),
                       ("index.js", "javascript"), ("style.css", "css")):
        resp = client.get(f"/static/{name}")
        assert resp.status_code == 200 and kind in resp.mimetype
