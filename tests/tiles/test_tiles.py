"""OGC API – Tiles: tilesets, the WebMercatorQuad tileset and TileJSON, and Mapbox Vector Tiles decoded with an
independent decoder (GDAL's MVT driver through pyogrio) and checked against the items API of the same tile."""

from __future__ import annotations

import math

import morecantile
import pyogrio
import pytest
import shapely

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines

TMS = morecantile.tms.get("WebMercatorQuad")
MVT = "application/vnd.mapbox-vector-tile"


def decode(data: bytes, tmp_path, z: int, x: int, y: int):
    """The tile's features in WGS84, read by GDAL (the file name tells the driver where the tile lies)."""
    folder = tmp_path / str(z) / str(x)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{y}.pbf"
    path.write_bytes(data)
    return pyogrio.read_dataframe(path, layer=None).to_crs(4326)


def tile_of(lon: float, lat: float, z: int):
    return TMS.tile(lon, lat, z)


def test_tilesets_and_tileset_metadata(client):
    sets = client.get("/collections/jinhua_counties/tiles").get_json()["tilesets"]
    assert sets[0]["dataType"] == "vector" and sets[0]["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    meta = client.get("/collections/jinhua_counties/tiles/WebMercatorQuad").get_json()
    assert meta["layers"][0]["id"] == "jinhua_counties" and meta["minzoom"] == 0
    template = next(link["href"] for link in meta["links"] if link["rel"] == "item")
    assert template.endswith("/collections/jinhua_counties/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    limits = {row["tileMatrix"]: row for row in meta["tileMatrixSetLimits"]}
    tile = tile_of(120.07, 29.31, 6)
    assert limits["6"]["minTileCol"] <= tile.x <= limits["6"]["maxTileCol"]
    tilejson = client.get("/collections/jinhua_counties/tiles/WebMercatorQuad/tilejson.json").get_json()
    assert tilejson["tiles"][0].endswith("/{z}/{y}/{x}") and tilejson["vector_layers"][0]["id"] == "jinhua_counties"
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in client.get("/conformance").get_json()["conformsTo"]


@pytest.mark.parametrize(("layer", "lon", "lat", "z"), [
    ("jinhua_counties", 120.07, 29.31, 9), ("logistics_hubs", 120.07, 29.31, 10), ("corridors", 100.0, 40.0, 5),
    ("world_countries", 60.0, 45.0, 3)])
def test_tile_features_and_properties_match_the_items_api(client, tmp_path, layer, lon, lat, z):
    tile = tile_of(lon, lat, z)
    resp = client.get(f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{tile.y}/{tile.x}")
    assert resp.status_code == 200 and resp.content_type == MVT and resp.headers["ETag"]
    decoded = decode(resp.data, tmp_path, z, tile.x, tile.y)
    west, south, east, north = TMS.bounds(tile)
    items = client.get(f"/collections/{layer}/items?limit=10000&bbox={west},{south},{east},{north}").get_json()
    expected = {f["id"]: f for f in items["features"]}
    assert set(decoded["feature_id"]) == set(expected)
    for _, row in decoded.iterrows():
        props = expected[row["feature_id"]]["properties"]
        assert row["name_zh"] == props["name_zh"]
        inside = shapely.geometry.shape(expected[row["feature_id"]]["geometry"]).intersection(shapely.box(
            west, south, east, north))
        tolerance = (east - west) / 4096 * 4  # a few tile units (snapping and simplification)
        assert row.geometry.buffer(tolerance).contains(inside.representative_point()), row["feature_id"]


def test_empty_tiles_are_empty_answers_and_errors_are_clear(client, tmp_path):
    ocean = tile_of(-150.0, 0.0, 8)  # inside the world layer's extent, no country there
    ok = client.get(f"/collections/world_countries/tiles/WebMercatorQuad/8/{ocean.y}/{ocean.x}")
    assert ok.status_code == 200 and len(decode(ok.data, tmp_path, 8, ocean.x, ocean.y)) == 0
    cached = client.get(f"/collections/world_countries/tiles/WebMercatorQuad/8/{ocean.y}/{ocean.x}",
                        headers={"If-None-Match": ok.headers["ETag"]})
    assert cached.status_code == 304
    far = client.get("/collections/yixi_84/tiles/WebMercatorQuad/14/0/0")
    assert far.status_code == 404 and "outside" in far.get_json()["description"]
    beyond = client.get("/collections/yixi_84/tiles/WebMercatorQuad/3/8/0")  # row 8 of a zoom with rows 0-7
    assert beyond.status_code == 404 and "rows run from 0 to 7" in beyond.get_json()["description"]
    assert client.get("/collections/yixi_84/tiles/OtherQuad/3/0/0").status_code == 400


def test_a_dense_layers_tiles_start_where_a_tile_holds_few_enough_features():
    from geo.tiles.mvt import MAX_TILE_FEATURES, tile_minzoom

    bbox = (119.8, 29.0, 120.3, 29.55)  # about Yiwu
    z = tile_minzoom(1_000_000, bbox)
    west, south = TMS.xy(bbox[0], bbox[1])
    east, north = TMS.xy(bbox[2], bbox[3])
    per_tile = lambda zoom: 1_000_000 * (2 * math.pi * 6378137) ** 2 / 4**zoom / ((east - west) * (north - south))  # noqa: E731
    assert per_tile(z) <= MAX_TILE_FEATURES < per_tile(z - 1)
