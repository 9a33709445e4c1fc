"""A 100,000-parcel layer added through the documented catalog path is drawn on the planner map from its vector
tiles: the page never loads it whole, panning with the mouse loads new tiles, and a real mouse click on a parcel
opens its popup with the fields the data API gives for it."""

from __future__ import annotations

import re
import shutil

import pyogrio
import pytest
import shapely
from browser_support import chromium, network_events, pytestmark, screenshot, serve, wait_idle, wait_popup  # noqa: F401
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from bench.parcels import catalog_entry, parcels
from geo.build.pipeline import build
from geo.core.settings import load_settings
from server import create_app

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
COUNT = 100_000
TILE_RE = re.compile(r"/collections/parcels/tiles/WebMercatorQuad/(\d+)/(\d+)/(\d+)$")


@pytest.fixture(scope="module")
def parcel_site(tmp_path_factory, data_dir):
    """The session's data plus 100,000 parcels (GeoPackage in EPSG:4549 + catalog entry), built and served."""
    import yaml

    root = tmp_path_factory.mktemp("parcels")
    shutil.copytree(data_dir / "sources", root / "data" / "sources")
    shutil.copytree(ROOT / "layers" / "catalog", root / "catalog")
    pyogrio.write_dataframe(parcels(COUNT), root / "data" / "sources" / "parcels.gpkg", layer="parcels", driver="GPKG")
    (root / "catalog" / "parcels.yaml").write_text(
        yaml.safe_dump(catalog_entry("parcels", "sources/parcels.gpkg"), allow_unicode=True), encoding="utf-8")
    settings = load_settings({"data_dir": root / "data", "catalog_dir": root / "catalog"})
    build(settings)
    app = create_app({"TESTING": True, "DATA_DIR": root / "data", "CATALOG_DIR": root / "catalog"})
    with serve(app) as url, chromium() as driver:
        yield url, driver, app, settings.gpkg


def clear_parcel(gpkg, app) -> shapely.Point:
    """A point inside a parcel, 300 m or more from every other feature the planner map draws (so the parcel is
    what the mouse reaches), found with shapely, independently of the page."""
    catalog = app.extensions["yiwu"].catalog
    others = [pyogrio.read_dataframe(gpkg, layer=lay.id).geometry for lay in catalog.for_audience("planner")
              if lay.id != "parcels" and lay.role != "boundary"]
    blocked = shapely.union_all([shapely.union_all(g.values) for g in others]).buffer(0.003)
    candidates = pyogrio.read_dataframe(gpkg, layer="parcels", bbox=(120.15, 29.2, 120.25, 29.3))
    for geom in candidates.geometry:
        point = geom.representative_point()
        if not blocked.contains(point) and geom.area > 0:
            return point
    raise AssertionError("no parcel clear of the other layers")


def tile_requests(driver) -> list[tuple[int, int, int]]:
    return [tuple(int(v) for v in TILE_RE.search(e["params"]["request"]["url"]).groups())
            for e in network_events(driver) if e["method"] == "Network.requestWillBeSent"
            and TILE_RE.search(e["params"]["request"]["url"])]


def test_the_parcels_are_drawn_from_tiles_pan_and_click(parcel_site):
    url, driver, app, gpkg = parcel_site
    target = clear_parcel(gpkg, app)
    driver.set_window_size(1440, 900)
    driver.get("about:blank")  # a run again loads the page anew: the same URL but the hash is no navigation
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})  # and fetches its tiles, not the last run's
    driver.get_log("performance")
    driver.get(f"{url}/map/planner#map=17/{target.y:.6f}/{target.x:.6f}")
    wait_idle(driver, 20)
    first = tile_requests(driver)
    assert any(z == 17 for z, _, _ in first), first
    items = [e["params"]["request"]["url"] for e in network_events(driver)]
    assert not any("/collections/parcels/items?" in u for u in items)  # the layer is never loaded whole
    map_el = driver.find_element(By.CSS_SELECTOR, ".folium-map")
    ActionChains(driver).move_to_element(map_el).click().perform()  # the map is centred on the parcel
    title = wait_popup(driver).find_element(By.CSS_SELECTOR, ".yiwu-popup-title").text
    lon, lat = target.x, target.y
    expected = app.test_client().get(
        "/collections/parcels/items?filter=" + f"S_INTERSECTS(geometry,POINT({lon} {lat}))").get_json()["features"]
    assert len(expected) == 1 and title == expected[0]["properties"]["name_zh"]
    assert expected[0]["properties"]["landuse_zh"] in driver.find_element(By.CSS_SELECTOR, ".leaflet-popup").text
    screenshot(driver, "tiles-parcels-popup")
    driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-close-button").click()
    ActionChains(driver).move_to_element_with_offset(map_el, 200, 0).click_and_hold().move_by_offset(-600, -300) \
        .release().perform()
    wait_idle(driver)
    panned = set(tile_requests(driver)) - set(first)
    assert panned, "panning asked for no new tile"
