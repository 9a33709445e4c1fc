"""Shared harness of the browser tests: the app served by waitress on a free 127.0.0.1 port, Debian's headless
Chromium (Selenium + chromedriver) with every request outside 127.0.0.1 blocked, and page helpers.
The fixtures `base_url` and `browser` (one server and one browser per module) are in conftest.py, built on
`serve` and `chromium` here; test modules import the helpers and `pytestmark` (skip without Chromium)."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from webmap.views import VIEWS, layers_for  # noqa: E402

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).parent / "artifacts"
PAGES = {"overview": "/", "planner": "/map/planner", "investor": "/map/investor", "logistics": "/map/logistics"}
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1280,900",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9")
NETWORK_SCHEMES = ("http:", "https:", "ws:", "wss:", "ftp:")  # data:, blob:, chrome:// never leave the machine
SIZES = ((390, 844), (768, 1024), (1440, 900))  # phone, tablet, desktop (CSS px of the viewport)

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver (make apt-test)")


@contextmanager
def serve(app) -> Iterator[str]:
    """The app served by waitress on a free 127.0.0.1 port; yields its base URL."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


@contextmanager
def chromium() -> Iterator:
    """Headless Chromium with outside requests blocked and the console and network logged."""
    profile = tempfile.mkdtemp(prefix="yiwu-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(30)
        driver.get("about:blank")
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def network_events(driver) -> list[dict]:
    return [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]


def open_page(driver, base_url: str, path: str) -> dict:
    """Load a page, wait for its layers; return requests, failures, bytes, load time and console errors."""
    driver.get_log("performance"), driver.get_log("browser")  # drop earlier pages' entries
    driver.get("about:blank")
    driver.get(base_url + path)
    wait_idle(driver, 20)
    events = network_events(driver)
    urls = {e["params"]["requestId"]: e["params"]["request"]["url"]
            for e in events if e["method"] == "Network.requestWillBeSent"}
    # the browser's own start-up tab (new tab page) may fail at the dead proxy: only this page's requests count
    failed = [(urls[e["params"]["requestId"]], e["params"]["errorText"]) for e in events
              if e["method"] == "Network.loadingFailed" and e["params"]["requestId"] in urls]
    failed += [e["params"]["response"]["url"] for e in events
               if e["method"] == "Network.responseReceived" and e["params"]["response"]["status"] >= 400]
    received = sum(e["params"]["encodedDataLength"] for e in events if e["method"] == "Network.loadingFinished"
                   and urls.get(e["params"]["requestId"], "").startswith(base_url))
    load_ms = driver.execute_script(
        "var n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;")
    errors = [m for m in driver.get_log("browser") if m["level"] == "SEVERE"]
    return {"requests": list(urls.values()), "failed": failed, "bytes": received, "load_ms": load_ms, "errors": errors}


# finite CSS transitions and animations still running (a popup fading in, the panel sliding open, tiles fading)
RUNNING = """document.getAnimations().filter(function (a) { return a.playState === 'running' &&
    a.effect && a.effect.getComputedTiming().iterations !== Infinity; }).length"""
IDLE = "return !!(window.YiwuMap && YiwuMap.map && YiwuMap.idle) && " + RUNNING + " === 0"
STILL = "return document.readyState === 'complete' && " + RUNNING + " === 0"
# a popup or chooser fully drawn: Leaflet fades it in (opacity 0 -> 1), and Selenium reads no text of an element
# drawn at opacity 0
# one popup only (a popup it replaced fades out for 200 ms while still in the page), fully drawn, the map at rest
POPUP_SHOWN = """var all = document.querySelectorAll('.leaflet-popup');
    return all.length === 1 && getComputedStyle(all[0]).opacity === '1' && !!(window.YiwuMap && YiwuMap.idle);"""


def wait_idle(driver, timeout: float = 10) -> None:
    """Until the map page is at rest: layers fetched, no pan or zoom (a popup's auto-pan included), tiles loaded
    (`YiwuMap.idle`, webmap/static/js/idle.js), no transition running."""
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(IDLE))


def wait_still(driver, timeout: float = 10) -> None:
    """Until a page (map or not) is loaded and no transition or animation runs."""
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(STILL))


def wait_popup(driver, timeout: float = 10):
    """The open popup once it is fully drawn and the map has stopped moving to show it."""
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(POPUP_SHOWN))
    return driver.find_element(By.CSS_SELECTOR, ".leaflet-popup")


def wait_shown(driver, selector: str, timeout: float = 10, text: str | None = None):
    """The first element a selector finds once it is displayed (and holds `text`, when given)."""
    def shown(d):
        for element in d.find_elements(By.CSS_SELECTOR, selector):
            if element.is_displayed() and (text is None or text in element.text):
                return element
        return False
    return WebDriverWait(driver, timeout).until(shown)


@contextmanager
def viewport(driver, width: int, height: int) -> Iterator:
    """The page's viewport set to exactly width x height CSS pixels (DevTools device metrics), reset afterwards."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def show_tab(driver, tab: str) -> None:
    """Show a tab of the page's panel ("layers", "tools", "analysis") with its button, as a user does."""
    button = driver.find_element(By.CSS_SELECTOR, f".yiwu-dock-tab[data-tab={tab}]")
    if button.get_attribute("aria-selected") != "true" or \
            driver.find_element(By.TAG_NAME, "body").get_attribute("data-yiwu-dock") != "open":
        button.click()


def screen_point(driver, lat: float, lon: float) -> tuple[float, float]:
    """The viewport position (CSS px) where the map draws a WGS84 position."""
    return tuple(driver.execute_script("""var m = YiwuMap.map, p = m.latLngToContainerPoint([arguments[0], arguments[1]]),
        r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y];""", lat, lon))


def click_at(driver, x: float, y: float) -> None:
    """A real mouse click at a viewport position."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(round(x), round(y)).pause(0.05).click()
    actions.perform()


def screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def feature_count(driver, layer_id: str) -> int:
    return driver.execute_script("return document.querySelectorAll('.yiwu-f-' + arguments[0]).length;", layer_id)


def toggle(driver, title: str) -> None:
    """Tick or untick an overlay in the layer list of the panel's layers tab."""
    show_tab(driver, "layers")
    label = driver.find_element(By.XPATH, f"//label[span[normalize-space()='{title}']]//input")
    label.click()


def expected_layers(app, view_id: str):
    return layers_for(VIEWS[view_id], app.extensions["yiwu"].catalog)


