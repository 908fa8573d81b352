"""The OpenAPI document describes every /api route of the app, with its methods."""
from __future__ import annotations

import re


def test_openapi_covers_every_api_route(app, client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "Error" in doc["components"]["schemas"]
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    assert set(routes) == set(doc["paths"]), set(routes) ^ set(doc["paths"])
    for path, methods in routes.items():
        assert methods == set(doc["paths"][path]), path
        for m in methods:
            op = doc["paths"][path][m]
            assert op["summary"] and op["responses"]
            for p in re.findall(r"{(\w+)}", path):
                assert any(x["name"] == p and x["in"] == "path" for x in op.get("parameters", [])), (path, p)
