"""The analysis panels of the audience maps in a real browser (harness: tests/browser_support.py):
the planner's site check (drawn with the mouse, or uploaded), the investor's park cards, filter and comparison,
and the logistics corridor popup's metrics and elevation profile. Values on the page are checked against the
API's JSON for the same input; no request leaves 127.0.0.1 and the console stays clean."""

from __future__ import annotations

import json
import re

import pyogrio
import pytest
import shapely
from browser_support import (  # noqa: F401  (pytestmark: skipped without chromium)
    NETWORK_SCHEMES,
    network_events,
    open_page,
    pytestmark,
    screenshot,
)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BAD_STATUS = "the server responded with a status of 400"  # the console notes every failed response
TOO_LARGE_STATUS = "the server responded with a status of 413"


def assert_stayed_offline(driver, base_url: str, allowed_errors: tuple[str, ...] = ()) -> None:
    """Since the last check: no request outside the app, and no console error but the allowed ones."""
    urls = [e["params"]["request"]["url"] for e in network_events(driver) if e["method"] == "Network.requestWillBeSent"]
    outside = [u for u in urls if u.startswith(NETWORK_SCHEMES) and not u.startswith(base_url + "/")]
    assert not outside, outside
    errors = [m["message"] for m in driver.get_log("browser") if m["level"] == "SEVERE"]
    assert not [m for m in errors if not any(a in m for a in allowed_errors)], errors


def wait_state(driver, selector: str, state: str = "done", timeout: float = 15):
    return WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f"{selector}[data-state={state}]"))


def grid_rows(driver, selector: str) -> list[list[str]]:
    """The data rows (header row left out) of a panel table, as cell texts."""
    return driver.execute_script("""
        return Array.prototype.slice.call(document.querySelectorAll(arguments[0] + ' tr'), 1).map(function (tr) {
          return Array.prototype.map.call(tr.children, function (c) { return c.textContent; }); });""", selector)


def draw_polygon(driver, offsets) -> None:
    driver.find_element(By.CSS_SELECTOR, ".leaflet-pm-icon-polygon").click()
    mapbox = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    actions = ActionChains(driver)
    for dx, dy in [*offsets, offsets[0]]:
        actions.move_to_element_with_offset(mapbox, dx, dy).click().pause(0.15)  # offsets from the centre
    actions.perform()


def yixi(gpkg):
    return pyogrio.read_dataframe(gpkg, layer="yixi_84").geometry[0]


def test_planner_drawn_polygon_in_yixi_gets_its_site_report(browser, base_url, client, gpkg):
    centre = yixi(gpkg).centroid
    open_page(browser, base_url, f"/map/planner#map=13/{centre.y:.5f}/{centre.x:.5f}")
    draw_polygon(browser, [(-40, -30), (40, -30), (40, 30), (-40, 30)])
    wait_state(browser, ".yiwu-site-report")
    drawn = browser.execute_script("return YiwuMap.drawingGeoJSON();")["features"][0]
    assert yixi(gpkg).contains(shapely.geometry.shape(drawn["geometry"]))
    expected = client.post("/analysis/site", json=drawn).get_json()
    zones = {row[0]: row for row in grid_rows(browser, ".yiwu-site-zones table")}
    assert float(zones["义西板块"][2]) == pytest.approx(100, abs=0.01)
    assert zones["义西板块"][3] == "§9" and zones["义西板块"][4] == "示意"
    hubs = grid_rows(browser, ".yiwu-site-hubs table")
    distances = [float(row[3]) for row in hubs]
    assert distances == sorted(distances) and len(hubs) == len(expected["hubs"]) == 9
    assert [row[0] for row in hubs] == [h["name_zh"] for h in expected["hubs"]]
    assert distances == [h["distance_km"] for h in expected["hubs"]]
    area = browser.find_element(By.CSS_SELECTOR, ".yiwu-site-summary tr[data-field=area_km2] td").text
    assert float(area) == expected["area_km2"]
    assert browser.find_element(By.CSS_SELECTOR, ".yiwu-site-summary tr[data-field=inside_yiwu] td").text == "是"
    screenshot(browser, "analysis-planner-site")
    assert_stayed_offline(browser, base_url)
    assert_printable_report_opens(browser, base_url)


def assert_printable_report_opens(browser, base_url):
    """The report's print button opens the bilingual HTML report (a POST) in a new window, in the page language."""
    main = browser.current_window_handle
    browser.find_element(By.CSS_SELECTOR, ".yiwu-site-print").click()
    WebDriverWait(browser, 10).until(lambda d: len(d.window_handles) == 2)
    browser.switch_to.window(next(h for h in browser.window_handles if h != main))
    try:
        # the new window's first document (about:blank) is replaced by the report: its body may go stale mid-read
        WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: "义西板块" in d.find_element(By.TAG_NAME, "body").text)
        assert "选址合规检查报告" in browser.find_element(By.TAG_NAME, "body").text
        # the screen's map: the city/county outlines, the zones in their catalog colours and the site
        WebDriverWait(browser, 10).until(lambda d: d.execute_script(
            "return document.querySelectorAll('#map path.leaflet-interactive, #map path').length") >= 3)
        strokes = browser.execute_script("return [...document.querySelectorAll('#map path')].map(p => p.getAttribute('stroke'))")
        assert "#d9480f" in strokes and "#ae3ec9" in strokes  # Yixi's catalog colour, the site's
        assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        browser.close()
        browser.switch_to.window(main)
    assert_stayed_offline(browser, base_url)


def test_the_planner_map_controls_speak_the_page_language_and_metres(browser, base_url):
    """The site check's upload is a button in the page language, not the browser's "Choose File" control; the scale
    bar has one line, in metres or kilometres (no miles)."""
    open_page(browser, base_url, "/map/planner")
    scales = [line.text for line in browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-scale-line")]
    assert len(scales) == 1 and re.fullmatch(r"\d+ k?m", scales[0]), scales
    box = browser.find_element(By.CSS_SELECTOR, ".yiwu-site-upload")
    assert box.find_element(By.TAG_NAME, "button").text == "选择文件…"
    assert box.find_element(By.CSS_SELECTOR, ".yiwu-site-upload-file").text == "未选择文件"
    assert not box.find_element(By.CSS_SELECTOR, "input[type=file]").is_displayed()
    assert "Choose" not in box.text and "No file" not in box.text


def test_uploaded_geojson_is_checked_and_400_413_errors_are_shown(browser, base_url, client, gpkg, tmp_path):
    site = {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(yixi(gpkg).buffer(-0.01)))}
    good, bad = tmp_path / "site.geojson", tmp_path / "bad.geojson"
    good.write_text(json.dumps(site))
    bad.write_text(json.dumps({"type": "Polygon", "coordinates": [[[500, 29], [501, 29], [501, 30], [500, 29]]]}))
    open_page(browser, base_url, "/map/planner?lang=en")
    assert browser.find_element(By.CSS_SELECTOR, ".yiwu-panel-head h2").text == "Site compliance check"
    chooser = browser.find_element(By.CSS_SELECTOR, ".yiwu-site-upload button")
    chosen = browser.find_element(By.CSS_SELECTOR, ".yiwu-site-upload-file")
    assert (chooser.text, chosen.text) == ("Choose a file…", "No file chosen")  # not the browser's own words
    upload = browser.find_element(By.CSS_SELECTOR, ".yiwu-site-upload input[type=file]")
    upload.send_keys(str(good))
    wait_state(browser, ".yiwu-site-report")
    assert chosen.text == "site.geojson"
    zones = {row[0]: row for row in grid_rows(browser, ".yiwu-site-zones table")}
    assert float(zones["Yixi area (west Yiwu)"][2]) == pytest.approx(100, abs=0.01)
    assert browser.execute_script("return !!YiwuMap.map.getBounds().contains([29.3, 119.97]);")
    upload.send_keys(str(bad))
    wait_state(browser, ".yiwu-site-report", "error")
    description = client.post("/analysis/site", data=bad.read_text()).get_json()["description"]
    assert browser.find_element(By.CSS_SELECTOR, ".yiwu-site-report .yiwu-a-error").text == \
        f"Analysis failed: {description}"
    screenshot(browser, "analysis-planner-upload-error")
    big = tmp_path / "big.geojson"
    big.write_text(json.dumps({"type": "LineString", "coordinates": [[120 + i * 1e-6, 29.3] for i in range(60_000)]}))
    assert big.stat().st_size > 1_000_000
    upload.send_keys(str(big))
    WebDriverWait(browser, 15).until(lambda d: "1,000,000 bytes" in d.find_element(By.CSS_SELECTOR, ".yiwu-site-report").text)
    too_large = client.post("/analysis/site", data=big.read_text())
    assert too_large.status_code == 413
    assert browser.find_element(By.CSS_SELECTOR, ".yiwu-a-error").text == \
        f"Analysis failed: {too_large.get_json()['description']}"
    assert_stayed_offline(browser, base_url, allowed_errors=(BAD_STATUS, TOO_LARGE_STATUS))


def park_value(park: dict, field: str) -> str:
    """A park's value as the cards and the comparison show it."""
    if field.startswith("distance_km."):
        return f"{park['distance_km'][field.split('.')[1]]:g}"
    if field == "industries":
        return park["industries_zh"] or "–"
    if field == "zones":
        return "; ".join(f"{z['name_zh']} {z['overlap_pct']:g}%" for z in park["zones"]) or "–"  # none: a dash
    value = park[field]
    return "–" if value is None else (f"{value:g}" if isinstance(value, float | int) else str(value))


def test_investor_compares_two_parks_side_by_side(browser, base_url, client):
    parks = client.get("/parks").get_json()["parks"]
    open_page(browser, base_url, "/map/investor")
    wait_state(browser, ".yiwu-parks-panel .yiwu-panel-body")
    cards = browser.find_elements(By.CSS_SELECTOR, ".yiwu-park-card")
    assert [c.get_attribute("data-park") for c in cards] == [p["id"] for p in parks]
    for box in browser.find_elements(By.CSS_SELECTOR, ".yiwu-park-card input[type=checkbox]"):
        box.click()
    browser.find_element(By.CSS_SELECTOR, ".yiwu-compare-button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yiwu-compare-table"))
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, ".yiwu-compare-table tr:first-child th")]
    assert headers == ["", *(p["name_zh"] for p in parks)]
    fields = browser.execute_script("""return Array.prototype.map.call(
        document.querySelectorAll('.yiwu-compare-table tr[data-field]'), function (tr) {
          return [tr.getAttribute('data-field')].concat(Array.prototype.map.call(tr.querySelectorAll('td'),
            function (td) { return td.textContent; })); });""")
    assert len(fields) == 10  # industries, two targets, area, four hub distances, zones, clause
    for row in fields:
        assert row[1:] == [park_value(p, row[0]) for p in parks], row[0]
    assert [r for r in fields if r[0] == "distance_km.airport"][0][1:] == \
        [f"{p['distance_km']['airport']:g}" for p in parks]
    screenshot(browser, "analysis-investor-compare")
    assert_stayed_offline(browser, base_url)


def test_industry_filter_keeps_and_highlights_matching_parks(browser, base_url, client):
    parks = client.get("/parks").get_json()["parks"]
    open_page(browser, base_url, "/map/investor")
    wait_state(browser, ".yiwu-parks-panel .yiwu-panel-body")
    wanted = next(p for p in parks if "半导体" in p["industries_zh"])
    select = browser.find_element(By.CSS_SELECTOR, ".yiwu-park-filter")
    browser.execute_script("arguments[0].value = '半导体'; arguments[0].dispatchEvent(new Event('change'));", select)
    shown = [c.get_attribute("data-park") for c in browser.find_elements(By.CSS_SELECTOR, ".yiwu-park-card")
             if c.is_displayed()]
    assert shown == [wanted["id"]]
    lit = browser.execute_script("""var out = [];
        Object.keys(YiwuMap.layers).forEach(function (id) { YiwuMap.layers[id].eachLayer(function (f) {
          if (f.yiwuHighlighted) { out.push([f.feature.id, f.getElement().classList.contains('yiwu-highlight')]); } }); });
        return out;""")
    assert lit == [[wanted["id"], True]]
    browser.execute_script("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('change'));", select)
    assert len([c for c in browser.find_elements(By.CSS_SELECTOR, ".yiwu-park-card") if c.is_displayed()]) == len(parks)
    assert browser.execute_script("return document.querySelectorAll('.yiwu-highlight').length;") == 0
    assert_stayed_offline(browser, base_url)


def test_logistics_panel_shows_madrid_metrics_and_profile(browser, base_url, client):
    metrics = client.get("/corridors/yxo_madrid/metrics").get_json()
    open_page(browser, base_url, "/map/logistics")
    box = browser.find_element(By.CSS_SELECTOR, ".yiwu-search input")
    box.send_keys("马德里")
    box.send_keys(Keys.ENTER)  # the route's popup opens, and the corridor panel shows its metrics
    section = wait_state(browser, ".yiwu-corridor-panel .yiwu-metrics")
    items = section.find_elements(By.CSS_SELECTOR, ".yiwu-metrics-countries li")
    assert [i.get_attribute("data-iso3") for i in items] == [c["iso3"] for c in metrics["countries"]]
    assert [i.get_attribute("data-iso3") for i in items][:3] == ["CHN", "KAZ", "RUS"]
    assert items[-1].text == f"西班牙 · {metrics['countries'][-1]['km']:g} km"
    rows = {tr.get_attribute("data-field"): tr.find_element(By.TAG_NAME, "td").text
            for tr in section.find_elements(By.CSS_SELECTOR, "tr[data-field]")}
    assert rows["length_km"] == f"{metrics['length_km']:g}"
    assert rows["published_length_km"] == f"{metrics['published_length_km']:g}"
    assert rows["difference"] == f"{metrics['difference_km']:g} km ({metrics['difference_pct']:g}%)"
    assert rows["border_crossing"] == metrics["border_crossing"].split(" (")[0]  # the Chinese of "中文 (English)"
    assert rows["transit_days"].startswith(f"{metrics['transit_days']:g} (")
    points = browser.execute_script(
        "return document.querySelector('.yiwu-corridor-panel svg.yiwu-profile polyline').points.numberOfItems;")
    assert points == len(metrics["elevation_profile"]) > 50
    screenshot(browser, "analysis-logistics-madrid")
    assert_stayed_offline(browser, base_url)


EVIL = '<img src=x onerror="window.yiwuXss = 1">'


def stub_fetch(driver, data: dict) -> None:
    """Every later fetch of the page answers `data` (values crafted to look like HTML)."""
    driver.execute_script("""var body = JSON.stringify(arguments[0]);
        window.fetch = function () { return Promise.resolve(new Response(body, {status: 200,
          headers: {'Content-Type': 'application/json'}})); };""", data)


def assert_rendered_as_text(driver, selector: str) -> None:
    texts = driver.execute_script("""var root = document.querySelector(arguments[0]);
        return [root.querySelectorAll('img').length, window.yiwuXss === undefined, root.textContent];""", selector)
    assert texts[0] == 0 and texts[1] and EVIL in texts[2]


def test_api_values_are_rendered_as_text_never_html(browser, base_url):
    named = {"name_zh": EVIL, "name_en": EVIL}
    open_page(browser, base_url, "/map/planner")
    stub_fetch(browser, {"area_km2": 1, "inside_yiwu": True, "plan_clauses": [EVIL], "note": EVIL,
                         "zones": [{**named, "layer": "yixi_84", "id": "x", "overlap_km2": 1, "overlap_pct": 100,
                                    "plan_ref": EVIL, "accuracy": EVIL}],
                         "hubs": [{**named, "id": "h", "port_type": EVIL, "status": EVIL, "distance_km": 1}],
                         "nearest_corridor": {**named, "id": "c", "distance_km": 0}})
    browser.execute_script("return YiwuMap.analysis.analyseSite({type: 'Point', coordinates: [120, 29.3]});")
    wait_state(browser, ".yiwu-site-report")
    assert_rendered_as_text(browser, ".yiwu-site-panel")
    open_page(browser, base_url, "/map/investor")
    wait_state(browser, ".yiwu-parks-panel .yiwu-panel-body")
    park = {**named, "id": EVIL, "industries_zh": EVIL, "industries_en": EVIL, "target_output_2025_yi_yuan": EVIL,
            "target_semiconductor_2025_yi_yuan": None, "area_km2": 1, "plan_ref": EVIL,
            "distance_km": dict.fromkeys(("airport", "rail_port", "land_port", "sea_port"), EVIL),
            "zones": [{**named, "overlap_pct": EVIL}]}
    stub_fetch(browser, {"parks": [park, park]})
    for box in browser.find_elements(By.CSS_SELECTOR, ".yiwu-park-card input[type=checkbox]"):
        box.click()
    browser.find_element(By.CSS_SELECTOR, ".yiwu-compare-button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yiwu-compare-table"))
    assert_rendered_as_text(browser, ".yiwu-compare-result")
    assert_stayed_offline(browser, base_url)
