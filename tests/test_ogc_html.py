"""The HTML items page in headless Chromium: the local Leaflet map draws every feature of the page, a
popup shows the attributes as text, and nothing is requested outside 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-dev-shm-usage", "--window-size=1200,900",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9")
pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver (make apt-test)")


@pytest.fixture(scope="module")
def base_url(app):
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="yiwu-ogc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_items_page_map_draws_every_feature(browser, base_url, client):
    features = client.get("/collections/logistics_hubs/items?limit=100").get_json()["features"]
    browser.get(base_url + "/collections/logistics_hubs/items?f=html&limit=100")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!window.OgcItems"))
    drawn = browser.execute_script("return OgcItems.layer.getLayers().length")
    assert drawn == len(features)
    text = browser.execute_script(
        "var l = OgcItems.layer.getLayers()[0]; l.openPopup(); "
        "return document.querySelector('.leaflet-popup-content').textContent")
    assert features[0]["properties"]["name_zh"] in text
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    urls = [json.loads(e["message"])["message"]["params"].get("request", {}).get("url", "")
            for e in browser.get_log("performance")]
    assert all(u.startswith(base_url) or not u.startswith(("http:", "https:")) for u in urls if u)
