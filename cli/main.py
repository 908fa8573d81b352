"""The `cratedig` command: a click group; each command parses, builds Settings, calls one core
function and renders. Domain errors become `error: ...` + exit 1 here, in one place."""
from __future__ import annotations

import importlib
import sys

import click

# Each module defines `register(group)`; kept as names so `cratedig --help` imports no torch.
COMMAND_MODULES = [
    "cli.aligner_cmd",
    "cli.corpus_cmd",
    "cli.generate_cmd",
    "cli.index_cmd",
    "cli.search_cmd",
    "cli.serve_cmd",
]


class CratedigGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as e:  # noqa: BLE001 - the single place domain errors are rendered
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            if not _is_domain_error(e):
                raise
            click.echo(f"error: {e}", err=True)
            sys.exit(1)


def _is_domain_error(e: Exception) -> bool:
    """Our own errors (classes ending in Error defined in our packages) and OS/value errors
    about user input are shown as one line; anything else is a bug and keeps its traceback."""
    mod = type(e).__module__.split(".")[0]
    ours = mod in {"aligner", "catalog", "indexer", "search", "generator", "web", "cli"}
    return ours or isinstance(e, (OSError, ValueError))


@click.group(cls=CratedigGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), default=None,
              help="data home (default: $CRATEDIG_HOME or the XDG data dir)")
@click.option("--aligner", "aligner_spec", default=None,
              help="aligner: builtin | builtin:WEIGHTS | clap:PATH")
@click.option("--database-url", default=None, help="SQLAlchemy URL (default: SQLite in the home)")
@click.option("-v", "--verbose", is_flag=True, help="show tracebacks")
@click.pass_context
def cli(ctx, home, aligner_spec, database_url, verbose):
    """cratedig: find sounds by describing them."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["overrides"] = {"home": home, "aligner": aligner_spec, "database_url": database_url}


def settings_from(ctx, **more):
    """Resolve Settings once, from the group's flags plus a command's own."""
    from catalog.settings import Settings
    root = ctx.find_root()
    overrides = dict(root.obj.get("overrides", {}))
    overrides.update({k: v for k, v in more.items() if v is not None})
    return Settings.resolve(overrides)


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(cli)


def main(argv=None):
    cli.main(args=argv, prog_name="cratedig")


if __name__ == "__main__":
    main()
