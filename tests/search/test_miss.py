"""Generate on miss, end to end on real SQLite + FAISS + audio: miss -> generate -> indexed ->
found on the next search without generating again; --no-generate; concurrent identical misses
generate once (threads and processes); listing and deleting generated clips."""
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from decoder_double import tiny_decoder
from search import Searcher, SearchFilters
from search.miss import (GeneratedClipError, MissHandler, find_generated, list_generated,
                         remove_generated)

QUERY = "sine 3000, 1 second"  # the describing aligner's text: a 3 kHz tone nobody has


@pytest.fixture(scope="module")
def decoder(describing_aligner):
    return tiny_decoder(describing_aligner.dim, aligner_id=describing_aligner.id)


@pytest.fixture
def home(tmp_path, describing_aligner):
    """A fresh home with two indexed files and a miss threshold the query stays under."""
    from catalog.settings import Settings
    from search_helpers import _write
    from indexer import run_index
    root = tmp_path / "library"
    _write(root, "a440.flac", (1.0, 44_100, 1, ("FLAC", "PCM_16"), "sine440", None))
    _write(root, "noise.wav", (0.5, 44_100, 1, ("WAV", "PCM_16"), "noise", None))
    settings = Settings(home=tmp_path / "home", workers=1, batch_size=8, miss_threshold=0.95,
                        keyword_weight=0.0)
    assert not run_index(settings, [root], aligner=describing_aligner).failed
    return settings


def searcher(settings, aligner, decoder):
    from generator.generate import Generator
    gen = Generator(settings, aligner=aligner, decoder=decoder)
    return Searcher(settings, aligner=aligner, on_miss=MissHandler(generator=gen, candidates=2))


def generated_files(settings):
    d = Path(settings.generated_dir)
    return sorted(p.name for p in d.iterdir() if p.suffix == ".flac") if d.is_dir() else []


def test_miss_generates_indexes_and_is_found_next_time(home, describing_aligner, decoder):
    with searcher(home, describing_aligner, decoder) as s:
        first = s.search(QUERY, k=5)
        assert first.miss and first.generated
        hit = first.results[0]
        assert hit.source == "generated" and Path(hit.path).parent == home.generated_dir
        assert os.path.isfile(hit.path) and len(first.results) == 3
        out = first.to_json()
        assert out["generated"] is True and out["results"][0]["source"] == "generated"
        # indexed from its audio like any other file: rows with the prompt, vectors in the store
        from catalog.models import File, Segment
        with s.catalog.session() as sess:
            f = sess.get(File, hit.file_id)
            assert f.prompt == QUERY and f.source == "generated" and f.seed is not None
            assert describing_aligner.id in f.model
            seg_ids = list(sess.scalars(select(Segment.id).where(Segment.file_id == f.id)))
        assert seg_ids and all(i in s.store for i in seg_ids)
        v = describing_aligner.embed_audio([__import__("soundfile").read(hit.path)[0]], 44_100)[0]
        assert hit.similarity == pytest.approx(float(v @ describing_aligner.embed_text([QUERY])[0]), abs=0.02)

    # a new process-like searcher: the same query (any spacing/case) reuses the clip
    with searcher(home, describing_aligner, decoder) as s:
        again = s.search("  Sine 3000,   1 second ", k=5)
        assert not again.generated and again.results[0].file_id == hit.file_id
        assert generated_files(home) == [Path(hit.path).name]
        # it is in the index: found by plain search, and by the source filter
        plain = s.search(QUERY, k=10, generate=False)
        assert hit.file_id in [h.file_id for h in plain.results]
        only = s.search(QUERY, k=10, generate=False, filters=SearchFilters(source="generated"))
        assert [h.file_id for h in only.results] == [hit.file_id]
        none = s.search(QUERY, k=10, generate=False, filters=SearchFilters(source="catalogue"))
        assert hit.file_id not in [h.file_id for h in none.results]


def test_no_generate_and_hits_do_not_generate(home, describing_aligner, decoder):
    with searcher(home, describing_aligner, decoder) as s:
        resp = s.search(QUERY, k=5, generate=False)
        assert resp.miss and not resp.generated
        assert all(h.source == "catalogue" for h in resp.results)
        good = s.search("sine 440", k=1)  # a hit: similarity ~1 >= 0.95
        assert not good.miss and not good.generated and good.results[0].name == "a440.flac"
    assert generated_files(home) == []
    no_gen = home.replace(generate_on_miss=False)
    with searcher(no_gen, describing_aligner, decoder) as s:
        assert not s.search(QUERY, k=5).generated
    assert generated_files(home) == []


def test_concurrent_identical_misses_generate_once_threads(home, describing_aligner, decoder):
    results, errors = [], []
    barrier = threading.Barrier(3)

    def run():
        try:
            with searcher(home, describing_aligner, decoder) as s:
                barrier.wait()
                results.append(s.search(QUERY, k=3))
        except Exception as e:  # surfaced by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(generated_files(home)) == 1
    assert sum(r.generated for r in results) == 1
    assert len({r.results[0].file_id for r in results}) == 1
    assert len(list_generated(home)) == 1


def test_concurrent_identical_misses_generate_once_processes(home, describing_aligner, decoder, tmp_path):
    weights = tmp_path / "decoder.pt"
    decoder.save(weights)
    child = Path(__file__).with_name("miss_child.py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent.parent),
                                                        str(Path(__file__).parent.parent.parent)]))
    procs = [subprocess.Popen([sys.executable, str(child), str(home.home), str(weights), QUERY],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    lines = [out.strip().split() for out, _ in outs]  # "<generated 0/1> <file id>"
    assert sorted(int(g) for g, _ in lines) == [0, 1]
    assert len({fid for _, fid in lines}) == 1
    assert len(generated_files(home)) == 1


def test_list_and_remove_generated(home, describing_aligner, decoder):
    with searcher(home, describing_aligner, decoder) as s:
        hit = s.search(QUERY, k=3).results[0]
    rows = list_generated(home)
    assert [r["id"] for r in rows] == [hit.file_id] and rows[0]["prompt"] == QUERY
    with pytest.raises(GeneratedClipError, match="not a generated clip"):
        catalogue_id = next(h.file_id for h in Searcher(home, aligner=describing_aligner)
                            .search("sine 440", k=1, generate=False).results)
        remove_generated(home, catalogue_id)
    with pytest.raises(GeneratedClipError, match="no such file"):
        remove_generated(home, 999_999)
    out = remove_generated(home, hit.file_id)
    assert out["deleted_file"] and not os.path.exists(hit.path)
    assert list_generated(home) == []
    with Searcher(home, aligner=describing_aligner) as s:
        assert hit.file_id not in [h.file_id for h in s.search(QUERY, k=10, generate=False).results]
        assert s.store.count == 2  # the two library files' segments only
        assert find_generated(s.catalog, QUERY) is None


def test_remove_refuses_files_outside_the_generated_folder(home, describing_aligner, tmp_path):
    from catalog.db import open_catalog
    from catalog.store_sync import open_store
    from search_helpers import _write
    from indexer import ingest_files
    outside = _write(tmp_path / "elsewhere", "clip.flac", (1.0, 44_100, 1, ("FLAC", "PCM_16"), "sine660", None))
    with open_catalog(home) as cat:
        store = open_store(home, cat, describing_aligner.id, describing_aligner.dim)
        fid = ingest_files(home, cat, store, describing_aligner, [str(outside)], source="generated",
                           extra_tags={"prompt": "x"}).files[str(outside)]
    with pytest.raises(GeneratedClipError, match="outside"):
        remove_generated(home, fid)
    assert outside.exists()


def test_cli_generated_list_and_rm(home, describing_aligner, decoder):
    import json
    from click.testing import CliRunner
    from cli.main import cli
    with searcher(home, describing_aligner, decoder) as s:
        hit = s.search(QUERY, k=3).results[0]
    runner = CliRunner()
    r = runner.invoke(cli, ["--home", str(home.home), "generated", "list", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)[0]["id"] == hit.file_id
    r = runner.invoke(cli, ["--home", str(home.home), "generated", "rm", "424242"])
    assert r.exit_code == 1 and "error: file 424242: no such file" in r.output
    r = runner.invoke(cli, ["--home", str(home.home), "generated", "rm", str(hit.file_id)])
    assert r.exit_code == 0 and "removed" in r.output and not os.path.exists(hit.path)
