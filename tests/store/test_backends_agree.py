"""The two engines give the same answers: every collection's features, ids, properties, order and geometries (to
1e-7°) for bbox, CQL2, sortby, properties and paging, and the same vector tiles (decoded by GDAL); and PostGIS is
read live: a row another client inserts appears at once, in items, counts and tiles, with no restart."""

from __future__ import annotations

import morecantile
import psycopg
import pyogrio
import pytest
import shapely
from psycopg import sql
from test_sql_path import QUERIES

from server import create_app

TMS = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture(scope="module")
def clients(data_dir, postgis_data):
    gpkg = create_app({"TESTING": True, "DATA_DIR": data_dir}).test_client()
    pg = create_app({"TESTING": True, "DATA_DIR": data_dir, "DATABASE_URL": postgis_data}).test_client()
    return gpkg, pg


def same(a: list[dict], b: list[dict]) -> None:
    assert [f["id"] for f in a] == [f["id"] for f in b]
    for fa, fb in zip(a, b, strict=True):
        assert fa["properties"] == fb["properties"], fa["id"]
        assert shapely.equals_exact(shapely.geometry.shape(fa["geometry"]), shapely.geometry.shape(fb["geometry"]),
                                    tolerance=1e-7), fa["id"]


@pytest.mark.parametrize("query", QUERIES)
def test_every_collection_answers_alike_on_both_engines(clients, query):
    gpkg, pg = clients
    for layer_id in [c["id"] for c in gpkg.get("/collections").get_json()["collections"]]:
        url = f"/collections/{layer_id}/items?{query}"
        a, b = gpkg.get(url), pg.get(url)
        assert a.status_code == b.status_code == 200, (url, a.get_json(), b.get_json())
        assert a.get_json()["numberMatched"] == b.get_json()["numberMatched"], url
        same(a.get_json()["features"], b.get_json()["features"])


def decode(data: bytes, tmp_path, name: str, tile) -> dict:
    path = tmp_path / name / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    frame = pyogrio.read_dataframe(path).to_crs(4326)
    return dict(zip(frame["feature_id"], frame.geometry, strict=True))


@pytest.mark.parametrize(("layer", "lon", "lat", "z"), [("jinhua_counties", 120.07, 29.31, 9),
                                                        ("corridors", 100.0, 40.0, 5), ("logistics_hubs", 120.1, 29.3, 11)])
def test_a_vector_tile_is_the_same_on_both_engines(clients, tmp_path, layer, lon, lat, z):
    gpkg, pg = clients
    tile = TMS.tile(lon, lat, z)
    url = f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{tile.y}/{tile.x}"
    a, b = decode(gpkg.get(url).data, tmp_path, "gpkg", tile), decode(pg.get(url).data, tmp_path, "pg", tile)
    assert set(a) == set(b) and a
    unit = (TMS.bounds(tile).right - TMS.bounds(tile).left) / 4096
    for fid, geom in a.items():  # the two encoders snap and simplify a little differently: within a few units
        assert geom.buffer(4 * unit).contains(b[fid].representative_point()), fid


def test_a_row_another_client_inserts_appears_at_once(clients, postgis_data):
    _, pg = clients
    before = pg.get("/collections/logistics_hubs/items?limit=100").get_json()["numberMatched"]
    point = shapely.Point(120.3, 29.1)
    tile = TMS.tile(point.x, point.y, 12)
    tile_url = f"/collections/logistics_hubs/tiles/WebMercatorQuad/12/{tile.y}/{tile.x}"
    first_tile = pg.get(tile_url)
    with psycopg.connect(postgis_data) as con:  # as QGIS or another system would write
        con.execute(sql.SQL("INSERT INTO yiwu.logistics_hubs (feature_id, name_zh, name_en, accuracy, plan_ref, "
                            "source, geom) VALUES (%s, %s, %s, %s, %s, %s, ST_GeomFromText(%s, 4326))"),
                    ("logistics_hubs.test_hub", "测试枢纽", "Test hub", "schematic", "§15", "test", point.wkt))
    try:
        after = pg.get("/collections/logistics_hubs/items?limit=100").get_json()
        assert after["numberMatched"] == before + 1 and "logistics_hubs.test_hub" in [f["id"] for f in after["features"]]
        assert pg.get("/collections/logistics_hubs").get_json()["feature_count"] == before + 1
        assert pg.get("/collections/logistics_hubs/items/logistics_hubs.test_hub").status_code == 200
        assert first_tile.status_code == 404  # the tile lay outside the layer before the insert
        second_tile = pg.get(tile_url)
        assert second_tile.status_code == 200 and b"logistics_hubs.test_hub" in second_tile.data
    finally:
        with psycopg.connect(postgis_data) as con:
            con.execute("DELETE FROM yiwu.logistics_hubs WHERE feature_id = 'logistics_hubs.test_hub'")
    assert pg.get("/collections/logistics_hubs/items?limit=100").get_json()["numberMatched"] == before
