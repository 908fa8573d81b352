"""Kill -9 the indexer mid-run (a real separate process), rerun: the catalogue and the FAISS
store agree, no file is duplicated, none is lost."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.db import open_catalog
from catalog.models import File, Segment
from audio_files import write_audio
from helpers import assert_store_matches_catalogue, catalogue_state

CHILD = Path(__file__).resolve().parent / "index_child.py"
ROOT = Path(__file__).resolve().parents[2]
N_FILES = 24


def make_library(root: Path) -> list[Path]:
    """24 files, 2.5 MB in all (enough to go through the decode worker pool)."""
    paths = []
    for i in range(N_FILES):
        secs = 4.0 + (i % 5) * 3.0  # some one-shots, some with several windows
        kind = ("noise", "sine440", "sweep")[i % 3]
        paths.append(write_audio(root / f"d{i % 4}" / f"f{i:02d}.flac", secs, 16_000, 1,
                                 ("FLAC", "PCM_16"), kind, seed=i))
    return paths


def count_files(settings) -> int:
    try:
        catalog = open_catalog(settings)
    except Exception:  # noqa: BLE001 - the child may not have created the schema yet
        return 0
    try:
        with catalog.session() as s:
            return s.scalar(select(func.count(File.id))) or 0
    finally:
        catalog.close()


def start_child(settings, lib: Path, delay: float) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, str(CHILD), str(settings.home), settings.database_url,
                             str(delay), str(lib)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill_when(proc: subprocess.Popen, settings, at_least: int, timeout: float = 120,
              on_wait=None) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if on_wait:
            on_wait(proc)
        n = count_files(settings)
        if n >= at_least or proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return count_files(settings)


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "zombie" not in f.read()
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_kill9_mid_run_then_rerun_is_consistent(settings, tmp_path):
    from aligner_double import ProjectionAligner
    from indexer import run_index
    lib = tmp_path / "lib"
    make_library(lib)
    settings.home.mkdir(parents=True, exist_ok=True)

    # two kills at different depths, each with the store lagging behind the catalogue
    workers: list[int] = []
    for at_least in (3, 10):
        proc = start_child(settings, lib, delay=0.15)
        n = kill_when(proc, settings, at_least, on_wait=lambda p: workers.extend(
            c for c in children(p.pid) if c not in workers))
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
        assert n < N_FILES, "the child finished before it was killed; slow it down"
    # the decode workers noticed their parent died and exited instead of lingering
    assert workers, "no decode worker was seen"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.2)
    assert not [w for w in workers if alive(w)]

    aligner = ProjectionAligner(seed=0)
    s = run_index(settings.replace(workers=1), [lib], aligner=aligner)
    assert s.failed == []
    assert s.indexed + s.unchanged == N_FILES
    assert s.unchanged >= 10  # the killed runs' committed work was kept
    state = catalogue_state(settings)
    assert len(state["files"]) == N_FILES
    per_file = {}
    for _, fid, level in state["segments"]:
        per_file.setdefault(fid, []).append(level)
    # every file complete: exactly one file-level segment, windows for the long ones
    assert all(levels.count(True) == 1 for levels in per_file.values())
    assert len(per_file) == N_FILES
    assert_store_matches_catalogue(settings, aligner)
    s2 = run_index(settings, [lib], aligner=aligner)
    assert (s2.indexed, s2.unchanged, s2.store_rebuilt) == (0, N_FILES, False)
