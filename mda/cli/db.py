"""`mda db upgrade|current|load-ports|queries`: manage the PostGIS warehouse.

The database URL comes from ``--url`` or ``MDA_POSTGIS_URL`` (``postgresql://user@host/db``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mda.cli.common import emit_json, fail, settings, setup_logging, user_errors

app = typer.Typer(
    help="The PostGIS warehouse: schema migrations, reference ports, the query library.",
    no_args_is_help=True,
)

Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="MDA_POSTGIS_URL",
        help="Warehouse URL, postgresql://user@host:port/dbname.",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v")]


def _url(url: str | None) -> str:
    chosen = url or settings().postgis_url
    if not chosen:
        fail("no warehouse URL: pass --url or set MDA_POSTGIS_URL")
    return chosen


@app.command("upgrade")
def upgrade(
    url: Url = None,
    to: Annotated[
        str, typer.Option("--to", help="Target revision (default: the newest, 'head').")
    ] = "head",
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Create or upgrade the warehouse schema (migrations; existing data is kept)."""
    setup_logging(verbose)
    from mda.store import warehouse

    with user_errors():
        before, after = warehouse.upgrade(_url(url), to)
    if as_json:
        emit_json({"before": before, "after": after})
    elif before == after:
        typer.echo(f"warehouse schema already at revision {after}")
    else:
        typer.echo(f"warehouse schema upgraded: {before or 'empty'} -> {after}")


@app.command("current")
def current(url: Url = None, as_json: AsJson = False, verbose: Verbose = False) -> None:
    """Show the warehouse's schema revision and the newest one this mda knows."""
    setup_logging(verbose)
    from mda.store import warehouse

    with user_errors():
        revision, head = warehouse.revisions(_url(url))
    if as_json:
        emit_json({"current": revision, "head": head, "up_to_date": revision == head})
        return
    state = "up to date" if revision == head else "run `mda db upgrade`"
    typer.echo(f"revision {revision or 'none (empty)'}, newest {head}: {state}")


@app.command("load-ports")
def load_ports(
    path: Annotated[Path, typer.Argument(help="GeoJSON points (FeatureCollection or array).")],
    url: Url = None,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Replace the warehouse's ports layer by the points of PATH (e.g. GFW ports.json)."""
    setup_logging(verbose)
    from mda.store import warehouse

    with user_errors():
        n, skipped = warehouse.load_ports_file(_url(url), path)
    if as_json:
        emit_json({"ports": n, "skipped": skipped})
        return
    extra = f" (skipped: {', '.join(f'{k} {v}' for k, v in sorted(skipped.items()))})"
    typer.echo(f"{n} ports stored{extra if skipped else ''}")


@app.command("queries")
def queries(as_json: AsJson = False) -> None:
    """List the analyst queries of the SQL library (sql/queries) with their first line."""
    from mda.store.queries import load_sql, query_names

    rows = {name: load_sql("queries", name).splitlines()[0].lstrip("- ") for name in query_names()}
    if as_json:
        emit_json(rows)
        return
    for line in rows.values():
        typer.echo(line)
