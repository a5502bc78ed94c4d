"""Reference layer loaders: cables v2/v3, zones with validity, land; bad layers fail clearly."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
import shapefile
from pyproj import CRS

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


# --- shapefiles -------------------------------------------------------------------------------

WGS84_PRJ = CRS.from_epsg(4326).to_wkt("WKT1_ESRI")  # GEOGCS["GCS_WGS_1984", ...]
UTM33_PRJ = CRS.from_epsg(32633).to_wkt("WKT1_ESRI")  # projected: metres, must be refused
# Shapefile outer rings run clockwise.
SQUARE_CW = [[18, 56], [18, 57], [19, 57], [19, 56], [18, 56]]
BOWTIE_RING = BOWTIE["coordinates"][0]
# Marine Regions EEZ v12 attribute names (a subset), and WDPA ones.
MARINE_REGIONS = {"MRGID": 5694, "GEONAME": "Swedish Exclusive Economic Zone",
                  "TERRITORY1": "Sweden", "POL_TYPE": "200NM"}  # fmt: skip
WDPA = {"WDPAID": 555, "NAME": "Gotland Coast", "DESIG_ENG": "Marine Protected Area",
        "IUCN_CAT": "IV", "STATUS": "Designated", "STATUS_YR": 2009, "NO_TAKE": "None"}  # fmt: skip


def make_shapefile(folder, stem, rings, prj=WGS84_PRJ, lines=False, **attributes):
    """``folder/stem.shp`` (+ .shx, .dbf, .prj unless prj is None): one record per ring."""
    kind = shapefile.POLYLINE if lines else shapefile.POLYGON
    with shapefile.Writer(str(folder / stem), shapeType=kind) as w:
        for key, value in attributes.items():
            w.field(key, "N" if isinstance(value, int) else "C", size=80)
        for ring in rings:
            (w.line if lines else w.poly)([ring])
            w.record(*attributes.values())
    if prj is not None:
        (folder / f"{stem}.prj").write_text(prj)
    return folder / f"{stem}.shp"


def zip_of(folder, name, *paths, extra=()):
    """A zip named ``name`` holding the files (all parts of each shapefile) plus ``extra``."""
    target = folder / name
    with zipfile.ZipFile(target, "w") as zf:
        for shp in paths:
            for part in sorted(folder.glob(f"{shp.stem}.*")):
                zf.write(part, f"layer/{part.name}")
        for arcname, data in extra:
            zf.writestr(arcname, data)
    return target


def test_shapefile_marine_regions_eez(tmp_path):
    (zone,) = load_zones(make_shapefile(tmp_path, "eez_v12", [SQUARE_CW], **MARINE_REGIONS))
    assert (zone.name, zone.kind) == ("Swedish Exclusive Economic Zone", "eez")
    assert zone.geometry.bounds == (18.0, 56.0, 19.0, 57.0)
    assert zone.valid_from is None and zone.valid_to is None


def test_marine_regions_overlapping_claim_has_its_own_kind(tmp_path):
    attrs = MARINE_REGIONS | {"POL_TYPE": "Overlapping claim"}
    (zone,) = load_zones(make_shapefile(tmp_path, "eez", [SQUARE_CW], **attrs))
    assert zone.kind == "eez_overlapping_claim"  # not "eez": no single sovereign


def test_shapefile_wdpa_mpa_valid_from_status_year(tmp_path):
    shp = make_shapefile(tmp_path, "wdpa", [SQUARE_CW], **WDPA)
    (zone,) = load_zones(shp, default_kind="fishing_closure")  # the schema wins
    assert (zone.name, zone.kind) == ("Gotland Coast", "mpa")
    assert zone.valid_from == datetime(2009, 1, 1, tzinfo=UTC)


def test_wdpa_no_take_and_proposed_kinds(tmp_path):
    no_take = make_shapefile(tmp_path, "a", [SQUARE_CW], **(WDPA | {"NO_TAKE": "All"}))
    proposed = make_shapefile(tmp_path, "b", [SQUARE_CW], **(WDPA | {"STATUS": "Proposed"}))
    assert load_zones(no_take)[0].kind == "no_take"
    assert load_zones(proposed)[0].kind == "mpa_proposed"


def test_shapefile_of_unknown_schema_takes_the_default_kind(tmp_path):
    shp = make_shapefile(tmp_path, "closures", [SQUARE_CW], ZONE_ID=7)
    (zone,) = load_zones(shp, default_kind="fishing_closure")
    assert (zone.name, zone.kind) == ("closures #1", "fishing_closure")


def test_projected_shapefile_is_an_error(tmp_path):
    shp = make_shapefile(tmp_path, "utm", [SQUARE_CW], prj=UTM33_PRJ, NAME="x")
    with pytest.raises(ReferenceLayerError, match=r"UTM zone 33N.*reproject"):
        load_zones(shp)


def test_unreadable_prj_is_an_error(tmp_path):
    shp = make_shapefile(tmp_path, "junk", [SQUARE_CW], prj="not a CRS", NAME="x")
    with pytest.raises(ReferenceLayerError, match=r"junk\.prj is not a readable"):
        load_zones(shp)


def test_shapefile_without_prj_is_assumed_wgs84_with_a_warning(tmp_path, caplog):
    (zone,) = load_zones(make_shapefile(tmp_path, "noprj", [SQUARE_CW], prj=None, NAME="x"))
    assert zone.geometry.bounds == (18.0, 56.0, 19.0, 57.0)
    assert "no .prj file" in caplog.text and "assuming WGS84" in caplog.text


def test_shapefile_bowtie_is_repaired_with_a_warning(tmp_path, caplog):
    (zone,) = load_zones(make_shapefile(tmp_path, "bowtie", [BOWTIE_RING], NAME="Bow tie"))
    assert zone.geometry.is_valid and zone.geometry.area == pytest.approx(0.5)
    assert "repaired with make_valid" in caplog.text


def test_shapefile_missing_dbf_is_a_clear_error(tmp_path):
    shp = make_shapefile(tmp_path, "nodbf", [SQUARE_CW], NAME="x")
    (tmp_path / "nodbf.dbf").unlink()
    with pytest.raises(ReferenceLayerError, match="not a readable shapefile"):
        load_zones(shp)


def test_zip_of_one_shapefile(tmp_path):
    shp = make_shapefile(tmp_path, "eez_v12", [SQUARE_CW, BOWTIE_RING], **MARINE_REGIONS)
    archive = zip_of(tmp_path, "World_EEZ_v12.zip", shp, extra=[("README.txt", b"EEZ v12")])
    zones = load_zones(archive)
    assert [z.kind for z in zones] == ["eez", "eez"] and all(z.geometry.is_valid for z in zones)


def test_zip_with_two_shapefiles_is_an_error_naming_them(tmp_path):
    a = make_shapefile(tmp_path, "eez_v12", [SQUARE_CW], NAME="a")
    b = make_shapefile(tmp_path, "eez_boundaries_v12", [SQUARE_CW], NAME="b")
    names = re.escape("2 layers (eez_boundaries_v12.shp, eez_v12.shp)")
    with pytest.raises(ReferenceLayerError, match=names):
        load_zones(zip_of(tmp_path, "both.zip", a, b))


def test_zip_with_an_unsafe_member_is_refused(tmp_path):
    shp = make_shapefile(tmp_path, "x", [SQUARE_CW], NAME="x")
    archive = zip_of(tmp_path, "evil.zip", shp, extra=[("../../escape.txt", b"boo")])
    with pytest.raises(ReferenceLayerError, match="path leaves the archive folder"):
        load_zones(archive)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_zip_without_a_layer_is_an_error(tmp_path):
    archive = zip_of(tmp_path, "docs.zip", extra=[("README.txt", b"nothing")])
    with pytest.raises(ReferenceLayerError, match="no shapefile"):
        load_zones(archive)


def test_zip_of_geojson_is_read(tmp_path):
    doc = json.dumps(_fc(_feature(SQUARE, name="Closure A", kind="fishing_closure")))
    (zone,) = load_zones(zip_of(tmp_path, "z.zip", extra=[("closures.geojson", doc)]))
    assert (zone.name, zone.kind) == ("Closure A", "fishing_closure")


def test_land_from_a_natural_earth_style_coastline_zip(tmp_path):
    far = [[100, 0], [101, 1]]
    shp = make_shapefile(
        tmp_path, "ne_10m_coastline", [SQUARE_CW, far], lines=True, featurecla="Coastline"
    )
    land = load_land(zip_of(tmp_path, "ne_10m_coastline.zip", shp), bbox=(16.5, 55.0, 22.5, 59.0))
    assert land.geom_type in ("LineString", "MultiLineString")
    assert land.bounds == (18.0, 56.0, 19.0, 57.0)  # the far line is clipped away


@pytest.mark.realdata
def test_real_adriatic_coastal_ban_zone_loads_with_repair(shared_data, caplog):
    # One MultiPolygon over the whole Mediterranean coast, invalid, land included.
    path = shared_data / "fishing/adriatic/maps/coastal_ban_zone.geojson"
    (zone,) = load_zones(path, default_kind="fishing_closure")
    assert "repaired with make_valid" in caplog.text
    assert zone.geometry.is_valid and zone.geometry.area > 0
    assert zone.kind == "fishing_closure" and zone.name == "coastal_ban_zone #1"
