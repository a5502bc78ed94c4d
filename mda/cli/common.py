"""Shared CLI plumbing: settings from the environment, errors as one line on stderr."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer

from mda.errors import MdaError
from mda.settings import Settings


def settings() -> Settings:
    """The settings for this invocation (environment read here, at the edge)."""
    return Settings.from_env(os.environ)


def fail(message: str, code: int = 2) -> NoReturn:
    """Exit non-zero with a one-line reason on stderr."""
    typer.echo(f"mda: error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn MdaError (a user's mistake or bad input) into a one-line error, no traceback."""
    try:
        yield
    except MdaError as e:
        fail(str(e).splitlines()[0] if str(e) else type(e).__name__)


def out_folder(path: Path, option: str = "--out") -> Path:
    """``path`` created as a folder (parents too) before the work starts; a one-line error
    when it cannot be one (a file of that name, no permission)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        fail(f"{option} {path}: cannot be used as a folder ({e.strerror or e})")
    return path


def parse_day(value: str) -> date:
    """A UTC day given as YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--date {value!r} is not a date in YYYY-MM-DD form")


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def emit_json(payload: Any) -> None:
    """Machine-readable output on stdout."""
    typer.echo(json.dumps(payload, indent=2, sort_keys=True, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


Handler = Callable[..., Any]
