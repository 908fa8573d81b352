"""Finding audio files under the paths the user gives: recursive, symlink-safe, never writing.

Symlinks are followed (sample libraries are often linked in), but every directory and file is
visited once, by (st_dev, st_ino), which also breaks symlink loops. Unreadable directories and
broken links become failures with a reason; they never stop the walk.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Iterable

# Extensions of the containers libsndfile reads (mp3 and opus included since libsndfile 1.1).
AUDIO_EXTENSIONS = frozenset({
    "wav", "wave", "bwf", "rf64", "w64", "flac", "ogg", "oga", "opus", "aif", "aiff", "aifc",
    "mp3", "au", "snd", "caf", "voc", "sd2", "paf", "svx", "8svx", "nist", "sph", "htk", "xi",
})


class IndexPathError(ValueError):
    """A path given to the indexer cannot be indexed at all."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Candidate:
    """An audio file found on disk; `path` is absolute (symlinks kept as the user sees them)."""
    path: str
    size: int
    mtime: float


@dataclass(frozen=True)
class WalkFailure:
    path: str
    kind: str  # "permission" | "unreadable"
    reason: str


def is_audio_name(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lower() in AUDIO_EXTENSIONS if "." in name else False


def walk(paths: Iterable[str | os.PathLike]) -> tuple[list[Candidate], list[WalkFailure]]:
    """Audio files under `paths` (files given explicitly are taken whatever their extension),
    sorted by path, each physical file once; plus what could not be walked.

    Raises `IndexPathError` when a given path does not exist."""
    roots = [os.path.abspath(os.fspath(p)) for p in paths]
    for r in roots:
        if not os.path.lexists(r):
            raise IndexPathError(r, "no such file or directory")
    found: list[Candidate] = []
    failures: list[WalkFailure] = []
    seen_files: set[tuple[int, int]] = set()
    seen_dirs: set[tuple[int, int]] = set()

    def take_file(path: str, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key in seen_files:
            return
        seen_files.add(key)
        if not os.access(path, os.R_OK):
            failures.append(WalkFailure(path, "permission", "permission denied (not readable)"))
            return
        found.append(Candidate(path, st.st_size, st.st_mtime))

    for root in roots:
        try:
            st = os.stat(root)
        except OSError as e:
            failures.append(_failure(root, e))
            continue
        if stat.S_ISREG(st.st_mode):
            take_file(root, st)
            continue
        if not stat.S_ISDIR(st.st_mode):
            failures.append(WalkFailure(root, "unreadable", "not a regular file or directory"))
            continue
        stack = [(root, st)]
        while stack:
            d, dst = stack.pop()
            if (dst.st_dev, dst.st_ino) in seen_dirs:
                continue  # a symlink loop or a second link to a folder already walked
            seen_dirs.add((dst.st_dev, dst.st_ino))
            try:
                with os.scandir(d) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                failures.append(_failure(d, e))
                continue
            subdirs = []
            for e in entries:
                try:
                    est = e.stat(follow_symlinks=True)
                except OSError as err:
                    if e.is_symlink() and isinstance(err, FileNotFoundError):
                        if is_audio_name(e.name):
                            failures.append(WalkFailure(e.path, "unreadable", "broken symbolic link"))
                    elif isinstance(err, OSError) and err.errno == 40:  # ELOOP: link to itself
                        failures.append(WalkFailure(e.path, "unreadable", "symbolic link loop"))
                    else:
                        failures.append(_failure(e.path, err))
                    continue
                if stat.S_ISDIR(est.st_mode):
                    subdirs.append((e.path, est))
                elif stat.S_ISREG(est.st_mode) and is_audio_name(e.name):
                    take_file(e.path, est)
            stack.extend(reversed(subdirs))  # depth-first, in name order
    found.sort(key=lambda c: c.path)
    return found, failures


def _failure(path: str, e: OSError) -> WalkFailure:
    if isinstance(e, PermissionError):
        return WalkFailure(path, "permission", f"permission denied ({e.strerror})")
    return WalkFailure(path, "unreadable", f"{type(e).__name__}: {e.strerror or e}")
