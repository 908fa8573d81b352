"""Walking folders: recursion, symlinks (loops, duplicates, broken), permissions, bad paths."""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from audio_files import write_audio
from indexer.walk import IndexPathError, walk


def small(path: Path) -> Path:
    return write_audio(path, 0.2, 16_000, 1, ("WAV", "PCM_16"), "noise")


def test_recursive_sorted_audio_only(tmp_path):
    small(tmp_path / "b/deep/x.wav")
    small(tmp_path / "a.WAV")
    (tmp_path / "b/readme.txt").write_text("no")
    (tmp_path / "b/cover.jpg").write_bytes(b"\xff\xd8")
    found, failures = walk([tmp_path])
    assert [c.path for c in found] == [str(tmp_path / "a.WAV"), str(tmp_path / "b/deep/x.wav")]
    assert failures == []
    c = found[0]
    st = os.stat(c.path)
    assert (c.size, c.mtime) == (st.st_size, st.st_mtime)


def test_explicit_file_is_taken_whatever_its_extension(tmp_path):
    p = tmp_path / "take.bin"
    shutil.copy(small(tmp_path / "x.wav"), p)
    found, _ = walk([p])
    assert [c.path for c in found] == [str(p)]


def test_symlink_loops_and_duplicates_are_visited_once(tmp_path):
    lib = tmp_path / "lib"
    small(lib / "sub/a.wav")
    os.symlink(lib, lib / "sub/loop")  # lib/sub/loop -> lib: a cycle
    os.symlink(lib / "sub", lib / "again")  # a second way into sub
    os.symlink(lib / "sub/a.wav", lib / "alias.wav")  # a second name for a.wav
    os.symlink("self.wav", lib / "self.wav")  # a link to itself
    os.symlink(lib / "missing.wav", lib / "broken.wav")
    found, failures = walk([lib])
    # files before subfolders, in name order: the first name of a.wav met is alias.wav
    assert [os.path.basename(c.path) for c in found] == ["alias.wav"]
    kinds = {os.path.basename(f.path): f.reason for f in failures}
    assert kinds == {"self.wav": "symbolic link loop", "broken.wav": "broken symbolic link"}


def test_linked_in_folder_outside_the_root_is_followed(tmp_path):
    outside = tmp_path / "elsewhere"
    small(outside / "o.wav")
    lib = tmp_path / "lib"
    lib.mkdir()
    os.symlink(outside, lib / "linked")
    found, _ = walk([lib])
    assert [c.path for c in found] == [str(lib / "linked/o.wav")]  # the path as the user sees it


def test_missing_root_is_an_error(tmp_path):
    with pytest.raises(IndexPathError) as e:
        walk([tmp_path / "missing"])
    assert e.value.path.endswith("missing") and "no such" in e.value.reason


def _walk_as_nobody(root: str, q) -> None:
    if os.getuid() == 0:
        os.setgid(65534)
        os.setuid(65534)
    found, failures = walk([root])
    q.put(([c.path for c in found], [(f.path, f.kind) for f in failures]))


def test_permission_errors_are_failures_not_crashes():
    """Run as an unprivileged user (root reads everything), in a spawned process."""
    root = Path(tempfile.mkdtemp(prefix="cratedig-perm-"))
    try:
        os.chmod(root, 0o755)
        small(root / "ok/fine.wav")
        small(root / "locked/hidden.wav")
        secret = small(root / "ok/secret.wav")
        for p in (root / "ok", root / "ok/fine.wav", root / "locked/hidden.wav"):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        os.chmod(secret, 0o000)
        os.chmod(root / "locked", 0o000)
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        p = ctx.Process(target=_walk_as_nobody, args=(str(root), q))
        p.start()
        found, failures = q.get(timeout=60)
        p.join()
        assert found == [str(root / "ok/fine.wav")]
        assert sorted(failures) == [(str(root / "locked"), "permission"),
                                    (str(secret), "permission")]
    finally:
        os.chmod(root / "locked", 0o755)
        shutil.rmtree(root)
