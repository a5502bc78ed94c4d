"""Static maps: untrusted names stay text, output is reproducible, scale is cos(lat) aware."""

from __future__ import annotations

import base64
import math
import xml.etree.ElementTree as ET

import matplotlib
import pytest

from mda import schema as s
from mda.reference import ReferenceLayers
from mda.reports import maps
from mda.reports.exports import ordered_events
from tests.reports.factories import (
    SVG_CABLE,
    events_frame,
    hostile_layers,
    make_event,
    make_gap,
    track_frame,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    """Every <text> content of an SVG, parsed as XML (so escaping must be right)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def _event_row(event_id: str = "e1", **over):
    row = make_event(event_id, **{s.CABLE_NAME: SVG_CABLE, s.CABLE_DISTANCE_M: 850.0, **over})
    return ordered_events(events_frame(row)).row(0, named=True)


def test_untrusted_layer_names_are_escaped_text_in_the_svg():
    image = maps.event_map(_event_row(), hostile_layers(), track_frame(219000001))

    assert image.kind == "svg"
    assert not image.data.startswith("<?xml")
    assert SVG_CABLE not in image.data  # never raw
    assert "&lt;svg onload=alert(1)&gt;" in image.data
    texts = _texts(image.data)  # well-formed XML: nothing broke out of a <text>
    assert SVG_CABLE in texts
    assert "Closure $\\frac{1}{0}$ & <b>" in texts  # mathtext not parsed, & and < escaped
    assert "<b>" not in image.data
    assert "track \u00b13 h" in texts  # the vessel's surrounding track was drawn


def test_rendering_leaves_global_matplotlib_state_alone():
    before = dict(matplotlib.rcParams)
    maps.event_map(_event_row(), hostile_layers())
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == before["backend"]


def test_event_map_bytes_are_reproducible():
    layers, track = hostile_layers(), track_frame(219000001)
    one = maps.event_map(_event_row(), layers, track)
    two = maps.event_map(_event_row(), layers, track)
    assert one == two
    assert "<dc:date>" not in one.data and "<metadata>" not in one.data


def test_maps_of_different_events_get_distinct_svg_ids():
    layers = hostile_layers()
    one = maps.event_map(_event_row(), layers)
    two = maps.event_map(_event_row("e2"), layers)
    assert ET.fromstring(one.data).get("id") == "event-e1"
    assert ET.fromstring(two.data).get("id") == "event-e2"


def test_large_maps_fall_back_to_png():
    image = maps.event_map(_event_row(), hostile_layers(), max_svg_chars=0)
    assert image.kind == "png"
    assert base64.b64decode(image.data).startswith(b"\x89PNG\r\n\x1a\n")


def test_map_draws_without_any_layers_or_geometry():
    row = _event_row(**{s.GEOMETRY_WKT: None, s.CABLE_NAME: None})
    image = maps.event_map(row, ReferenceLayers())
    assert image.kind == "svg"
    ET.fromstring(image.data)


def test_overview_map_numbers_events_by_rank():
    events = ordered_events(events_frame(make_event("a", score=0.1), make_gap("b", score=0.9)))
    image = maps.overview_map(events, hostile_layers())
    assert image is not None
    texts = _texts(image.data)
    assert {"1", "2"} <= set(texts)


def test_overview_map_of_nothing_is_none():
    assert maps.overview_map(events_frame(), ReferenceLayers()) is None


@pytest.mark.parametrize("lat", [0.0, 55.5, 70.0])
def test_view_has_the_ground_aspect_of_the_axes_box(lat):
    view = maps.fit_view((10.0, lat - 0.01, 10.02, lat + 0.01), 4.0, 0.2, box_ratio=1.5)
    width_km = (
        (view[1] - view[0]) * maps.KM_PER_DEG * math.cos(math.radians((view[2] + view[3]) / 2))
    )
    height_km = (view[3] - view[2]) * maps.KM_PER_DEG
    assert width_km / height_km == pytest.approx(1.5)
    assert height_km >= 8.0 - 1e-6  # at least 2 * min_half_km


def test_map_label_is_single_line_and_bounded():
    assert maps.map_label("A\nB\x00  C") == "A B C"
    assert len(maps.map_label("X" * 100)) == maps.LABEL_MAX_CHARS
    assert maps.map_label(None) == "(unnamed)"
