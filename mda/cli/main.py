"""Entry point of the `mda` console script."""

from __future__ import annotations

import typer

from mda.cli import casestudy, db, demo, fetch, fishing, ingest, reference, run, stream

app = typer.Typer(
    help="mda: maritime domain awareness pipeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("run")(run.run)
app.command("ingest")(ingest.ingest)
app.command("casestudy")(casestudy.casestudy)
app.add_typer(demo.app, name="demo")
app.add_typer(fetch.app, name="fetch")
app.add_typer(stream.app, name="stream")
app.add_typer(fishing.app, name="fishing")
app.add_typer(reference.app, name="reference")
app.add_typer(db.app, name="db")

if __name__ == "__main__":
    app()
