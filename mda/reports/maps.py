"""Static maps for the daily report, drawn with matplotlib's Agg/SVG renderers.

No pyplot: each map is its own ``Figure`` on a ``FigureCanvasAgg``, so the global
backend is never switched. The only global state touched is a ``rc_context`` around
each render (font size, SVG text as text, a fixed ``svg.hashsalt`` and ``svg.id``),
restored on exit. Output is byte-reproducible: no date metadata, fixed salts.

Maps are plate carrée (lon/lat) with the x scale shrunk by cos(latitude) at the
view centre, which is true to scale over the few tens of km an event map shows.
Cable and zone names are untrusted text: they are drawn with ``parse_math=False`` and
matplotlib's SVG writer XML-escapes them (tests check that).
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import matplotlib
import polars as pl
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, MaxNLocator

from mda import schema as s
from mda.reference import Cable, ReferenceLayers, Zone
from mda.reports.i18n import N_, Gettext, identity
from mda.reports.vessels import clean_text

KM_PER_DEG = 111.32  # km per degree of latitude (and of longitude at the equator)
CONTEXT_HOURS = 3.0  # vessel track drawn this many hours either side of the event
MAX_SVG_CHARS = 200_000  # above this an event map is embedded as PNG instead of SVG
PNG_DPI = 110
FIG_SIZE_IN = (6.4, 4.4)
AXES_RECT = (0.11, 0.14, 0.86, 0.84)  # left, bottom, width, height in figure fractions
MIN_HALF_KM = 4.0  # an event map shows at least 8 km across
CABLE_CONTEXT_KM = 50.0  # the named nearest cable is pulled into view when closer than this
LABEL_MAX_CHARS = 40
LEGEND_COLUMNS = 5  # legend entries per row below a map
LEGEND_ROW_IN = 0.17  # height of one more legend row (inches)

EVENT_STYLE = {
    "loitering": {"color": "#c0392b", "marker": "o", "linestyle": "-"},
    "ais_gap": {"color": "#7d3c98", "marker": "^", "linestyle": "--"},
    "encounter": {"color": "#1e8449", "marker": "s", "linestyle": "-"},
    "anchor_drag": {"color": "#d35400", "marker": "v", "linestyle": "-"},
    "fishing_in_zone": {"color": "#117a65", "marker": "P", "linestyle": "-"},
    "identity_conflict": {"color": "#2c3e50", "marker": "X", "linestyle": ":"},
}
TYPE_NAMES = {
    "loitering": N_("loitering"),
    "ais_gap": N_("AIS gap"),
    "encounter": N_("encounter"),
    "anchor_drag": N_("anchor drag"),
    "fishing_in_zone": N_("fishing in zone"),
    "identity_conflict": N_("identity conflict"),
}
DEFAULT_STYLE = {"color": "#c0392b", "marker": "D", "linestyle": "-"}
NEUTRAL_STYLE = {"color": "#1f618d", "marker": "D", "linestyle": "-"}  # exercise: type hidden
CABLE_COLOR = "#d4a017"
ZONE_COLOR = "#2e86c1"
LAND_COLOR = "#c8c8c8"
TRACK_COLOR = "#5d6d7e"

_RC = {
    "svg.fonttype": "none",  # text stays <text>: small files, selectable, escaped by matplotlib
    "svg.image_inline": True,
    "font.size": 8,
    "font.family": "DejaVu Sans",
    "axes.unicode_minus": True,
}
# A white box behind labels (not a path effect: those turn SVG text into glyph paths).
_HALO = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75}


@dataclass(frozen=True)
class MapImage:
    """A rendered map: ``kind`` "svg" (inline markup, no XML prolog) or "png" (base64 text)."""

    kind: Literal["svg", "png"]
    data: str


View = tuple[float, float, float, float]  # lon0, lon1, lat0, lat1


def event_map(
    event: dict[str, Any],
    layers: ReferenceLayers,
    track: pl.DataFrame | None = None,
    *,
    max_svg_chars: int = MAX_SVG_CHARS,
    gettext: Gettext = identity,
    families: Sequence[str] | None = None,
    neutral: bool = False,
) -> MapImage:
    """The map of one event: its track piece, the vessel's track around it, layers.

    ``event`` is a row of EVENTS_SCHEMA as a dict; ``geometry`` may be passed in it as a
    parsed shapely geometry under key "geometry" (else ``geometry_wkt`` is parsed).
    ``track`` is the vessel's positions (POSITIONS_SCHEMA) to draw for context; it is
    cut to ``CONTEXT_HOURS`` either side of the event here. ``gettext`` translates the
    legend, ``families`` replaces the font list (e.g. with a CJK fallback), and ``neutral``
    draws the track piece without revealing the event type (exercise packs).
    """
    geom = _event_geometry(event)
    view = event_view(event, layers)
    salt = f"event-{event[s.EVENT_ID]}"
    tol = _pixel_deg(view)
    context = _clipped(_context_track(track, event), _clip_box(view), tol)
    event_type = None if neutral else event[s.EVENT_TYPE]
    with rc_context(salt, families):
        fig, ax = _figure()
        drawn = draw_layers(ax, layers, view)
        for part in _parts(context, 1):
            ax.plot(*part.xy, color=TRACK_COLOR, lw=1.0, alpha=0.8, zorder=4)
        _draw_event(ax, shapely.simplify(geom, tol), event_type)
        legend = _event_legend(event_type, context is not None, drawn, gettext)
        _finish(ax, view, legend, gettext)
        return encode(fig, max_svg_chars)


def event_view(event: dict[str, Any], layers: ReferenceLayers) -> View:
    """The lon/lat limits of an event's map: its track piece and the nearest cable's closest
    point (when near enough), padded, at least ``2 * MIN_HALF_KM`` across."""
    geom = _event_geometry(event)
    anchors = [geom, *_nearest_cable_points(event, geom, layers.cables)]
    return fit_view(shapely.union_all(anchors).bounds, MIN_HALF_KM, 0.35)


def locator_map(
    event: dict[str, Any],
    layers: ReferenceLayers,
    track: pl.DataFrame | None = None,
    *,
    bbox: Sequence[float] | None = None,
    max_svg_chars: int = MAX_SVG_CHARS,
    gettext: Gettext = identity,
    families: Sequence[str] | None = None,
    neutral: bool = False,
) -> MapImage:
    """Where the event happened in its region: the region (``bbox``: min_lon, min_lat,
    max_lon, max_lat; else the layers' extent), the vessel's track of the window, the event's
    position and the frame of its close-up map.
    """
    lon, lat = event.get(s.LON), event.get(s.LAT)
    point = _event_geometry(event).centroid if lon is None or lat is None else None
    here = point if point is not None else shapely.Point(lon, lat)
    close = event_view(event, layers)
    frame = shapely.box(close[0], close[2], close[1], close[3])
    extent = _region_extent(layers, bbox, frame)
    view = fit_view(extent.bounds, 30.0, 0.05)
    tol = _pixel_deg(view)
    context = _clipped(_track_line(track), _clip_box(view), tol)
    style = NEUTRAL_STYLE if neutral else EVENT_STYLE.get(event[s.EVENT_TYPE], DEFAULT_STYLE)
    with rc_context(f"locator-{event[s.EVENT_ID]}", families):
        fig, ax = _figure()
        cable = {event[s.CABLE_NAME]} if event.get(s.CABLE_NAME) else set()
        drawn = draw_layers(ax, layers, view, cable_labels=cable)
        for part in _parts(context, 1):
            ax.plot(*part.xy, color=TRACK_COLOR, lw=1.0, alpha=0.9, zorder=4)
        ax.plot(*frame.exterior.xy, color="black", lw=1.0, ls="--", zorder=7)
        ax.plot(
            [here.x],
            [here.y],
            marker=style["marker"],
            ms=9,
            color=style["color"],
            mec="white",
            zorder=8,
        )
        legend: list[Any] = [
            Line2D(
                [],
                [],
                ls="",
                marker=style["marker"],
                color=style["color"],
                label=gettext("event position"),
            ),
            Line2D([], [], color="black", lw=1.0, ls="--", label=gettext("close-up map")),
        ]
        if context is not None:
            legend.append(Line2D([], [], color=TRACK_COLOR, lw=1.0, label=gettext("track")))
        _finish(ax, view, legend + _layer_legend(drawn, gettext), gettext)
        return encode(fig, max_svg_chars)


def _region_extent(layers: ReferenceLayers, bbox: Sequence[float] | None, frame: Any) -> Any:
    """The area a locator map shows: the region's box, else cables and zones, plus ``frame``."""
    if bbox is not None:
        return shapely.union_all([shapely.box(*bbox), frame])
    parts = [c.geometry for c in layers.cables] + [z.geometry for z in layers.zones]
    parts = [p for p in parts if p is not None and not p.is_empty]
    return shapely.union_all([*parts, frame]).envelope


def _track_line(track: pl.DataFrame | None) -> Any:
    """A track's positions (sorted by time) as one LineString, or None with fewer than 2."""
    if track is None or track.height < 2:
        return None
    located = track.filter(pl.col(s.LAT).is_not_null() & pl.col(s.LON).is_not_null()).sort(s.TS)
    if located.height < 2:
        return None
    return shapely.linestrings(located.select(s.LON, s.LAT).to_numpy())


def overview_map(
    events: pl.DataFrame,
    layers: ReferenceLayers,
    *,
    max_svg_chars: int = MAX_SVG_CHARS,
    max_labels: int = 40,
    gettext: Gettext = identity,
    families: Sequence[str] | None = None,
    salt: str = "overview",
) -> MapImage | None:
    """The day at a glance: every event as a marker (numbered by rank), cables, zones, land.

    ``events`` must already be ranked (see ``exports.ordered_events``). Returns None when
    there is nothing to draw (no events and no reference layers).
    """
    located = events.filter(pl.col(s.LON).is_not_null() & pl.col(s.LAT).is_not_null())
    geoms = list(shapely.points(located.select(s.LON, s.LAT).to_numpy()))
    if not geoms:
        geoms = [c.geometry for c in layers.cables] + [z.geometry for z in layers.zones]
    if not geoms:
        return None
    view = fit_view(shapely.union_all(geoms).bounds, 10.0, 0.15)
    with rc_context(salt, families):
        fig, ax = _figure()
        named = set(events[s.CABLE_NAME].drop_nulls().to_list())  # label only cables in events
        drawn = draw_layers(ax, layers, view, cable_labels=named)
        _draw_markers(ax, events, max_labels)
        _finish(ax, view, _overview_legend(events, drawn, gettext), gettext)
        return encode(fig, max_svg_chars)


def fit_view(
    bounds: Sequence[float], min_half_km: float, pad: float, box_ratio: float | None = None
) -> View:
    """Lon/lat limits around ``bounds`` (minx, miny, maxx, maxy in degrees).

    Pads by ``pad`` (fraction of the half-size), enforces ``min_half_km`` and widens the
    short side so the view's ground width/height (km) equals the axes' ``box_ratio``.
    """
    if box_ratio is None:
        box_ratio = (FIG_SIZE_IN[0] * AXES_RECT[2]) / (FIG_SIZE_IN[1] * AXES_RECT[3])
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, max(-85.0, min(85.0, (miny + maxy) / 2))
    k = math.cos(math.radians(cy))
    half_w = max((maxx - minx) / 2 * KM_PER_DEG * k * (1 + pad), min_half_km)
    half_h = max((maxy - miny) / 2 * KM_PER_DEG * (1 + pad), min_half_km)
    if half_w / half_h < box_ratio:
        half_w = half_h * box_ratio
    else:
        half_h = half_w / box_ratio
    dx, dy = half_w / (KM_PER_DEG * k), half_h / KM_PER_DEG
    return cx - dx, cx + dx, cy - dy, cy + dy


def draw_layers(
    ax: Axes, layers: ReferenceLayers, view: View, *, cable_labels: Collection[str] | None = None
) -> set[str]:
    """Land (grey), zones (filled, labelled) and cables, clipped to ``view``.

    Cables are labelled with their names; only those in ``cable_labels`` when given.

    Returns the kinds drawn ("land", "zone", "cable") for the legend.
    """
    clip, tol = _clip_box(view), _pixel_deg(view)
    drawn: set[str] = set()
    if layers.land is not None and _draw_land(ax, _clipped(layers.land, clip, tol)):
        drawn.add("land")
    for zone in layers.zones:
        if _draw_zone(ax, zone, _clipped(zone.geometry, clip, tol), view):
            drawn.add("zone")
    for cable in layers.cables:
        label = cable_labels is None or cable.name in cable_labels
        if _draw_cable(ax, cable, _clipped(cable.geometry, clip, tol), view, label):
            drawn.add("cable")
    return drawn


def encode(fig: Figure, max_svg_chars: int = MAX_SVG_CHARS) -> MapImage:
    """SVG markup when it is at most ``max_svg_chars`` characters, else base64 PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _strip_prolog(buf.getvalue().decode("utf-8"))
    if len(svg) <= max_svg_chars:
        return MapImage("svg", svg)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI)
    return MapImage("png", base64.b64encode(buf.getvalue()).decode("ascii"))


def map_label(text: str | None) -> str:
    """Untrusted layer name as a short, single-line label (not escaped: matplotlib does)."""
    cleaned = clean_text(text) or "(unnamed)"
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= LABEL_MAX_CHARS else cleaned[: LABEL_MAX_CHARS - 1] + "…"


# --- figure scaffolding ----------------------------------------------------------------


def rc_context(salt: str, families: Sequence[str] | None = None) -> Any:
    """Temporary rcParams for one render; ``salt`` fixes SVG ids (hash salt and root id),
    ``families`` replaces the font list (first family first, the others as fallbacks)."""
    rc: Any = {**_RC, "svg.hashsalt": salt, "svg.id": salt}
    if families:
        rc["font.family"] = list(families)
    return matplotlib.rc_context(rc)


def _figure() -> tuple[Figure, Axes]:
    """A new Figure on its own Agg canvas (no pyplot, no global backend switch)."""
    fig = Figure(figsize=FIG_SIZE_IN)
    FigureCanvasAgg(fig)
    ax = fig.add_axes(AXES_RECT)
    ax.set_facecolor("#eef4f8")  # sea
    return fig, ax


def _finish(ax: Axes, view: View, legend: list[Any], gettext: Gettext = identity) -> None:
    """Limits, degree tick labels, scale bar and legend."""
    ax.set_xlim(view[0], view[1])
    ax.set_ylim(view[2], view[3])
    ax.set_aspect("auto")  # the view already has the cos(lat) ratio of the axes box
    ax.xaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(_lon_label))
    ax.yaxis.set_major_formatter(FuncFormatter(_lat_label))
    ax.tick_params(labelsize=7, length=3)
    _scale_bar(ax, view, gettext)
    if legend:  # below the axes: never hides the track, no costly "best" placement search
        rows = math.ceil(len(legend) / LEGEND_COLUMNS)
        _grow_bottom(ax, LEGEND_ROW_IN * (rows - 1))
        ax.figure.legend(
            handles=legend,
            loc="lower center",
            ncols=min(len(legend), LEGEND_COLUMNS),
            fontsize=7,
            frameon=False,
            handlelength=2.2,
            columnspacing=1.4,
        )


def _grow_bottom(ax: Axes, extra_in: float) -> None:
    """Make the figure ``extra_in`` inches taller at the bottom, keeping the axes' size in
    inches (so the map's ground aspect is unchanged), to fit more legend rows."""
    if extra_in <= 0:
        return
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    width, height = FIG_SIZE_IN
    new_height = height + extra_in
    fig.set_size_inches(width, new_height)
    left, bottom, w, h = AXES_RECT
    ax.set_position((left, (bottom * height + extra_in) / new_height, w, h * height / new_height))


def _scale_bar(ax: Axes, view: View, gettext: Gettext = identity) -> None:
    """A 1-2-5 km scale bar in the lower left corner."""
    lat = (view[2] + view[3]) / 2
    km_per_deg_lon = KM_PER_DEG * math.cos(math.radians(lat))
    width_km = (view[1] - view[0]) * km_per_deg_lon
    length = _nice_length(width_km / 5)
    x0 = view[0] + (view[1] - view[0]) * 0.04
    y0 = view[2] + (view[3] - view[2]) * 0.05
    x1 = x0 + length / km_per_deg_lon
    ax.plot([x0, x1], [y0, y0], color="black", lw=2.5, solid_capstyle="butt", zorder=9)
    text = gettext("%(km)s km") % {"km": f"{length:g}"}
    ax.annotate(
        text,
        ((x0 + x1) / 2, y0),
        xytext=(0, 4),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=9,
        bbox=_HALO,
    )


def _nice_length(km: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``km`` (km)."""
    exp = math.floor(math.log10(km))
    for step in (5, 2, 1):
        if step * 10**exp <= km:
            return float(step * 10**exp)
    return float(10**exp)


def _lon_label(x: float, _pos: int) -> str:
    """Tick label for a longitude in degrees."""
    return f"{abs(x):.2f}°{'E' if x >= 0 else 'W'}"


def _lat_label(y: float, _pos: int) -> str:
    """Tick label for a latitude in degrees."""
    return f"{abs(y):.2f}°{'N' if y >= 0 else 'S'}"


# --- layers --------------------------------------------------------------------------


def _pixel_deg(view: View) -> float:
    """Simplification tolerance in degrees: well under one pixel of the rendered map."""
    return (view[1] - view[0]) / 1500


def _clip_box(view: View) -> tuple[float, float, float, float]:
    """A box 10 % larger than the view, as (xmin, ymin, xmax, ymax)."""
    mx, my = (view[1] - view[0]) * 0.1, (view[3] - view[2]) * 0.1
    return view[0] - mx, view[2] - my, view[1] + mx, view[3] + my


def _clipped(geom: Any, box: tuple[float, float, float, float], tol: float) -> Any:
    """``geom`` cut to ``box`` and simplified below pixel size; None when nothing is left."""
    if geom is None or geom.is_empty:
        return None
    if not shapely.intersects(geom, shapely.box(*box)):
        return None
    part = shapely.clip_by_rect(geom, *box)
    if part.is_empty:
        return None
    return shapely.simplify(part, tol, preserve_topology=True)


def _parts(geom: Any, dims: int) -> list[Any]:
    """Simple parts of ``geom`` with the given dimension (1 lines, 2 polygons)."""
    if geom is None:
        return []
    parts = shapely.get_parts(geom)
    return [p for p in parts if shapely.get_dimensions(p) == dims and not p.is_empty]


def _polygon_path(poly: Any) -> MplPath:
    """A matplotlib path of a polygon with holes (exterior CCW, holes CW)."""
    poly = shapely.orient_polygons(poly)
    rings = [poly.exterior, *poly.interiors]
    return MplPath.make_compound_path(*[MplPath(list(r.coords), closed=True) for r in rings])


def _draw_land(ax: Axes, land: Any) -> bool:
    """Land polygons in grey; a coastline given as lines is drawn as dark grey lines."""
    polys, lines = _parts(land, 2), _parts(land, 1)
    for poly in polys:
        ax.add_patch(PathPatch(_polygon_path(poly), fc=LAND_COLOR, ec="#8a8a8a", lw=0.5, zorder=2))
    for line in lines:
        ax.plot(*line.xy, color="#6e6e6e", lw=0.8, zorder=2)
    return bool(polys or lines)


def _draw_zone(ax: Axes, zone: Zone, geom: Any, view: View) -> bool:
    """A zone filled translucent blue with its name at an interior point."""
    polys = _parts(geom, 2)
    for poly in polys:
        ax.add_patch(PathPatch(_polygon_path(poly), fc=ZONE_COLOR, alpha=0.15, zorder=1))
        ax.add_patch(PathPatch(_polygon_path(poly), fill=False, ec=ZONE_COLOR, lw=0.8, zorder=1))
    if polys:
        at = _inside(max(polys, key=lambda p: p.area).representative_point(), view)
        if at is not None:
            ax.text(
                at.x,
                at.y,
                map_label(zone.name),
                color="#1b4f72",
                fontsize=7,
                ha="center",
                va="center",
                style="italic",
                zorder=6,
                bbox=_HALO,
                parse_math=False,
            )
    return bool(polys)


def _draw_cable(ax: Axes, cable: Cable, geom: Any, view: View, label: bool) -> bool:
    """A cable route as a gold line, named at the middle of its longest visible part."""
    lines = _parts(geom, 1)
    for line in lines:
        ax.plot(*line.xy, color=CABLE_COLOR, lw=1.8, zorder=3)
    if label and lines:
        at = _inside(max(lines, key=lambda g: g.length).interpolate(0.5, normalized=True), view)
        if at is not None:
            ax.text(
                at.x,
                at.y,
                map_label(cable.name),
                color="#7e5109",
                fontsize=7,
                ha="left",
                va="bottom",
                zorder=6,
                bbox=_HALO,
                parse_math=False,
            )
    return bool(lines)


def _inside(point: Any, view: View) -> Any:
    """``point`` if it lies within the view, else None."""
    return point if view[0] <= point.x <= view[1] and view[2] <= point.y <= view[3] else None


# --- events and tracks ---------------------------------------------------------------


def _event_geometry(event: dict[str, Any]) -> Any:
    """The event's track piece, else its representative point."""
    geom = event.get("geometry")
    if geom is None and event.get(s.GEOMETRY_WKT):
        geom = shapely.from_wkt(event[s.GEOMETRY_WKT])
    if geom is None or geom.is_empty:
        geom = shapely.Point(event[s.LON], event[s.LAT])
    return geom


def _nearest_cable_points(event: dict[str, Any], geom: Any, cables: Iterable[Cable]) -> list[Any]:
    """The point of the event's named nearest cable closest to it, when near enough to show."""
    name, dist = event.get(s.CABLE_NAME), event.get(s.CABLE_DISTANCE_M)
    if name is None or dist is None or dist > CABLE_CONTEXT_KM * 1000:
        return []
    matches = [c.geometry for c in cables if c.name == name and not c.geometry.is_empty]
    if not matches:
        return []
    link = shapely.shortest_line(geom, shapely.union_all(matches))
    (lon0, lat0), (lon1, lat1) = link.coords[0], link.coords[-1]
    k = math.cos(math.radians((lat0 + lat1) / 2))
    ground_km = math.hypot((lon1 - lon0) * k, lat1 - lat0) * KM_PER_DEG
    if ground_km > CABLE_CONTEXT_KM:  # layer and annotation disagree: do not zoom out to it
        return []
    return [shapely.Point(lon1, lat1)]


def _context_track(track: pl.DataFrame | None, event: dict[str, Any]) -> Any:
    """The vessel's positions within CONTEXT_HOURS of the event as a LineString, or None."""
    if track is None or track.is_empty() or event.get(s.START_TIME) is None:
        return None
    margin = timedelta(hours=CONTEXT_HOURS)
    end = event.get(s.END_TIME) or event[s.START_TIME]
    near = track.filter(
        (pl.col(s.MMSI) == event[s.MMSI])
        & pl.col(s.TS).is_between(event[s.START_TIME] - margin, end + margin)
        & pl.col(s.LAT).is_not_null()
        & pl.col(s.LON).is_not_null()
    ).sort(s.TS)
    if near.height < 2:
        return None
    return shapely.linestrings(near.select(s.LON, s.LAT).to_numpy())


def _draw_event(ax: Axes, geom: Any, event_type: str | None) -> None:
    """The event's track piece, highlighted, with start (circle) and end (square) markers.

    ``event_type`` None draws it in the neutral style (exercise packs)."""
    style = _style(event_type)
    for line in _parts(geom, 1):
        xs, ys = line.xy
        ax.plot(
            xs,
            ys,
            color=style["color"],
            lw=2.6,
            ls=style["linestyle"],
            zorder=7,
            solid_capstyle="round",
        )
        ax.plot(
            [xs[0]], [ys[0]], marker="o", ms=6, mfc="white", mec=style["color"], mew=1.8, zorder=8
        )
        ax.plot([xs[-1]], [ys[-1]], marker="s", ms=6, mfc=style["color"], mec="white", zorder=8)
    for point in _parts(geom, 0):
        ax.plot(
            [point.x],
            [point.y],
            marker=style["marker"],
            ms=9,
            color=style["color"],
            mec="white",
            zorder=8,
        )


def _draw_markers(ax: Axes, events: pl.DataFrame, max_labels: int) -> None:
    """Every event as a marker by type; the first ``max_labels`` numbered by rank."""
    rows = events.select(s.EVENT_TYPE, s.LON, s.LAT).iter_rows()
    for rank, (event_type, lon, lat) in enumerate(rows, start=1):
        if lon is None or lat is None:
            continue
        style = EVENT_STYLE.get(event_type, DEFAULT_STYLE)
        ax.plot(
            [lon], [lat], marker=style["marker"], ms=8, color=style["color"], mec="white", zorder=8
        )
        if rank <= max_labels:
            ax.annotate(
                str(rank),
                (lon, lat),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=7,
                weight="bold",
                zorder=9,
                bbox=_HALO,
            )


def _style(event_type: str | None) -> dict[str, str]:
    """Line and marker style of an event type; the neutral style for None."""
    return NEUTRAL_STYLE if event_type is None else EVENT_STYLE.get(event_type, DEFAULT_STYLE)


def _event_legend(
    event_type: str | None, has_track: bool, drawn: set[str], gettext: Gettext = identity
) -> list[Any]:
    """Legend handles for an event map (``event_type`` None: neutral wording)."""
    style = _style(event_type)
    if event_type is None:
        label = gettext("period under review")
    elif event_type == "ais_gap":
        label = gettext("gap (straight path)")
    else:
        label = gettext("event track")
    handles: list[Any] = [
        Line2D([], [], color=style["color"], lw=2.6, ls=style["linestyle"], label=label)
    ]
    if has_track:
        track = gettext("track ±%(hours)s h") % {"hours": f"{CONTEXT_HOURS:g}"}
        handles.append(Line2D([], [], color=TRACK_COLOR, lw=1.0, label=track))
    return handles + _layer_legend(drawn, gettext)


def _overview_legend(
    events: pl.DataFrame, drawn: set[str], gettext: Gettext = identity
) -> list[Any]:
    """Legend handles for the overview map: one marker per event type present."""
    handles: list[Any] = []
    for event_type in sorted(set(events[s.EVENT_TYPE].drop_nulls().to_list())):
        style = EVENT_STYLE.get(event_type, DEFAULT_STYLE)
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker=style["marker"],
                color=style["color"],
                label=_type_label(event_type, gettext),
            )
        )
    return handles + _layer_legend(drawn, gettext)


def _layer_legend(drawn: set[str], gettext: Gettext = identity) -> list[Any]:
    """Legend handles for the reference layers drawn on the map."""
    handles: list[Any] = []
    if "cable" in drawn:
        handles.append(Line2D([], [], color=CABLE_COLOR, lw=1.8, label=gettext("submarine cable")))
    if "zone" in drawn:
        handles.append(Patch(fc=ZONE_COLOR, alpha=0.3, label=gettext("zone")))
    if "land" in drawn:
        handles.append(Patch(fc=LAND_COLOR, ec="#8a8a8a", label=gettext("land")))
    return handles


def _type_label(event_type: str, gettext: Gettext = identity) -> str:
    """Fixed display name of an event type (never untrusted text in the legend)."""
    return gettext(TYPE_NAMES.get(event_type, N_("other event")))


_PROLOG = re.compile(r"\A\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_GROUP_ID = re.compile(r'<g id="[^"]*"')  # matplotlib's figure_1, patch_1...: not referenced


def _strip_prolog(svg: str) -> str:
    """Drop the XML declaration, DOCTYPE, RDF metadata and the group ids (the same in every
    figure, so duplicates once several are inlined in one HTML page) for inline use."""
    svg = _METADATA.sub("", _PROLOG.sub("", svg, count=1), count=1)
    return _GROUP_ID.sub("<g", svg)
