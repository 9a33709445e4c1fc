"""Land-use parcels on the planner map, in headless Chromium (harness: tests/browser_support.py): a GeoPackage coded
by the 用地用海分类指南, imported through POST /imports, is drawn in the classification's colours. At phone, tablet
and desktop sizes the real mouse goes to three parcels of different classes where the map draws them (positions from
the fixture's metres through pyproj, away from the corridor lines drawn across them, turned into screen positions by the page's own latLngToContainerPoint): the
parcel under the pointer is filled with its class's 附录B colour (written in tests/landuse_fixtures.py), a click
opens that parcel, and the legend lists the class with the same colour."""

from __future__ import annotations

import pytest
import shapely
from browser_support import (  # noqa: F401
    SIZES,
    chromium,
    click_at,
    pytestmark,
    screen_point,
    screenshot,
    serve,
    show_tab,
    viewport,
    wait_idle,
    wait_popup,
)
from import_fixtures import GK, import_by_editor
from landuse_fixtures import LANDUSE_PARCELS, hex_of, landuse_gpkg, parcel_square
from pyproj import Transformer

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from server import create_app  # noqa: E402

LAYER = "landuse_ui"
FORM = {"id": LAYER, "title_zh": "用地现状（界面测试）", "title_en": "Land use (UI test)", "role": "zone",
        "plan_ref": "§5", "id_field": "地块编号", "access": "public"}
TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)
CLICKED = LANDUSE_PARCELS[:3]  # 0701 城镇住宅用地, 1001 工业用地, 1401 公园绿地
# what is under a viewport point, top first: the first path of the layer, its fill and the parcel's id
UNDER = """var els = document.elementsFromPoint(arguments[0], arguments[1]);
    var p = els.find(function (e) { return e.classList && e.classList.contains('yiwu-f-' + arguments[2]); }, null);
    return p ? p.getAttribute('fill') : null;"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir):
    """The app with its own workspace holding the parcels imported by an editor, served with a browser."""
    tmp = tmp_path_factory.mktemp("landuse_ui")
    app = create_app({"TESTING": True, "data_dir": data_dir, "workspace_path": tmp / "workspace.gpkg"})
    import_by_editor(app, "lu_ui_editor", landuse_gpkg(tmp), FORM)
    svc = app.extensions["yiwu"]
    lines = [svc.engine.frame(layer.id).to_crs(GK).union_all() for layer in svc.full_catalog().values()
             if layer.geometry == "line" and "planner" in layer.audiences]
    with serve(app) as url, chromium() as driver:
        yield {"url": url, "driver": driver, "lines": shapely.union_all(lines)}


def centre(index: int) -> tuple[float, float]:
    """A parcel's centre (lon, lat) from its metres."""
    return TO_WGS84.transform(*parcel_square(index).centroid.coords[0])


def clear_point(index: int, lines) -> tuple[float, float]:
    """Where to point in a parcel (lon, lat): of a 7 x 7 grid inside it, the point farthest from the map's lines (a
    corridor drawn across a parcel takes the click there, as it should)."""
    west, south, east, north = parcel_square(index).bounds
    grid = [shapely.Point(west + (east - west) * (i + 1) / 8, south + (north - south) * (j + 1) / 8)
            for i in range(7) for j in range(7)]
    best = max(grid, key=lambda p: p.distance(lines))
    return TO_WGS84.transform(best.x, best.y)


def fill_under(driver, x: float, y: float) -> str | None:
    return driver.execute_script(UNDER.replace("arguments[2]", repr(LAYER)), x, y)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_three_parcels_are_drawn_and_listed_in_their_class_colours(site, width, height):
    driver = site["driver"]
    lon, lat = centre(2)
    zoom = 14 if width < 700 else 15
    with viewport(driver, width, height):
        driver.get("about:blank")
        driver.get(f"{site['url']}/map/planner#map={zoom}/{lat:.6f}/{lon:.6f}")
        wait_idle(driver, 20)
        for index, (pid, code, name, rgb, _row) in enumerate(CLICKED):
            x, y = screen_point(driver, *reversed(clear_point(index, site["lines"])))
            hover = ActionBuilder(driver)  # the pointer over the parcel, then what is drawn under it
            hover.pointer_action.move_to_location(round(x), round(y))
            hover.perform()
            assert fill_under(driver, x, y) == hex_of(rgb), (pid, code)
            click_at(driver, x, y)
            popup = wait_popup(driver)
            choices = popup.find_elements(By.CSS_SELECTOR, f".yiwu-chooser-item[data-layer={LAYER}]")
            if choices:  # the parcels lie in the second ring's zone too: its chooser, then the parcel's popup
                choices[0].click()
                WebDriverWait(driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup .yiwu-popup"))
                popup = wait_popup(driver)  # the chooser gone, the parcel's popup alone and fully drawn
            assert name in popup.text and code in popup.text, (pid, popup.text)
            screenshot(driver, f"landuse_{width}x{height}_{pid}")
            popup.find_element(By.CSS_SELECTOR, ".leaflet-popup-close-button").click()
            WebDriverWait(driver, 5).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup"))
            wait_idle(driver)
        show_tab(driver, "layers")
        for _pid, code, _name, rgb, _row in CLICKED:
            row = driver.find_element(By.CSS_SELECTOR,
                                      f".yiwu-legend-row[data-layer={LAYER}] .yiwu-legend-sub[data-value='{code}']")
            WebDriverWait(driver, 5).until(lambda d, r=row: r.is_displayed())
            assert row.text.startswith(code)
            swatch = row.find_element(By.CSS_SELECTOR, ".yiwu-swatch")
            assert swatch.value_of_css_property("background-color") in (f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})",
                                                                        f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, 1)")
        screenshot(driver, f"landuse_{width}x{height}_legend")
