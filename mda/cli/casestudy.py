"""`mda casestudy`: a training pack for one event (narrative, maps, questions, trainer key)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mda.cli.common import emit_json, out_folder, settings, setup_logging, user_errors

console = Console(stderr=True)


def casestudy(
    event_id: Annotated[
        str,
        typer.Argument(
            help="Event id from the report, events.csv or events.geojson "
            "(or a unique prefix of at least 6 characters).",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the pack.")],
    run_dir: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Run directory: the --out folder of `mda run` or a day's report folder. "
            "Without it the event is looked up in the lake under MDA_HOME.",
        ),
    ] = None,
    anonymise: Annotated[
        bool,
        typer.Option(
            "--anonymise",
            "--anonymize",
            help="Replace vessel names, MMSIs, IMO numbers and call signs by pseudonyms.",
        ),
    ] = False,
    exercise: Annotated[
        bool,
        typer.Option(
            "--exercise",
            help="Hide the answer (event type, explanation, evidence, score) from the trainees' "
            "part; it stays in the trainer key.",
        ),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Language: en, ja or fr (default: the region's language, else en)."
        ),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option(
            "--seed",
            help="Text the pseudonyms are drawn from (default: the event's type, start time "
            "and region). Change it to give a class different pseudonyms.",
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also write the PDF versions.")
    ] = True,
    regions_file: Annotated[
        Path | None,
        typer.Option("--regions-file", envvar="MDA_REGIONS_FILE", help="Regions TOML file."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the written files as JSON on stdout.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Write a case-study pack for one event: casestudy.html/.pdf for trainees and
    trainer_key.html/.pdf for the trainer, with maps, a chart and discussion questions."""
    from mda.pipelines.casestudy import make_casestudy
    from mda.reports.i18n import check_language

    setup_logging(verbose)
    config = settings()
    if regions_file is not None:
        config = replace(config, regions_file=regions_file)
    out_folder(out)
    with user_errors():
        if lang is not None:
            check_language(lang)
        with console.status(f"writing the case study of {event_id}"):
            files = make_casestudy(
                event_id,
                out,
                settings=config,
                run_dir=run_dir,
                language=lang,
                anonymise=anonymise,
                exercise=exercise,
                seed=seed,
                pdf=pdf,
            )
    if as_json:
        emit_json({"out_dir": files.out_dir, "files": [str(p) for p in files.files]})
        return
    typer.echo(f"Case study:  {files.pdf or files.html}")
    typer.echo(f"Trainer key: {files.key_pdf or files.key_html}")
