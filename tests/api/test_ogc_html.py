"""The HTML items page in headless Chromium: the local Leaflet map draws every feature of the page, a
popup shows the attributes as text, and nothing is requested outside 127.0.0.1."""

from __future__ import annotations

import json

from browser_support import pytestmark  # noqa: F401  (skip without Chromium)
from selenium.webdriver.support.ui import WebDriverWait

# `browser` and `base_url` (one server and one headless Chromium per module) come from conftest.py


def test_items_page_map_draws_every_feature(browser, base_url, client):
    features = client.get("/collections/logistics_hubs/items?limit=100").get_json()["features"]
    browser.get(base_url + "/collections/logistics_hubs/items?f=html&limit=100")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!(window.YiwuMap && YiwuMap.items)"))
    drawn = browser.execute_script("return YiwuMap.items.getLayers().length")
    assert drawn == len(features)
    text = browser.execute_script(
        "var l = YiwuMap.items.getLayers()[0]; l.openPopup(); "
        "return document.querySelector('.leaflet-popup-content').textContent")
    assert features[0]["properties"]["name_zh"] in text
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    urls = [json.loads(e["message"])["message"]["params"].get("request", {}).get("url", "")
            for e in browser.get_log("performance")]
    assert all(u.startswith(base_url) or not u.startswith(("http:", "https:")) for u in urls if u)
