"""The office basemap (YIWU_BASEMAP): MBTiles files written by GDAL itself (gdal_translate for raster PNG tiles,
ogr2ogr for gzipped vector tiles), served by XYZ address; the tile asked for by the XYZ scheme (morecantile) must
hold what GDAL painted at that place — an independent check of the TMS row flip."""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess

import mapbox_vector_tile
import morecantile
import numpy as np
import pytest
from basemap_fixtures import YIWU, raster_mbtiles
from PIL import Image

from geo.core.errors import SourceError
from server import create_app

TMS = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture(scope="module")
def raster_client(tmp_path_factory, data_dir):
    path = raster_mbtiles(tmp_path_factory.mktemp("basemap"))
    return create_app({"TESTING": True, "DATA_DIR": data_dir, "BASEMAP": path}).test_client()


def test_tilejson_describes_the_file(raster_client):
    response = raster_client.get("/basemap/tilejson.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    body = response.get_json()
    assert body["tilejson"] == "3.0.0" and body["format"] == "png" and body["name"] == "Office base"
    assert body["tiles"] == ["http://localhost/basemap/tiles/{z}/{x}/{y}"]
    west, south, east, north = body["bounds"]
    assert west == pytest.approx(119.9, abs=0.01) and north == pytest.approx(29.45, abs=0.01)
    assert body["minzoom"] < body["maxzoom"] <= 14


def test_the_xyz_tile_holds_what_gdal_painted_there(raster_client):
    z = raster_client.get("/basemap/tilejson.json").get_json()["maxzoom"]
    tile = TMS.tile(*YIWU, z)
    response = raster_client.get(f"/basemap/tiles/{z}/{tile.x}/{tile.y}")
    assert response.status_code == 200 and response.content_type == "image/png"
    assert response.headers["ETag"] and "max-age" in response.headers["Cache-Control"]
    image = np.asarray(Image.open(io.BytesIO(response.data)).convert("RGB"))
    bounds = TMS.xy_bounds(tile)
    x, y = TMS.xy(*YIWU)
    col = int((x - bounds.left) / (bounds.right - bounds.left) * image.shape[1])
    row = int((bounds.top - y) / (bounds.top - bounds.bottom) * image.shape[0])
    assert tuple(image[row, col]) == (220, 0, 0)
    north_of_box = TMS.tile(YIWU[0], 29.42, z)
    far = np.asarray(Image.open(io.BytesIO(
        raster_client.get(f"/basemap/tiles/{z}/{north_of_box.x}/{north_of_box.y}").data)).convert("RGB"))
    assert (far[..., 2] == 200).sum() > 10_000 and (far[..., 0] == 220).sum() == 0


def test_conditional_request_answers_304(raster_client):
    z = raster_client.get("/basemap/tilejson.json").get_json()["maxzoom"]
    tile = TMS.tile(*YIWU, z)
    first = raster_client.get(f"/basemap/tiles/{z}/{tile.x}/{tile.y}")
    again = raster_client.get(f"/basemap/tiles/{z}/{tile.x}/{tile.y}",
                              headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path, status, names", [
    ("/basemap/tiles/3/8/0", 404, "0 to 7"), ("/basemap/tiles/3/0/9", 404, "0 to 7"), ("/basemap/tiles/25/0/0", 400, "z"),
    ("/basemap/tiles/a/0/0", 400, "z"), ("/basemap/tiles/2/0/0", 404, "no tile at 2/0/0")])
def test_bad_addresses_are_refused(raster_client, path, status, names):
    response = raster_client.get(path)
    assert response.status_code == status and response.content_type == "application/json"
    assert names in response.get_json()["description"]


def test_without_a_basemap_both_answer_404(client):
    for path in ("/basemap/tilejson.json", "/basemap/tiles/0/0/0"):
        response = client.get(path)
        assert response.status_code == 404 and "YIWU_BASEMAP" in response.get_json()["description"]


def test_vector_basemap_tiles_are_gzipped_mvt(tmp_path, data_dir):
    roads = tmp_path / "roads.geojson"
    roads.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "稠州北路"},
        "geometry": {"type": "LineString", "coordinates": [[120.06, 29.29], [120.09, 29.32]]}}]}), "utf-8")
    out = tmp_path / "roads.mbtiles"
    subprocess.run(["ogr2ogr", "-q", "-f", "MBTILES", str(out), str(roads), "-dsco", "MINZOOM=8",
                    "-dsco", "MAXZOOM=12", "-nln", "roads"], check=True)
    client = create_app({"TESTING": True, "DATA_DIR": data_dir, "BASEMAP": str(out)}).test_client()
    assert client.get("/basemap/tilejson.json").get_json()["format"] == "pbf"
    tile = TMS.tile(*YIWU, 12)
    response = client.get(f"/basemap/tiles/12/{tile.x}/{tile.y}")
    assert response.status_code == 200 and response.content_type == "application/vnd.mapbox-vector-tile"
    assert response.headers["Content-Encoding"] == "gzip"
    decoded = mapbox_vector_tile.decode(gzip.decompress(response.data))
    assert [f["properties"]["name"] for f in decoded["roads"]["features"]] == ["稠州北路"]


def test_a_file_that_is_not_mbtiles_stops_the_start(tmp_path, data_dir):
    bogus = tmp_path / "not.mbtiles"
    bogus.write_bytes(b"plain text, not SQLite" * 100)
    with pytest.raises(SourceError, match="not.mbtiles: not an MBTiles file"):
        create_app({"TESTING": True, "DATA_DIR": data_dir, "BASEMAP": str(bogus)})
    with pytest.raises(SourceError, match="no such file"):
        create_app({"TESTING": True, "DATA_DIR": data_dir, "BASEMAP": str(tmp_path / "missing.mbtiles")})


def test_the_office_basemap_is_the_first_and_default_basemap_of_every_map_page(raster_client):
    """With YIWU_BASEMAP the map pages carry the basemap's TileJSON (no probe request) and offer it first, on by
    default, in the page language (Chinese: 本地底图), before the offline basemap."""
    tilejson = raster_client.get("/basemap/tilejson.json").get_json()
    for path, title in (("/map/planner", "本地底图"), ("/map/logistics?lang=en", "Office basemap")):
        html = raster_client.get(path).get_data(as_text=True)
        match = re.search(r"YiwuMap\.layerControl\([^,]+, (\[.*?\]), \{", html, re.S)
        choices = json.loads(match.group(1))
        assert [c["id"] for c in choices][:2] == ["office", "offline"] and choices[0]["title"] == title
        office = choices[0]["tilejson"]
        assert office["tiles"] == ["/basemap/tiles/{z}/{x}/{y}"] and tilejson["tiles"][0].endswith(office["tiles"][0])
        assert (office["format"], office["bounds"], office["maxzoom"]) == \
            (tilejson["format"], tilejson["bounds"], tilejson["maxzoom"])
        assert "basemap/tilejson.json" not in html  # the page asks nothing to learn there is one
