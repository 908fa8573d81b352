"""One JSON error shape for every error the app returns:

    {"error": {"code": "not_found", "message": "no file with id 7", "status": 404}}

Werkzeug's HTTP errors (404, 405, 413, 416, ...), our own `ApiError`s, domain errors raised by
the verbs, and unexpected exceptions (500) all go through here; `tests/web/test_errors.py` pins it.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("cratedig.web")

# Werkzeug names some codes long-windedly; these read better in a client's switch statement.
_CODE_NAMES = {413: "payload_too_large", 416: "range_not_satisfiable", 500: "internal_error"}


class ApiError(Exception):
    """A request the API refuses: HTTP `status`, a stable machine `code`, a human `message`."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    resp = jsonify({"error": {"code": code, "message": message, "status": status}})
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _http_code(e: HTTPException) -> str:
    status = e.code or 500
    if status in _CODE_NAMES:
        return _CODE_NAMES[status]
    return (e.name or "error").lower().replace(" ", "_").replace("'", "")


def domain_status(e: BaseException) -> tuple[int, str] | None:
    """HTTP status and code for an error raised by our own packages, or None if it is a bug.

    Matched by class name so the web layer needs no import of every verb's error module:
    bad input (ValueError subclasses such as PlanError, PromptError, SearchError) is a 400,
    an index built by another aligner a 409, an unreachable catalogue a 503."""
    mod = type(e).__module__.split(".")[0]
    if mod not in {"aligner", "catalog", "indexer", "search", "generator"}:
        return None
    names = {c.__name__ for c in type(e).__mro__}
    if "AlignerMismatchError" in names:
        return 409, "aligner_mismatch"
    if "DecoderError" in names:
        return 503, "generator_unavailable"
    if "NothingIndexedError" in names:
        return 409, "nothing_indexed"
    if "CatalogError" in names:
        return 503, "catalogue_unavailable"
    if isinstance(e, (ValueError, LookupError)):
        return 400, "bad_request"
    if isinstance(e, FileNotFoundError):
        return 404, "not_found"
    return 500, "domain_error"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(e: ApiError):
        return error_response(e.status, e.code, e.message, e.headers)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        status = e.code or 500
        # keep the headers that carry meaning (Allow on 405, Content-Range on 416, ...)
        headers = {k: v for k, v in e.get_headers(request.environ)
                   if k.lower() not in ("content-type", "content-length")}
        message = e.description or e.name
        if status == 405:
            message = f"method {request.method} not allowed on {request.path}"
        elif status == 404:
            message = f"nothing at {request.path}"
        return error_response(status, _http_code(e), message, headers)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        mapped = domain_status(e)
        if mapped is not None:
            status, code = mapped
            if status >= 500:
                log.error("%s %s: %s", request.method, request.path, e)
            return error_response(status, code, str(e))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "internal server error (see the server log)")
