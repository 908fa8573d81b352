"""Server-rendered pages. They carry no inline script: behaviour lives in /static/*.js and
configuration travels in data- attributes."""
from __future__ import annotations

from flask import Blueprint, render_template

from web import params
from web.state import state

bp = Blueprint("pages", __name__)


def _common() -> dict:
    st = state()
    return {"max_query": params.MAX_QUERY_CHARS, "max_k": params.MAX_K,
            "index_roots": [str(r) for r in st.index_roots]}


@bp.get("/")
def search_page():
    return render_template("search.html", page="search", **_common())


@bp.get("/index")
def index_page():
    return render_template("index.html", page="index", **_common())
