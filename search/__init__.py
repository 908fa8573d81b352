"""Search: query text (or example audio) -> ranked files of the catalogue.

`Searcher` keeps the aligner, catalogue and vector store open for many searches; `run_search`
is the one-shot form. `SearchResponse.to_json()` is the JSON contract of DESIGN.md.
"""
from search.filters import SearchError, SearchFilters
from search.query import NothingIndexedError, Searcher, run_search
from search.results import SearchHit, SearchResponse

__all__ = ["NothingIndexedError", "SearchError", "SearchFilters", "SearchHit", "SearchResponse",
           "Searcher", "run_search"]
