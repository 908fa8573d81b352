"""`cratedig index / reindex / db upgrade` through the real CLI."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.index_cmd import ProgressBar
from cli.main import cli
from indexer.summary import IndexProgress

ROOT = Path(__file__).resolve().parents[2]


def builtin_weights() -> Path:
    return ROOT / "aligner" / "weights" / "builtin.pt"


def test_db_upgrade_reports_head(tmp_path):
    r = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "db", "upgrade"])
    assert r.exit_code == 0, r.output
    assert "at revision 0001 (head 0001)" in r.output
    assert (tmp_path / "h" / "catalogue.db").exists()


def test_index_missing_path_is_a_one_line_error(tmp_path):
    r = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "index", str(tmp_path / "nope")])
    assert r.exit_code == 1
    assert r.output.strip().startswith("error: ") and "nope: no such file or directory" in r.output


def test_progress_bar_lines_off_a_terminal():
    out = io.StringIO()
    bar = ProgressBar(out)
    bar(IndexProgress(1, 4, 100, 400, 1800.0, 2.0))  # first call always prints
    bar(IndexProgress(2, 4, 200, 400, 3600.0, 4.0))  # throttled (off a terminal)
    bar(IndexProgress(4, 4, 400, 400, 7200.0, 8.0))  # the last one always prints
    lines = out.getvalue().splitlines()
    assert lines == ["index: 1/4 files, 0.50 h audio, 900x real time, ETA 0:06",
                     "index: 4/4 files, 2.00 h audio, 900x real time, ETA 0:00"]


@pytest.mark.skipif(not builtin_weights().exists(), reason="builtin aligner weights not trained yet")
def test_index_json_and_human_output_with_the_builtin_aligner(tmp_path, audio_dir, bad_dir):
    import shutil
    bad_root, expected = bad_dir
    home = tmp_path / "home"
    weights = shutil.copy(builtin_weights(), tmp_path / "weights.pt")  # fixed while we run
    cli_ = [sys.executable, "-m", "cli", "--home", str(home), "--aligner", f"builtin:{weights}"]
    cmd = cli_ + ["index", str(audio_dir), str(bad_root), "--json"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    assert js["indexed"] == 8 and js["unchanged"] == 0
    assert {f["path"]: f["kind"] for f in js["failed"]} == expected
    for path in expected:
        assert f"warning: {path}: " in out.stderr
    out = subprocess.run(cmd[:-1], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == f"indexed 0, unchanged 8, failed {len(expected)}"
    assert all(f"  failed: {p}: " in out.stdout for p in expected)
    r = subprocess.run(cli_ + ["reindex", "--json"],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["store_rebuilt"] is True
