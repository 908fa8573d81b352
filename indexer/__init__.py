"""The indexer: walk folders, decode in worker processes, embed in batches, write the catalogue
and the vector store; incremental and resumable. Interface-agnostic: no CLI or web here.

Names are loaded lazily so decode workers (which import `indexer.decode`) stay light.
"""
from __future__ import annotations

_EXPORTS = {
    "run_index": "indexer.run", "ingest_files": "indexer.run", "reindex": "indexer.run",
    "remove_files": "indexer.run",
    "IndexSummary": "indexer.summary", "IndexProgress": "indexer.summary",
    "FailureInfo": "indexer.summary", "IndexPathError": "indexer.walk",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'indexer' has no attribute {name!r}")
