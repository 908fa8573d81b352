"""`cratedig search` through click, on the real indexed library of conftest.py."""
import json
import os

import pytest
from click.testing import CliRunner

import aligner
from cli.main import cli


@pytest.fixture
def run(indexed_home, describing_aligner, monkeypatch):
    settings, _ = indexed_home
    # the CLI loads its aligner by name; here it gets the test aligner the library was indexed with
    monkeypatch.setattr(aligner, "load_aligner", lambda s: describing_aligner)

    def invoke(*args, home=None):
        return CliRunner().invoke(cli, ["--home", str(home or settings.home), "search", *args])
    return invoke


def test_json_output_is_the_contract_object(run):
    res = run("sine 440", "-k", "3", "--json", "--no-generate")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"query", "generated", "results"} and out["generated"] is False
    assert len(out["results"]) == 3
    assert {os.path.basename(r["path"]) for r in out["results"][:2]} == {"a440.flac", "gen_clip.flac"}
    assert all(os.path.isabs(r["path"]) for r in out["results"])


def test_table_output(run, indexed_home):
    _, root = indexed_home
    res = run("sine 880", "-k", "2", "--no-generate")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["#", "score", "dur", "path"]
    assert lines[1].split()[0] == "1" and lines[1].endswith(str(root / "tones/a880_stereo.ogg"))
    assert lines[1].split()[2] == "1.5s" and len(lines) == 3
    seg = run("noise", "-k", "3", "--segments", "--no-generate", "--min-duration", "20")
    rows = seg.stdout.splitlines()
    assert rows[0].split() == ["#", "score", "dur", "span", "path"]
    assert all("sweep_25s.flac" in r for r in rows[1:]) and len(rows) == 4
    assert all(r.split()[3].count("-") == 1 for r in rows[1:])


def test_filter_flags(run):
    res = run("sine 440", "-k", "10", "--json", "--no-generate", "--format", "flac",
              "--source", "catalogue", "--no-keywords")
    results = json.loads(res.stdout)["results"]
    assert {os.path.basename(r["path"]) for r in results} == {"a440.flac", "fork.flac", "sweep_25s.flac"}
    assert all(r["keyword"] == 0 for r in results)


def test_like_flag(run, indexed_home):
    _, root = indexed_home
    res = run("--like", str(root / "tones/fork.flac"), "-k", "1", "--json", "--no-generate")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["results"][0]["name"] == "fork.flac"


def test_no_results_and_errors_are_one_liners(run, tmp_path):
    res = run("sine 440", "--min-score", "1.5", "--no-generate")
    assert res.exit_code == 0 and res.stdout.strip() == "no results"
    res = run("", "--no-generate")
    assert res.exit_code == 1 and res.stderr.strip() == (
        "error: query: empty query: describe a sound (or give --like FILE)")
    res = run("kick", "--no-generate", home=tmp_path / "fresh")
    assert res.exit_code == 1
    assert res.stderr.strip().endswith("nothing indexed yet: run `cratedig index PATH`")
    assert len(res.stderr.strip().splitlines()) == 1
    res = run("kick", "--source", "elsewhere")
    assert res.exit_code == 2 and "elsewhere" in res.stderr
    res = run("kick", "--no-generate", "--min-duration", "3", "--max-duration", "1")
    assert res.exit_code == 1 and "min 3.0 > max 1.0" in res.stderr
