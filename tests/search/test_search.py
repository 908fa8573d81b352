"""run_search / Searcher end to end on a real indexed library (real SQLite, FAISS, audio)."""
import os

import numpy as np
import pytest

import search.query as query_mod
from search import NothingIndexedError, SearchError, Searcher, SearchFilters, run_search

REQUIRED = {"id", "path", "start", "end", "score", "source", "duration", "name", "folder",
            "format", "segment_id"}


@pytest.fixture
def searcher(indexed_home, describing_aligner):
    settings, _ = indexed_home
    with Searcher(settings, aligner=describing_aligner) as s:
        yield s


def names(resp):
    return [os.path.basename(h.path) for h in resp.results]


def test_text_query_finds_the_described_sound(searcher):
    resp = searcher.search("sine 440", k=3, keywords=False)
    assert names(resp)[:2] in (["a440.flac", "gen_clip.flac"], ["gen_clip.flac", "a440.flac"])
    assert resp.results[0].similarity > 0.95
    assert searcher.search("noise", k=1).results[0].name == "HH_open_01.wav"
    assert searcher.search("sine 2500", k=1).results[0].name == "fork.flac"


def test_json_contract(searcher, indexed_home):
    _, root = indexed_home
    out = searcher.search("sine 880", k=5).to_json()
    assert set(out) == {"query", "generated", "results"}
    assert out["query"] == "sine 880" and out["generated"] is False
    res = out["results"]
    assert len(res) == 5 and res[0]["name"] == "a880_stereo.ogg"
    for r in res:
        assert REQUIRED <= set(r) and os.path.isabs(r["path"]) and os.path.exists(r["path"])
        assert r["source"] in ("catalogue", "generated") and 0 <= r["start"] < r["end"] <= r["duration"] + 1e-3
    assert [r["score"] for r in res] == sorted((r["score"] for r in res), reverse=True)
    assert len({r["id"] for r in res}) == len(res)  # one result per file
    first = res[0]
    assert first["format"] == "ogg" and first["folder"] == str(root / "tones")
    assert abs(first["duration"] - 1.5) < 0.01


def test_segments_mode_returns_windows_with_times(searcher):
    resp = searcher.search("sweep", k=50, segments=True, keywords=False)
    sweep = [h for h in resp.results if h.name == "sweep_25s.flac"]
    spans = {(h.start, h.end) for h in sweep}
    assert len(sweep) == len(spans) >= 5  # 4 windows + file-level, no duplicate spans
    assert (0.0, 10.0) in spans and (15.0, 25.0) in spans and (0.0, 25.0) in spans
    one_shot = [h for h in resp.results if h.name == "a440.flac"]
    assert len(one_shot) == 1  # one window and the file vector are the same span
    per_file = searcher.search("sweep", k=50, keywords=False)
    assert len({h.file_id for h in per_file.results}) == len(per_file.results) == 7


@pytest.mark.parametrize("filters, expect", [
    (SearchFilters(format="FLAC"), {"a440.flac", "fork.flac", "sweep_25s.flac", "gen_clip.flac"}),
    (SearchFilters(min_duration=10), {"sweep_25s.flac"}),
    (SearchFilters(min_duration=0.9, max_duration=1.2), {"Kick_808_Punchy.wav", "fork.flac",
                                                         "gen_clip.flac"}),
    (SearchFilters(source="generated"), {"gen_clip.flac"}),
    (SearchFilters(source="catalogue", format="wav"), {"Kick_808_Punchy.wav", "HH_open_01.wav"}),
])
def test_filters(searcher, filters, expect):
    assert set(names(searcher.search("sine 440", k=10, filters=filters))) == expect


def test_path_prefix_filter(searcher, indexed_home):
    _, root = indexed_home
    got = names(searcher.search("sine 440", k=10, filters=SearchFilters(path_prefix=str(root / "drums"))))
    assert set(got) == {"Kick_808_Punchy.wav", "HH_open_01.wav"}
    # a folder given with a trailing slash does not match a sibling sharing its prefix
    got = names(searcher.search("noise", k=10, filters=SearchFilters(path_prefix=str(root / "tone") + "/")))
    assert got == []


def test_selective_filter_falls_back_to_a_restricted_search(searcher, monkeypatch):
    # shrink the pool so the unrestricted shortlist cannot reach the only matching file
    monkeypatch.setattr(query_mod, "POOL_FACTOR", 1)
    monkeypatch.setattr(query_mod, "FILTER_FACTOR", 1)
    monkeypatch.setattr(query_mod, "MAX_POOL", 2)
    resp = searcher.search("sine 440", k=1, filters=SearchFilters(min_duration=20), keywords=False)
    assert names(resp) == ["sweep_25s.flac"]


def test_keywords_lift_well_named_files(searcher, indexed_home, describing_aligner):
    settings, _ = indexed_home
    plain = searcher.search("punchy kick", k=7, keywords=False)
    assert all(h.keyword == 0 and h.score == pytest.approx(h.similarity) for h in plain.results)
    with Searcher(settings.replace(keyword_weight=0.6), aligner=describing_aligner) as s:
        fused = s.search("punchy kick", k=7)
        top = fused.results[0]
        assert top.name == "Kick_808_Punchy.wav" and top.keyword == pytest.approx(1.0)
        assert top.score == pytest.approx(0.4 * top.similarity + 0.6)
        # tags count: the tagged fork is found by its title
        assert s.search("tuning fork", k=1).results[0].name == "fork.flac"
        # "fork" matches the name (1.0), "tuning" only the title tag (0.8); equal idf
        assert s.search("tuning fork", k=7).results[0].keyword == pytest.approx(0.9)
        # folder names count, less than the name: "hats" -> "hihat" via the synonym table
        assert s.search("open hh", k=1).results[0].name == "HH_open_01.wav"


def test_like_searches_by_example(searcher, indexed_home):
    _, root = indexed_home
    resp = searcher.search(None, k=2, like=root / "tones/a880_stereo.ogg")
    assert resp.results[0].name == "a880_stereo.ogg" and resp.results[0].similarity > 0.99
    assert resp.to_json()["query"] == ""


def test_min_score_and_miss(searcher, indexed_home, describing_aligner):
    settings, _ = indexed_home
    resp = searcher.search("sine 440", k=10, min_score=0.9)
    assert resp.results and all(h.score >= 0.9 for h in resp.results) and not resp.miss
    assert searcher.search("sine 440", k=10, min_score=1.5).miss
    calls = []

    def on_miss(s, r, qvec):
        calls.append((r.query, qvec.shape))
        r.generated = True
        return r

    strict = settings.replace(miss_threshold=0.999)
    with Searcher(strict, aligner=describing_aligner, on_miss=on_miss) as s:
        r = s.search("zebra xylophone", k=3)
        assert r.miss and r.generated and calls == [("zebra xylophone", (32,))]
        assert not s.search("zebra xylophone", k=3, generate=False).generated
        assert len(calls) == 1
    loose = settings.replace(miss_threshold=-1.0)
    with Searcher(loose, aligner=describing_aligner, on_miss=on_miss) as s:
        assert not s.search("zebra xylophone", k=3).miss and len(calls) == 1


@pytest.mark.parametrize("kwargs, match", [
    ({"query": "   "}, "empty query"),
    ({"query": "x", "k": 0}, "k: must be between"),
    ({"query": None, "like": "/nonexistent/x.wav"}, "cannot decode"),
])
def test_bad_requests_are_clear_errors(searcher, kwargs, match):
    q = kwargs.pop("query")
    with pytest.raises(SearchError, match=match):
        searcher.search(q, **kwargs)


def test_bad_filters_are_clear_errors():
    with pytest.raises(SearchError, match="source"):
        SearchFilters(source="elsewhere")
    with pytest.raises(SearchError, match="min 5.0 > max 1.0"):
        SearchFilters(min_duration=5.0, max_duration=1.0)
    with pytest.raises(SearchError, match="non-negative"):
        SearchFilters(min_duration=-1)


def test_nothing_indexed_yet(tmp_path, describing_aligner):
    from catalog.settings import Settings
    with pytest.raises(NothingIndexedError, match="nothing indexed yet: run `cratedig index PATH`"):
        run_search(Settings(home=tmp_path / "empty"), "kick", aligner=describing_aligner)


def test_searcher_sees_files_indexed_after_it_opened(tmp_path, indexed_home, describing_aligner):
    import shutil

    from indexer import run_index
    settings, root = indexed_home
    home = tmp_path / "home"
    shutil.copytree(settings.home, home)
    mine = settings.replace(home=home)
    lib = tmp_path / "more"
    (lib).mkdir()
    shutil.copy(root / "tones/fork.flac", lib / "second_fork.flac")
    with Searcher(mine, aligner=describing_aligner) as s:
        before = names(s.search("sine 2500", k=10, keywords=False))
        run_index(mine, [lib], aligner=describing_aligner)
        after = names(s.search("sine 2500", k=10, keywords=False))
    assert "second_fork.flac" not in before and "second_fork.flac" in after[:2]
    sims = [h for h in s.search("sine 2500", k=2, keywords=False).results]
    assert np.isclose(sims[0].similarity, sims[1].similarity, atol=1e-5)

