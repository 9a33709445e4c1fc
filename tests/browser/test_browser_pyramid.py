"""A large imported parcel layer (11,025 parcels of 190 m made here in EPSG:4549, a 20 km square around Yiwu's centre)
gets its tile pyramid at import. The planner map at z11 — the whole layer on the screen — draws it from the pyramid
(every tile 200 and the pyramid's own bytes) at phone, tablet and desktop sizes, and a real mouse click on a parcel
the z11 tile holds (read from the tile by GDAL's MVT driver) opens its popup. An editor then moves a parcel out of
the grid: the next page load draws it where it now is (its tile answered live), and a click there opens its popup."""

from __future__ import annotations

import re

import geopandas as gpd
import morecantile
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from browser_support import (  # noqa: F401
    SIZES,
    chromium,
    click_at,
    network_events,
    pytestmark,
    screen_point,
    screenshot,
    serve,
    viewport,
    wait_idle,
    wait_popup,
)
from import_fixtures import GK, centre_gk, import_by_editor
from pyproj import Transformer
from selenium.webdriver.common.by import By

from geo.tiles.mvt import TileAddress, empty_tile
from geo.tiles.pyramid import Pyramid
from server import create_app

LAYER = "pyramid_parcels_ui"
SIDE, CELL = 105, 190.0  # parcels across and down (11,025: a large layer, drawn from tiles), metres
FORM = {"id": LAYER, "title_zh": "地块（金字塔界面测试）", "title_en": "Parcels (pyramid UI test)", "role": "zone",
        "plan_ref": "§5", "id_field": "plot", "access": "public"}
TMS = morecantile.tms.get("WebMercatorQuad")
TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)
TILE_RE = re.compile(rf"/collections/{LAYER}/tiles/WebMercatorQuad/(\d+)/(\d+)/(\d+)$")
MOVED = "P00000"


def wgs84(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda c: np.column_stack(TO_WGS84.transform(c[:, 0], c[:, 1])))


def parcel_grid() -> gpd.GeoDataFrame:
    """SIDE x SIDE parcels of CELL metres centred on Yiwu's centre (EPSG:4549)."""
    cx, cy = centre_gk()
    x0, y0 = cx - SIDE * CELL / 2, cy - SIDE * CELL / 2
    rows = [{"plot": f"P{i * SIDE + j:05d}", "name_zh": f"地块{i * SIDE + j:05d}",
             "landuse": ("居住用地", "工矿用地", "林地")[(i + j) % 3],
             "geometry": shapely.box(x0 + i * CELL, y0 + j * CELL, x0 + (i + 1) * CELL, y0 + (j + 1) * CELL)}
            for i in range(SIDE) for j in range(SIDE)]
    return gpd.GeoDataFrame(rows, crs=f"EPSG:{GK}")


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir):
    """The app with its own workspace and pyramid directory (threshold lowered to 10,000 features), the grid imported
    (public) by an editor; a browser."""
    tmp = tmp_path_factory.mktemp("pyramid_ui")
    app = create_app({"TESTING": True, "data_dir": data_dir, "workspace_path": tmp / "workspace.gpkg",
                      "pyramid_dir": tmp / "pyramids", "pyramid_features": 10_000})
    path = tmp / "parcels.gpkg"
    pyogrio.write_dataframe(parcel_grid(), path, layer="parcels", driver="GPKG")
    token, _ = import_by_editor(app, "pyramid_ui_editor", path, FORM)
    with serve(app) as url, chromium() as driver:
        yield {"app": app, "url": url, "driver": driver, "token": token, "tmp": tmp,
               "pyramid": tmp / "pyramids" / f"{LAYER}.mbtiles"}


def others_drawn(app, gpkg) -> shapely.Geometry:
    """Everything else the planner map draws (not the boundaries), 600 m wide around it: a click there could reach
    another layer."""
    catalog = app.extensions["yiwu"].catalog
    frames = [pyogrio.read_dataframe(gpkg, layer=lay.id).geometry for lay in catalog.for_audience("planner")
              if lay.id != LAYER and lay.role != "boundary"]
    return shapely.union_all([shapely.union_all(f.values) for f in frames]).buffer(0.006)


def tile_answers(driver) -> dict[TileAddress, int]:
    """The layer's tiles the page asked for and the HTTP status of each answer."""
    events = network_events(driver)
    asked = {e["params"]["requestId"]: TILE_RE.search(e["params"]["request"]["url"]) for e in events
             if e["method"] == "Network.requestWillBeSent"}
    answers = {}
    for e in events:
        found = asked.get(e["params"].get("requestId")) if e["method"] == "Network.responseReceived" else None
        if found:
            z, y, x = (int(v) for v in found.groups())
            answers[TileAddress(z, x, y)] = e["params"]["response"]["status"]
    return answers


def open_map(site, point: shapely.Point, zoom: int = 11) -> dict[TileAddress, int]:
    driver = site["driver"]
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get(f"{site['url']}/map/planner#map={zoom}/{point.y:.6f}/{point.x:.6f}")
    wait_idle(driver, 30)
    return tile_answers(driver)


def tile_parcels(data: bytes, address: TileAddress, folder) -> gpd.GeoDataFrame:
    """A tile's parcels as GDAL's MVT driver reads them (WGS84)."""
    path = folder / str(address.z) / str(address.x) / f"{address.y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return pyogrio.read_dataframe(path, layer=LAYER).to_crs(4326)


def popup_title(site, point: shapely.Point) -> str:
    driver = site["driver"]
    click_at(driver, *screen_point(driver, point.y, point.x))
    title = wait_popup(driver).find_element(By.CSS_SELECTOR, ".yiwu-popup-title").text
    driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-close-button").click()
    return title


@pytest.mark.parametrize("size", SIZES, ids=["phone", "tablet", "desktop"])
def test_the_whole_layer_at_z11_is_drawn_from_its_pyramid(site, gpkg, size, tmp_path):
    pyramid = Pyramid(site["pyramid"])
    assert pyramid.minzoom <= 11 < pyramid.maxzoom  # z11 tiles are the pyramid's own
    grid = wgs84(shapely.box(*parcel_grid().total_bounds))
    driver = site["driver"]
    with viewport(driver, *size):
        answers = open_map(site, grid.centroid)
        over = {a: status for a, status in answers.items() if shapely.box(*TMS.bounds(a.x, a.y, a.z)).intersects(grid)}
        assert over and {a.z for a in over} == {11} and set(over.values()) == {200}, answers  # 404: off the layer
        client = site["app"].test_client()
        bodies = {a: client.get(f"/collections/{LAYER}/tiles/WebMercatorQuad/11/{a.y}/{a.x}").data for a in over}
        assert all(body == (pyramid.tile(a) or empty_tile(LAYER)) for a, body in bodies.items())
        drawn = gpd.GeoDataFrame(pd.concat([tile_parcels(b, a, tmp_path) for a, b in bodies.items() if b],
                                           ignore_index=True), crs=4326)
        assert len(drawn) > 100, len(drawn)  # parcels drawn, not an empty map
        screenshot(driver, f"pyramid-z11-{size[0]}")
        blocked = others_drawn(site["app"], gpkg)
        view = shapely.box(*driver.execute_script("var b = YiwuMap.map.getBounds(); return [b.getWest(), "
                                                  "b.getSouth(), b.getEast(), b.getNorth()];")).buffer(-0.01)
        target = next(g for g in drawn.geometry if g.area > 0 and view.contains(g) and not blocked.intersects(g))
        near = drawn.loc[shapely.distance(drawn.geometry.values, target.centroid) < 0.003, "feature_id"]
        names = {f"地块{fid[1:]}" for fid in near}  # a large layer's tiles carry ids; the popup fetches the name
        assert popup_title(site, target.centroid) in names


def test_an_edit_moves_a_parcel_and_the_next_tile_draws_it_there(site, gpkg):
    grid = wgs84(shapely.box(*parcel_grid().total_bounds))
    blocked = others_drawn(site["app"], gpkg)
    west, south, east, north = grid.bounds
    spots = (shapely.Point(east + dx, south + dy) for dx in np.arange(0.03, 0.12, 0.01)
             for dy in np.arange(0.0, north - south, 0.01))
    spot = next(p for p in spots if not blocked.intersects(p.buffer(0.015)))
    moved = spot.buffer(0.008, cap_style="square")  # ~1.6 km: 24 px at z11
    driver = site["driver"]
    with viewport(driver, 1440, 900):
        before = open_map(site, shapely.Point((west + spot.x) / 2, spot.y))
        client = site["app"].test_client()
        auth = {"Authorization": f"Bearer {site['token']}"}
        etag = client.get(f"/collections/{LAYER}/items/{MOVED}", headers=auth).headers["ETag"]
        resp = client.patch(f"/collections/{LAYER}/items/{MOVED}", headers={**auth, "If-Match": etag},
                            json={"type": "Feature", "geometry": shapely.geometry.mapping(moved)})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        after = open_map(site, shapely.Point((west + spot.x) / 2, spot.y))  # the next page load
        assert after == before  # the same tiles, the same answers
        assert any(shapely.box(*TMS.bounds(a.x, a.y, a.z)).contains(spot) and status == 200
                   for a, status in after.items())  # the moved parcel's tile was loaded
        screenshot(driver, "pyramid-z11-edited")
        assert popup_title(site, spot) == "地块00000"
