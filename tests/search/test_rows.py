"""Candidate rows (search.rows) on a real SQLite catalogue, and the keyword credit fast path."""
import datetime as dt

import numpy as np
import pytest

from search.keywords import FIELD_WEIGHTS, PREFIX_CREDIT, KeywordDoc, _near, keyword_scores


@pytest.fixture
def catalog(tmp_path):
    from catalog.db import open_catalog
    from catalog.models import File, Segment
    from catalog.settings import Settings
    cat = open_catalog(Settings(home=tmp_path / "home"))
    now = dt.datetime.now(dt.timezone.utc)
    with cat.session() as s:
        for i in range(1, 4):
            f = File(id=i, path=f"/lib/Drums/kick_{i}.wav", folder="/lib/Drums", name=f"kick_{i}.wav",
                     format="wav", size=1, mtime=0.0, duration=float(i), sample_rate=44_100,
                     channels=1, title=f"Title {i}", source="catalogue", aligner_id="t",
                     indexed_at=now)
            s.add(f)
            s.flush()
            for j in range(2):
                v = np.full(4, i + j, np.float32)
                s.add(Segment(id=10 * i + j, file_id=i, start=5.0 * j, end=5.0 * j + 10.0,
                              is_file_level=j == 1, vector=(v / np.linalg.norm(v)).tobytes()))
    yield cat
    cat.close()


def test_segments_by_id_ignores_missing_ids(catalog):
    from search.rows import RowFetcher
    rows = RowFetcher(catalog).segments(np.array([11, 20, 999, 31]))
    assert sorted(r[0] for r in rows) == [11, 20, 31]
    by_id = {r[0]: r for r in rows}
    assert by_id[20][1] == 2 and by_id[20][2] == 0.0 and by_id[20][3] == 10.0
    assert bool(by_id[11][4]) and not bool(by_id[20][4])
    assert len(by_id[31][5]) == 4 * 4


def test_many_ids_are_chunked(catalog):
    from search import rows as rows_mod
    fetch = rows_mod.RowFetcher(catalog)
    ids = list(range(-3 * rows_mod.CHUNK, 40))  # several IN lists, mostly absent ids
    assert sorted(r[0] for r in fetch.segments(ids)) == [10, 11, 20, 21, 30, 31]


def test_file_facts_are_cached_until_the_store_version_moves(catalog):
    from catalog.models import File
    from search.rows import RowFetcher
    fetch = RowFetcher(catalog)
    facts = fetch.files([1, 2, 404], version=1)
    assert set(facts) == {1, 2}
    assert facts[1].path == "/lib/Drums/kick_1.wav" and facts[2].duration == 2.0
    assert "title" in facts[1].doc.fields[1] and "kick" in facts[1].doc.name
    with catalog.session() as s:
        s.get(File, 1).title = "Snare"
    assert fetch.files([1], version=1)[1].tags[0] == "Title 1"  # same version: cached
    fresh = fetch.files([1], version=2)[1]  # the store changed: read again
    assert fresh.tags[0] == "Snare" and "snare" in fresh.doc.fields[1]


def _reference_match(doc: KeywordDoc, token: str) -> float:
    """The documented rule, field by field: exact = weight, near = weight * PREFIX_CREDIT."""
    best = 0.0
    for weight, words in zip((FIELD_WEIGHTS["name"], FIELD_WEIGHTS["tags"],
                              FIELD_WEIGHTS["folder"]), doc.fields):
        if token in words:
            best = max(best, weight)
        elif any(_near(token, w) for w in words):
            best = max(best, weight * PREFIX_CREDIT)
    return best


def test_fast_match_equals_the_field_by_field_rule():
    words = ["kick", "kicks", "percussion", "percussive", "perc", "synth", "synthwave", "pad",
             "paddle", "snare", "string", "strong", "ambient", "ambience", "vocal", "bass"]
    rng = np.random.default_rng(0)
    docs = []
    for _ in range(60):
        pick = lambda n: "_".join(rng.choice(words, n))  # noqa: E731
        docs.append(KeywordDoc.of(name=pick(rng.integers(1, 4)) + ".wav",
                                  folder="/lib/" + pick(rng.integers(0, 3)),
                                  tags=[pick(rng.integers(0, 3)) or None, None]))
    for d in docs:
        for t in words:
            assert d.match(t) == pytest.approx(_reference_match(d, t)), (d.fields, t)
    # keyword_scores inlines the same credit
    want = keyword_scores(words[:5], docs)
    credit = [[_reference_match(d, t) for t in words[:5]] for d in docs]
    n = len(docs)
    import math
    w = []
    for j in range(5):
        df = sum(1 for row in credit if row[j] > 0)
        w.append(math.log(1 + n / df) if df else 0.0)
    assert want == pytest.approx([sum(a * c for a, c in zip(w, row)) / sum(w) for row in credit])
