"""The four map pages in a real browser: Debian's headless Chromium driven by Selenium + chromedriver.

The app is served by waitress on a free 127.0.0.1 port from the session's temp data. Every request
outside 127.0.0.1 is blocked (host names resolve to nothing but 127.0.0.1, and everything not loopback
goes to a dead proxy, IP literals included) and the DevTools performance log proves none was attempted. Screenshots go to tests/artifacts/ (ignored by git)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from browser_support import (  # noqa: F401  (pytestmark: skipped without chromium)
    NETWORK_SCHEMES,
    PAGES,
    expected_layers,
    feature_count,
    network_events,
    open_page,
    pytestmark,
    screenshot,
    show_tab,
    toggle,
    wait_popup,
)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# What each page shows, written here from README "Pages" and read from the catalog files — not from the code that
# builds the pages: the overview shows every layer and raster, an audience's page those whose `audiences` name it;
# boundary levels off when a page opens (loaded when switched on).
AUDIENCE = {"overview": None, "planner": "planner", "investor": "investor", "logistics": "logistics"}
OFF_AT_LOAD = {"overview": {"country", "province"}, "logistics": {"province"}}


def entries(folder: str) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "layers" / folder).glob("*.yaml"))]


def on_page(entry: dict, view_id: str) -> bool:
    return AUDIENCE[view_id] is None or AUDIENCE[view_id] in entry.get("audiences", [])


def on_at_load(entry: dict, view_id: str) -> bool:
    return entry.get("role") != "boundary" or entry.get("boundary_level") not in OFF_AT_LOAD.get(view_id, ())


@pytest.mark.parametrize("view_id", list(PAGES))
def test_page_loads_offline_with_its_overlays(app, browser, base_url, view_id):
    load = open_page(browser, base_url, PAGES[view_id])
    screenshot(browser, f"{view_id}-zh")
    outside = [u for u in load["requests"] if u.startswith(NETWORK_SCHEMES) and not u.startswith(base_url + "/")]
    assert load["requests"] and not outside, outside
    assert not load["failed"], load["failed"]
    assert not load["errors"], [m["message"] for m in load["errors"]]
    expected = [e for e in entries("catalog") if on_page(e, view_id)]
    offered = [r["id"] for r in entries("rasters") if on_page(r, view_id)]
    overlays = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays input[type=checkbox]")
    rasters = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays span[data-raster]")
    assert len(overlays) == len(expected) + len(offered)
    assert sorted(r.get_attribute("data-raster") for r in rasters) == sorted(offered)
    registered = browser.execute_script("return Object.keys(YiwuMap.layers);")
    assert sorted(registered) == sorted(e["id"] for e in expected)
    for entry in expected:
        assert (feature_count(browser, entry["id"]) > 0) == on_at_load(entry, view_id), entry["id"]
    assert browser.find_elements(By.CSS_SELECTOR, ".yiwu-dock .yiwu-legend")
    assert browser.title.endswith(browser.execute_script("return document.querySelector('nav a.active').textContent"))
    print(f"\n{view_id}: {load['bytes']} bytes over the wire, load {load['load_ms']:.0f} ms, "
          f"{len(load['requests'])} requests")


@pytest.mark.parametrize("view_id", list(PAGES))
def test_toggling_a_layer_hides_and_shows_its_features(app, browser, base_url, view_id):
    open_page(browser, base_url, PAGES[view_id])
    layer = next(x for x in expected_layers(app, view_id) if x.group != "context")
    before = feature_count(browser, layer.id)
    assert before > 0
    show_tab(browser, "layers")  # the legend and the layer list
    row = browser.find_element(By.CSS_SELECTOR, f".yiwu-legend-row[data-layer={layer.id}]")
    assert row.is_displayed()
    toggle(browser, layer.title("zh"))
    assert feature_count(browser, layer.id) == 0 and not row.is_displayed()
    toggle(browser, layer.title("zh"))
    assert feature_count(browser, layer.id) == before and row.is_displayed()
    screenshot(browser, f"{view_id}-toggled")


def test_hidden_base_layer_is_fetched_when_switched_on(app, browser, base_url):
    load = open_page(browser, base_url, "/")
    assert not any("/collections/world_countries/items" in u for u in load["requests"])  # the basemap reads its tiles
    title = app.extensions["yiwu"].catalog["world_countries"].title("zh")
    toggle(browser, title)
    WebDriverWait(browser, 10).until(lambda d: feature_count(d, "world_countries") > 100)
    toggle(browser, title)
    assert feature_count(browser, "world_countries") == 0


@pytest.mark.parametrize("view_id", list(PAGES))
def test_english_page_has_english_titles(app, browser, base_url, view_id):
    load = open_page(browser, base_url, PAGES[view_id] + "?lang=en")
    assert not load["errors"]
    screenshot(browser, f"{view_id}-en")
    assert browser.title.startswith("Yiwu 14th Five-Year Plan map")
    show_tab(browser, "layers")
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label span")]
    for layer in expected_layers(app, view_id):
        assert layer.title("en") in labels
    legend = browser.find_element(By.CSS_SELECTOR, ".yiwu-legend").text
    assert "Legend" in legend and "图例" not in legend


@pytest.mark.parametrize("lang, query", [("zh", "义西"), ("en", "Yixi")])
def test_search_pans_to_yixi_and_opens_its_popup(browser, base_url, lang, query):
    open_page(browser, base_url, "/map/planner" + ("?lang=en" if lang == "en" else ""))
    browser.execute_script("YiwuMap.map.setView([40, 60], 4, {animate: false});")
    box = browser.find_element(By.CSS_SELECTOR, ".yiwu-search input")
    box.send_keys(query)
    assert query.lower() in browser.find_element(By.CSS_SELECTOR, ".yiwu-search-hit").text.lower()
    box.send_keys(Keys.ENTER)
    title = wait_popup(browser).find_element(By.CSS_SELECTOR, ".yiwu-popup-title")
    assert title.text == ("义西板块" if lang == "zh" else "Yixi area (west Yiwu)")
    assert "2025" in browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content").text
    centre = browser.execute_script("var c = YiwuMap.map.getCenter(); return [c.lat, c.lng];")
    assert 29.1 < centre[0] < 29.5 and 119.8 < centre[1] < 120.3
    links = browser.find_elements(By.CSS_SELECTOR, ".leaflet-popup .yiwu-popup-downloads a")
    assert [a.text for a in links] == ["GeoJSON", "CSV", "GeoPackage", "Shapefile", "FlatGeobuf"]
    assert links[3].get_attribute("href") == base_url + "/collections/yixi_84/items?f=shp&limit=10000"
    screenshot(browser, f"search-{lang}")


def test_drawing_a_polygon_yields_geojson_with_its_area(browser, base_url):
    open_page(browser, base_url, "/map/planner")
    browser.find_element(By.CSS_SELECTOR, ".leaflet-pm-icon-polygon").click()
    mapbox = browser.find_element(By.CSS_SELECTOR, ".leaflet-container")
    actions = ActionChains(browser)
    for dx, dy in [(-100, -60), (100, -60), (100, 80), (-100, 80), (-100, -60)]:
        actions.move_to_element_with_offset(mapbox, dx - 60, dy).click().pause(0.15)  # offsets from the centre
    actions.perform()
    data = browser.execute_script("return YiwuMap.drawingGeoJSON();")
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 1
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "Polygon" and len(feature["geometry"]["coordinates"][0]) == 5
    assert feature["properties"]["area_m2"] > 1e6
    tooltips = browser.execute_script(  # read at once: hover tooltips come and go under the pointer
        "return Array.from(document.querySelectorAll('.leaflet-tooltip-pane .leaflet-tooltip'), t => t.textContent);")
    assert any("km²" in t for t in tooltips), tooltips
    screenshot(browser, "draw-polygon")


def test_permalink_keeps_view_layers_and_language(app, browser, base_url):
    open_page(browser, base_url, "/map/planner#map=12/29.30000/120.00000&layers=yixi_84&lang=en")
    assert browser.title.startswith("Yiwu")
    state = browser.execute_script(
        "var c = YiwuMap.map.getCenter(); return [YiwuMap.map.getZoom(), c.lat, c.lng, location.hash];")
    assert state[0] == 12 and abs(state[1] - 29.3) < 1e-3 and abs(state[2] - 120.0) < 1e-3
    assert feature_count(browser, "yixi_84") > 0 and feature_count(browser, "second_ring_266") == 0
    assert "layers=yixi_84&lang=en" in state[3]


def test_tools_are_on_every_page(browser, base_url):
    open_page(browser, base_url, "/")
    for selector in (".leaflet-control-zoom-fullscreen", ".leaflet-control-minimap", ".leaflet-control-scale",
                     ".yiwu-coords", ".yiwu-search", ".leaflet-pm-toolbar", ".yiwu-download"):
        assert browser.find_elements(By.CSS_SELECTOR, selector), selector
    mapbox = browser.find_element(By.CSS_SELECTOR, ".leaflet-container")
    ActionChains(browser).move_to_element_with_offset(mapbox, 10, 10).perform()
    assert "," in browser.find_element(By.CSS_SELECTOR, ".yiwu-coords-value").text


def test_amap_basemap_shifts_overlays_to_gcj02_and_back(browser, base_url):
    from geo.core.crs import wgs84_to_gcj02

    open_page(browser, base_url, "/map/planner#map=14/29.30000/120.00000")
    show_tab(browser, "layers")
    radios = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base input[type=radio]")
    assert len(radios) == 3 and radios[0].is_selected()  # offline base on; OSM and AMap offered; no Tianditu key
    browser.get_log("performance")
    browser.find_element(By.XPATH, "//label[span[contains(., 'GCJ-02')]]//input").click()
    state = browser.execute_script("""
        var m = YiwuMap.map, g = YiwuMap.toGcj02(29.3, 120.0), z = m.getZoom();
        var expected = L.CRS.EPSG3857.latLngToPoint(L.latLng(g[0], g[1]), z).subtract(m.getPixelOrigin());
        var unshifted = L.CRS.EPSG3857.latLngToPoint(L.latLng(29.3, 120.0), z).subtract(m.getPixelOrigin());
        return {crs: m.options.crs.code, g: g, at: m.latLngToLayerPoint([29.3, 120.0]), expected: expected,
                shift: expected.distanceTo(unshifted),
                center: [m.getCenter().lat, m.getCenter().lng]};""")
    lon, lat = wgs84_to_gcj02([120.0], [29.3])
    assert abs(state["g"][0] - lat[0]) < 1e-9 and abs(state["g"][1] - lon[0]) < 1e-9
    assert state["crs"] == "GCJ02-3857"
    assert abs(state["at"]["x"] - state["expected"]["x"]) < 0.5 and abs(state["at"]["y"] - state["expected"]["y"]) < 0.5
    assert abs(state["center"][0] - 29.3) < 1e-4 and abs(state["center"][1] - 120.0) < 1e-4  # centre stays WGS84
    hosts = {u.split("/")[2] for u in [e["params"]["request"]["url"] for e in network_events(browser)
                                       if e["method"] == "Network.requestWillBeSent"] if u.startswith("https:")}
    assert hosts and all(h.endswith(".is.autonavi.com") for h in hosts), hosts  # only the picked basemap
    radios[0].click()
    after = browser.execute_script("""
        var m = YiwuMap.map, plain = L.CRS.EPSG3857.latLngToPoint(L.latLng(29.3, 120.0), m.getZoom());
        return [m.options.crs.code, m.latLngToLayerPoint([29.3, 120.0]), plain.subtract(m.getPixelOrigin())];""")
    assert after[0] == "EPSG:3857" and abs(after[1]["x"] - after[2]["x"]) < 0.5
    assert 30 < state["shift"] < 80  # 300-600 m at zoom 14 (8.3 m per pixel here): overlays moved with AMap
    screenshot(browser, "amap-back-to-offline")


def set_slider(driver, index: int) -> None:
    driver.execute_script("""var s = document.querySelector('.yiwu-time input'); s.value = arguments[0];
                             s.dispatchEvent(new Event('input'));""", index)


def test_time_slider_shows_what_exists_by_each_milestone(browser, base_url):
    open_page(browser, base_url, "/map/planner")
    counts = {i: feature_count(browser, i) for i in ("logistics_hubs", "corridors", "yixi_84", "yiwu_boundary")}
    assert counts["logistics_hubs"] == 9 and counts["yixi_84"] == 1
    show_tab(browser, "tools")
    set_slider(browser, 0)
    assert browser.find_element(By.CSS_SELECTOR, ".yiwu-time-value").text == "≤ 2020"
    assert feature_count(browser, "logistics_hubs") == 6 and feature_count(browser, "yixi_84") == 0
    assert feature_count(browser, "yiwu_boundary") == counts["yiwu_boundary"]  # no year: always there
    screenshot(browser, "time-2020")
    set_slider(browser, 2)
    assert feature_count(browser, "yixi_84") == 1 and feature_count(browser, "corridors") < counts["corridors"]
    set_slider(browser, 3)
    assert {i: feature_count(browser, i) for i in counts} == counts


def test_swipe_compares_two_layers_side_by_side(browser, base_url):
    open_page(browser, base_url, "/map/planner#map=12/29.31000/120.06000")
    show_tab(browser, "tools")
    selects = browser.find_elements(By.CSS_SELECTOR, ".yiwu-swipe select")
    browser.execute_script("arguments[0].value = 'yixi_84'; arguments[1].value = 'second_ring_266';", *selects)
    browser.find_element(By.CSS_SELECTOR, ".yiwu-swipe button").click()
    panes = browser.execute_script("""
        return ['yixi_84', 'second_ring_266'].map(function (id) {
          var path = document.querySelector('.yiwu-f-' + id);
          return path.closest('.leaflet-pane').className + '|' + path.closest('.leaflet-pane').style.clip; });""")
    assert "yiwuSwipeLeft" in panes[0] and "yiwuSwipeRight" in panes[1] and "rect(" in panes[0]
    browser.execute_script("YiwuMap.swipe.set(0.25);")
    left, right = browser.execute_script("""return [YiwuMap.map.getPane('yiwuSwipeLeft').getBoundingClientRect(),
        document.querySelector('.yiwu-swipe-range').value];""")
    assert right == "0.25"
    clip = browser.execute_script("return YiwuMap.map.getPane('yiwuSwipeLeft').style.clip;")
    edge = browser.execute_script("return YiwuMap.map.containerPointToLayerPoint([YiwuMap.map.getSize().x / 4, 0]).x;")
    assert f"{edge:g}px" in clip.replace(".0px", "px")
    screenshot(browser, "swipe")
    browser.find_element(By.CSS_SELECTOR, ".yiwu-swipe button").click()
    assert browser.execute_script(
        "return document.querySelector('.yiwu-f-yixi_84').closest('.leaflet-pane').className;").find("overlay") >= 0
    assert feature_count(browser, "yixi_84") == 1 and not browser.find_elements(By.CSS_SELECTOR, ".yiwu-swipe-range")
