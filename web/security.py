"""Request guards and response headers.

- Loopback by default. Mutating requests (POST/PUT/PATCH/DELETE) need `Authorization: Bearer
  <settings.token>` when the server is bound to a non-loopback address (config REQUIRE_TOKEN) or
  the peer itself is not on loopback.
- Without a token, a page on another site could still make the user's browser POST to
  127.0.0.1: mutating requests must carry JSON (a cross-site form cannot, and a cross-site fetch
  with JSON needs a CORS preflight we never grant) and, when the browser sends an Origin, it must
  be this server. In local mode the Host header must be a loopback name, which stops DNS rebinding.
- Every response gets a strict CSP (no inline script), nosniff, frame denial, no referrer.
"""
from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from flask import Flask, current_app, request

from web.errors import ApiError

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOCAL_HOST_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'; False for anything else (0.0.0.0 included)."""
    if not host:
        return False
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(host_header: str) -> str:
    """'127.0.0.1:5000' -> '127.0.0.1'; '[::1]:80' -> '::1'."""
    return (urlsplit("//" + host_header).hostname or "").lower()


def token_required() -> bool:
    return bool(current_app.config.get("REQUIRE_TOKEN")) or not is_loopback(request.remote_addr)


def _check_token() -> None:
    expected = current_app.extensions["cratedig"].settings.token
    if not expected:
        raise ApiError(403, "token_not_configured",
                       "this server is reachable off localhost and has no API token: set "
                       "CRATEDIG_TOKEN (or 'token' in config.json) to allow changes")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "token_required", "this request changes data and needs "
                       "'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise ApiError(401, "bad_token", "the API token is wrong", {"WWW-Authenticate": "Bearer"})


def guard_request() -> None:
    if not current_app.config.get("REQUIRE_TOKEN"):
        allowed = LOCAL_HOST_NAMES | set(current_app.config.get("ALLOWED_HOSTS", ()))
        if _host_name(request.host) not in allowed:
            raise ApiError(400, "bad_host", f"host {request.host!r} is not served here "
                           "(local mode answers only to localhost names)")
    if request.method not in MUTATING:
        return
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc.lower() != request.host.lower():
        raise ApiError(403, "cross_origin", f"requests from {origin} may not change data here")
    if origin == "null":
        raise ApiError(403, "cross_origin", "requests from an opaque origin may not change data")
    if request.content_length and not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the request body as application/json")
    if token_required():
        _check_token()


def add_security_headers(resp):
    for k, v in SECURITY_HEADERS.items():
        resp.headers.setdefault(k, v)
    if request.path.startswith("/api/"):
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def install(app: Flask) -> None:
    app.before_request(guard_request)
    app.after_request(add_security_headers)
