"""Raster endpoints checked against independent computations: numpy over shapely masks, pyproj, hand tile maths."""

import math

import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from pyproj import Geod, Transformer
from rasterio.io import MemoryFile
from rio_tiler.colormap import cmap

GEOD = Geod(ellps="WGS84")
TO_GK = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
JSON = "application/json"


def band(data_dir, raster_id):
    with rasterio.open(data_dir / "build" / f"{raster_id}.tif") as src:
        return src.read(1), src.transform, src.nodata


def centre_mask(data_dir, raster_id, geom_lonlat):
    """Cells whose centre lies inside the lon/lat geometry, by shapely on projected cell centres."""
    values, t, nodata = band(data_dir, raster_id)
    rows, cols = np.mgrid[0:values.shape[0], 0:values.shape[1]]
    xs, ys = t.c + t.a * (cols + 0.5), t.f + t.e * (rows + 0.5)
    geom = shapely.transform(geom_lonlat, lambda xy: np.column_stack(TO_GK.transform(xy[:, 0], xy[:, 1])))
    return values, shapely.contains_xy(geom, xs, ys) & (values != nodata)


def layer_geometry(gpkg, layer_id):
    return shapely.union_all(pyogrio.read_dataframe(gpkg, layer=layer_id).geometry.array)


def numpy_stats(values):
    v = values.astype("float64")
    return {"count": v.size, "min": v.min(), "max": v.max(), "mean": v.mean(), "std": v.std(),
            "percentiles": dict(zip(["p2", "p25", "p50", "p75", "p98"], np.percentile(v, [2, 25, 50, 75, 98]), strict=True))}


def assert_stats(got, expected):
    assert got["count"] == expected["count"]
    for key in ("min", "max", "mean", "std"):
        assert got[key] == pytest.approx(expected[key], rel=1e-6), key
    for key, value in expected["percentiles"].items():
        assert got["percentiles"][key] == pytest.approx(value, rel=1e-6), key


def tile_of(lon, lat, z):
    """Slippy-map tile indices (the OSM wiki formula)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def pixel_lonlat(x, y, z, px, py):
    n = 2**z * 256
    lon = (x * 256 + px + 0.5) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y * 256 + py + 0.5) / n))))
    return lon, lat


def decode_png(data):
    with MemoryFile(data) as mem, mem.open() as img:
        assert img.driver == "PNG"
        return img.read()


def test_list_and_metadata(client, data_dir):
    resp = client.get("/rasters")
    assert resp.status_code == 200 and resp.content_type.startswith(JSON)
    assert [r["id"] for r in resp.get_json()["rasters"]] == ["hub_access", "plan_zones", "terrain_cn"]
    meta = client.get("/rasters/hub_access").get_json()
    values, t, nodata = band(data_dir, "hub_access")
    assert meta["crs"] == "EPSG:4549" and meta["resolution"] == [100.0, 100.0] and meta["unit"] == "km"
    assert (meta["width"], meta["height"]) == (values.shape[1], values.shape[0]) and meta["nodata"] == nodata
    lon, lat = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True).transform(t.c, t.f)
    assert meta["bounds_wgs84"][0] <= lon + 1e-6 and meta["bounds_wgs84"][3] >= lat - 1e-6
    assert_stats(meta["statistics"], numpy_stats(values[values != nodata]))
    terrain = client.get("/rasters/terrain_cn?lang=en").get_json()
    assert terrain["crs"] == "EPSG:4326" and "no CRS" in terrain["crs_note"] and terrain["title"].startswith("Terrain")


def test_tilejson_points_at_tiles_with_the_style_parameters(client):
    body = client.get("/rasters/hub_access/tilejson.json?colormap=magma&rescale=0,10").get_json()
    assert body["tilejson"] == "3.0.0" and body["tiles"][0].endswith("/rasters/hub_access/tiles/{z}/{x}/{y}.png?colormap=magma&rescale=0%2C10")
    west, south, east, north = body["bounds"]
    assert west < 120.07 < east and south < 29.3 < north


def test_a_ramp_runs_backwards_when_start_is_above_end_and_steps_when_they_are_equal(client):
    """rescale=start,end: 0,30 and 30,0 colour each cell with the ramp's two ends swapped (viridis: the same colour
    index reversed); start equal to end makes two colours only, a step at that distance."""
    z = 11
    x, y = tile_of(120.07, 29.3, z)

    def grey(rescale: str) -> np.ndarray:
        return decode_png(client.get(f"/rasters/hub_access/tiles/{z}/{x}/{y}.png?colormap=gray&rescale={rescale}").data)

    forward, backward = grey("0,30"), grey("30,0")
    inside = forward[3] > 0
    middle = round(float(np.median(forward[0][inside])) / 255 * 30, 2)  # a distance the tile has on both sides
    step = grey(f"{middle},{middle}")
    assert inside.any() and np.array_equal(inside, backward[3] > 0)
    assert np.all(np.abs(forward[0][inside].astype(int) + backward[0][inside].astype(int) - 255) <= 1)
    assert set(np.unique(step[0][step[3] > 0]).tolist()) <= {0, 255} and len(np.unique(step[0][step[3] > 0])) == 2


def test_tile_is_a_256_png_coloured_by_distance_with_transparent_nodata(client, data_dir, gpkg):
    z = 11
    x, y = tile_of(119.85, 29.3, z)  # western edge of Yiwu: part inside, part outside
    resp = client.get(f"/rasters/hub_access/tiles/{z}/{x}/{y}.png")
    assert resp.status_code == 200 and resp.content_type == "image/png"
    rgba = decode_png(resp.data)
    assert rgba.shape == (4, 256, 256)
    boundary = layer_geometry(gpkg, "yiwu_boundary")
    hubs = pyogrio.read_dataframe(gpkg, layer="logistics_hubs").geometry
    palette = np.array([cmap.get("viridis_r")[i][:3] for i in range(256)])
    checked = {"in": 0, "out": 0}
    for py in range(8, 256, 24):
        for px in range(8, 256, 24):
            lon, lat = pixel_lonlat(x, y, z, px, py)
            point = shapely.Point(lon, lat)
            margin = shapely.distance(point, boundary.boundary) * 111  # km, roughly
            if margin < 0.3:
                continue
            if not boundary.contains(point):
                assert rgba[3, py, px] == 0
                checked["out"] += 1
                continue
            dist = min(GEOD.inv(lon, lat, h.x, h.y)[2] for h in hubs) / 1000
            index = np.argmin(((palette - rgba[:3, py, px]) ** 2).sum(axis=1))
            assert rgba[3, py, px] == 255 and abs(index - dist / 30 * 255) <= 3
            checked["in"] += 1
    assert checked["in"] > 10 and checked["out"] > 10


def test_class_tile_uses_class_colours_and_repeated_tiles_are_cached(client, app):
    x, y = tile_of(120.03, 29.29, 12)
    url = f"/rasters/plan_zones/tiles/12/{x}/{y}.png"
    first = client.get(url)
    rgba = decode_png(first.data)
    colours = {tuple(int(v) for v in rgba[:, r, c]) for r in range(0, 256, 8) for c in range(0, 256, 8)}
    assert (0xfd, 0x7e, 0x14, 179) in colours  # Yixi area: #fd7e14 at opacity 0.7
    hits = app.extensions["yiwu"].tiles.hits
    second = client.get(url)
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert app.extensions["yiwu"].tiles.hits == hits + 1
    assert "max-age" in second.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize(("url", "status", "named"), [
    ("/rasters/hub_access/tiles/12/0/0.png", 404, "outside"),
    ("/rasters/hub_access/tiles/x/0/0.png", 400, "z:"),
    ("/rasters/hub_access/tiles/3/-1/0.png", 400, "x:"),
    ("/rasters/hub_access/tiles/3/0/8.png", 404, "0 to 7"),
    ("/rasters/hub_access/tiles/30/0/0.png", 400, "z:"),
    ("/rasters/hub_access/tiles/9/427/211.png?colormap=rainbowz", 400, "colormap"),
    ("/rasters/hub_access/tiles/9/427/211.png?rescale=1", 400, "rescale"),
    ("/rasters/hub_access/tiles/9/427/211.png?rescale=a,b", 400, "rescale"),
    ("/rasters/plan_zones/tiles/9/427/211.png?colormap=viridis", 400, "colormap"),
    ("/rasters/hub_access/point?lon=181&lat=29", 400, "lon"),
    ("/rasters/hub_access/point?lon=120&lat=-91", 400, "lat"),
    ("/rasters/hub_access/point?lon=abc&lat=29", 400, "lon"),
    ("/rasters/hub_access/point?lat=29", 400, "lon"),
    ("/rasters/hub_access/point?lon=100&lat=29", 404, "outside"),
    ("/rasters/hub_access/statistics?percentiles=120", 400, "percentiles"),
    ("/rasters/hub_access/statistics?layer=logistics_hubs", 400, "layer"),
    ("/rasters/hub_access/statistics?layer=no_such_layer", 400, "layer: 'no_such_layer'"),
    ("/rasters/no_such_raster", 404, "no_such_raster"),
])
def test_errors_are_json_naming_the_problem(client, url, status, named):
    resp = client.get(url)
    assert resp.status_code == status and resp.content_type.startswith(JSON)
    assert named in resp.get_json()["description"]


def test_point_values_are_the_cell_values(client, data_dir):
    values, t, nodata = band(data_dir, "hub_access")
    for lon, lat in ((120.05, 29.30), (119.95, 29.25), (120.2, 29.35)):
        gx, gy = TO_GK.transform(lon, lat)
        expected = values[int((t.f - gy) // 100), int((gx - t.c) // 100)]
        body = client.get(f"/rasters/hub_access/point?lon={lon}&lat={lat}").get_json()
        assert body["value"] == pytest.approx(float(expected)) and body["unit"] == "km"
    with rasterio.open(data_dir / "sources" / "cnmaps" / "china-dem.nc") as src:
        dem, dt = src.read(1), src.transform
    body = client.get("/rasters/terrain_cn/point?lon=90.1&lat=32.1").get_json()
    assert body["value"] == pytest.approx(float(dem[int((32.1 - dt.f) / dt.e), int((90.1 - dt.c) / dt.a)]))
    yixi = client.get("/rasters/plan_zones?lang=en").get_json()["legend"]["classes"]
    code = next(c["code"] for c in yixi if c["title"].startswith("Yixi"))
    assert client.get("/rasters/plan_zones/point?lon=119.99&lat=29.27&lang=en").get_json()["class"]["code"] == code


def test_whole_raster_statistics_equal_numpy(client, data_dir):
    values, _, nodata = band(data_dir, "hub_access")
    resp = client.get("/rasters/hub_access/statistics")
    assert resp.status_code == 200 and resp.content_type.startswith(JSON)
    assert_stats(resp.get_json()["statistics"], numpy_stats(values[values != nodata]))


@pytest.mark.parametrize("zone", ["yixi_84", "second_ring_266"])
def test_zonal_statistics_of_a_posted_polygon_equal_numpy_over_the_same_mask(client, data_dir, gpkg, zone):
    geom = layer_geometry(gpkg, zone)
    resp = client.post("/rasters/hub_access/statistics", json=shapely.geometry.mapping(geom))
    assert resp.status_code == 200 and resp.content_type.startswith(JSON)
    values, inside = centre_mask(data_dir, "hub_access", geom)
    got = resp.get_json()["zones"][0]["statistics"]
    assert_stats(got, numpy_stats(values[inside]))
    assert got["area_km2"] == pytest.approx(inside.sum() * 0.01)
    by_layer = client.get(f"/rasters/hub_access/statistics?layer={zone}").get_json()["zones"][0]["statistics"]
    assert by_layer == got


def test_class_areas_and_feature_collections(client, data_dir, gpkg):
    ring = layer_geometry(gpkg, "second_ring_266")
    hub = pyogrio.read_dataframe(gpkg, layer="logistics_hubs").geometry.iloc[0]
    square = shapely.box(hub.x - 0.02, hub.y - 0.02, hub.x + 0.02, hub.y + 0.02)
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "ring", "properties": {"n": 1}, "geometry": shapely.geometry.mapping(ring)},
        {"type": "Feature", "id": "square", "properties": {}, "geometry": shapely.geometry.mapping(square)}]}
    zones = client.post("/rasters/plan_zones/statistics", json=fc).get_json()["zones"]
    assert [z["id"] for z in zones] == ["ring", "square"] and zones[0]["properties"] == {"n": 1}
    for zone, geom in zip(zones, (ring, square), strict=True):
        values, inside = centre_mask(data_dir, "plan_zones", geom)
        for code in range(5):
            hit = (values[inside] == code).sum()
            assert zone["statistics"]["classes"][str(code)] == {"count": int(hit), "area_km2": pytest.approx(hit * 0.01)}
    assert zones[0]["statistics"]["area_km2"] == pytest.approx(266, rel=0.01)


@pytest.mark.parametrize(("body", "named"), [
    ({"type": "Polygon", "coordinates": [[[120, 29], [120.1, 29.1], [120.1, 29], [120, 29.1], [120, 29]]]}, "Self-intersection"),
    ({"type": "Point", "coordinates": [120, 29]}, "Point"),
    ({"type": "Polygon", "coordinates": [[[120, 29], [200, 29], [120, 30], [120, 29]]]}, "lon/lat"),
    ({"type": "Polygon", "coordinates": "nope"}, "must be an array"),
    ({"type": "FeatureCollection", "features": []}, "features"),
    ([1, 2], "GeoJSON"),
])
def test_invalid_geometries_are_400(client, body, named):
    resp = client.post("/rasters/hub_access/statistics", json=body)
    assert resp.status_code == 400 and resp.get_json()["code"] == "InvalidGeometry"
    assert named in resp.get_json()["description"]
    not_json = client.post("/rasters/hub_access/statistics", data="x", content_type="text/plain")
    assert not_json.status_code == 400


def test_gcj02_tiles_line_up_with_the_gcj02_map(client):
    """A pixel of a ?datum=gcj02 tile shows the value at the WGS84 position its GCJ-02 position stands for."""
    import morecantile

    from geo.core.crs import gcj02_to_wgs84

    tms = morecantile.tms.get("WebMercatorQuad")
    z, tile = 13, tms.tile(120.0, 29.30, 13)
    gcj = np.moveaxis(decode_png(client.get(f"/rasters/hub_access/tiles/{z}/{tile.x}/{tile.y}.png?datum=gcj02").data), 0, -1)
    xmin, _, xmax, ymax = tms.xy_bounds(tile)
    res = (xmax - xmin) / 256
    shifted = unshifted = total = 0
    for py in range(8, 256, 32):
        for px in range(8, 256, 32):
            lon, lat = tms.lnglat(xmin + (px + 0.5) * res, ymax - (py + 0.5) * res)
            for name, (wlon, wlat) in (("shifted", gcj02_to_wgs84([lon], [lat])), ("unshifted", ([lon], [lat]))):
                wt = tms.tile(wlon[0], wlat[0], z)
                img = np.moveaxis(decode_png(client.get(f"/rasters/hub_access/tiles/{z}/{wt.x}/{wt.y}.png").data), 0, -1)
                wx0, _, _, wy1 = tms.xy_bounds(wt)
                mx, my = tms.xy(wlon[0], wlat[0])
                same = np.abs(gcj[py, px].astype(int) - img[int((wy1 - my) / res), int((mx - wx0) / res)].astype(int)).max() <= 2
                shifted, unshifted = (shifted + same, unshifted) if name == "shifted" else (shifted, unshifted + same)
            total += 1
    assert shifted >= 0.95 * total and unshifted < 0.6 * total
    assert client.get(f"/rasters/hub_access/tiles/{z}/{tile.x}/{tile.y}.png?datum=bd09").status_code == 400
