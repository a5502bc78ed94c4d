"""Live AIS streams into rolling Parquet files: NMEA over TCP or UDP, aisstream.io JSON.

- :func:`stream_tcp`: connect to ``host:port`` and read NMEA lines (Norway's open AIS
  stream ``153.44.253.27:5631``, AIS-catcher's TCP server, most receivers). A refused,
  reset, timed-out or closed connection is retried with exponential backoff (capped,
  jittered: :class:`Backoff`); the wait starts again from the shortest after a connection
  that delivered data.
- :func:`stream_udp`: listen on ``host:port`` for NMEA datagrams pushed by receivers (each
  datagram one or more whole lines).
- :func:`stream_aisstream`: websocket client for aisstream.io JSON messages (subscribe
  message with the API key and bounding boxes; see ``mda.ingest.stream_aisstream``).

Received lines are buffered and decoded in batches (every ``flush_interval_s`` seconds or
``batch_lines`` lines, in a worker thread so the socket keeps being read) with the same
decoders as files; files are written per time window by ``mda.ingest.stream_sink``.

**Time.** A line keeps its own timestamp when it has one (NMEA tag block ``c:``, trailing or
leading epoch, ``$PGHP``; aisstream ``time_utc``). A line without one gets its **receive
time** (this machine's UTC clock when the line was read), and windows are always cut by
receive time.

**Shutdown.** When ``stop`` is set (the CLI sets it on SIGINT/SIGTERM), ``duration`` has
passed or ``max_lines`` lines were read, the source is closed, a partial last line is kept
as a line, and everything buffered is decoded and written to a final file set: no received
line is lost. Empty lines are not data and are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import socket
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import WebSocketException

from mda.errors import ConfigError
from mda.ingest.stream_aisstream import AISSTREAM_URL, AisstreamBatchDecoder
from mda.ingest.stream_sink import BatchDecoder, NmeaBatchDecoder, StreamTotals, WindowedSink

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 64 * 1024
"""A line longer than this is cut and judged as it is (no NMEA sentence is near it)."""
UDP_RECEIVE_BUFFER = 4 * 1024 * 1024
_SPAN = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_SPAN_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """This machine's clock, UTC (the receive time of a line)."""
    return datetime.now(UTC)


def parse_address(text: str, what: str = "address") -> tuple[str, int]:
    """``HOST:PORT`` (``[v6addr]:PORT`` for IPv6) -> (host, port); ConfigError otherwise."""
    host, sep, port = text.strip().rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            f"{what} {text!r} is not HOST:PORT with a port 1-65535 (e.g. 153.44.253.27:5631)"
        )
    return host, int(port)


def parse_span(text: str, what: str = "duration") -> timedelta:
    """``30s``, ``10m``, ``1h``, ``1h30m``, ``2d`` -> timedelta; ConfigError otherwise."""
    parts = _SPAN.findall(text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ConfigError(f"{what} {text!r} is not a time span like 30s, 10m, 1h or 1h30m")
    span = timedelta(seconds=sum(float(n) * _SPAN_UNITS[u] for n, u in parts))
    if span <= timedelta(0):
        raise ConfigError(f"{what} {text!r} must be longer than zero")
    return span


@dataclass(frozen=True)
class Backoff:
    """Waits between reconnect attempts: ``initial_s * factor**(n-1)``, capped at ``max_s``,
    each shortened by a random fraction up to ``jitter`` (so many clients do not retry in step)."""

    initial_s: float = 1.0
    max_s: float = 60.0
    factor: float = 2.0
    jitter: float = 0.5

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (1-based)."""
        base = min(self.max_s, self.initial_s * self.factor ** max(0, attempt - 1))
        return base * (1.0 - self.jitter * rng.random())


@dataclass(frozen=True)
class StreamOptions:
    """How a stream run buffers, writes, reconnects and ends."""

    out: Path
    window: timedelta = timedelta(minutes=10)  # one file set per window (epoch-aligned)
    duration: timedelta | None = None  # stop after this long; None: until stopped
    max_lines: int | None = None  # stop after this many lines (a sample of a feed)
    batch_lines: int = 10_000  # decode when this many lines are buffered...
    flush_interval_s: float = 5.0  # ...or this often (seconds)
    connect_timeout_s: float = 10.0
    idle_timeout_s: float | None = 300.0  # reconnect when a connection is silent this long
    backoff: Backoff = field(default_factory=Backoff)

    def __post_init__(self) -> None:
        if not timedelta(seconds=1) <= self.window <= timedelta(days=1):
            raise ConfigError(f"window {self.window} must be between 1 s and 1 day")
        if self.duration is not None and self.duration <= timedelta(0):
            raise ConfigError(f"duration {self.duration} must be longer than zero")
        if self.batch_lines < 1 or self.flush_interval_s <= 0 or (self.max_lines or 1) < 1:
            raise ConfigError("batch_lines, flush_interval_s and max_lines must be positive")


@dataclass
class StreamSummary:
    """What a stream run did: its line accounting and its connections."""

    source: str
    started: datetime
    stopped: datetime
    connections: int
    connect_errors: int
    totals: StreamTotals

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary for ``--json`` output and logs."""
        t = self.totals
        return {
            "source": self.source,
            "started": self.started.isoformat(),
            "stopped": self.stopped.isoformat(),
            "connections": self.connections,
            "connect_errors": self.connect_errors,
            "lines_read": t.lines_read,
            "accepted": t.accepted,
            "rejected": sum(t.rejects.values()),
            "rejects": dict(sorted(t.rejects.items())),
            "skipped": dict(sorted(t.skipped.items())),
            "positions": t.positions,
            "vessels": t.vessels,
            "stations": t.stations,
            "windows": t.windows,
            "files": [str(p) for p in t.files],
        }


class LineSplitter:
    """Bytes from a socket -> text lines without terminators (UTF-8, bad bytes replaced)."""

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_line

    def feed(self, data: bytes) -> list[str]:
        """The complete lines in ``data`` (plus what was buffered); keeps the partial rest."""
        self._buf += data
        *lines, rest = self._buf.split(b"\n")
        self._buf = bytearray(rest)
        if len(self._buf) > self._max:
            lines.append(self._buf)
            self._buf = bytearray()
        return [t for b in lines if (t := _text(b))]

    def flush(self) -> str | None:
        """The partial last line, if any (at end of connection)."""
        rest, self._buf = self._buf, bytearray()
        return _text(rest) or None


def _text(raw: bytes | bytearray) -> str:
    return bytes(raw).decode("utf-8", errors="replace").rstrip("\r")


class StreamRun:
    """The state shared by a receiver and the flusher of one run."""

    def __init__(self, sink: WindowedSink, options: StreamOptions, stop: asyncio.Event,
                 clock: Clock, seed: int | None = None) -> None:  # fmt: skip
        self.sink = sink
        self.options = options
        self.stop = stop
        self.clock = clock
        self.wake = asyncio.Event()
        self.rng = random.Random(seed)
        self.connections = 0
        self.connect_errors = 0

    def receive(self, text: str) -> None:
        """Buffer one received line with its receive time."""
        limit = self.options.max_lines
        if limit is not None and self.sink.received >= limit:
            return  # the sample is complete: later lines are not read
        self.sink.add(text, self.clock())
        if self.sink.buffered >= self.options.batch_lines:
            self.wake.set()
        if limit is not None and self.sink.received >= limit:
            self.stop.set()

    async def pause(self, attempt: int) -> None:
        """Wait the backoff delay before reconnect ``attempt``, or until stopped."""
        delay = self.options.backoff.delay_s(attempt, self.rng)
        log.info("reconnecting in %.2f s (attempt %d)", delay, attempt)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=delay)

    async def process(self, final: bool = False) -> None:
        """Decode what is buffered and write the closed windows (all of them when final)."""
        batch, now = self.sink.take(), self.clock()
        await asyncio.to_thread(self.sink.process, batch, now, final)

    async def flush_loop(self) -> None:
        """Process the buffer every ``flush_interval_s`` or when ``batch_lines`` are waiting."""
        while not self.stop.is_set():
            await _first_of(self.stop, self.wake, timeout=self.options.flush_interval_s)
            self.wake.clear()
            if not self.stop.is_set():
                await self.process()


async def _first_of(a: asyncio.Event, b: asyncio.Event, timeout: float) -> None:
    """Return when ``a`` or ``b`` is set, or after ``timeout`` seconds."""
    waiters = [asyncio.create_task(a.wait()), asyncio.create_task(b.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


Receiver = Callable[[StreamRun], Coroutine[Any, Any, None]]


async def run_stream(
    source: str,
    receiver: Receiver,
    decoder: BatchDecoder,
    options: StreamOptions,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock = utc_now,
) -> StreamSummary:
    """Run ``receiver`` until ``stop``, ``duration`` or its own end; flush and summarise.

    An error raised by the receiver (e.g. a refused API key) ends the run after the
    buffered lines are written, and is raised again.
    """
    run = StreamRun(WindowedSink(options.out, options.window, decoder), options,
                    stop or asyncio.Event(), clock)  # fmt: skip
    started = clock()
    timer = None
    if options.duration is not None:
        loop = asyncio.get_running_loop()
        timer = loop.call_later(options.duration.total_seconds(), run.stop.set)
    recv_task = asyncio.create_task(receiver(run))
    flusher = asyncio.create_task(run.flush_loop())
    stopped = asyncio.create_task(run.stop.wait())
    try:
        await asyncio.wait([recv_task, flusher, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        if timer is not None:
            timer.cancel()
        run.stop.set()
        recv_task.cancel()
        await asyncio.gather(recv_task, stopped, return_exceptions=True)
        await flusher  # a failed write is raised here, before the final flush
        await run.process(final=True)
    if not recv_task.cancelled() and recv_task.exception() is not None:
        raise recv_task.exception()  # type: ignore[misc]
    return StreamSummary(source, started, clock(), run.connections, run.connect_errors,
                         run.sink.totals)  # fmt: skip


# --- TCP ----------------------------------------------------------------------------------
async def _read_connection(run: StreamRun, reader: asyncio.StreamReader) -> int:
    """Read lines until EOF, reset or silence; returns the bytes received."""
    splitter, got = LineSplitter(), 0
    try:
        while True:
            data = await asyncio.wait_for(reader.read(65536), run.options.idle_timeout_s)
            if not data:
                log.warning("connection closed by the server after %d bytes", got)
                break
            got += len(data)
            for line in splitter.feed(data):
                run.receive(line)
    except TimeoutError:
        log.warning("no data for %s s; reconnecting", run.options.idle_timeout_s)
    except OSError as e:
        log.warning("connection lost after %d bytes: %s", got, e)
    finally:
        if (tail := splitter.flush()) is not None:
            run.receive(tail)
    return got


async def _tcp_receiver(run: StreamRun, host: str, port: int) -> None:
    attempt = 0
    while not run.stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), run.options.connect_timeout_s
            )
        except (OSError, TimeoutError) as e:
            run.connect_errors += 1
            log.warning("cannot connect to %s:%d: %s", host, port, e or type(e).__name__)
        else:
            run.connections += 1
            log.info("connected to %s:%d", host, port)
            try:
                if await _read_connection(run, reader):
                    attempt = 0
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
        attempt += 1
        await run.pause(attempt)


async def stream_tcp(
    host: str,
    port: int,
    options: StreamOptions,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock = utc_now,
) -> StreamSummary:
    """Read NMEA from a TCP server at ``host:port`` into rolling Parquet files (see module)."""
    source = f"tcp:{host}:{port}"
    return await run_stream(
        source, lambda run: _tcp_receiver(run, host, port), NmeaBatchDecoder(source), options,
        stop=stop, clock=clock,
    )  # fmt: skip


# --- UDP ----------------------------------------------------------------------------------
class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, run: StreamRun) -> None:
        self.run = run

    def datagram_received(self, data: bytes, addr: Any) -> None:
        for line in _text(data).split("\n"):
            if line := line.rstrip("\r"):
                self.run.receive(line)

    def error_received(self, exc: Exception) -> None:
        log.warning("UDP receive error: %s", exc)


async def _udp_receiver(
    run: StreamRun, host: str, port: int, on_listen: Callable[[tuple[str, int]], None] | None
) -> None:
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(run), local_addr=(host, port)
        )
    except OSError as e:
        raise ConfigError(f"cannot listen for UDP on {host}:{port}: {e}; pick a free port") from e
    sock = transport.get_extra_info("socket")
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)
    bound = sock.getsockname()[:2]
    log.info("listening for NMEA over UDP on %s:%d", *bound)
    run.connections += 1
    if on_listen is not None:
        on_listen(bound)
    try:
        await run.stop.wait()
    finally:
        transport.close()


async def stream_udp(
    host: str,
    port: int,
    options: StreamOptions,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock = utc_now,
    on_listen: Callable[[tuple[str, int]], None] | None = None,
) -> StreamSummary:
    """Listen for NMEA datagrams on ``host:port`` into rolling Parquet files (see module).

    ``on_listen`` is called with the bound (host, port) once listening (port 0 picks one).
    """
    source = f"udp:{host}:{port}"
    return await run_stream(
        source, lambda run: _udp_receiver(run, host, port, on_listen), NmeaBatchDecoder(source),
        options, stop=stop, clock=clock,
    )  # fmt: skip


# --- aisstream.io websocket -----------------------------------------------------------------
def _server_error(text: str) -> str | None:
    """The text of an aisstream error message (``{"error": "Api Key Is Not Valid"}``)."""
    if '"error"' not in text[:64]:
        return None
    with contextlib.suppress(ValueError):
        obj = json.loads(text)
        if isinstance(obj, dict) and set(obj) == {"error"}:
            return str(obj["error"])
    return None


async def _ws_session(run: StreamRun, url: str, subscribe: dict[str, Any]) -> int:
    """One websocket connection: subscribe, read messages; returns the messages received."""
    got = 0
    async with ws_connect(url, open_timeout=run.options.connect_timeout_s, close_timeout=2) as ws:
        await ws.send(json.dumps(subscribe))
        run.connections += 1
        log.info("subscribed to %s", url)
        async for message in ws:
            text = message if isinstance(message, str) else _text(message)
            if (error := _server_error(text)) is not None:
                raise ConfigError(f"aisstream refused the subscription: {error}")
            got += 1
            run.receive(text)
    log.warning("websocket closed by the server after %d messages", got)
    return got


async def _ws_receiver(run: StreamRun, url: str, subscribe: dict[str, Any]) -> None:
    attempt = 0
    while not run.stop.is_set():
        try:
            if await _ws_session(run, url, subscribe):
                attempt = 0
        except (OSError, TimeoutError, WebSocketException) as e:
            run.connect_errors += 1
            log.warning("websocket %s: %s", url, e or type(e).__name__)
        attempt += 1
        await run.pause(attempt)


async def stream_aisstream(
    subscribe: dict[str, Any],
    options: StreamOptions,
    *,
    url: str = AISSTREAM_URL,
    stop: asyncio.Event | None = None,
    clock: Clock = utc_now,
) -> StreamSummary:
    """Read aisstream.io JSON messages into rolling Parquet files (see module).

    ``subscribe`` is the first message sent (``stream_aisstream.subscription(...)``). A
    server error message (bad API key) raises ConfigError after the buffer is written.
    """
    return await run_stream(
        "aisstream", lambda run: _ws_receiver(run, url, subscribe), AisstreamBatchDecoder(),
        options, stop=stop, clock=clock,
    )  # fmt: skip
