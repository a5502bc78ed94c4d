"""Ports: the GFW bare-array form and FeatureCollections, loaded into mda.ports."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Connection, text

from mda.errors import ReferenceLayerError
from mda.ports import read_ports
from mda.store.load import load_ports


def _feature(name, lon, lat, **props):
    return {"type": "Feature", "properties": {"name": name, **props},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}  # fmt: skip


GFW_LIKE = [
    _feature("KOBENHAVN", 12.6, 55.7, type="port", area="dnk-kobenhavn", flag="DNK"),
    _feature("VISBY", 18.29, 57.64, type="port", area="swe-visby", flag="SWE"),
    {
        "type": "Feature",
        "properties": {"name": "NO POINT"},
        "geometry": {"type": "Polygon", "coordinates": []},
    },
    _feature("", 10.0, 55.0),  # no name
    _feature("OFF", 190.0, 55.0),  # off the globe
]


def test_reads_a_bare_array_and_counts_what_it_skips(tmp_path) -> None:
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(GFW_LIKE))
    read = read_ports(path)
    assert read.ports.rows() == [
        ("dnk-kobenhavn", "KOBENHAVN", "DNK", "port", 12.6, 55.7),
        ("swe-visby", "VISBY", "SWE", "port", 18.29, 57.64),
    ]
    assert read.skipped == {"not_a_point": 1, "no_name": 1, "off_the_globe": 1}


def test_reads_a_feature_collection_and_rejects_other_json(tmp_path) -> None:
    path = tmp_path / "ports.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": GFW_LIKE[:1]}))
    assert read_ports(path).ports.height == 1
    path.write_text('{"type": "Point"}')
    with pytest.raises(ReferenceLayerError, match="expected a GeoJSON FeatureCollection"):
        read_ports(path)
    path.write_text("not json")
    with pytest.raises(ReferenceLayerError, match="cannot read ports as JSON"):
        read_ports(path)


@pytest.mark.db
def test_load_ports_replaces_the_layer(pg_conn: Connection, tmp_path) -> None:
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(GFW_LIKE))
    ports = read_ports(path).ports
    assert load_ports(pg_conn, ports) == 2
    assert load_ports(pg_conn, ports.head(1)) == 1
    row = pg_conn.execute(
        text("SELECT port_id, name, country, ST_AsText(geom) AS g FROM mda.ports")
    ).one()
    assert tuple(row) == ("dnk-kobenhavn", "KOBENHAVN", "DNK", "POINT(12.6 55.7)")


@pytest.mark.db
@pytest.mark.realdata
def test_gfw_ports_json_loads_whole(pg_conn: Connection, shared_data) -> None:
    path = shared_data / "reference" / "ocean_areas" / "ports.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    read = read_ports(path)
    assert read.ports.height + sum(read.skipped.values()) == 9428  # the file's feature count
    assert read.ports.height > 9000
    assert load_ports(pg_conn, read.ports) == read.ports.height
    near = pg_conn.execute(
        text(
            "SELECT name FROM mda.ports ORDER BY geom <-> "
            "ST_SetSRID(ST_MakePoint(49.93, 40.29), 4326) LIMIT 1"
        )
    ).scalar_one()
    assert near == "BAKU"
