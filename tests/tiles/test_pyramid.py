"""Tile pyramids (issue 25): a parcel layer made here in EPSG:4549 (a 40 x 40 grid of 200 m parcels around Yiwu's
centre, corners from pyproj) is imported through POST /imports with the pyramid threshold lowered through the settings;
its tiles come from the tippecanoe-built pyramid, and at z14 they hold what the live encoder's hold (the same app's
workspace served by a second app without pyramids) — decoded by GDAL's MVT driver, not by our code. An edit is in the
next tile; edits beyond the rebuild threshold rebuild the pyramid in the background."""

from __future__ import annotations

import threading

import geopandas as gpd
import morecantile
import pyogrio
import pytest
import shapely
from import_fixtures import GK, centre_gk, import_by_editor
from pyproj import Transformer

from geo.tiles.mvt import TileAddress, patch_tile
from geo.tiles.pyramid import PYRAMID_MAXZOOM, Pyramid
from server import create_app

LAYER = "pyramid_parcels"
SIDE, CELL = 40, 200.0  # parcels across and down; metres
FORM = {"id": LAYER, "title_zh": "地块（金字塔测试）", "title_en": "Parcels (pyramid test)", "role": "zone",
        "plan_ref": "§5", "id_field": "plot"}
LAND_USE = ("居住用地", "商业服务业用地", "工矿用地", "绿地与开敞空间用地")
TMS = morecantile.tms.get("WebMercatorQuad")
TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)


def parcel_grid() -> gpd.GeoDataFrame:
    """SIDE x SIDE square parcels of CELL metres, south-west corner at Yiwu's centre (EPSG:4549)."""
    x0, y0 = centre_gk()
    rows = []
    for i in range(SIDE):
        for j in range(SIDE):
            x, y = x0 + i * CELL, y0 + j * CELL
            rows.append({"plot": f"P{i:02d}{j:02d}", "landuse": LAND_USE[(i + j) % 4], "year": 2015 + (i * j) % 11,
                         "geometry": shapely.box(x, y, x + CELL, y + CELL)})
    return gpd.GeoDataFrame(rows, crs=f"EPSG:{GK}")


def parcel_wgs84(i: int, j: int) -> shapely.Polygon:
    x0, y0 = centre_gk()
    x, y = x0 + i * CELL, y0 + j * CELL
    return shapely.Polygon([TO_WGS84.transform(px, py) for px, py in
                            ((x, y), (x + CELL, y), (x + CELL, y + CELL), (x, y + CELL))])


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir):
    """The app with its own workspace and pyramid directory (threshold 500 features, rebuild after 3 edits), the
    grid imported by an editor; and a second app over the same workspace with no pyramid (the live encoder)."""
    tmp = tmp_path_factory.mktemp("pyramid")
    base = {"TESTING": True, "data_dir": data_dir, "workspace_path": tmp / "workspace.gpkg"}
    app = create_app({**base, "pyramid_dir": tmp / "pyramids", "pyramid_features": 500, "pyramid_rebuild_edits": 3,
                      "build_chunk_features": 500})  # a rebuild reads the 1,600 parcels in 4 chunks
    path = tmp / "parcels.gpkg"
    pyogrio.write_dataframe(parcel_grid(), path, layer="parcels", driver="GPKG")
    token, _ = import_by_editor(app, "pyramid_editor", path, FORM)
    auth = {"Authorization": f"Bearer {token}"}
    live = create_app({**base, "pyramid_dir": tmp / "none"})
    return {"app": app, "live": live, "auth": auth, "pyramid": tmp / "pyramids" / f"{LAYER}.mbtiles", "tmp": tmp}


def tile_url(address: TileAddress) -> str:
    return f"/collections/{LAYER}/tiles/WebMercatorQuad/{address.z}/{address.y}/{address.x}"


def decoded(data: bytes, address: TileAddress, folder) -> gpd.GeoDataFrame:
    """A tile read by GDAL's MVT driver (the path z/x/y.pbf tells it where the tile is)."""
    path = folder / str(address.z) / str(address.x) / f"{address.y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if not data:
        return gpd.GeoDataFrame({"feature_id": []}, geometry=[], crs=3857)
    return pyogrio.read_dataframe(path, layer=LAYER)


def layer_tiles(z: int) -> list[TileAddress]:
    west, south = parcel_wgs84(0, 0).bounds[:2]
    east, north = parcel_wgs84(SIDE - 1, SIDE - 1).bounds[2:]
    return [TileAddress(t.z, t.x, t.y) for t in TMS.tiles(west, south, east, north, [z])]


def test_the_import_built_a_pyramid_from_the_whole_layer_zoom_to_z14(site):
    pyramid = Pyramid(site["pyramid"])
    assert pyramid.maxzoom == PYRAMID_MAXZOOM
    tileset = site["app"].test_client().get(f"/collections/{LAYER}/tiles/WebMercatorQuad", headers=site["auth"])
    assert tileset.get_json()["minzoom"] <= pyramid.minzoom < PYRAMID_MAXZOOM
    # the grid (8 km across) is at most two tiles wide at the pyramid's first zoom and wider at the next (pyproj)
    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    west, south = to_merc.transform(*parcel_wgs84(0, 0).bounds[:2])
    east, north = to_merc.transform(*parcel_wgs84(SIDE - 1, SIDE - 1).bounds[2:])
    tile_width = 2 * 20037508.342789244 / 2**pyramid.minzoom
    assert max(east - west, north - south) <= 2 * tile_width < 2 * max(east - west, north - south)
    tiles = layer_tiles(pyramid.minzoom)
    resp = site["app"].test_client().get(tile_url(tiles[0]), headers=site["auth"])
    assert resp.status_code == 200 and resp.data == pyramid.tile(tiles[0])  # served from the pyramid as stored


def test_z14_tiles_hold_the_live_encoders_features_and_attributes(site, tmp_path):
    for address in layer_tiles(14):
        ours = site["app"].test_client().get(tile_url(address), headers=site["auth"])
        live = site["live"].test_client().get(tile_url(address), headers=site["auth"])
        assert ours.status_code == live.status_code == 200
        assert ours.data == Pyramid(site["pyramid"]).tile(address)
        a, b = decoded(ours.data, address, tmp_path / "pyramid"), decoded(live.data, address, tmp_path / "live")
        assert abs(len(a) - len(b)) <= 0.01 * len(b), (address, len(a), len(b))
        columns = ["feature_id", "landuse", "year", "source", "accuracy", "plan_ref"]
        joined = a[columns].merge(b[columns], on="feature_id", suffixes=("_pyramid", "_live"))
        assert len(joined) >= 0.99 * len(b)
        for name in columns[1:]:
            assert joined[f"{name}_pyramid"].tolist() == joined[f"{name}_live"].tolist(), name


def test_an_edit_is_in_the_next_tile_and_untouched_tiles_stay_the_pyramids(site, tmp_path):
    client, auth = site["app"].test_client(), site["auth"]
    target = parcel_wgs84(5, 5)
    address = next(t for t in layer_tiles(14) if shapely.box(*TMS.bounds(t.x, t.y, t.z)).contains(target))
    far = next(t for t in layer_tiles(14) if not shapely.box(*TMS.bounds(t.x, t.y, t.z)).buffer(0.002).intersects(
        target))
    etag = client.get(f"/collections/{LAYER}/items/P0505", headers=auth).headers["ETag"]
    resp = client.patch(f"/collections/{LAYER}/items/P0505", json={"properties": {"landuse": "留白用地"}},
                        headers={**auth, "If-Match": etag})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    tile = decoded(client.get(tile_url(address), headers=auth).data, address, tmp_path)
    assert tile.loc[tile["feature_id"] == "P0505", "landuse"].tolist() == ["留白用地"]
    assert client.get(tile_url(far), headers=auth).data == Pyramid(site["pyramid"]).tile(far)


def test_a_touched_tile_of_a_thinned_zoom_is_the_pyramids_patched_with_the_edit(site, tmp_path):
    pyramid = Pyramid(site["pyramid"])
    address = next(t for t in layer_tiles(pyramid.minzoom)
                   if shapely.box(*TMS.bounds(t.x, t.y, t.z)).contains(parcel_wgs84(0, 0)))
    moved = gpd.GeoDataFrame({"feature_id": ["P0000"], "landuse": ["留白用地"]}, geometry=[parcel_wgs84(0, 0)],
                             crs=4326)
    before = decoded(pyramid.tile(address), address, tmp_path / "before")
    patched = decoded(patch_tile(pyramid.tile(address), LAYER, address, {"P0000", "P0001"}, moved, ("landuse",)),
                      address, tmp_path / "after")
    assert set(patched["feature_id"]) == (set(before["feature_id"]) - {"P0001"}) | {"P0000"}
    assert patched.loc[patched["feature_id"] == "P0000", "landuse"].tolist() == ["留白用地"]


def test_many_edits_rebuild_the_pyramid_in_the_background(site):
    client, auth = site["app"].test_client(), site["auth"]
    before = Pyramid(site["pyramid"]).source.seq
    for fid in ("P0101", "P0202", "P0303"):
        etag = client.get(f"/collections/{LAYER}/items/{fid}", headers=auth).headers["ETag"]
        assert client.patch(f"/collections/{LAYER}/items/{fid}", json={"properties": {"year": 2030}},
                            headers={**auth, "If-Match": etag}).status_code == 200
    address = next(t for t in layer_tiles(14) if shapely.box(*TMS.bounds(t.x, t.y, t.z)).contains(parcel_wgs84(3, 3)))
    assert client.get(tile_url(address), headers=auth).status_code == 200  # finds the edits: starts the rebuild
    for thread in [t for t in threading.enumerate() if t.name == f"pyramid-{LAYER}"]:
        thread.join(timeout=60)
    rebuilt = Pyramid(site["pyramid"])
    assert rebuilt.source.seq > before
    tile = decoded(rebuilt.tile(address), address, site["tmp"] / "rebuilt")  # the stored tile has the edits now
    assert tile.loc[tile["feature_id"] == "P0303", "year"].tolist() == [2030]
    matched = client.get(f"/collections/{LAYER}/items?limit=1", headers=auth).get_json()["numberMatched"]
    ids = set()
    for t in layer_tiles(14):  # the rebuild read the layer in 500-feature chunks and kept every feature
        if rebuilt.tile(t):
            ids |= set(decoded(rebuilt.tile(t), t, site["tmp"] / "all")["feature_id"])
    assert len(ids) == matched == SIDE * SIDE


def test_a_workspace_write_keeps_the_built_layers_tiles_cached_and_an_edit_renews_the_imported_ones(site, monkeypatch):
    """Tiles are cached by the version of the database holding their layer: a login's or a job's write to the
    workspace leaves a built layer's tiles in the cache; an edit of an imported layer makes its tiles anew."""
    app, auth = site["app"], site["auth"]
    client, engine = app.test_client(), app.extensions["yiwu"].engine
    encoded = []
    encode = engine.tile
    monkeypatch.setattr(engine, "tile", lambda layer_id, *rest: encoded.append(layer_id) or encode(layer_id, *rest))
    built = next(layer.id for layer in app.extensions["yiwu"].catalog.values() if layer.role == "boundary")
    west, south, east, north = engine.info(built).bbox
    centre = TMS.tile((west + east) / 2, (south + north) / 2, 9)
    url = f"/collections/{built}/tiles/WebMercatorQuad/9/{centre.y}/{centre.x}"
    first = client.get(url)
    version, built_version = engine.data_version(), engine.layer_version(built)
    app.extensions["yiwu"].accounts.add_user("pyramid_viewer", "viewer", actor="test")  # no layer data written
    again = client.get(url)
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert engine.data_version() != version and engine.layer_version(built) == built_version
    assert encoded.count(built) == 1  # the second answer came from the cache
    imported = engine.layer_version(LAYER)
    etag = client.get(f"/collections/{LAYER}/items/P0404", headers=auth).headers["ETag"]
    assert client.patch(f"/collections/{LAYER}/items/P0404", json={"properties": {"year": 2031}},
                        headers={**auth, "If-Match": etag}).status_code == 200
    client.get(url)
    assert engine.layer_version(LAYER) != imported and engine.layer_version(built) == built_version
