"""Safety: security headers, tokens off localhost, cross-site and DNS-rebinding guards."""
from __future__ import annotations

import pytest

from web.security import CSP, is_loopback


@pytest.mark.parametrize("url", ["/", "/index", "/api/stats", "/api/nope", "/static/search.js"])
def test_security_headers_on_every_response(client, url):
    resp = client.get(url)
    assert resp.headers["Content-Security-Policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert "frame-ancestors 'none'" in CSP
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_pages_have_no_inline_script_or_external_assets(client):
    import re
    for url in ("/", "/index"):
        html = client.get(url).get_data(as_text=True)
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no inline event handlers
        assert "http://" not in html and "https://" not in html  # no CDN, no external asset


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.5.5.5") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("")
    assert not is_loopback("example.com")


@pytest.fixture
def token_app(indexed, web_aligner):
    from web import create_app
    settings, roots, _ = indexed
    return create_app(settings.replace(token="s3cret-token"), index_roots=[roots],
                      require_token=True, aligner=web_aligner)


def test_token_required_for_changes_when_bound_off_localhost(token_app, tmp_path):
    c = token_app.test_client()
    assert c.get("/api/search?q=kick").status_code == 200  # reading needs no token
    body = {"paths": ["relative"]}
    missing = c.post("/api/jobs", json=body)
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "token_required"
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    wrong = c.post("/api/jobs", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "bad_token"
    basic = c.post("/api/jobs", json=body, headers={"Authorization": "Basic s3cret-token"})
    assert basic.status_code == 401
    ok = c.post("/api/jobs", json=body, headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 400  # past the guard, refused by validation
    assert c.delete("/api/generated/1").status_code == 401
    assert c.post("/api/jobs/1/cancel").status_code == 401
    assert c.post("/api/generate", json={"prompt": "pad"}).status_code == 401


def test_remote_peer_needs_a_token_even_in_local_mode(client):
    remote = {"REMOTE_ADDR": "192.168.1.50"}
    resp = client.post("/api/jobs", json={"paths": ["x"]}, environ_base=remote)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "token_not_configured"
    assert client.get("/api/stats", environ_base=remote).status_code == 200


def test_cross_site_requests_cannot_change_data(client):
    evil = client.post("/api/jobs", json={"paths": ["x"]}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and evil.get_json()["error"]["code"] == "cross_origin"
    opaque = client.post("/api/jobs", json={"paths": ["x"]}, headers={"Origin": "null"})
    assert opaque.status_code == 403
    same = client.post("/api/jobs", json={"paths": ["x"]}, headers={"Origin": "http://localhost"})
    assert same.status_code == 400  # allowed through to validation
    form = client.post("/api/jobs", data={"paths": "/x"})  # what a cross-site <form> can send
    assert form.status_code == 415


def test_dns_rebinding_host_is_refused_in_local_mode(client):
    resp = client.get("/api/stats", headers={"Host": "attacker.example:5000"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_host"
    for host in ("localhost:5000", "127.0.0.1:8080", "[::1]:5000"):
        assert client.get("/api/stats", headers={"Host": host}).status_code == 200


def test_serve_refuses_a_public_address_without_a_token(tmp_path):
    from click.testing import CliRunner

    from cli.main import cli
    res = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "serve", "--host", "0.0.0.0"],
                             env={"CRATEDIG_TOKEN": ""})
    assert res.exit_code == 2 and "token" in res.output
