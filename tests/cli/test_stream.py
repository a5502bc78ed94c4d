"""`mda stream` as a user runs it: against a local TCP server, stopped by SIGTERM or a duration."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mda import schema as s
from mda.cli.stream import app
from tests.ingest.test_stream import track_lines

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


@contextmanager
def nmea_server(lines: list[str]) -> Iterator[tuple[int, threading.Event]]:
    """A TCP server on 127.0.0.1 that sends ``lines`` to each client and keeps it open."""
    sent = threading.Event()
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(10)

    def serve() -> None:
        try:
            conn, _ = srv.accept()
        except OSError:
            return
        with conn:
            conn.sendall(("\n".join(lines) + "\n").encode())
            sent.set()
            conn.settimeout(10)
            with contextlib.suppress(OSError):
                conn.recv(1)  # until the client leaves

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield srv.getsockname()[1], sent
    finally:
        srv.close()
        thread.join(timeout=5)


def count_rows(out: Path, table: str) -> int:
    return sum(pl.read_parquet(f).height for f in (out / table).glob("date=*/*.parquet"))


def test_tcp_duration_json_summary(tmp_path):
    _, lines = track_lines(n_static=False)
    with nmea_server(lines) as (port, _):
        res = runner.invoke(
            app, ["tcp", f"127.0.0.1:{port}", "--out", str(tmp_path), "--duration", "1.5s",
                  "--window", "1h", "--json"],
        )  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["lines_read"] == summary["positions"] == len(lines)
    assert summary["connections"] == 1 and summary["rejected"] == 0
    assert count_rows(tmp_path, "positions") == len(lines)
    assert all(Path(f).is_file() for f in summary["files"])


def test_sigterm_flushes_everything_and_exits_zero(tmp_path):
    _, lines = track_lines(n_static=False)
    lines = [*lines, "$GPRMC,not,ais*00"]  # one line for the quarantine
    with nmea_server(lines) as (port, sent):
        proc = subprocess.Popen(
            [sys.executable, "-c", "from mda.cli.stream import app; app()", "tcp",
             f"127.0.0.1:{port}", "--out", str(tmp_path), "--json"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert sent.wait(8), "the CLI never connected"
            time.sleep(0.5)  # let it read what was sent (nothing is written before the stop)
            assert not list(tmp_path.rglob("*.parquet"))
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = proc.communicate(timeout=8)
        finally:
            proc.kill()
    assert proc.returncode == 0, stderr
    summary = json.loads(stdout)
    assert summary["lines_read"] == len(lines)
    assert summary["accepted"] + summary["rejected"] == len(lines)
    assert count_rows(tmp_path, "positions") + count_rows(tmp_path, "quarantine") == len(lines)
    q = pl.concat([pl.read_parquet(f) for f in (tmp_path / "quarantine").glob("*/*.parquet")])
    assert q[s.REASON].to_list() == ["not_ais"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tcp", "153.44.253.27", "--out", "x"], "TCP address '153.44.253.27' is not HOST:PORT"),
        (["udp", "--listen", "0.0.0.0:99999", "--out", "x"], "--listen address"),
        (["tcp", "localhost:5631", "--out", "x", "--window", "10"], "--window '10'"),
        (["tcp", "localhost:5631", "--out", "x", "--duration", "soon"], "--duration 'soon'"),
        (["aisstream", "--bbox", "4,57,12,62", "--out", "x"], "no aisstream API key"),
        (["aisstream", "--bbox", "4,57,12", "--api-key", "k", "--out", "x"], "--bbox '4,57,12'"),
    ],
)
def test_user_mistakes_are_one_line_errors(args, message, monkeypatch):
    monkeypatch.delenv("MDA_AISSTREAM_API_KEY", raising=False)
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert res.stderr.startswith("mda: error: ") and message in res.stderr
    assert res.stderr.count("\n") == 1
