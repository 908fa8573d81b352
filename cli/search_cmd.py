"""`cratedig search "QUERY"`: ranked files (or segments) as a table, or one JSON object."""
from __future__ import annotations

import json

import click


def render_table(resp, segments: bool) -> str:
    """Aligned columns: rank, score, duration, (start-end with --segments), path."""
    if not resp.results:
        return "no results"
    head = ["#", "score", "dur"] + (["span"] if segments else []) + ["path"]
    rows = []
    for i, h in enumerate(resp.results, 1):
        row = [str(i), f"{h.score:.3f}", _secs(h.duration)]
        if segments:
            row.append(f"{_secs(h.start)}-{_secs(h.end)}")
        row.append(h.path + ("  [generated]" if h.source == "generated" else ""))
        rows.append(row)
    widths = [max(len(r[c]) for r in rows + [head]) for c in range(len(head) - 1)]
    lines = []
    for r in [head] + rows:
        cells = [r[c].rjust(widths[c]) if c < 2 else r[c].ljust(widths[c])
                 for c in range(len(widths))]
        lines.append("  ".join(cells + [r[-1]]).rstrip())
    return "\n".join(lines)


def _generation_progress(stage: str, done: int, total: int) -> None:
    click.echo(f"generate: {stage} {done}/{total}", err=True)


def _secs(s: float) -> str:
    if s >= 60:
        return f"{int(s // 60)}:{s % 60:04.1f}"
    return f"{s:.1f}s"


def register(group: click.Group) -> None:
    from cli.main import settings_from

    @group.command("search")
    @click.argument("query", required=False, default="")
    @click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
                  help="number of results")
    @click.option("--json", "as_json", is_flag=True, help="print one JSON object on stdout")
    @click.option("--no-generate", is_flag=True, help="never generate a clip on a miss")
    @click.option("--min-score", type=float, default=None, help="drop results scoring below S")
    @click.option("--segments", is_flag=True, help="return matching segments (with start/end), "
                  "not one result per file")
    @click.option("--like", type=click.Path(dir_okay=False), default=None,
                  help="search by example: an audio file")
    @click.option("--min-duration", type=float, default=None, help="seconds")
    @click.option("--max-duration", type=float, default=None, help="seconds")
    @click.option("--path-prefix", default=None, help="only files under this folder/path prefix")
    @click.option("--format", "fmt", default=None, help="only this format (wav, flac, ogg, ...)")
    @click.option("--source", type=click.Choice(["catalogue", "generated"]), default=None,
                  help="only catalogued or only generated clips")
    @click.option("--no-keywords", is_flag=True,
                  help="rank by the embedding alone (no file-name/tag keyword score)")
    @click.pass_context
    def search_cmd(ctx, query, k, as_json, no_generate, min_score, segments, like, min_duration,
                   max_duration, path_prefix, fmt, source, no_keywords):
        """Find sounds by describing them (or by example with --like FILE)."""
        from search import SearchFilters, run_search
        from search.miss import MissHandler
        settings = settings_from(ctx)
        filters = SearchFilters(min_duration=min_duration, max_duration=max_duration,
                                path_prefix=path_prefix, format=fmt, source=source)
        resp = run_search(settings, query, k=k, segments=segments, like=like, filters=filters,
                          min_score=min_score, keywords=not no_keywords,
                          generate=False if no_generate else None,
                          on_miss=None if no_generate else MissHandler(progress=_generation_progress))
        if as_json:
            click.echo(json.dumps(resp.to_json()))
            return
        click.echo(render_table(resp, segments))
        if resp.miss and resp.results and resp.threshold is not None:
            click.echo(f"(weak match: best similarity {resp.best_similarity:.3f} is below "
                       f"{resp.threshold:.3f})", err=True)
