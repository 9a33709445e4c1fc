"""Maps people use every day, in headless Chromium (harness: tests/browser_support.py): a real mouse click reaches the
feature drawn where it falls (never a boundary under it), and where features overlap a chooser lists them; the
layout leaves the map most of the page with no control over another at phone, tablet and desktop sizes; the offline
basemap draws land, sea, boundaries and names, an online basemap that cannot load says so, and the office basemap is
offered only when the server has one; the logistics corridor panel; search by place, feature and coordinates; the
time slider's years and the rasters' opacity.

Where to click is computed here from the built GeoPackage with shapely — a point inside the feature, far enough from
every other feature of the page — and turned into a screen position by the page's own latLngToContainerPoint."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyogrio
import pytest
import shapely
import yaml
from browser_support import (  # noqa: F401  (pytestmark: skipped without chromium)
    PAGES,
    SIZES,
    chromium,
    click_at,
    expected_layers,
    feature_count,
    network_events,
    open_page,
    pytestmark,
    screen_point,
    screenshot,
    serve,
    show_tab,
    viewport,
    wait_idle,
    wait_popup,
)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from webmap.i18n import HTML_LANGS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BASE_ROLES = ("boundary",)
TARGET_ROLES = ("park", "zone", "hub", "corridor")
ZOOMS = {"park": 13, "zone": 12, "hub": 14, "corridor": 11}
WORLD_CORRIDOR_ZOOM = 5  # the logistics map's routes, at a scale where the rail trunks are told apart


def degrees_per_px(zoom: int) -> float:
    """Degrees of longitude per screen pixel of Web Mercator at a zoom (at most that many of latitude)."""
    return 360 / (256 * 2**zoom)


def page_frames(gpkg, app, view_id: str) -> dict:
    """The features of every layer of a page, read from the GeoPackage."""
    return {lay.id: pyogrio.read_dataframe(gpkg, layer=lay.id) for lay in expected_layers(app, view_id)}


def candidates(geom) -> list:
    """Points inside an area (a grid), along a line, or the point itself."""
    if geom.geom_type.endswith("Point"):
        return [shapely.get_point(geom, 0) if geom.geom_type == "MultiPoint" else geom]
    if geom.geom_type.endswith("LineString"):
        return [geom.interpolate(f, normalized=True) for f in [i / 60 for i in range(2, 59)]]
    x0, y0, x1, y1 = geom.bounds
    grid = [shapely.Point(x0 + (x1 - x0) * i / 12, y0 + (y1 - y0) * j / 12) for i in range(1, 12) for j in range(1, 12)]
    return [geom.representative_point()] + [p for p in grid if geom.contains(p)]


KINDS = ("point", "line", "polygon")  # what a click reaches first: points over lines over areas


def clear_spot(frames: dict, app, layer_id: str, zoom: int, px: float = 16, inside: tuple[str, ...] = (),
               where=None) -> tuple[dict, shapely.Point]:
    """A feature of a layer and a point of it at least `px` screen pixels (at `zoom`) from every other feature of the
    page a click there could mean instead (boundaries never; points for a point; points and lines for a line) — or
    inside the features of `inside` (layer ids) and clear of all others."""
    catalog = app.extensions["yiwu"].catalog
    margin = px * degrees_per_px(zoom)
    target = frames[layer_id]
    rivals = KINDS[:KINDS.index(catalog[layer_id].geometry) + 1]
    for i, row in target.iterrows():
        if where is not None and not where(row):
            continue
        others = [g for lid, frame in frames.items() if catalog[lid].role not in BASE_ROLES and lid not in inside
                  and catalog[lid].geometry in rivals
                  for j, g in enumerate(frame.geometry) if not (lid == layer_id and j == i)]
        blocked = shapely.union_all([g.buffer(margin) for g in others])
        must = shapely.intersection_all([frames[lid].geometry.union_all() for lid in inside]) if inside else None
        for point in candidates(row.geometry):
            if not blocked.contains(point) and (must is None or must.buffer(-margin).contains(point)):
                return row.to_dict(), point
    raise AssertionError(f"no point of {layer_id} clear of the other features at zoom {zoom}")


def center_on(driver, point: shapely.Point, zoom: int) -> None:
    driver.execute_script("YiwuMap.map.closePopup(); YiwuMap.map.setView([arguments[0], arguments[1]], arguments[2],"
                          " {animate: false});", point.y, point.x, zoom)
    wait_idle(driver)


def popup_title(driver, timeout: float = 5) -> str:
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup .yiwu-popup-title"))
    wait_popup(driver, timeout)
    return driver.find_element(By.CSS_SELECTOR, ".leaflet-popup .yiwu-popup-title").text


def rects(driver, selector: str) -> list[dict]:
    """The drawn boxes of the elements a selector finds (display:none and empty ones left out)."""
    return driver.execute_script("""return Array.from(document.querySelectorAll(arguments[0])).filter(function (n) {
          var r = n.getBoundingClientRect(); return n.getClientRects().length && r.width > 0 && r.height > 0; })
        .map(function (n) { var r = n.getBoundingClientRect();
          return {name: (n.className.baseVal !== undefined ? n.className.baseVal : n.className) || n.tagName,
                  left: r.left, top: r.top, right: r.right, bottom: r.bottom}; });""", selector)


def overlap(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (a["left"] < b["right"] - slack and b["left"] < a["right"] - slack and a["top"] < b["bottom"] - slack
            and b["top"] < a["bottom"] - slack)


CONTROLS = ".leaflet-control-container .leaflet-control"  # the controls on the map (the layer list is in the panel)


def assert_popup_clear_of_controls(driver) -> None:
    popup = rects(driver, ".leaflet-popup-content-wrapper")
    assert popup, "no popup"
    hit = [c["name"] for c in rects(driver, CONTROLS) if overlap(popup[0], c)]
    assert not hit, f"the popup lies over {hit}"
    box = driver.execute_script("var r = YiwuMap.map.getContainer().getBoundingClientRect();"
                                "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};")
    p = popup[0]
    assert p["left"] >= box["left"] and p["right"] <= box["right"] and p["top"] >= box["top"], (p, box)


def assert_no_focus_box(driver) -> None:
    """No outline around a shape the mouse clicked (keyboard focus keeps :focus-visible)."""
    style = driver.execute_script("""var a = document.activeElement;
        return a && a.namespaceURI === 'http://www.w3.org/2000/svg' ? getComputedStyle(a).outlineStyle : 'none';""")
    assert style == "none"


CODED = ("status", "plan_status", "mode", "port_type", "accuracy", "four_ports", "region")


def words_not_codes(driver) -> None:
    """The open popup names its fields and coded values in words, never a code such as plan_status or rail_port."""
    rows = driver.execute_script("""return Array.from(document.querySelectorAll('.leaflet-popup tr[data-field]'),
        r => [r.getAttribute('data-field'), r.querySelector('th') ? r.querySelector('th').textContent : '',
              r.querySelector('td').textContent]);""")
    assert rows
    assert not [label for _, label, _ in rows if "_" in label], rows
    coded = [(field, value) for field, _, value in rows if field in CODED]
    assert not [c for c in coded if re.fullmatch(r"[a-z][a-z_-]*", c[1])], coded


# --- hit-testing -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("view_id", list(PAGES))
def test_a_click_opens_the_feature_drawn_under_the_mouse(app, browser, base_url, gpkg, view_id):
    """On each page, a real click inside a park, a zone, on a hub and on a corridor (those the page shows) opens that
    feature's popup — not the popup of the county, city or country drawn under it."""
    catalog = app.extensions["yiwu"].catalog
    frames = page_frames(gpkg, app, view_id)
    targets = {}
    for role in TARGET_ROLES:
        layer = next((lay for lay in expected_layers(app, view_id) if lay.role == role), None)
        if layer:
            targets[role] = layer.id
    assert "hub" in targets and ("corridor" in targets or "park" in targets)
    with viewport(browser, 1440, 900):
        open_page(browser, base_url, PAGES[view_id])
        for role, layer_id in targets.items():
            zoom = WORLD_CORRIDOR_ZOOM if role == "corridor" and view_id == "logistics" else ZOOMS[role]
            rail = (lambda row: row.get("mode") == "rail") if role == "corridor" and view_id == "logistics" else None
            props, point = clear_spot(frames, app, layer_id, zoom, px=26 if role == "hub" else 16, where=rail)
            center_on(browser, point, zoom)
            if not browser.execute_script("return YiwuMap.map.hasLayer(YiwuMap.layers[arguments[0]])", layer_id):
                browser.execute_script("YiwuMap.map.addLayer(YiwuMap.layers[arguments[0]])", layer_id)
            click_at(browser, *screen_point(browser, point.y, point.x))
            title = popup_title(browser)
            assert title == props["name_zh"], (view_id, role, layer_id, title)
            assert not browser.find_elements(By.CSS_SELECTOR, ".leaflet-popup .yiwu-chooser")
            assert_no_focus_box(browser)
            assert_popup_clear_of_controls(browser)
            words_not_codes(browser)
            assert catalog[layer_id].role == role
            screenshot(browser, f"click-{view_id}-{role}")


def test_where_two_areas_overlap_a_chooser_lists_them(app, browser, base_url, gpkg):
    """Inside both the Yixi area and the second ring, a click offers both; picking one opens its popup."""
    frames = page_frames(gpkg, app, "planner")
    zones = [lay.id for lay in expected_layers(app, "planner") if lay.role == "zone" and lay.geometry == "polygon"]
    assert len(zones) >= 2
    props, point = clear_spot(frames, app, zones[0], 12, inside=tuple(zones[:2]))
    with viewport(browser, 1440, 900):
        open_page(browser, base_url, "/map/planner")
        center_on(browser, point, 12)
        click_at(browser, *screen_point(browser, point.y, point.x))
        items = wait_popup(browser).find_elements(By.CSS_SELECTOR, ".yiwu-chooser-item")
        assert sorted(i.get_attribute("data-layer") for i in items) == sorted(zones[:2])
        assert "2" in browser.find_element(By.CSS_SELECTOR, ".yiwu-chooser-title").text
        screenshot(browser, "click-chooser")
        next(i for i in items if i.get_attribute("data-layer") == zones[0]).click()
        assert popup_title(browser) == props["name_zh"]
        assert browser.execute_script(  # the chosen area is marked on the map while its popup is open
            "return document.querySelectorAll('path.yiwu-selected.yiwu-f-' + arguments[0]).length", zones[0]) == 1


def test_overlapping_routes_are_offered_and_the_pick_fills_the_corridor_panel(app, browser, base_url, gpkg):
    """Where several rail routes share a trunk, a click offers each; the one picked is the corridor panel's."""
    corridors = next(lay.id for lay in expected_layers(app, "logistics") if lay.role == "corridor")
    frame = pyogrio.read_dataframe(gpkg, layer=corridors)
    rail = frame[frame["mode"] == "rail"]
    shared = None
    for geom in rail.geometry:
        for point in candidates(geom):
            near = [fid for fid, g in zip(rail["feature_id"], rail.geometry, strict=True)
                    if g.distance(point) < 2 * degrees_per_px(5)]
            if len(near) >= 3:
                shared = (point, near)
                break
        if shared:
            break
    assert shared, "no shared rail trunk"
    point, near = shared
    with viewport(browser, 1440, 900):
        open_page(browser, base_url, "/map/logistics")
        center_on(browser, point, 5)
        click_at(browser, *screen_point(browser, point.y, point.x))
        items = wait_popup(browser).find_elements(By.CSS_SELECTOR, ".yiwu-chooser-item")
        names = [i.find_element(By.CSS_SELECTOR, ".yiwu-chooser-name").text for i in items]
        expected = set(rail[rail["feature_id"].isin(near)]["name_zh"])
        assert expected <= set(names) and not any("哈萨克斯坦" in n for n in names), names
        screenshot(browser, "click-route-chooser")
        chosen = items[1]
        name = chosen.find_element(By.CSS_SELECTOR, ".yiwu-chooser-name").text
        chosen.click()
        assert popup_title(browser) == name
        panel = WebDriverWait(browser, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, ".yiwu-corridor-details .yiwu-metrics[data-state=done]"))
        assert browser.find_element(By.CSS_SELECTOR, ".yiwu-corridor-title").text == name
        assert panel.find_elements(By.CSS_SELECTOR, ".yiwu-metrics-countries li")


# --- layout ------------------------------------------------------------------------------------------------------

LAYOUT_PAGES = [(view_id, lang) for view_id in PAGES for lang in ("zh",)] + [("planner", "en"), ("logistics", "en")]


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("view_id, lang", LAYOUT_PAGES, ids=[f"{v}-{lang}" for v, lang in LAYOUT_PAGES])
def test_the_map_takes_most_of_the_page_and_nothing_overlaps(browser, base_url, view_id, lang, width, height):
    with viewport(browser, width, height):
        load = open_page(browser, base_url, PAGES[view_id] + ("?lang=en" if lang == "en" else ""))
        assert not load["errors"], [m["message"] for m in load["errors"]]
        wait_idle(browser)
        screenshot(browser, f"layout-{view_id}{'-en' if lang == 'en' else ''}-{width}x{height}")
        sheet = width < 1024
        state = browser.find_element(By.TAG_NAME, "body").get_attribute("data-yiwu-dock")
        assert state == ("collapsed" if sheet else "open")
        page = rects(browser, "html")[0]
        assert page["right"] == width and page["bottom"] == height
        mapbox = rects(browser, ".folium-map")[0]
        share = (mapbox["right"] - mapbox["left"]) * (mapbox["bottom"] - mapbox["top"]) / (width * height)
        assert share >= (0.45 if width < 600 else 0.6), share
        boxes = rects(browser, CONTROLS) + rects(browser, ".yiwu-header") + rects(browser, ".yiwu-dock")
        names = {b["name"] for b in boxes}
        assert any("yiwu-search" in n for n in names) and any("yiwu-dock" in n for n in names)
        for i, a in enumerate(boxes):
            assert a["left"] >= -0.5 and a["top"] >= -0.5 and a["right"] <= width + 0.5 and a["bottom"] <= height + 0.5, a
            for b in boxes[i + 1:]:
                assert not overlap(a, b), (a, b)
        for b in rects(browser, CONTROLS):  # every control on the map lies inside the map
            assert b["left"] >= mapbox["left"] - 0.5 and b["right"] <= mapbox["right"] + 0.5, b
            assert b["top"] >= mapbox["top"] - 0.5 and b["bottom"] <= mapbox["bottom"] + 0.5, b
        lines = browser.execute_script("""return Array.from(document.querySelectorAll(
            '.yiwu-header h1, .yiwu-nav a, .yiwu-lang, .yiwu-dock-tab')).filter(n => n.getClientRects().length)
            .map(function (n) {  // the lines its text is laid out on
              var range = document.createRange(), tops = new Set();
              range.selectNodeContents(n);
              Array.from(range.getClientRects()).forEach(r => { if (r.width > 0) { tops.add(Math.round(r.top)); } });
              return [n.textContent, tops.size, n.scrollWidth <= n.clientWidth + 1];
            });""")
        assert all(rows == 1 for _, rows, _ in lines), lines  # no title, view name or tab wraps
        assert all(fits for text, _, fits in lines if not text.startswith(("义乌", "Yiwu"))), lines
        placeholder = browser.execute_script("""var i = document.querySelector('.yiwu-search input'),
            s = getComputedStyle(i), c = document.createElement('canvas').getContext('2d');
            c.font = s.fontSize + ' ' + s.fontFamily;
            return [c.measureText(i.placeholder).width, i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)];""")
        assert placeholder[0] <= placeholder[1], placeholder  # the search box shows its whole hint
        buttons = browser.execute_script("""return Array.from(document.querySelectorAll('.yiwu-dock button'),
            b => (b.textContent.trim() || b.getAttribute('aria-label') || ''));""")
        assert buttons and all(buttons), buttons  # every button of the panel has a name
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == HTML_LANGS[lang]


def test_on_a_phone_the_sheet_opens_over_no_control_and_the_map_follows(browser, base_url):
    with viewport(browser, 390, 844):
        open_page(browser, base_url, "/map/investor")
        before = rects(browser, ".folium-map")[0]
        browser.find_element(By.CSS_SELECTOR, ".yiwu-dock-tab[data-tab=layers]").click()
        wait_idle(browser)
        assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-yiwu-dock") == "open"
        after = rects(browser, ".folium-map")[0]
        dock = rects(browser, ".yiwu-dock")[0]
        assert after["bottom"] <= dock["top"] + 0.5 and after["bottom"] < before["bottom"]
        size = browser.execute_script("return [YiwuMap.map.getSize().x, YiwuMap.map.getSize().y]")
        assert abs(size[1] - (after["bottom"] - after["top"])) < 2  # Leaflet knows its new size
        boxes = rects(browser, CONTROLS) + [dock] + rects(browser, ".yiwu-header")
        for i, a in enumerate(boxes):  # the shorter map keeps its basic controls, none over another
            assert not [b for b in boxes[i + 1:] if overlap(a, b)], a
        assert browser.find_element(By.CSS_SELECTOR, ".yiwu-legend").is_displayed()
        screenshot(browser, "layout-investor-390x844-sheet-open")
        toggle = browser.find_element(By.CSS_SELECTOR, ".yiwu-dock-toggle")
        assert toggle.get_attribute("aria-expanded") == "true" and toggle.get_attribute("title")
        toggle.click()
        wait_idle(browser)
        assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-yiwu-dock") == "collapsed"


# --- basemaps ----------------------------------------------------------------------------------------------------

def test_the_offline_basemap_draws_land_sea_boundaries_and_names(app, browser, base_url):
    with viewport(browser, 1440, 900):
        open_page(browser, base_url, "/map/logistics#map=4/45.00000/60.00000")
        WebDriverWait(browser, 15).until(lambda d: d.execute_script(
            "return document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded').length > 4"))
        wait_idle(browser)
        screenshot(browser, "basemap-offline-logistics")
        sea, land = browser.execute_script("""var c = YiwuMap.map.getContainer(), land = 0;
            document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded').forEach(function (t) {
              var d = t.getContext('2d').getImageData(0, 0, t.width, t.height).data;
              for (var i = 0; i < d.length; i += 4 * 37) {
                if (d[i] === 243 && d[i + 1] === 241 && d[i + 2] === 234 && d[i + 3] === 255) { land += 1; } } });
            return [getComputedStyle(c).backgroundColor, land];""")
        assert sea == "rgb(201, 220, 234)" and land > 1000, (sea, land)
        countries = browser.find_elements(By.CSS_SELECTOR, ".yiwu-label-country .yiwu-label-text")
        names = {c.text for c in countries}
        assert len(names) > 10 and {"哈萨克斯坦", "俄罗斯"} <= names, names
        assert browser.execute_script("""return getComputedStyle(document.querySelector('.yiwu-label')).pointerEvents""") \
            == "none"
        boundaries = [lay.id for lay in app.extensions["yiwu"].catalog.values() if lay.role == "boundary"]
        tiles = {u.split("/collections/")[1].split("/")[0] for u in browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)") if "/tiles/WebMercatorQuad/" in u}
        assert tiles and tiles <= set(boundaries) | {"world_countries"}
        # at zoom 9 around Yiwu the logistics map shows more than Yiwu's outline
        browser.execute_script("YiwuMap.map.setView([29.3, 120.07], 9, {animate: false})")
        WebDriverWait(browser, 15).until(lambda d: d.execute_script(
            "return document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded').length > 4"))
        wait_idle(browser)
        screenshot(browser, "basemap-logistics-zoom9")
        labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".yiwu-label .yiwu-label-text")]
        assert len(labels) >= 4 and "义乌市" in labels, labels  # the counties and the city around it
        hubs = next(lay.id for lay in expected_layers(app, "logistics") if lay.role == "hub")
        shown = browser.execute_script("""var r = YiwuMap.map.getContainer().getBoundingClientRect();
            return Array.from(document.querySelectorAll('.yiwu-f-' + arguments[0])).filter(function (n) {
              var b = n.getBoundingClientRect(); return b.left > r.left && b.right < r.right && b.top > r.top
                && b.bottom < r.bottom; }).length;""", hubs)
        assert shown >= 3


def test_an_online_basemap_without_network_says_so(browser, base_url):
    open_page(browser, base_url, "/map/planner?lang=en")
    show_tab(browser, "layers")
    osm = browser.find_element(By.XPATH, "//label[span[contains(., 'OpenStreetMap')]]//input")
    osm.click()  # the test browser reaches nothing outside 127.0.0.1
    notice = WebDriverWait(browser, 15).until(lambda d: d.find_element(By.CSS_SELECTOR, ".yiwu-basemap-notice"))
    assert "cannot be loaded (no network?)" in notice.text and notice.is_displayed()
    screenshot(browser, "basemap-online-failed")
    notice.find_element(By.TAG_NAME, "button").click()  # back to the offline basemap
    radios = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base input[type=radio]")
    assert radios[0].is_selected() and not browser.find_elements(By.CSS_SELECTOR, ".yiwu-basemap-notice")


def test_no_office_basemap_is_offered_when_the_server_has_none(client, browser, base_url):
    assert client.get("/basemap/tilejson.json").status_code == 404  # YIWU_BASEMAP is not set
    load = open_page(browser, base_url, "/map/planner")
    assert not [u for u in load["requests"] if "/basemap/" in u]  # the page knows there is none: it asks nothing
    show_tab(browser, "layers")
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base label")]
    assert len(labels) == 3 and not any("本地底图" in t for t in labels), labels
    assert browser.execute_script("return YiwuMap.basemaps.office === undefined")
    assert not load["errors"]


def test_the_office_basemap_is_the_first_basemap_and_on_by_default(tmp_path, data_dir):
    """With YIWU_BASEMAP set, the planner map opens on the office's own basemap: first in the list (本地底图, checked),
    its tiles drawn from /basemap/tiles/ with no request for its TileJSON (it is in the page)."""
    from basemap_fixtures import YIWU, raster_mbtiles

    from server import create_app

    app = create_app({"TESTING": True, "DATA_DIR": data_dir, "BASEMAP": raster_mbtiles(tmp_path)})
    with serve(app) as url, chromium() as driver, viewport(driver, 1440, 900):
        load = open_page(driver, url, f"/map/planner#map=12/{YIWU[1]}/{YIWU[0]}")
        assert not load["failed"] and not load["errors"], (load["failed"], load["errors"])
        show_tab(driver, "layers")
        labels = driver.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base label")
        assert labels[0].text.strip() == "本地底图" and labels[0].find_element(By.TAG_NAME, "input").is_selected()
        assert driver.execute_script("return YiwuMap.map.hasLayer(YiwuMap.basemaps.office) && "
                                     "!YiwuMap.map.hasLayer(YiwuMap.basemaps.offline)")
        tiles = [u for u in load["requests"] if "/basemap/tiles/" in u]
        assert tiles and not [u for u in load["requests"] if u.endswith("/basemap/tilejson.json")]
        screenshot(driver, "basemap-office-default")


# --- logistics -----------------------------------------------------------------------------------------------------

def test_the_corridor_panel_picks_a_route_from_its_list(app, browser, base_url, client):
    metrics = client.get("/corridors/yxo_madrid/metrics").get_json()
    with viewport(browser, 1440, 900):
        open_page(browser, base_url, "/map/logistics")
        picks = browser.find_elements(By.CSS_SELECTOR, ".yiwu-corridor-pick")
        layer = next(lay.id for lay in expected_layers(app, "logistics") if lay.role == "corridor")
        assert len(picks) == client.get(f"/collections/{layer}/items?limit=1").get_json()["numberMatched"]
        pick = next(p for p in picks if p.get_attribute("data-corridor").endswith(".yxo_madrid"))
        pick.click()
        box = WebDriverWait(browser, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, ".yiwu-corridor-details .yiwu-metrics[data-state=done]"))
        assert pick.get_attribute("aria-pressed") == "true"
        rows = [tr.get_attribute("data-field") for tr in box.find_elements(By.CSS_SELECTOR, "tr[data-field]")]
        assert rows[:5] == ["length_km", "published_length_km", "difference", "border_crossing", "transit_days"]
        assert [li.get_attribute("data-iso3") for li in box.find_elements(By.CSS_SELECTOR, "li[data-iso3]")] == \
            [c["iso3"] for c in metrics["countries"]]
        assert box.find_elements(By.CSS_SELECTOR, "svg.yiwu-profile polyline")
        folded = browser.find_element(By.CSS_SELECTOR, ".yiwu-corridor-waypoints")
        assert folded.get_attribute("open") is None  # the waypoints are folded away
        summary = folded.find_element(By.TAG_NAME, "summary").text
        assert summary.startswith("途经城市（") and "英文资料" in summary
        stops = browser.find_element(By.CSS_SELECTOR, ".yiwu-corridor-stops summary").text
        assert stops == "口岸与换装停留"
        inside = browser.execute_script("""var m = YiwuMap.map, b = null;
            YiwuMap.layers[arguments[0]].eachLayer(function (l) {
              if (String(l.feature.id).slice(-11) === '.yxo_madrid') { b = l.getBounds(); } });
            return m.getBounds().contains(b) && m.getZoom() >= 3;""", layer)
        assert inside  # the map zoomed to the whole route
        assert browser.find_elements(By.CSS_SELECTOR, "path.yiwu-route-selected")
        screenshot(browser, "logistics-corridor-panel")


def test_a_route_popup_starts_with_what_matters(app, browser, base_url):
    open_page(browser, base_url, "/map/logistics")
    layer = next(lay.id for lay in expected_layers(app, "logistics") if lay.role == "corridor")
    browser.execute_script("""var g = YiwuMap.layers[arguments[0]], f = null;
        g.eachLayer(function (l) { if (String(l.feature.id).slice(-11) === '.yxo_madrid') { f = l; } });
        var box = document.querySelector('.yiwu-search input');
        box.value = f.feature.properties.name_zh; box.dispatchEvent(new Event('input'));""", layer)
    browser.find_element(By.CSS_SELECTOR, ".yiwu-search input").send_keys(Keys.ENTER)
    popup_title(browser)
    first = browser.execute_script("return Array.from(document.querySelectorAll('.leaflet-popup tr[data-field]'),"
                                   " r => r.getAttribute('data-field')).slice(0, 3)")
    assert "waypoints" not in first
    waypoints = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup tr[data-field=waypoints] details")
    assert waypoints.get_attribute("open") is None
    assert browser.find_element(By.CSS_SELECTOR, ".leaflet-popup .yiwu-corridor-open").text == "查看通道指标"
    words_not_codes(browser)


# --- time slider and rasters ---------------------------------------------------------------------------------------

def test_the_time_slider_shows_its_years(browser, base_url):
    open_page(browser, base_url, "/map/planner")
    show_tab(browser, "tools")
    ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".yiwu-time-ticks .yiwu-time-tick")]
    assert ticks == ["2020", "2021", "2025", "2035"]
    slider = browser.find_element(By.CSS_SELECTOR, ".yiwu-time input[type=range]")
    assert slider.get_attribute("list") == "yiwu-time-years"
    label = browser.find_element(By.CSS_SELECTOR, ".yiwu-time label")
    assert label.get_attribute("for") == slider.get_attribute("id") and label.text == "规划年份"
    slider.send_keys(Keys.HOME)  # the keyboard moves it
    assert browser.find_element(By.CSS_SELECTOR, ".yiwu-time-value").text == "≤ 2020"
    screenshot(browser, "time-slider-ticks")


def test_each_raster_has_an_opacity_slider(browser, base_url):
    open_page(browser, base_url, "/map/planner")
    show_tab(browser, "layers")
    sliders = browser.find_elements(By.CSS_SELECTOR, ".yiwu-opacity input[type=range]")
    rasters = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays span[data-raster]")
    assert len(sliders) == len(rasters) >= 2
    assert all("不透明度" in s.get_attribute("aria-label") for s in sliders)
    box = browser.find_element(By.XPATH, "//label[.//span[@data-raster='hub_access']]//input")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "return YiwuMap.rasterLayers.hub_access.getLayers().length === 1"))
    slider = browser.find_element(By.CSS_SELECTOR, ".yiwu-opacity[data-raster=hub_access] input")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
    for _ in range(9):
        slider.send_keys(Keys.ARROW_LEFT)  # 75 % - 9 x 5 %
    opacity = browser.execute_script(
        "return YiwuMap.rasterLayers.hub_access.getLayers()[0].getContainer().style.opacity")
    assert opacity == "0.3"
    assert browser.find_element(By.CSS_SELECTOR, ".yiwu-opacity[data-raster=hub_access] output").text == "30%"
    screenshot(browser, "raster-opacity")


# --- search --------------------------------------------------------------------------------------------------------

TOWNS = [("fotang", "佛堂镇", "Fotang Town", 120.0755, 29.1916), ("choucheng", "稠城街道", "Choucheng Subdistrict",
                                                               120.0744, 29.3079),
         ("suxi", "苏溪镇", "Suxi Town", 120.1620, 29.4310)]


@pytest.fixture(scope="module")
def towns_site(tmp_path_factory, data_dir):
    """The session's data plus a small test-only layer of role `place` (towns as points with name_zh/name_en) for an
    audience other than the planner's, built and served with a browser of its own."""
    from geo.build.pipeline import build
    from geo.core.settings import load_settings
    from server import create_app

    root = tmp_path_factory.mktemp("towns")
    shutil.copytree(data_dir / "sources", root / "data" / "sources")
    shutil.copytree(ROOT / "layers" / "catalog", root / "catalog")
    for path in (root / "catalog").glob("*.yaml"):  # the test layer is the only place layer (the built one goes)
        if yaml.safe_load(path.read_text(encoding="utf-8")).get("role") == "place":
            path.unlink()
    features = [{"type": "Feature", "properties": {"id": tid, "name_zh": zh, "name_en": en},
                 "geometry": {"type": "Point", "coordinates": [lon, lat]}} for tid, zh, en, lon, lat in TOWNS]
    (root / "data" / "sources" / "test_towns.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    entry = {"id": "test_towns", "title": {"zh": "乡镇街道（测试）", "en": "Towns (test)"}, "group": "context",
             "role": "place", "geometry": "point", "order": 95, "accuracy": "geocoded_city", "audiences": ["investor"],
             "source": {"builder": "file", "name": "test towns", "licence": "test",
                        "files": [{"path": "sources/test_towns.geojson", "crs": "EPSG:4326"}]},
             "plan_refs": [{"clause": "§5", "quote": "测试"}], "popup_fields": ["name_zh", "name_en"]}
    (root / "catalog" / "test_towns.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    build(load_settings({"data_dir": root / "data", "catalog_dir": root / "catalog"}))
    app = create_app({"TESTING": True, "DATA_DIR": root / "data", "CATALOG_DIR": root / "catalog"})
    with serve(app) as url, chromium() as driver:
        yield url, driver, app


def search(driver, query: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, ".yiwu-search input")
    box.clear()
    box.send_keys(query)
    WebDriverWait(driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yiwu-search-hit"))
    box.send_keys(Keys.ENTER)
    wait_idle(driver)


def view_of(driver) -> tuple[float, float, int, int]:
    """Centre (lat, lon), zoom and the number of labels and features drawn in the map."""
    return tuple(driver.execute_script("""var m = YiwuMap.map, c = m.getCenter(), r = m.getContainer().getBoundingClientRect();
        var shown = Array.from(document.querySelectorAll('.yiwu-label, path.yiwu-f')).filter(function (n) {
          var b = n.getBoundingClientRect(); return b.right > r.left && b.left < r.right && b.bottom > r.top && b.top < r.bottom; });
        return [c.lat, c.lng, m.getZoom(), shown.length];"""))


@pytest.mark.parametrize("query, expected", [("佛堂", "fotang"), ("fotang", "fotang"), ("稠城", "choucheng"),
                                             ("商贸城", "market"), ("120.07,29.31", "coords"),
                                             ("29.31, 120.07", "coords")])
def test_search_finds_places_features_and_coordinates(towns_site, query, expected):
    url, driver, app = towns_site
    catalog = app.extensions["yiwu"].catalog
    assert [lay.id for lay in catalog.values() if lay.role == "place"] == ["test_towns"]
    driver.set_window_size(1440, 900)
    open_page(driver, url, "/map/planner")
    search(driver, query)
    lat, lon, zoom, shown = view_of(driver)
    if expected == "coords":
        assert abs(lat - 29.31) < 1e-4 and abs(lon - 120.07) < 1e-4
        assert "120.07000" in wait_popup(driver).text
    elif expected == "market":
        market = next(lay.id for lay in catalog.values() if lay.role == "market")
        frame = pyogrio.read_dataframe(Path(app.extensions["yiwu"].settings.gpkg), layer=market)
        hit = frame[frame["name_zh"].str.contains("商贸城")].iloc[0]
        assert popup_title(driver) == hit["name_zh"]
        assert driver.execute_script("return YiwuMap.map.getBounds().pad(-0.1).contains([arguments[0], arguments[1]])",
                                     hit.geometry.y, hit.geometry.x)  # in view, its popup panned clear of the controls
    else:
        town = next(t for t in TOWNS if t[0] == expected)
        assert abs(lat - town[4]) < 1e-3 and abs(lon - town[3]) < 1e-3
        assert town[1] in wait_popup(driver).text
        labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".yiwu-label-place .yiwu-label-text")]
        assert town[1] in labels  # the town's name is on the offline basemap
    assert 10 <= zoom <= 15 and shown >= 3, (zoom, shown)  # close, but never a blank view
    screenshot(driver, f"search-{expected}-{query.replace(',', '_').replace(' ', '')}")


def test_the_towns_are_labelled_in_the_page_language(towns_site):
    url, driver, _ = towns_site
    open_page(driver, url, "/map/planner?lang=en#map=13/29.30000/120.07000")
    labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".yiwu-label-place .yiwu-label-text")]
    assert "Choucheng Subdistrict" in labels, labels
    assert driver.execute_script("return YiwuMap.search('Choucheng')[0].kind") == "place"
