"""The OpenAPI 3.1 document served at /api/openapi.json. A test checks that every /api route
of the app is described here, so the two cannot drift apart."""
from __future__ import annotations

from web.params import FORMATS, MAX_K, MAX_QUERY_CHARS, SOURCES


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {400: "invalid input", 401: "token required or wrong", 403: "forbidden",
            404: "not found", 409: "conflict", 413: "request too large", 415: "not JSON",
            416: "range not satisfiable", 422: "audio cannot be decoded"}
    return {str(c): _json(_ref("Error"), text[c]) for c in codes}


ID = {"name": "file_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
SECURED = [{}, {"bearer": []}]  # loopback: none; bound elsewhere: the bearer token

SEARCH_PARAMS = [
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS},
     "description": "what to find (required unless `like` is given)"},
    {"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 10}},
    {"name": "segments", "in": "query", "schema": {"type": "boolean"},
     "description": "return segment hits (with start/end) instead of one result per file"},
    {"name": "like", "in": "query", "schema": {"type": "integer"},
     "description": "file id: search by the example of that file's audio (more like this)"},
    {"name": "min_score", "in": "query", "schema": {"type": "number", "minimum": -1, "maximum": 1}},
    {"name": "min_duration", "in": "query", "schema": {"type": "number", "minimum": 0}},
    {"name": "max_duration", "in": "query", "schema": {"type": "number", "minimum": 0}},
    {"name": "folder", "in": "query", "schema": {"type": "string"}, "description": "path prefix"},
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": list(FORMATS)}},
    {"name": "source", "in": "query", "schema": {"type": "string", "enum": list(SOURCES)}},
]

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "status"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "status": {"type": "integer"}}}}},
    "Result": {"type": "object", "required": ["id", "path", "start", "end", "score", "source", "duration"],
               "properties": {
                   "id": {"type": "integer", "description": "file id"},
                   "path": {"type": "string", "description": "absolute path on the server"},
                   "start": {"type": "number"}, "end": {"type": "number"},
                   "score": {"type": "number"}, "similarity": {"type": "number"},
                   "keyword": {"type": "number"},
                   "source": {"type": "string", "enum": list(SOURCES)},
                   "duration": {"type": "number"}, "name": {"type": "string"},
                   "folder": {"type": "string"}, "format": {"type": "string"},
                   "segment_id": {"type": "integer"}}},
    "SearchResponse": {"type": "object", "required": ["query", "generated", "results"], "properties": {
        "query": {"type": "string"}, "generated": {"type": "boolean"},
        "miss": {"type": "boolean", "description": "the best match is below the miss threshold"},
        "like": {"type": "integer"},
        "results": {"type": "array", "items": _ref("Result")}}},
    "SearchRequest": {"type": "object", "properties": {
        "q": {"type": "string", "maxLength": MAX_QUERY_CHARS},
        "k": {"type": "integer", "minimum": 1, "maximum": MAX_K}, "segments": {"type": "boolean"},
        "like": {"type": "integer"}, "min_score": {"type": "number"},
        "generate": {"type": "boolean", "description": "on a miss, generate a clip and return it"},
        "filters": {"type": "object", "properties": {
            "min_duration": {"type": "number"}, "max_duration": {"type": "number"},
            "folder": {"type": "string"}, "format": {"type": "string"},
            "source": {"type": "string"}}}}},
    "GenerateRequest": {"type": "object", "required": ["prompt"], "properties": {
        "prompt": {"type": "string", "maxLength": MAX_QUERY_CHARS},
        "duration": {"type": "number", "minimum": 0.1, "maximum": 300},
        "seed": {"type": "integer", "minimum": 0}}},
    "IndexRequest": {"type": "object", "required": ["paths"], "properties": {
        "kind": {"type": "string", "enum": ["index"]},
        "paths": {"type": "array", "items": {"type": "string"}, "maxItems": 32,
                  "description": "absolute server folders inside the configured index roots"},
        "prune": {"type": "boolean"}}},
    "Job": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["index", "generate"]},
        "state": {"type": "string",
                  "enum": ["queued", "running", "cancelling", "done", "failed", "cancelled"]},
        "finished": {"type": "boolean"}, "params": {"type": "object"},
        "done": {"type": "integer"}, "total": {"type": "integer"},
        "audio_seconds": {"type": "number"}, "message": {"type": ["string", "null"]},
        "result": {"type": ["object", "null"], "description":
                   "index: the IndexSummary JSON of `cratedig index --json`; generate: "
                   "{result: Result, generation: the JSON of `cratedig generate --json`}"},
        "created_at": {"type": "string"}, "updated_at": {"type": "string"}}},
    "File": {"type": "object", "properties": {
        k: {"type": t} for k, t in [
            ("id", "integer"), ("path", "string"), ("name", "string"), ("folder", "string"),
            ("format", "string"), ("size", "integer"), ("duration", "number"),
            ("sample_rate", "integer"), ("channels", "integer"), ("source", "string"),
            ("audio_url", "string"), ("download_url", "string"), ("waveform_url", "string"),
            ("segments", "array")]}},
    "Stats": {"type": "object", "properties": {
        "files": {"type": "integer"}, "segments": {"type": "integer"},
        "generated": {"type": "integer"}, "failures": {"type": "integer"},
        "hours": {"type": "number"}, "formats": {"type": "object"},
        "active_jobs": {"type": "integer"}, "aligner_id": {"type": ["string", "null"]},
        "searcher_ready": {"type": "boolean"}}},
}

AUDIO_RESPONSES = {
    "200": {"description": "the whole file", "headers": {"Accept-Ranges": {"schema": {"type": "string"}}},
            "content": {"audio/*": {}}},
    "206": {"description": "the requested byte range (Range: bytes=a-b)",
            "headers": {"Content-Range": {"schema": {"type": "string"}}}, "content": {"audio/*": {}}},
    "304": {"description": "not modified (If-None-Match / If-Modified-Since)"},
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "cratedig API", "version": "1",
                 "description": "Search a local audio catalogue by description, listen, generate "
                 "on a miss, index folders. Every error is {error: {code, message, status}}. "
                 "Mutating requests need `Authorization: Bearer <token>` when the server is "
                 "reachable off localhost, and must send JSON."},
        "paths": {
            "/api/search": {
                "get": {"summary": "Search (read-only; never generates)", "parameters": SEARCH_PARAMS,
                        "responses": {"200": _json(_ref("SearchResponse"), "ranked results, best first"),
                                      **_errors(400, 404)}},
                "post": {"summary": "Search; with generate=true a miss generates, indexes and returns a clip",
                         "security": SECURED,
                         "requestBody": {"content": {"application/json": {"schema": _ref("SearchRequest")}}},
                         "responses": {"200": _json(_ref("SearchResponse"), "ranked results"),
                                       **_errors(400, 401, 403, 413, 415)}}},
            "/api/generate": {"post": {
                "summary": "Start generating a clip for a prompt (a job; poll it)", "security": SECURED,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("GenerateRequest")}}},
                "responses": {"202": _json(_ref("Job"), "the job"), **_errors(400, 401, 403, 413, 415)}}},
            "/api/generated/{file_id}": {"delete": {
                "summary": "Delete a generated clip (catalogue rows, vectors, file)", "security": SECURED,
                "parameters": [ID],
                "responses": {"200": _json({"type": "object"}, "deleted"), **_errors(401, 403, 404, 409)}}},
            "/api/jobs": {
                "get": {"summary": "Recent jobs, newest first",
                        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 200}},
                                       {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["index", "generate"]}}],
                        "responses": {"200": _json({"type": "object", "properties": {
                            "jobs": {"type": "array", "items": _ref("Job")}}}, "jobs")}},
                "post": {"summary": "Start a bulk index of server folders", "security": SECURED,
                         "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("IndexRequest")}}},
                         "responses": {"202": _json(_ref("Job"), "the job"),
                                       **_errors(400, 401, 403, 404, 409, 413, 415)}}},
            "/api/jobs/{job_id}": {"get": {"summary": "A job's progress and result", "parameters": [JOB_ID],
                                           "responses": {"200": _json(_ref("Job"), "the job"), **_errors(404)}}},
            "/api/jobs/{job_id}/cancel": {"post": {
                "summary": "Ask a job to stop", "security": SECURED, "parameters": [JOB_ID],
                "responses": {"200": _json(_ref("Job"), "the job"), **_errors(401, 403, 404)}}},
            "/api/files/{file_id}": {"get": {"summary": "A file's metadata and segments", "parameters": [ID],
                                             "responses": {"200": _json(_ref("File"), "the file"), **_errors(404)}}},
            "/api/files/{file_id}/audio": {"get": {
                "summary": "Stream the audio (HTTP Range supported)", "parameters": [ID],
                "responses": {**AUDIO_RESPONSES, **_errors(404, 416)}}},
            "/api/files/{file_id}/download": {"get": {
                "summary": "Download under the original file name (Content-Disposition)", "parameters": [ID],
                "responses": {**AUDIO_RESPONSES, **_errors(404, 416)}}},
            "/api/files/{file_id}/waveform.png": {"get": {
                "summary": "Waveform thumbnail (PNG, drawn server-side, cached)",
                "parameters": [ID, {"name": "w", "in": "query", "schema": {"type": "integer", "minimum": 16, "maximum": 1600}},
                               {"name": "h", "in": "query", "schema": {"type": "integer", "minimum": 8, "maximum": 400}}],
                "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, **_errors(400, 404, 422)}}},
            "/api/failures": {"get": {"summary": "Files the indexer could not index, with reasons",
                                      "responses": {"200": _json({"type": "object"}, "failures")}}},
            "/api/stats": {"get": {"summary": "Catalogue counts", "responses": {"200": _json(_ref("Stats"), "stats")}}},
            "/api/health": {"get": {"summary": "Liveness", "responses": {"200": _json({"type": "object"}, "ok")}}},
            "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
