"""`cratedig serve`: the web UI and JSON API on this machine (waitress, several threads)."""
from __future__ import annotations

import click

from cli.main import settings_from

DEFAULT_THREADS = 8


def register(group: click.Group) -> None:
    group.add_command(serve)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to bind; anything but loopback needs a token (CRATEDIG_TOKEN)")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 64),
              help="request threads")
@click.option("--index-root", "index_roots", multiple=True, type=click.Path(file_okay=False),
              help="folder the index page may index (repeatable; default: your home directory)")
@click.option("--token", default=None, help="API token for mutating requests (else CRATEDIG_TOKEN)")
@click.option("--dev", is_flag=True, help="Flask's development server with reloading (local only)")
@click.pass_context
def serve(ctx, host, port, threads, index_roots, token, dev):
    """Serve the search page and the JSON API (http://HOST:PORT, API at /api/openapi.json)."""
    from pathlib import Path

    from web import create_app
    from web.security import is_loopback

    settings = settings_from(ctx, token=token)
    public = not is_loopback(host)
    if public and not settings.token:
        raise click.UsageError(f"--host {host} is reachable from other machines: set a token "
                               "(--token or CRATEDIG_TOKEN) so that only you can change the catalogue")
    if public and dev:
        raise click.UsageError("--dev is for loopback only")
    roots = [Path(r).expanduser().resolve() for r in index_roots] or None
    click.echo(f"loading the catalogue and the aligner from {settings.home} ...", err=True)
    app = create_app(settings, index_roots=roots, require_token=public, warm=True,
                     allowed_hosts=(host,) if public else ())
    click.echo(f"cratedig on http://{host}:{port}  (API: /api/openapi.json; Ctrl-C stops)", err=True)
    if dev:
        app.run(host=host, port=port, debug=False, threaded=True)
        return
    from waitress import serve as waitress_serve
    waitress_serve(app, host=host, port=port, threads=threads, ident="cratedig",
                   clear_untrusted_proxy_headers=True)
