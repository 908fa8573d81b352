"""Validation of request input: every bad value becomes a 400 naming the parameter and why.

Limits: query text <= MAX_QUERY_CHARS, k in 1..MAX_K, server paths absolute, inside the
configured index roots, and free of '..' in any encoding.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from urllib.parse import unquote

from flask import request

from web.errors import ApiError

MAX_QUERY_CHARS = 500
MAX_K = 100
DEFAULT_K = 10
MAX_PATHS = 32
MAX_PATH_CHARS = 4096
FORMATS = ("wav", "flac", "ogg", "oga", "opus", "aiff", "aif", "mp3")
SOURCES = ("catalogue", "generated")


def bad(param: str, reason: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{param}: {reason}")


def body() -> dict:
    """The JSON object of a POST (empty dict when there is no body)."""
    if not request.content_length:
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the request body must be a JSON object")
    return data


def text(value, param: str, *, required: bool = True, max_chars: int = MAX_QUERY_CHARS) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise bad(param, "is required and must not be empty")
        return None
    if not isinstance(value, str):
        raise bad(param, f"must be a string, got {type(value).__name__}")
    if len(value) > max_chars:
        raise bad(param, f"is {len(value)} characters long; the limit is {max_chars}")
    if "\x00" in value or any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise bad(param, "contains control characters")
    return value.strip()


def integer(value, param: str, *, default: int | None = None, lo: int | None = None,
            hi: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise bad(param, "must be an integer, not a boolean")
    try:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            n = int(value)
        else:
            n = int(str(value).strip(), 10)
    except (TypeError, ValueError):
        raise bad(param, f"must be an integer, got {value!r}") from None
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise bad(param, f"must be between {lo} and {hi}, got {n}")
    return n


def number(value, param: str, *, lo: float | None = None, hi: float | None = None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise bad(param, "must be a number, not a boolean")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise bad(param, f"must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise bad(param, "must be finite")
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise bad(param, f"must be between {lo} and {hi}, got {x}")
    return x


def boolean(value, param: str, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off"):
        return False
    raise bad(param, f"must be true or false, got {value!r}")


def choice(value, param: str, options: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.lower() not in options:
        raise bad(param, f"must be one of {', '.join(options)}, got {value!r}")
    return value.lower()


def has_traversal(raw: str) -> bool:
    """'..' as a path component in the text, or after one or two rounds of URL-decoding."""
    seen = raw
    for _ in range(3):
        parts = seen.replace("\\", "/").split("/")
        if ".." in parts:
            return True
        seen = unquote(seen)
    return False


def server_folder(value, param: str, roots: list[Path]) -> Path:
    """An absolute, existing folder (or file) on the server inside one of `roots`."""
    raw = text(value, param, max_chars=MAX_PATH_CHARS)
    if has_traversal(raw):
        raise ApiError(400, "path_traversal", f"{param}: '..' is not allowed in paths: {raw!r}")
    if "%" in raw and unquote(raw) != raw:
        raise ApiError(400, "invalid_parameter",
                       f"{param}: give the path as plain text, not URL-encoded: {raw!r}")
    p = Path(os.path.expanduser(raw))
    if not p.is_absolute():
        raise bad(param, f"must be an absolute path on the server, got {raw!r}")
    real = p.resolve()
    if not any(real == r or r in real.parents for r in roots):
        allowed = ", ".join(str(r) for r in roots) or "(none configured)"
        raise ApiError(403, "outside_index_roots",
                       f"{param}: {real} is outside the folders this server may index ({allowed})")
    if not real.exists():
        raise ApiError(404, "not_found", f"{param}: {real} does not exist")
    return real


def search_args(src: dict) -> dict:
    """Validated search parameters from query-string args or a JSON body."""
    filters_src = src.get("filters") if isinstance(src.get("filters"), dict) else src
    if "filters" in src and not isinstance(src["filters"], dict):
        raise bad("filters", "must be an object")
    like = integer(src.get("like"), "like", lo=1)
    q = text(src.get("q", src.get("query")), "q", required=like is None)
    min_d = number(filters_src.get("min_duration"), "min_duration", lo=0)
    max_d = number(filters_src.get("max_duration"), "max_duration", lo=0)
    if min_d is not None and max_d is not None and min_d > max_d:
        raise bad("min_duration", f"{min_d} is above max_duration {max_d}")
    folder = text(filters_src.get("folder"), "folder", required=False, max_chars=MAX_PATH_CHARS)
    if folder is not None and has_traversal(folder):
        raise ApiError(400, "path_traversal", f"folder: '..' is not allowed: {folder!r}")
    return {
        "q": q,
        "k": integer(src.get("k"), "k", default=DEFAULT_K, lo=1, hi=MAX_K),
        "segments": boolean(src.get("segments"), "segments"),
        "like": like,
        "min_score": number(src.get("min_score"), "min_score", lo=-1.0, hi=1.0),
        "generate": boolean(src.get("generate"), "generate"),
        "filters": {
            "min_duration": min_d,
            "max_duration": max_d,
            "folder": folder,
            "format": choice(filters_src.get("format"), "format", FORMATS),
            "source": choice(filters_src.get("source"), "source", SOURCES),
        },
    }
