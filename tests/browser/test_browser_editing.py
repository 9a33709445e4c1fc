"""Editing on the planner map, in headless Chromium (harness: tests/browser_support.py), on both engines: an editor
signed in through the /login page clicks a parcel of an imported editable layer where it is drawn (real mouse),
edits an attribute in Chinese and saves — the data API then has the new value and a new version by that user, and
the map shows it at once; a vertex dragged with the mouse moves the parcel's corner by as much as the mouse moved;
a viewer (and an anonymous reader) gets no edit control; a change made through the API while the form is open makes
Save say that someone else changed the feature, and Reload shows their version; Esc closes the form and puts the
map back; a feature drawn with Add feature is created and then deleted.

Where to click and where a corner lies come from the fixture's parcels in metres (pyproj, as in test_edit_api.py),
not from the page; they are turned into screen positions by the page's own latLngToContainerPoint."""

from __future__ import annotations

import pytest
import shapely
from browser_support import (  # noqa: F401
    chromium,
    click_at,
    pytestmark,
    screen_point,
    screenshot,
    serve,
    wait_idle,
    wait_popup,
    wait_shown,
)
from import_fixtures import GK, PARCELS, centre_gk, gbk_shapefile_zip, shifted
from pyproj import Transformer

webdriver = pytest.importorskip("selenium.webdriver")
from conftest import workspace_settings  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from server import create_app  # noqa: E402

LAYER = "kg_parcels_ui"
FORM = {"id": LAYER, "title_zh": "控规地块（界面测试）", "title_en": "Regulatory parcels (UI test)", "role": "zone",
        "plan_ref": "§5", "id_field": "地块编号"}
PASSWORD = "correct horse battery staple"
ZOOM = 16
TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)


def parcel_wgs84(pid: str) -> shapely.Polygon:
    """The parcel's outer ring from the fixture's metres (independent of the importer and of the page)."""
    ring = next(r for p, *_, r, _holes in PARCELS if p == pid)
    return shapely.Polygon([TO_WGS84.transform(x, y) for x, y in shifted(ring, centre_gk())])


def corner_wgs84(dx: float, dy: float) -> tuple[float, float]:
    """A corner given in metres from the fixture's centre, as lon/lat."""
    (x, y), = shifted([(dx, dy)], centre_gk())
    return TO_WGS84.transform(x, y)


@pytest.fixture(scope="module")
def site(request, tmp_path_factory, data_dir, backend):
    """The app with a workspace of its own holding the GBK Shapefile imported through POST /imports by an editor,
    an editor and a viewer with passwords, served with a browser of its own."""
    tmp = tmp_path_factory.mktemp(f"edit_ui_{backend}")
    settings = workspace_settings(request, tmp, data_dir, backend, "ws_ui")
    app = create_app(settings)
    accounts = app.extensions["yiwu"].accounts
    tokens = {}
    for name, role in (("ui_editor", "editor"), ("ui_viewer", "viewer")):
        tokens[name] = accounts.add_user(name, role, actor="test")
        accounts.set_password(name, PASSWORD, actor="test")
    upload = gbk_shapefile_zip(tmp)
    with upload.open("rb") as fh:
        resp = app.test_client().post("/imports", headers={"Authorization": f"Bearer {tokens['ui_editor']}"},
                                      data={**FORM, "file": (fh, upload.name)}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    auth = {"Authorization": f"Bearer {tokens['ui_editor']}"}
    imported = app.test_client().get(f"/collections/{LAYER}/items?limit=100", headers=auth).get_json()["features"]
    with serve(app) as url, chromium() as driver:
        driver.set_window_size(1440, 900)
        yield {"url": url, "driver": driver, "app": app, "auth": auth, "who": [None],
               "imported": {f["id"]: f for f in imported}}


@pytest.fixture(autouse=True)
def as_imported(site):
    """Every test starts from the parcels as imported (a test run again, or after another, finds them so): a
    changed parcel is put back through the API, an added one deleted."""
    now = {f["id"]: f for f in api(site, "GET", f"/collections/{LAYER}/items?limit=100").get_json()["features"]}
    for fid, feature in now.items():
        original = site["imported"].get(fid)
        if original is None:
            assert api(site, "DELETE", f"/collections/{LAYER}/items/{fid}", headers={"If-Match": "*"}).status_code == 204
        elif (feature["properties"], feature["geometry"]) != (original["properties"], original["geometry"]):
            body = {"type": "Feature", "properties": original["properties"], "geometry": original["geometry"]}
            assert api(site, "PUT", f"/collections/{LAYER}/items/{fid}", json=body,
                       headers={"If-Match": "*"}).status_code == 200
    yield


def api(site, method, path, **kwargs):
    headers = {**site["auth"], **kwargs.pop("headers", {})}
    return site["app"].test_client().open(path, method=method, headers=headers, **kwargs)


def item(site, fid):
    resp = api(site, "GET", f"/collections/{LAYER}/items/{fid}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp


def sign_in(site, name: str | None) -> None:
    """Sign in through the /login page as a person does (None: signed out)."""
    driver = site["driver"]
    if site["who"][0] == name:
        return
    driver.get(site["url"] + "/login")
    driver.delete_all_cookies()
    site["who"][0] = name
    if name is None:
        return
    driver.get(site["url"] + "/login?next=/map/planner")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.split("#")[0].endswith("/map/planner"))


def open_planner(site, pid: str) -> shapely.Polygon:
    """The planner map centred on a parcel, its layers loaded (and /me answered)."""
    driver = site["driver"]
    parcel = parcel_wgs84(pid)
    centre = parcel.centroid
    driver.get("about:blank")
    driver.get(f"{site['url']}/map/planner#map={ZOOM}/{centre.y:.6f}/{centre.x:.6f}")
    wait_idle(driver, 20)
    return parcel


def click_parcel(site, parcel: shapely.Polygon) -> None:
    """A real click inside the parcel; where features overlap, its entry of the chooser."""
    driver = site["driver"]
    point = parcel.representative_point()
    click_at(driver, *screen_point(driver, point.y, point.x))
    wait_popup(driver)
    choices = driver.find_elements(By.CSS_SELECTOR, f".yiwu-chooser-item[data-layer={LAYER}]")
    if choices:
        choices[0].click()
        WebDriverWait(driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup .yiwu-popup"))
        wait_popup(driver)


def start_edit(site, pid: str) -> None:
    """Click the parcel, then Edit in its popup; wait for the form."""
    driver = site["driver"]
    click_parcel(site, open_planner(site, pid))
    button = wait_shown(driver, f".leaflet-popup .yiwu-edit-start[data-feature='{pid}']")
    assert button.tag_name == "button" and button.text == "编辑"
    screenshot(driver, f"edit-popup-{pid}")
    button.click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, f".yiwu-edit[data-feature='{pid}'] form"))


def field(driver, name: str):
    return driver.find_element(By.CSS_SELECTOR, f".yiwu-edit-form [data-field='{name}']")


def status_text(driver, contains: str, timeout: float = 10) -> str:
    try:
        WebDriverWait(driver, timeout).until(
            lambda d: contains in d.find_element(By.CSS_SELECTOR, ".yiwu-edit-status").text)
    except TimeoutException:
        pytest.fail(f"the status says {driver.find_element(By.CSS_SELECTOR, '.yiwu-edit-status').text!r}, "
                    f"not {contains!r}; console: {driver.get_log('browser')}")
    return driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-status").text


def page_feature(driver, pid: str) -> dict:
    """The feature as the page's overlay holds it now."""
    return driver.execute_script("""var out = null, id = arguments[1]; YiwuMap.layers[arguments[0]].eachLayer(
        function (f) { if (f.feature && f.feature.id === id) { out = f.feature; } }); return out;""", LAYER, pid)


def history(site, fid: str) -> list[dict]:
    return api(site, "GET", f"/collections/{LAYER}/items/{fid}/history").get_json()["versions"]


def test_an_editor_changes_an_attribute_and_the_api_and_map_have_it(site):
    sign_in(site, "ui_editor")
    driver = site["driver"]
    before = len(history(site, "YW-001"))
    start_edit(site, "YW-001")
    assert driver.execute_script("return YiwuMap.editingState().user.name") == "ui_editor"
    name_input = field(driver, "名称")
    assert name_input.get_attribute("type") == "text" and name_input.get_attribute("value") == "国际商贸城一区地块"
    assert field(driver, "容积率").get_attribute("type") == "number"
    assert field(driver, "层数").get_attribute("step") == "1"
    assert field(driver, "source").get_attribute("readonly") is not None
    accuracy = field(driver, "accuracy")  # provenance in the page language: its label and its coded value as words
    assert driver.find_element(By.CSS_SELECTOR, f"label[for='{accuracy.get_attribute('id')}']").text == "精度"
    assert accuracy.get_attribute("value") == "官方行政界线"
    label = driver.find_element(By.CSS_SELECTOR, f"label[for='{name_input.get_attribute('id')}']")
    assert label.text == "名称"
    assert driver.switch_to.active_element == name_input  # the form takes the focus
    name_input.clear()
    name_input.send_keys("国际商贸城一区（界面修改）<b>")
    screenshot(driver, "edit-form")
    driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-save").click()
    assert "已保存" in status_text(driver, "已保存")
    assert item(site, "YW-001").get_json()["properties"]["名称"] == "国际商贸城一区（界面修改）<b>"
    versions = history(site, "YW-001")
    assert [v["version"] for v in versions] == list(range(1, before + 2))  # one version more
    assert versions[-1]["actor"] == "ui_editor" and versions[-1]["action"] == "update"
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return YiwuMap.pending === 0"))
    assert page_feature(driver, "YW-001")["properties"]["名称"] == "国际商贸城一区（界面修改）<b>"
    driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-done .yiwu-edit-history").click()
    rows = WebDriverWait(driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yiwu-edit-versions tr"))
    assert len(rows) == before + 2 and "ui_editor" in rows[1].text and "名称" in rows[1].text  # a header, newest first
    assert "已保存" in driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-status").text
    screenshot(driver, "edit-history")


def drag(driver, start: tuple[float, float], by: tuple[int, int]) -> None:
    """A real mouse drag: press at `start`, move in steps by `by` pixels, release."""
    actions = ActionBuilder(driver)
    pointer = actions.pointer_action
    pointer.move_to_location(round(start[0]), round(start[1])).pause(0.1).pointer_down().pause(0.1)
    for i in range(1, 6):
        pointer.move_to_location(round(start[0] + by[0] * i / 5), round(start[1] + by[1] * i / 5)).pause(0.05)
    pointer.pointer_up()
    actions.perform()


def test_a_vertex_dragged_with_the_mouse_moves_the_corner(site):
    sign_in(site, "ui_editor")
    driver = site["driver"]
    start_edit(site, "YW-004")
    lon, lat = corner_wgs84(-300, 0)  # the triangle's top corner
    x, y = screen_point(driver, lat, lon)
    drag(driver, (x, y), (40, 0))
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return YiwuMap.editingState().edit.geometryChanged"))
    screenshot(driver, "edit-vertex")
    moved = driver.execute_script("""var m = YiwuMap.map, r = m.getContainer().getBoundingClientRect(),
        ll = m.containerPointToLatLng([arguments[0] - r.left, arguments[1] - r.top]); return [ll.lng, ll.lat];""",
                                  x + 40, y)
    driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-save").click()
    status_text(driver, "已保存")
    geometry = shapely.geometry.shape(item(site, "YW-004").get_json()["geometry"])
    corners = shapely.get_coordinates(geometry)
    degrees_per_px = 360 / (256 * 2**ZOOM)
    assert min(shapely.Point(c).distance(shapely.Point(lon, lat)) for c in corners) > 30 * degrees_per_px
    assert min(shapely.Point(c).distance(shapely.Point(moved)) for c in corners) < 3 * degrees_per_px
    assert geometry.is_valid and abs(moved[0] - lon) > 30 * degrees_per_px
    others = [corner_wgs84(-500, -300), corner_wgs84(-100, -300)]  # the corners not dragged stay put
    assert all(min(shapely.Point(c).distance(shapely.Point(o)) for c in corners) < 1e-7 for o in others)
    versions = api(site, "GET", f"/collections/{LAYER}/items/YW-004/history").get_json()["versions"]
    assert versions[-1]["actor"] == "ui_editor" and versions[-1]["feature"]["properties"]["名称"] == "江东工业地块"


def test_a_stale_edit_says_someone_else_changed_it_and_reload_shows_theirs(site):
    sign_in(site, "ui_editor")
    driver = site["driver"]
    start_edit(site, "YW-002")
    etag = item(site, "YW-002").headers["ETag"]
    resp = api(site, "PATCH", f"/collections/{LAYER}/items/YW-002", json={"properties": {"层数": 33}},
               headers={"If-Match": etag})
    assert resp.status_code == 200
    name_input = field(driver, "名称")
    name_input.clear()
    name_input.send_keys("稠城街道居住地块（迟到的修改）")
    driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-save").click()
    alert = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, ".yiwu-edit-conflict"))
    assert alert.get_attribute("role") == "alert" and "其他人已修改了此要素" in alert.text
    screenshot(driver, "edit-conflict")
    assert item(site, "YW-002").get_json()["properties"]["名称"] == "稠城街道居住地块"  # nothing written
    alert.find_element(By.CSS_SELECTOR, "button.yiwu-edit-reload").click()
    WebDriverWait(driver, 10).until(lambda d: field(d, "层数").get_attribute("value") == "33")
    assert field(driver, "名称").get_attribute("value") == "稠城街道居住地块"


def drawn_opacity(driver, pid: str) -> float:
    """The stroke opacity the page's overlay draws a feature with."""
    return driver.execute_script("""var out = null, id = arguments[1]; YiwuMap.layers[arguments[0]].eachLayer(
        function (f) { if (f.feature.id === id) { out = f.options.opacity; } }); return out;""", LAYER, pid)


def test_esc_closes_the_form_and_puts_the_map_back(site):
    sign_in(site, "ui_editor")
    driver = site["driver"]
    start_edit(site, "YW-001")
    hidden = drawn_opacity(driver, "YW-001")
    assert hidden == 0  # the original is hidden under its editable copy
    field(driver, "名称").send_keys(Keys.ESCAPE)
    WebDriverWait(driver, 5).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".yiwu-edit-form"))
    assert driver.execute_script("return YiwuMap.editingState().edit") is None
    assert driver.switch_to.active_element.get_attribute("class") == "yiwu-edit-heading"
    shown = drawn_opacity(driver, "YW-001")
    assert shown > 0 and not driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .marker-icon")


def test_add_a_feature_by_drawing_then_delete_it(site):
    sign_in(site, "ui_editor")
    driver = site["driver"]
    open_planner(site, "YW-002")
    driver.find_element(By.CSS_SELECTOR, ".yiwu-dock-tab[data-tab=edit]").click()
    driver.find_element(By.CSS_SELECTOR, f".yiwu-edit-add-button[data-layer={LAYER}]").click()
    lon, lat = corner_wgs84(1000, 150)  # east of the parcels
    cx, cy = screen_point(driver, lat, lon)
    clicks = ActionBuilder(driver)  # a person's cadence: clicks apart in time, not one double-click
    for dx, dy in ((-30, -30), (30, -30), (30, 30), (-30, 30), (-30, -30)):
        clicks.pointer_action.move_to_location(round(cx + dx), round(cy + dy)).pause(0.05).click().pause(0.3)
    clicks.perform()
    WebDriverWait(driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yiwu-edit[data-feature=''] form"))
    screenshot(driver, "edit-add")
    field(driver, "名称").send_keys("新增测试地块")
    field(driver, "层数").send_keys("3")
    driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-save").click()
    status_text(driver, "已新增要素")
    assert driver.find_element(By.CSS_SELECTOR, ".yiwu-site-report").get_attribute("data-state") is None  # no site
    features = api(site, "GET", f"/collections/{LAYER}/items?limit=100").get_json()["features"]
    added = next(f for f in features if f["properties"]["名称"] == "新增测试地块")
    assert added["properties"]["层数"] == 3 and added["properties"]["plan_ref"] == "§5"
    assert shapely.geometry.shape(added["geometry"]).area > 0
    assert api(site, "GET", f"/collections/{LAYER}/items/{added['id']}/history").get_json()["versions"][0][
        "actor"] == "ui_editor"
    driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-done .yiwu-edit-again").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yiwu-edit-delete"))
    driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-delete").click()
    driver.find_element(By.CSS_SELECTOR, ".yiwu-edit-confirm-delete").click()
    status_text(driver, "已删除要素")
    assert api(site, "GET", f"/collections/{LAYER}/items/{added['id']}").status_code == 404


@pytest.mark.parametrize("who", ["ui_viewer", None])
def test_a_viewer_and_an_anonymous_reader_get_no_edit_control(site, who):
    sign_in(site, who)
    driver = site["driver"]
    parcel = open_planner(site, "YW-001")
    assert not driver.find_elements(By.CSS_SELECTOR, ".yiwu-dock-tab[data-tab=edit]")
    assert driver.execute_script("return YiwuMap.editingState().user") is None
    if who is None:  # the internal layer is not even on an anonymous page
        assert driver.execute_script("return YiwuMap.layers[arguments[0]] === undefined", LAYER)
        return
    click_parcel(site, parcel)
    wait_popup(driver).find_element(By.CSS_SELECTOR, ".yiwu-popup")
    assert not driver.find_elements(By.CSS_SELECTOR, ".yiwu-edit-start")
    screenshot(driver, "edit-viewer")


def test_the_edit_form_passes_axe(site):
    """The editing panel, open on a feature with its popup, has no WCAG 2 A/AA violation (axe-core)."""
    from a11y_support import axe_source, run_axe

    sign_in(site, "ui_editor")
    start_edit(site, "YW-002")
    violations = run_axe(site["driver"], axe_source())
    assert not violations, [(v["id"], v["nodes"][:3]) for v in violations]
