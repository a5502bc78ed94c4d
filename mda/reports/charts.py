"""Speed and course over time for a vessel around an event, drawn with matplotlib (no pyplot).

One figure, two panels sharing the time axis: speed over ground (kn) above, course over
ground and heading (degrees) below. The event's period is shaded; silences longer than
``SILENCE_MIN_H`` break the lines and are shaded grey, so an AIS gap is visible at a glance.
Output is byte-reproducible like the maps (fixed SVG hash salt and id, no date metadata).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import matplotlib.dates as mdates
import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from mda import schema as s
from mda.reports.i18n import Gettext, identity
from mda.reports.maps import MAX_SVG_CHARS, MapImage, encode, rc_context

SILENCE_MIN_H = 0.5  # a pause between reports longer than this is drawn as a silence
MAX_POINTS = 400  # per series: denser tracks are thinned (every k-th report) for drawing
FIG_SIZE_IN = (6.4, 4.0)
SERIES_COLORS = ("#1f618d", "#d35400")  # the vessel, the other vessel (encounters)
PERIOD_COLOR = "#f5b7b1"
SILENCE_COLOR = "#d5d8dc"
HEADING_COLOR = "#7f8c8d"
KN_PER_M_S = 1.943844


@dataclass(frozen=True)
class Series:
    """One vessel's positions (POSITIONS_SCHEMA) and the label to show for it."""

    label: str
    positions: pl.DataFrame


def speed_course_chart(
    series: Sequence[Series],
    window: tuple[datetime, datetime],
    period: tuple[datetime, datetime] | None,
    *,
    period_label: str,
    salt: str,
    gettext: Gettext = identity,
    families: Sequence[str] | None = None,
    max_svg_chars: int = MAX_SVG_CHARS,
) -> MapImage:
    """The speed/course chart of ``series`` over ``window`` (UTC), ``period`` shaded.

    Speed is the reported SOG, or the speed implied by consecutive positions where SOG is
    missing. ``salt`` fixes the SVG ids (use the event or case id).
    """
    with rc_context(f"chart-{salt}", families):
        fig = Figure(figsize=FIG_SIZE_IN)
        FigureCanvasAgg(fig)
        speed_ax = fig.add_axes((0.1, 0.56, 0.87, 0.4))
        course_ax = fig.add_axes((0.1, 0.2, 0.87, 0.3), sharex=speed_ax)
        silences, top = False, 2.0
        for i, one in enumerate(series):
            frame = _thinned(_window(one.positions, window))
            color = SERIES_COLORS[i % len(SERIES_COLORS)]
            silences |= _draw_silences(speed_ax, course_ax, frame, i == 0)
            _draw_speed(speed_ax, frame, color)
            _draw_course(course_ax, frame, color, heading=i == 0)
            top = max(top, _max_speed(frame))
        if period is not None:
            for ax in (speed_ax, course_ax):
                ax.axvspan(*_nums(period), color=PERIOD_COLOR, alpha=0.45, lw=0, zorder=0)
        _axes(speed_ax, course_ax, window, top, gettext)
        legend = _legend(series, period_label, silences, gettext)
        fig.legend(
            handles=legend,
            loc="lower center",
            ncols=min(len(legend), 4),
            fontsize=7,
            frameon=False,
        )
        return encode(fig, max_svg_chars)


def _window(positions: pl.DataFrame, window: tuple[datetime, datetime]) -> pl.DataFrame:
    """Positions inside ``window``, by time, with ``speed_kn`` (SOG, else implied speed)."""
    frame = (
        positions.filter(pl.col(s.TS).is_between(*window) & pl.col(s.LAT).is_not_null())
        .sort(s.TS)
        .unique(s.TS, keep="first", maintain_order=True)
    )
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("speed_kn"))
    return frame.with_columns(
        pl.coalesce(pl.col(s.SOG_KN).cast(pl.Float64), pl.Series(implied_speed_kn(frame))).alias(
            "speed_kn"
        )
    )


def _thinned(frame: pl.DataFrame) -> pl.DataFrame:
    """Every k-th position so at most MAX_POINTS are drawn; reports on either side of a
    silence are always kept so gaps stay where they are."""
    if frame.height <= MAX_POINTS:
        return frame
    step = -(-frame.height // MAX_POINTS)
    edge = (pl.col(s.TS).diff() > timedelta(hours=SILENCE_MIN_H)) | (
        pl.col(s.TS).diff().shift(-1) > timedelta(hours=SILENCE_MIN_H)
    )
    keep = (pl.int_range(pl.len()) % step == 0) | edge.fill_null(True)
    return frame.filter(keep)


def implied_speed_kn(frame: pl.DataFrame) -> np.ndarray:
    """Speed (kn) from each position to the previous one (NaN for the first), great circle."""
    lat = np.radians(frame[s.LAT].to_numpy())
    lon = np.radians(frame[s.LON].to_numpy())
    t = frame[s.TS].dt.epoch("s").to_numpy().astype(float)
    out = np.full(len(lat), np.nan)
    if len(lat) < 2:
        return out
    a = (
        np.sin(np.diff(lat) / 2) ** 2
        + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    )
    metres = 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    dt = np.diff(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[1:] = np.where(dt > 0, metres / dt * KN_PER_M_S, np.nan)
    return out


def _nums(times: Sequence[datetime]) -> list[float]:
    """Datetimes as matplotlib date numbers."""
    return [float(mdates.date2num(t)) for t in times]


def _broken(frame: pl.DataFrame, column: str) -> tuple[list[float], list[float]]:
    """x (date numbers) and y of ``column`` with a NaN inserted at every silence."""
    xs: list[float] = []
    ys: list[float] = []
    previous: datetime | None = None
    for ts, value in frame.select(s.TS, column).iter_rows():
        if previous is not None and ts - previous > timedelta(hours=SILENCE_MIN_H):
            xs.append(math.nan)
            ys.append(math.nan)
        xs.append(float(mdates.date2num(ts)))
        ys.append(math.nan if value is None else float(value))
        previous = ts
    return xs, ys


def _draw_speed(ax, frame: pl.DataFrame, color: str) -> None:
    """Speed as a line broken at silences."""
    if frame.is_empty():
        return
    ax.plot(*_broken(frame, "speed_kn"), color=color, lw=1.2, zorder=3)


def _draw_course(ax, frame: pl.DataFrame, color: str, *, heading: bool) -> None:
    """Course over ground as a line (heading as a thinner grey one), broken at silences and
    where the angle wraps through north, so each is one SVG path (not one node per report)."""
    if frame.is_empty():
        return
    ax.plot(*_wrapped(frame, s.COG_DEG), color=color, lw=1.0, zorder=3)
    if heading and frame[s.HEADING_DEG].drop_nulls().len():
        ax.plot(*_wrapped(frame, s.HEADING_DEG), color=HEADING_COLOR, lw=0.7, zorder=2)


def _wrapped(frame: pl.DataFrame, column: str) -> tuple[list[float], list[float]]:
    """x and y of an angle column (degrees), NaN-broken at silences and at jumps over 180°."""
    xs, ys = _broken(frame, column)
    out_x: list[float] = []
    out_y: list[float] = []
    for x, y in zip(xs, ys, strict=True):
        if out_y and math.isfinite(y) and math.isfinite(out_y[-1]) and abs(y - out_y[-1]) > 180:
            out_x.append(math.nan)
            out_y.append(math.nan)
        out_x.append(x)
        out_y.append(y)
    return out_x, out_y


def _draw_silences(speed_ax, course_ax, frame: pl.DataFrame, draw: bool) -> bool:
    """Shade every pause between reports longer than SILENCE_MIN_H; True if there was one."""
    if frame.height < 2 or not draw:
        return False
    ts = frame[s.TS].to_list()
    found = False
    for a, b in itertools.pairwise(ts):
        if b - a > timedelta(hours=SILENCE_MIN_H):
            for ax in (speed_ax, course_ax):
                ax.axvspan(*_nums([a, b]), color=SILENCE_COLOR, alpha=0.8, lw=0, zorder=1)
            found = True
    return found


def _max_speed(frame: pl.DataFrame) -> float:
    """The highest finite speed of a window (0 when there is none)."""
    if frame.is_empty():
        return 0.0
    top = frame["speed_kn"].fill_nan(None).max()
    return float(top) if isinstance(top, int | float) and math.isfinite(top) else 0.0


def _axes(
    speed_ax, course_ax, window: tuple[datetime, datetime], top_kn: float, gettext: Gettext
) -> None:
    """Limits, ticks and labels of both panels (speed axis up to ``top_kn`` plus a margin)."""
    speed_ax.set_xlim(*_nums(window))
    speed_ax.set_ylim(0, min(top_kn, 40.0) * 1.15)
    speed_ax.set_ylabel(gettext("speed (kn)"), fontsize=7)
    speed_ax.tick_params(labelbottom=False, labelsize=7, length=3)
    speed_ax.grid(True, color="#e5e8e8", lw=0.6)
    course_ax.set_ylim(0, 360)
    course_ax.set_yticks([0, 90, 180, 270, 360])
    course_ax.set_ylabel(gettext("course (°)"), fontsize=7)
    course_ax.tick_params(labelsize=7, length=3)
    course_ax.grid(True, color="#e5e8e8", lw=0.6)
    locator = mdates.AutoDateLocator(tz=UTC, minticks=4, maxticks=8)
    course_ax.xaxis.set_major_locator(locator)
    course_ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=UTC))
    course_ax.set_xlabel(gettext("time (UTC)"), fontsize=7)


def _legend(series: Sequence[Series], period_label: str, silences: bool, gettext: Gettext) -> list:
    """Legend handles: one line per vessel, heading, the shaded period and silences."""
    handles: list = [
        Line2D([], [], color=SERIES_COLORS[i % len(SERIES_COLORS)], lw=1.2, label=one.label)
        for i, one in enumerate(series)
    ]
    handles.append(Line2D([], [], ls="", marker=".", color=HEADING_COLOR, label=gettext("heading")))
    handles.append(Patch(fc=PERIOD_COLOR, alpha=0.45, label=period_label))
    if silences:
        handles.append(
            Patch(
                fc=SILENCE_COLOR,
                label=gettext("no AIS report > %(minutes)d min")
                % {"minutes": round(SILENCE_MIN_H * 60)},
            )
        )
    return handles
