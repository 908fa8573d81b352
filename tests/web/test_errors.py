"""One JSON error shape for every error: {"error": {"code", "message", "status"}} (pinned)."""
from __future__ import annotations

import pytest


def assert_error_shape(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "status"}
    assert err["status"] == status and isinstance(err["message"], str) and err["message"]
    assert isinstance(err["code"], str) and err["code"] == err["code"].lower()
    if code is not None:
        assert err["code"] == code
    return err


def test_404_everywhere(client):
    for url in ("/nope", "/api/nope", "/api/files/999999", "/static/nope.js"):
        assert_error_shape(client.get(url), 404, "not_found")


def test_405_keeps_allow(client):
    resp = client.delete("/api/search")
    err = assert_error_shape(resp, 405, "method_not_allowed")
    assert "DELETE" in err["message"] and "GET" in resp.headers["Allow"]
    assert_error_shape(client.put("/"), 405, "method_not_allowed")


def test_413_request_too_large(client):
    resp = client.post("/api/search", data=b'{"q": "' + b"x" * 100_000 + b'"}',
                       content_type="application/json")
    assert_error_shape(resp, 413, "payload_too_large")


def test_400_and_415(client):
    assert_error_shape(client.get("/api/search?q=kick&k=1000"), 400, "invalid_parameter")
    assert_error_shape(client.post("/api/search", data="q=kick",
                                   content_type="application/x-www-form-urlencoded"),
                       415, "unsupported_media_type")
    assert_error_shape(client.post("/api/search", data="{not json", content_type="application/json"),
                       400, "invalid_json")


def test_500_hides_the_traceback(indexed, web_aligner):
    from web import create_app
    settings, roots, _ = indexed
    app = create_app(settings, index_roots=[roots], aligner=web_aligner)

    def boom():
        raise RuntimeError("secret internal detail")
    app.add_url_rule("/api/boom", "boom", boom)
    resp = app.test_client().get("/api/boom")
    err = assert_error_shape(resp, 500, "internal_error")
    assert b"secret" not in resp.data and b"Traceback" not in resp.data


@pytest.mark.parametrize("exc, status, code", [
    ("search.SearchError('query', 'empty')", 400, "bad_request"),
    ("aligner.base.AlignerMismatchError('catalogue', 'other aligner')", 409, "aligner_mismatch"),
    ("catalog.db.CatalogError('sqlite://', 'locked')", 503, "catalogue_unavailable"),
    ("search.NothingIndexedError('home', 'nothing indexed yet')", 409, "nothing_indexed"),
])
def test_domain_errors_map_to_statuses(indexed, web_aligner, exc, status, code):
    import importlib

    from web import create_app
    settings, roots, _ = indexed
    app = create_app(settings, index_roots=[roots], aligner=web_aligner)
    mod_name, _, rest = exc.partition("(")
    module, _, cls = mod_name.rpartition(".")
    err_cls = getattr(importlib.import_module(module), cls)
    args = eval("(" + rest)  # noqa: S307 - literal test arguments

    def raiser():
        raise err_cls(*args)
    app.add_url_rule("/api/raise", "raise", raiser)
    err = assert_error_shape(app.test_client().get("/api/raise"), status, code)
    assert args[1] in err["message"]
