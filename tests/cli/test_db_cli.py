"""`mda db upgrade|current|load-ports|queries` on a real PostGIS."""

from __future__ import annotations

import json

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from mda.cli import db
from mda.store.db import make_engine
from mda.store.migrate import FIRST_REVISION, head_revision

runner = CliRunner()
root = typer.Typer(pretty_exceptions_enable=False)
root.add_typer(db.app, name="db")  # the wiring of mda/cli/main.py


@root.callback()
def _root() -> None:
    """mda (test root)."""


def mda(*args: str, env: dict | None = None):
    return runner.invoke(root, list(args), env=env or {"MDA_POSTGIS_URL": ""})


@pytest.mark.db
def test_upgrade_an_empty_schema_then_current(pg_fresh_url: str) -> None:
    engine = make_engine(pg_fresh_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA mda CASCADE"))
    engine.dispose()
    result = mda("db", "upgrade", "--url", pg_fresh_url, "--to", FIRST_REVISION)
    assert result.exit_code == 0, result.output
    assert f"empty -> {FIRST_REVISION}" in result.output
    result = mda("db", "current", "--json", env={"MDA_POSTGIS_URL": pg_fresh_url})
    assert json.loads(result.output) == {
        "current": FIRST_REVISION, "head": head_revision(), "up_to_date": False,
    }  # fmt: skip
    result = mda("db", "upgrade", "--url", pg_fresh_url, "--json")
    assert json.loads(result.output) == {"before": FIRST_REVISION, "after": head_revision()}
    result = mda("db", "upgrade", "--url", pg_fresh_url)
    assert "already at revision" in result.output


@pytest.mark.db
def test_load_ports(pg_fresh_url: str, tmp_path) -> None:
    path = tmp_path / "ports.json"
    point = {"type": "Point", "coordinates": [12.6, 55.7]}
    features = [
        {"type": "Feature", "properties": {"name": "X"}, "geometry": point},
        {"type": "Feature", "properties": {}, "geometry": point},
    ]
    path.write_text(json.dumps(features))
    result = mda("db", "load-ports", str(path), "--url", pg_fresh_url)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 ports stored (skipped: no_name 1)"


def test_errors_are_one_line_without_traceback(tmp_path) -> None:
    result = mda("db", "upgrade")
    assert result.exit_code == 2
    assert "no warehouse URL" in result.output
    result = mda("db", "current", "--url", "mysql://x@localhost/db")
    assert result.exit_code == 2 and "not supported" in result.output
    result = mda("db", "current", "--url", "postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == 2 and "could not connect" in result.output
    assert "Traceback" not in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = mda("db", "load-ports", str(bad), "--url", "postgresql://nobody@127.0.0.1:1/x")
    assert result.exit_code == 2 and "cannot read ports as JSON" in result.output


def test_queries_lists_the_library() -> None:
    result = mda("db", "queries", "--json")
    names = json.loads(result.output)
    assert {"events_near_cable", "vessels_in_zone", "gap_hotspots"} <= set(names)
