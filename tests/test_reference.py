"""Reference layer loaders: cables v2/v3, zones with validity, land; bad layers fail clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mda.errors import ReferenceLayerError
from mda.ingest.reference import load_cable_names, load_cables, load_land, load_zones

LINE = {"type": "MultiLineString", "coordinates": [[[18.0, 56.0], [19.0, 57.0]]]}
SQUARE = {"type": "Polygon", "coordinates": [[[18, 56], [19, 56], [19, 57], [18, 57], [18, 56]]]}
# A self-intersecting "bow tie": invalid, must be repaired with a warning.
BOWTIE = {"type": "Polygon", "coordinates": [[[18, 56], [19, 57], [19, 56], [18, 57], [18, 56]]]}


def _write(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_v3_cables_merge_pieces_by_id(tmp_path):
    piece2 = {"type": "MultiLineString", "coordinates": [[[19.0, 57.0], [20.0, 57.5]]]}
    path = _write(
        tmp_path,
        "v3.json",
        _fc(
            _feature(LINE, id="c-lion1", name="C-Lion1", feature_id="c-lion1-0"),
            _feature(piece2, id="c-lion1", name="C-Lion1", feature_id="c-lion1-1"),
        ),
    )
    (cable,) = load_cables(path)
    assert cable.name == "C-Lion1"
    assert cable.geometry.length == pytest.approx(LINE_LEN + PIECE2_LEN)


LINE_LEN = 2**0.5
PIECE2_LEN = (1 + 0.25) ** 0.5


def test_v2_cables_take_names_from_all_json(tmp_path):
    path = _write(tmp_path, "v2.json", _fc(_feature(LINE, color="b6b8ba", slug="bcs-east-west")))
    names = _write(
        tmp_path, "all.json", [{"id": "bcs-east-west", "name": "BCS East-West Interlink"}]
    )
    assert load_cables(path, load_cable_names(names))[0].name == "BCS East-West Interlink"
    assert load_cables(path)[0].name == "bcs-east-west"  # without names: the slug


def test_zones_read_validity_and_bare_arrays(tmp_path):
    path = _write(
        tmp_path,
        "z.json",
        [
            _feature(
                SQUARE,
                name="Closure A",
                kind="fishing_closure",
                valid_from="2015-02-05",
                valid_to="2016-01-21",
            )
        ],
    )
    (zone,) = load_zones(path)
    assert (zone.name, zone.kind) == ("Closure A", "fishing_closure")
    assert zone.valid_from == datetime(2015, 2, 5, tzinfo=UTC)
    assert zone.valid_to == datetime(2016, 1, 21, tzinfo=UTC)


def test_invalid_polygon_is_repaired_with_a_warning(tmp_path, caplog):
    path = _write(tmp_path, "bad.json", _fc(_feature(BOWTIE, name="Bow tie")))
    (zone,) = load_zones(path)
    assert zone.geometry.is_valid and zone.geometry.area == pytest.approx(0.5)
    assert "repaired with make_valid" in caplog.text


def test_unknown_crs_is_an_error(tmp_path):
    doc = _fc(_feature(SQUARE, name="x")) | {
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    }
    with pytest.raises(ReferenceLayerError, match="not WGS84"):
        load_zones(_write(tmp_path, "z.json", doc))


def test_line_geometry_is_not_a_zone(tmp_path):
    with pytest.raises(ReferenceLayerError, match="not a polygon"):
        load_zones(_write(tmp_path, "z.json", _fc(_feature(LINE, name="x"))))


def test_not_json_is_a_clear_error(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("<html>not json</html>")
    with pytest.raises(ReferenceLayerError, match="not valid JSON"):
        load_cables(path)


def test_land_is_clipped_to_the_region(tmp_path):
    far = {"type": "Polygon", "coordinates": [[[100, 0], [101, 0], [101, 1], [100, 0]]]}
    path = _write(tmp_path, "land.json", _fc(_feature(SQUARE), _feature(far)))
    land = load_land(path, bbox=(16.5, 55.0, 22.5, 59.0))
    assert land.bounds == (18.0, 56.0, 19.0, 57.0)


@pytest.mark.realdata
def test_real_reference_layers_load(shared_data):
    ref = shared_data / "reference"
    v3 = load_cables(ref / "cables/cable-geo-v3-2025.json")
    assert len(v3) == 680 and {"C-Lion1", "BCS East-West Interlink"} <= {c.name for c in v3}
    # 490 features, 484 distinct slugs (some cables come in several features)
    v2 = load_cables(
        ref / "cables/cable-geo-v2-2021.json", load_cable_names(ref / "cables/all.json")
    )
    assert len(v2) == 484 and "2Africa" in {c.name for c in v2}
    eez = load_zones(ref / "ocean_areas/eezs.json")  # a bare JSON array, some invalid rings
    assert len(eez) == 229 and all(z.geometry.is_valid for z in eez)
    brittany = load_zones(ref / "closures/brittany_fishing_interdiction_2015.geojson")
    assert len(brittany) == 2
    land = load_land(ref / "natural_earth/ne_50m_land.json", bbox=(16.5, 55.0, 22.5, 59.0))
    assert land.contains(__import__("shapely").Point(18.5, 57.5))  # Gotland
