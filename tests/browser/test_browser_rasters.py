"""Raster overlays on the map pages: which views carry which rasters, their legends, and (in headless Chromium)
that switching one on loads its tiles (all 200, none outside the raster) and shows its colour bar."""

from __future__ import annotations

import json
import re

import pytest
from browser_support import pytestmark as needs_chromium
from browser_support import wait_idle
from rio_tiler.colormap import cmap

VIEW_RASTERS = {"/": ["hub_access", "plan_zones", "terrain_cn"], "/map/planner": ["hub_access", "plan_zones"],
                "/map/investor": ["hub_access", "plan_zones"], "/map/logistics": ["terrain_cn"]}


def raster_options(html: str) -> dict:
    match = re.search(r'YiwuMap\.rasters\(map_\w+, (\{"rasters": .*?\})\);\n', html)
    assert match, "raster overlay control missing"
    return json.loads(match.group(1))


@pytest.mark.parametrize(("path", "expected"), list(VIEW_RASTERS.items()))
def test_each_view_offers_its_audiences_rasters(client, path, expected):
    resp = client.get(path)
    assert resp.status_code == 200 and resp.content_type.startswith("text/html")
    options = raster_options(resp.get_data(as_text=True))
    assert [r["id"] for r in options["rasters"]] == expected
    for raster in options["rasters"]:
        assert client.get(raster["tilejson"]).status_code == 200


def test_legends_carry_the_unit_and_the_colormap(client):
    options = raster_options(client.get("/map/planner?lang=en").get_data(as_text=True))
    hub, zones = options["rasters"]
    assert options["title"] == "Raster surfaces" and hub["legend"]["title"] == "Distance to nearest hub (km)"
    assert hub["legend"]["ticks"] == ["0", "15", "≥ 30 km"]
    first, last = cmap.get("viridis_r")[0], cmap.get("viridis_r")[255]
    assert hub["legend"]["gradient"].startswith(f"linear-gradient(to right, rgb({first[0]},{first[1]},{first[2]}) 0%")
    assert hub["legend"]["gradient"].endswith(f"rgb({last[0]},{last[1]},{last[2]}) 100%)")
    titles = [c["title"] for c in zones["legend"]["classes"]]
    assert {"Inside the second ring (266 km²)", "Yixi area (84 km²)", "World Capital of Light"} <= set(titles)


def tile_responses(driver) -> list[tuple[str, int]]:
    out = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.responseReceived" and "/tiles/" in msg["params"]["response"]["url"]:
            out.append((msg["params"]["response"]["url"], msg["params"]["response"]["status"]))
    return out


@needs_chromium
def test_switching_a_raster_on_loads_its_tiles_and_legend(browser, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/map/planner?lang=en")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!(window.YiwuMap && YiwuMap.map)"))
    browser.get_log("performance")
    assert not browser.find_elements(By.CSS_SELECTOR, ".yiwu-raster-legend")
    browser.find_element(By.CSS_SELECTOR, ".yiwu-dock-tab[data-tab=layers]").click()  # the panel's layer list
    box = browser.find_element(By.XPATH, "//label[.//span[@data-raster='hub_access']]//input")
    group = box.find_element(By.XPATH, "ancestor::div[contains(@class, 'leaflet-control-layers-group')]")
    assert "Raster surfaces" in group.text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)  # as a user scrolls the layer list
    box.click()
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "return document.querySelectorAll('.leaflet-tile-loaded').length > 0"))
    wait_idle(browser)
    tiles = tile_responses(browser)
    assert tiles and all(status == 200 for _, status in tiles), tiles
    assert all("/rasters/hub_access/tiles/" in url for url, _ in tiles)
    legend = browser.find_element(By.CSS_SELECTOR, ".yiwu-raster-legend")
    assert "Distance to nearest hub (km)" in legend.text and "≥ 30 km" in legend.text
    box.click()
    assert not browser.find_elements(By.CSS_SELECTOR, ".yiwu-raster-legend")
    assert not browser.execute_script("return YiwuMap.map.hasLayer(YiwuMap.rasterLayers.hub_access)")


@needs_chromium
def test_raster_tiles_follow_the_gcj02_basemap(browser, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/map/planner")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!(window.YiwuMap && YiwuMap.map)"))
    browser.find_element(By.CSS_SELECTOR, ".yiwu-dock-tab[data-tab=layers]").click()  # the panel's layer list
    box = browser.find_element(By.XPATH, "//label[.//span[@data-raster='hub_access']]//input")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)  # as a user scrolls the list
    box.click()
    WebDriverWait(browser, 20).until(tile_responses)
    radios = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base input[type=radio]")
    amap = next(r for r in radios if "GCJ-02" in r.find_element(By.XPATH, "..").text)
    amap.click()
    WebDriverWait(browser, 20).until(lambda d: any("datum=gcj02" in u for u, _ in tile_responses(d)))
    radios[0].click()
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "return Object.values(YiwuMap.rasterLayers.hub_access._layers)[0]._url.indexOf('datum') < 0"))
