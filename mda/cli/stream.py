"""`mda stream`: record live AIS streams (NMEA over TCP/UDP, aisstream.io) into Parquet."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer

from mda.cli.common import emit_json, fail, out_folder, setup_logging, user_errors
from mda.errors import ConfigError
from mda.ingest.stream import (
    StreamOptions,
    StreamSummary,
    parse_address,
    parse_span,
    stream_aisstream,
    stream_tcp,
    stream_udp,
)
from mda.ingest.stream_aisstream import AISSTREAM_URL, BBox, subscription

app = typer.Typer(
    help="Record live AIS streams into rolling Parquet files (OUT/<table>/date=.../*.parquet).",
    no_args_is_help=True,
)

Out = Annotated[Path, typer.Option("--out", "-o", help="Folder for the Parquet tables.")]
Window = Annotated[
    str, typer.Option("--window", help="One file set per window of this length (30s, 10m, 1h).")
]
Duration = Annotated[
    str | None,
    typer.Option("--duration", help="Stop after this long (e.g. 1h); default: until Ctrl-C."),
]
MaxLines = Annotated[
    int | None, typer.Option("--max-lines", help="Stop after this many lines (a sample).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout at exit.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log connections and windows.")]

StreamMaker = Callable[[asyncio.Event], Awaitable[StreamSummary]]


def _options(out: Path, window: str, duration: str | None, max_lines: int | None) -> StreamOptions:
    return StreamOptions(
        out=out_folder(out),
        window=parse_span(window, "--window"),
        duration=parse_span(duration, "--duration") if duration else None,
        max_lines=max_lines,
    )


def _run(make: StreamMaker) -> StreamSummary:
    """Run a stream until its duration ends or SIGINT/SIGTERM, which flush and stop it."""

    async def main() -> StreamSummary:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        return await make(stop)

    return asyncio.run(main())


def _report(summary: StreamSummary, out: Path, as_json: bool) -> None:
    s = summary.summary()
    if as_json:
        emit_json(s)
        return
    typer.echo(
        f"{s['lines_read']} lines: {s['positions']} positions, {s['vessels']} vessels, "
        f"{s['stations']} station reports, {s['rejected']} quarantined in {s['windows']} "
        f"window(s) -> {out}"
    )


@app.command("tcp")
def tcp(
    address: Annotated[
        str, typer.Argument(help="HOST:PORT of an NMEA TCP server, e.g. 153.44.253.27:5631.")
    ],
    out: Out,
    window: Window = "10m",
    duration: Duration = None,
    max_lines: MaxLines = None,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Connect to an NMEA TCP server; reconnect with backoff when it drops."""
    setup_logging(verbose)
    with user_errors():
        host, port = parse_address(address, "TCP address")
        options = _options(out, window, duration, max_lines)
        summary = _run(lambda stop: stream_tcp(host, port, options, stop=stop))
    _report(summary, out, as_json)


@app.command("udp")
def udp(
    out: Out,
    listen: Annotated[
        str,
        typer.Option("--listen", help="HOST:PORT to listen on (0.0.0.0:PORT for other machines)."),
    ] = "127.0.0.1:10110",
    window: Window = "10m",
    duration: Duration = None,
    max_lines: MaxLines = None,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Listen for NMEA datagrams pushed by receivers."""
    setup_logging(verbose)
    with user_errors():
        host, port = parse_address(listen, "--listen address")
        options = _options(out, window, duration, max_lines)
        summary = _run(lambda stop: stream_udp(host, port, options, stop=stop))
    _report(summary, out, as_json)


def parse_bbox(text: str) -> BBox:
    """``min_lon,min_lat,max_lon,max_lat`` (degrees) -> BBox; ConfigError otherwise."""
    try:
        v = tuple(float(x) for x in text.split(","))
    except ValueError:
        v = ()
    ok = len(v) == 4 and -180 <= v[0] < v[2] <= 180 and -90 <= v[1] < v[3] <= 90
    if not ok:
        raise ConfigError(f"--bbox {text!r} is not min_lon,min_lat,max_lon,max_lat in degrees")
    return v[0], v[1], v[2], v[3]


@app.command("aisstream")
def aisstream(
    out: Out,
    bbox: Annotated[
        list[str],
        typer.Option("--bbox", help="min_lon,min_lat,max_lon,max_lat; repeat for more boxes."),
    ],
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", envvar="MDA_AISSTREAM_API_KEY", help="aisstream.io API key."),
    ] = None,
    mmsi: Annotated[
        list[int] | None, typer.Option("--mmsi", help="Only these vessels (repeatable).")
    ] = None,
    url: Annotated[
        str, typer.Option("--url", envvar="MDA_AISSTREAM_URL", help="Websocket URL.")
    ] = AISSTREAM_URL,
    window: Window = "10m",
    duration: Duration = None,
    max_lines: MaxLines = None,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Subscribe to aisstream.io (JSON over a websocket) for some bounding boxes."""
    setup_logging(verbose)
    if not api_key:
        fail("no aisstream API key: pass --api-key or set MDA_AISSTREAM_API_KEY")
    with user_errors():
        subscribe = subscription(api_key, [parse_bbox(b) for b in bbox], mmsi or ())
        options = _options(out, window, duration, max_lines)
        summary = _run(lambda stop: stream_aisstream(subscribe, options, url=url, stop=stop))
    _report(summary, out, as_json)
