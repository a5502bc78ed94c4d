"""`mda fishing`: (re)train the fishing-activity classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mda.cli.common import emit_json, fail, setup_logging, user_errors

console = Console(stderr=True)
app = typer.Typer(help="The fishing-activity classifier.", no_args_is_help=True)


@app.command()
def train(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Model file to write."),
    ],
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="Labelled positions (.parquet or .csv): mmsi, ts, lat, lon, label "
            "(fishing/not fishing), optional sog_kn, cog_deg, gear.",
        ),
    ] = None,
    simulated: Annotated[
        bool,
        typer.Option(
            "--simulated",
            help="Train on the simulator (alone: rebuilds the bundled model; with --labels: "
            "adds the simulated tracks to your labels).",
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Simulator and classifier seed.")] = 7,
    tracks: Annotated[int, typer.Option("--tracks", help="Simulated tracks.")] = 360,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Train the classifier on your labelled positions, the simulator, or both; write it to OUT."""
    from mda.detect import fishing_model as fm

    setup_logging(verbose)
    if labels is None and not simulated:
        fail("give --labels FILE, --simulated, or both")
    with user_errors(), console.status("training the fishing classifier"):
        if labels is not None:
            model = fm.train_from_labels(
                fm.read_labels(labels),
                source=str(labels),
                simulated=tracks if simulated else 0,
                sim_seed=seed,
            )
        else:
            model = fm.train_simulated(n_tracks=tracks, seed=seed)
        fm.save_model(model, out)
    summary = {"model": str(out), "version": model.version, "trained_on": model.trained_on}
    if as_json:
        emit_json(summary)
    else:
        typer.echo(f"wrote {out} ({model.trained_on})")
