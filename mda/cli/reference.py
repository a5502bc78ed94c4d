"""`mda reference list|fetch`: the public reference layers and their download into a cache."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mda.cli.common import emit_json, out_folder, setup_logging, user_errors
from mda.cli.fetch import byte_progress, default_cache
from mda.ingest.reference import PUBLIC_LAYERS, FetchedLayer, PublicLayer, fetch_public_layer

app = typer.Typer(
    help="Public reference layers (Natural Earth land/coastline, TeleGeography cables, "
    "Marine Regions EEZ, WDPA): list them, download them into a cache.",
    no_args_is_help=True,
)

_LICENCE_HELP = (
    "Licences: Natural Earth is public domain; TeleGeography cable-geo and landing points are "
    "CC BY-NC-SA 3.0 (non-commercial use only, credit TeleGeography). Marine Regions EEZ and "
    "WDPA need a licence form: download them by hand and pass the file as a zones layer."
)


@app.command("list")
def list_layers(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """Show the public layers: name, role, URL, licence (manual ones say so)."""
    rows = [_layer_row(layer) for layer in PUBLIC_LAYERS.values()]
    if as_json:
        emit_json({"layers": rows})
        return
    for row in rows:
        how = "manual download" if row["manual"] else "mda reference fetch " + row["name"]
        typer.echo(f"{row['name']}  [{row['role']}]  {row['title']}")
        typer.echo(f"    {row['url']}")
        typer.echo(f"    licence: {row['licence']}; {how}")
        if row["note"]:
            typer.echo(f"    note: {row['note']}")


@app.command("fetch", help="Download public layers into the cache (reused when present). "
             + _LICENCE_HELP)  # fmt: skip
def fetch(
    names: Annotated[
        list[str], typer.Argument(metavar="NAME...", help="Layer names (see `mda reference list`).")
    ],
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="Download cache folder (default: $MDA_HOME/downloads)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="MDA_REFERENCE_BASE_URL",
            help="Mirror base URL replacing the provider's (the layer's path is appended).",
        ),
    ] = None,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries of a failed transfer.")
    ] = 5,
    backoff: Annotated[
        float, typer.Option("--backoff", min=0.0, help="Seconds before the first retry.")
    ] = 1.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    setup_logging(verbose)
    cache_dir = out_folder(cache or default_cache(), "--cache")
    with user_errors(), byte_progress() as hook:
        fetched = [
            fetch_public_layer(
                name, cache_dir, base_url=base_url, retries=retries, backoff_s=backoff,
                progress=hook,
            )
            for name in names
        ]  # fmt: skip
    if as_json:
        emit_json({"cache": str(cache_dir), "layers": [_fetched_row(f) for f in fetched]})
        return
    for f in fetched:
        how = "from cache" if f.cached else "downloaded"
        typer.echo(f"{f.layer.name}: {how}, {f.size_bytes} bytes -> {f.path}")
        typer.echo(f"    licence: {f.layer.licence}")


def _layer_row(layer: PublicLayer) -> dict[str, Any]:
    return {
        "name": layer.name,
        "title": layer.title,
        "role": layer.role,
        "url": layer.url(),
        "licence": layer.licence,
        "manual": layer.manual,
        "note": layer.note,
    }


def _fetched_row(f: FetchedLayer) -> dict[str, Any]:
    return {
        "name": f.layer.name,
        "role": f.layer.role,
        "url": f.url,
        "path": str(f.path),
        "bytes": f.size_bytes,
        "cached": f.cached,
        "licence": f.layer.licence,
    }
