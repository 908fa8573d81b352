"""`cratedig index`, `cratedig reindex` and `cratedig db upgrade`."""
from __future__ import annotations

import json
import sys
import time

import click


class ProgressBar:
    """Progress on stderr: a redrawn bar on a terminal, a line every few seconds otherwise."""

    WIDTH = 24
    LOG_EVERY_S = 5.0

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._drawn = False

    def __call__(self, p) -> None:
        now = time.monotonic()
        final = p.files_done >= p.files_total
        if not final and now - self._last < (0.1 if self.tty else self.LOG_EVERY_S):
            return
        self._last = now
        frac = p.bytes_done / p.bytes_total if p.bytes_total else 1.0
        eta = p.eta_seconds
        line = (f"{p.files_done}/{p.files_total} files, {p.audio_seconds / 3600:.2f} h audio, "
                f"{p.x_realtime:.0f}x real time, ETA {_clock(eta) if eta is not None else '?'}")
        if self.tty:
            bar = "#" * int(frac * self.WIDTH)
            self.stream.write(f"\r[{bar:<{self.WIDTH}}] {line}\033[K")
            self._drawn = True
        else:
            self.stream.write(f"index: {line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _render(summary, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.to_json()))
        return
    click.echo(summary.headline())
    for f in summary.failed:
        click.echo(f"  failed: {f.path}: {f.reason}")
    click.echo(f"{summary.audio_seconds / 3600:.2f} h of audio in {summary.wall_seconds:.1f} s"
               f" ({summary.x_realtime:.0f}x real time)" if summary.audio_seconds else
               f"done in {summary.wall_seconds:.1f} s")


def register(group: click.Group) -> None:
    from cli.main import settings_from

    @group.command("index")
    @click.argument("paths", nargs=-1, required=True, type=click.Path())
    @click.option("--prune", is_flag=True, help="drop catalogued files under PATHS gone from disk")
    @click.option("--workers", type=int, default=None, help="decode worker processes (0 = one per core)")
    @click.option("--json", "as_json", is_flag=True, help="print the summary as one JSON object")
    @click.option("--quiet", is_flag=True, help="no progress on stderr")
    @click.pass_context
    def index_cmd(ctx, paths, prune, workers, as_json, quiet):
        """Index audio files under PATHS (recursive, incremental, resumable)."""
        from indexer import run_index
        settings = settings_from(ctx, workers=workers)
        bar = None if quiet else ProgressBar()
        try:
            summary = run_index(settings, list(paths), prune=prune, progress=bar)
        finally:
            if bar:
                bar.close()
        for f in summary.failed:
            click.echo(f"warning: {f.path}: {f.reason}", err=True)
        _render(summary, as_json)

    @group.command("reindex")
    @click.option("--from-audio", is_flag=True,
                  help="decode and re-embed every file even if the current aligner embedded it")
    @click.option("--json", "as_json", is_flag=True, help="print the summary as one JSON object")
    @click.option("--quiet", is_flag=True, help="no progress on stderr")
    @click.pass_context
    def reindex_cmd(ctx, from_audio, as_json, quiet):
        """Rebuild the vector index from the catalogue (re-embedding the audio if the aligner
        changed)."""
        from indexer import reindex
        settings = settings_from(ctx)
        bar = None if quiet else ProgressBar()
        try:
            summary = reindex(settings, from_audio=from_audio, progress=bar)
        finally:
            if bar:
                bar.close()
        _render(summary, as_json)

    @group.group("db")
    def db_group():
        """The catalogue database."""

    @db_group.command("upgrade")
    @click.pass_context
    def db_upgrade(ctx):
        """Apply the schema migrations (also done automatically at every start)."""
        from catalog.db import current_revision, head_revision, open_catalog, safe_url
        settings = settings_from(ctx)
        catalog = open_catalog(settings)
        try:
            rev = current_revision(catalog.engine)
        finally:
            catalog.close()
        click.echo(f"{safe_url(settings.db_url)}: at revision {rev} (head {head_revision()})")
