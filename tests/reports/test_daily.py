"""The daily report: escaping, offline self-containment, ranking, empty day, reproducibility."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import polars as pl
import pytest
import shapely

from mda import schema as s
from mda.reference import ReferenceLayers, Zone
from mda.reports import ReportFiles, render_daily_report
from mda.reports.daily import MISSING, fmt_duration, fmt_float, fmt_position, zones_valid_on
from tests.reports.factories import (
    DAY,
    IMG_DESTINATION,
    SCRIPT_NAME,
    SVG_CABLE,
    at,
    events_frame,
    hostile_layers,
    make_event,
    make_gap,
    track_frame,
    vessels_frame,
)

INGEST = {
    "lines_read": 12034,
    "positions": 11890,
    "rejects_by_reason": {"checksum": 7, "bad_lat": 2},
}
PARAMS = {"loitering": {"max_sog_kn": 2.0, "min_duration_h": 2.0}, "ais_gap": {"min_gap_h": 6.0}}


class _Tags(HTMLParser):
    """Collects every start tag and its attributes as the browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _hostile_inputs():
    """A vessel named <script>, a destination that closes a cell, a cable named <svg>."""
    events = events_frame(
        make_event("low", score=0.3, **{s.CABLE_NAME: SVG_CABLE, s.CABLE_DISTANCE_M: 850.0}),
        make_gap("high", score=0.9, **{s.ZONE_NAME: "Closure <i>"}),
        make_event("mid", score=0.6, start_h=9.0, mmsi=219000003),
    )
    vessels = vessels_frame(
        {
            s.MMSI: 219000001,
            s.TS: at(1),
            s.VESSEL_NAME: SCRIPT_NAME,
            s.DESTINATION: IMG_DESTINATION,
            s.CALL_SIGN: "<b>CS</b>",
            s.SHIP_TYPE: 30,
            s.LENGTH_M: 24.0,
            s.WIDTH_M: 7.0,
            s.IMO: 9074729,
            s.AIS_CLASS: "A",
        },
    )
    return events, vessels


def _render(out_dir, events=None, vessels=None, **kw) -> ReportFiles:
    hostile_events, hostile_vessels = _hostile_inputs()
    return render_daily_report(
        events=hostile_events if events is None else events,
        vessels=hostile_vessels if vessels is None else vessels,
        layers=kw.pop("layers", hostile_layers()),
        region=kw.pop("region", "Baltic <Bornholm>"),
        day=DAY,
        out_dir=out_dir,
        positions=kw.pop("positions", track_frame(219000001)),
        ingest_summary=kw.pop("ingest_summary", INGEST),
        params=kw.pop("params", PARAMS),
        **kw,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[ReportFiles, str]:
    files = _render(tmp_path_factory.mktemp("report"))
    return files, files.html.read_text(encoding="utf-8")


def test_writes_the_four_files(report):
    files, _ = report
    assert [p.name for p in (files.html, files.geojson, files.csv, files.parquet)] == [
        "report.html",
        "events.geojson",
        "events.csv",
        "events.parquet",
    ]
    assert all(p.is_file() for p in (files.html, files.geojson, files.csv, files.parquet))
    assert len(json.loads(files.geojson.read_text())["features"]) == 3
    assert pl.read_parquet(files.parquet).height == 3


@pytest.mark.parametrize(
    "raw",
    [SCRIPT_NAME, IMG_DESTINATION, SVG_CABLE, "<b>CS</b>", "Closure <i>", "Baltic <Bornholm>"],
)
def test_untrusted_text_never_appears_raw(report, raw):
    _, html = report
    assert raw not in html


def test_untrusted_text_appears_escaped(report):
    _, html = report
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;/td&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;svg onload=alert(1)&gt;" in html  # in the tables and inside the SVG maps


def test_no_injected_elements_or_handlers(report):
    _, html = report
    tags = _tags(html)
    names = {tag for tag, _ in tags}
    assert "script" not in names
    assert "img" not in names  # maps are inline SVG here; the injected <img> must not exist
    assert "i" not in names and "b" not in names and "bornholm" not in names
    handlers = [(t, a) for t, attrs in tags for a in attrs if a.startswith("on")]
    assert handlers == []
    # overview + 3 event maps + 1 speed/course chart (only MMSI 219000001 has positions)
    assert sum(1 for tag, _ in tags if tag == "svg") == 5


def test_opens_offline_no_external_resources(report):
    _, html = report
    lowered = html.lower()
    for pattern in (
        'src="http',
        "src='http",
        'href="http',
        "<link",
        "@import",
        "url(http",
        "<script",
        "<iframe",
        "//fonts.",
    ):
        assert pattern not in lowered, pattern
    for tag, attrs in _tags(html):
        for name, value in attrs.items():
            if name in ("src", "href", "xlink:href") and value:
                assert value.startswith(("#", "data:")), (tag, name, value)
    # the only http strings left are SVG namespace declarations, which load nothing
    leftovers = set(re.findall(r'[\w:]+="https?://[^"]*"', html))
    assert leftovers <= {
        'xmlns="http://www.w3.org/2000/svg"',
        'xmlns:xlink="http://www.w3.org/1999/xlink"',
    }


def test_events_ranked_by_score_with_anchor_links(report):
    _, html = report
    table = html[
        html.index('<table class="ranked">') : html.index("</table>", html.index('class="ranked"'))
    ]
    assert re.findall(r'<a href="#(\w+)">\d+</a>', table) == ["high", "mid", "low"]
    sections = re.findall(r'<article class="event" id="(\w+)">', html)
    assert sections == ["high", "mid", "low"]


def test_event_section_shows_particulars_and_evidence(report):
    _, html = report
    section = html[html.index('id="low"') :]
    for expected in (
        "Vessel moved below 2 kn for 4 h.",
        "219000001",
        "9074729",
        "30 \u2013 Fishing",
        "24 m \u00d7 7 m",
        "mean_sog_kn",
        "850 m",
        "25.0 km",
        "2024-03-05 02:00:00 UTC",
        "4 h 00 min (4.00 h)",
        "55.50000° N, 12.90000° E",
    ):
        assert expected in section, expected


def test_summary_and_method_sections(report):
    _, html = report
    title = "Maritime anomaly report \u2013 Baltic &lt;Bornholm&gt; \u2013 2024-03-05 UTC"
    assert f"<title>{title}</title>" in html
    assert "12,034" in html and "checksum" in html and "bad_lat" in html
    assert '<td class="num">6.0</td>' in html  # parameters shown exactly
    assert "min_duration_h" in html


def test_two_renders_give_identical_bytes(tmp_path):
    one, two = _render(tmp_path / "a"), _render(tmp_path / "b")
    for a, b in zip(
        (one.html, one.geojson, one.csv, one.parquet),
        (two.html, two.geojson, two.csv, two.parquet),
        strict=True,
    ):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_rerender_into_same_dir_replaces_files(tmp_path):
    _render(tmp_path)
    files = _render(tmp_path, events=events_frame(make_event("only")))
    assert len(json.loads(files.geojson.read_text())["features"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "brief.html",
        "events.csv",
        "events.geojson",
        "events.parquet",
        "report.html",
    ]


def test_empty_day_renders(tmp_path):
    files = _render(
        tmp_path,
        events=events_frame(),
        vessels=vessels_frame(),
        positions=None,
        ingest_summary=None,
        params=None,
        layers=ReferenceLayers(),
    )
    html = files.html.read_text()
    assert "No events were detected for Baltic &lt;Bornholm&gt; on 2024-03-05 (UTC)." in html
    assert '<table class="ranked">' not in html
    assert "Detector parameters were not recorded" in html
    assert json.loads(files.geojson.read_text())["features"] == []
    assert files.csv.read_text().count("\n") == 1
    assert pl.read_parquet(files.parquet).height == 0


def test_png_maps_are_data_uris(tmp_path):
    html = _render(tmp_path, max_svg_chars=0).html.read_text()  # every map too big for SVG
    imgs = [a for tag, a in _tags(html) if tag == "img"]
    assert len(imgs) == 5  # overview, 3 event maps, 1 chart
    assert all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert all(a["alt"] for a in imgs)


def test_event_maps_beyond_the_limit_are_omitted(tmp_path):
    html = _render(tmp_path, max_event_maps=1).html.read_text()
    assert html.count("Map omitted: only the first 1 events are drawn.") == 2


def test_generated_note_comes_from_the_argument_and_is_escaped(tmp_path):
    html = _render(tmp_path, generated_note="run <42>").html.read_text()
    assert "run &lt;42&gt;" in html


@pytest.mark.parametrize(
    ("fn", "arg", "expected"),
    [
        (fmt_duration, 5.25, "5 h 15 min (5.25 h)"),
        (fmt_duration, None, MISSING),
        (fmt_float, 12345.6, "12,345.6"),
        (fmt_float, 3.14159, "3.14"),
        (fmt_float, 0.01234, "0.0123"),
        (fmt_float, 48.0, "48"),
    ],
)
def test_formatters(fn, arg, expected):
    assert fn(arg) == expected


def test_position_uses_hemispheres():
    assert fmt_position(-33.5, -70.25) == "33.50000° S, 70.25000° W"


def test_only_zones_valid_on_the_day_are_drawn():
    box = shapely.box(12.85, 55.45, 13.0, 55.55)
    layers = ReferenceLayers(
        zones=(
            Zone("always", "closure", box),
            Zone(
                "2015 closure",
                "closure",
                box,
                valid_from=at(0) - timedelta(days=3000),
                valid_to=at(0) - timedelta(days=2990),
            ),
            Zone("ends at midnight", "closure", box, valid_to=at(0)),  # valid_to is exclusive
            Zone("starts at noon", "closure", box, valid_from=at(12)),
        )
    )
    kept = zones_valid_on(layers, DAY)
    assert [z.name for z in kept.zones] == ["always", "starts at noon"]
