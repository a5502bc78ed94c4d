"""`mda fetch noaa|dma` and the ingest download step, against a real server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import typer
from typer.testing import CliRunner

from mda.cli import fetch
from mda.ingest import read_inputs
from mda.ingest.download import DMA, NOAA
from tests.ingest.test_download import SIDECAR_PROBES, FileServer, noaa_zip

DAY = date(2024, 3, 1)
runner = CliRunner()

# The same wiring as mda/cli/main.py: `app.add_typer(fetch.app, name="fetch")`.
root = typer.Typer(pretty_exceptions_enable=False)
root.add_typer(fetch.app, name="fetch")


@root.callback()
def _root() -> None:
    """mda (test root)."""


def mda(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(root, list(args), env=env)


@pytest.fixture
def server() -> Iterator[FileServer]:
    srv = FileServer()
    yield srv
    srv.close()


def test_fetch_noaa_range_json_then_cache(server, tmp_path):
    bodies = [server.serve_noaa(DAY + timedelta(days=i)) for i in range(3)]
    args = ["fetch", "noaa", "--start", "2024-03-01", "--end", "2024-03-03"]
    args += ["--cache", str(tmp_path), "--base-url", server.base_url, "--json"]
    first = mda(*args)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["n_files"] == 3 and summary["n_downloaded"] == 3 and summary["n_cached"] == 0
    assert summary["bytes"] == summary["bytes_downloaded"] == sum(len(b) for b in bodies)
    assert [f["day"] for f in summary["files"]] == ["2024-03-01", "2024-03-02", "2024-03-03"]
    assert (tmp_path / "noaa" / "AIS_2024_03_03.zip").read_bytes() == bodies[2]
    n = len(server.requests)
    assert n == 3 * (1 + SIDECAR_PROBES)

    again = json.loads(mda(*args).stdout)
    assert again["n_cached"] == 3 and again["n_downloaded"] == 0 and again["bytes_downloaded"] == 0
    assert len(server.requests) == n  # served from the cache: no request at all


def test_missing_day_is_one_line_error(server, tmp_path):
    result = mda(
        "fetch", "noaa", "--start", "2024-03-05", "--cache", str(tmp_path),
        "--base-url", server.base_url,
    )  # fmt: skip
    assert result.exit_code != 0
    assert result.stdout == ""
    err = result.stderr.strip()
    assert err.startswith("mda: error: ") and "\n" not in err
    assert f"{server.base_url}/2024/AIS_2024_03_05.zip" in err and "2024-03-05" in err
    assert "Traceback" not in result.output


def test_fetch_dma_base_url_from_environment(server, tmp_path):
    body = noaa_zip(DAY, rows=10)  # the fetch does not read the content
    server.add(DMA.pattern.format(day=DAY), body)
    result = mda(
        "fetch", "dma", "--start", "2024-03-01", "--cache", str(tmp_path),
        env={"MDA_DMA_BASE_URL": server.base_url},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 file(s): 1 downloaded, 0 from cache" in result.stdout
    assert (tmp_path / "dma" / "aisdk-2024-03-01.zip").read_bytes() == body


@pytest.mark.parametrize(
    "args",
    [
        ["--start", "2024-13-01"],  # no 13th month
        ["--start", "2024-03-03", "--end", "2024-03-01"],  # end before start
    ],
)
def test_bad_dates_are_one_line_errors(tmp_path, args):
    result = mda(
        "fetch", "noaa", *args, "--cache", str(tmp_path), "--base-url", "http://127.0.0.1:9"
    )
    assert result.exit_code != 0
    assert result.stderr.startswith("mda: error: ") and result.stderr.count("\n") == 1


def test_fetch_inputs_for_ingest(server, tmp_path):
    server.serve_noaa(DAY)
    env = {"MDA_NOAA_BASE_URL": server.base_url}
    paths = fetch.fetch_inputs(["2024-03-01"], None, tmp_path, env=env)
    assert paths == [tmp_path / NOAA.name / "AIS_2024_03_01.zip"]
    assert read_inputs(paths, day=DAY).positions.height == 3000
    with pytest.raises(typer.Exit):  # a missing day ends the command with one line
        fetch.fetch_inputs(["2024-03-02"], None, tmp_path, env=env)
