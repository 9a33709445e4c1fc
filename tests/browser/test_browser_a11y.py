"""Accessibility (issue 17: WCAG 2.1 AA, GB/T 37668) in headless Chromium (harnesses: tests/browser_support.py,
tests/a11y_support.py): axe-core's WCAG 2 A/AA rules find nothing on any page the OpenAPI document serves as HTML —
in Chinese and English, at phone and desktop sizes, map pages again after a popup and the panel are opened, the
pages that need a role signed in through /login —, and a keyboard alone walks the map to a park, opens its popup
(said in the live region) and closes it with Esc.

Every fixed page is checked in all four language/size combinations; the pages of each collection (collection,
items, one item, queryables: the same templates over different data) are spread over the combinations, each
collection in a different one per template, so every collection's pages are checked and the run stays short."""

from __future__ import annotations

import shutil

import pytest
from a11y_support import (
    LANGS,
    SIZES,
    audit_page,
    axe_source,
    fetch_json,
    import_values,
    job_values,
    pages_of,
    param_values,
    sign_in,
)
from browser_support import chromium, pytestmark, screen_point, screenshot, serve, wait_idle  # noqa: F401  (pytestmark)

from geo.build.pipeline import build
from geo.core.settings import load_settings
from server import create_app
from webmap.i18n import HTML_LANGS

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

COMBOS = [(lang, size) for lang in LANGS for size in SIZES]
ADMIN, PASSWORD = "a11y_admin", "a11y-check-password"


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir):
    """The app over a copy of the session's data (its own workspace: the account and the import made here stay
    here), served on a free port; yields (base URL, admin token)."""
    root = tmp_path_factory.mktemp("a11y")
    shutil.copytree(data_dir / "sources", root / "sources")
    build(load_settings({"data_dir": root}))
    app = create_app({"TESTING": True, "DATA_DIR": root})
    token = app.extensions["yiwu"].accounts.add_user(ADMIN, "admin", PASSWORD, actor="test")
    with serve(app) as url:
        yield url, token


@pytest.fixture(scope="module")
def pages(site):
    base, token = site
    doc = fetch_json(f"{base}/openapi")
    return pages_of(doc, param_values(base, {}, {**import_values(base, doc, token),
                                                 **job_values(base, doc, token)}))  # issue 24: a job's pages


@pytest.fixture(scope="module")
def driver(site):
    with chromium() as browser:
        yield browser


def per_collection(page) -> str | None:
    parts = page.path.split("?")[0].split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "collections" else None


def checked_in(pages, lang: str, size: str) -> list:
    """The pages a language/size combination checks: every fixed page; each collection's pages in one combination
    per template (rotating, so each collection's templates land in different combinations)."""
    combo = COMBOS.index((lang, size))
    collections = sorted({c for p in pages if (c := per_collection(p))})
    chosen = []
    for page in pages:
        cid = per_collection(page)
        template = page.path.replace(cid, "{}", 1) if cid else None
        if cid is None or (collections.index(cid) + len(template)) % len(COMBOS) == combo:
            chosen.append(page)
    return chosen


def described(name: str, key: str, violations: list[dict]) -> str:
    lines = [f"{name} [{key}]: " + ", ".join(f"{v['id']} ({len(v['nodes'])})" for v in violations)]
    lines += [f"    {v['id']}: {n[:300]}" for v in violations for n in v["nodes"][:3]]
    return "\n".join(lines)


@pytest.mark.parametrize("lang,size", COMBOS)
def test_every_page_passes_axe(site, pages, driver, lang, size):
    """0 violations of axe's WCAG 2 A/AA rules on every HTML page of the OpenAPI document; <html lang> is the page
    language on each."""
    base, _ = site
    source, failures, signed_in = axe_source(), [], False
    chosen = sorted(checked_in(pages, lang, size), key=lambda p: p.signed_in)
    assert any(p.path.startswith("/map/") for p in chosen) and any(p.method == "POST" for p in chosen)
    for page in chosen:
        if page.signed_in and not signed_in:
            sign_in(driver, base, ADMIN, PASSWORD)
            signed_in = True
        got = audit_page(driver, base, page, lang, size, source)
        assert got["lang_attr"] == HTML_LANGS[lang], (page.name, got["lang_attr"])
        if got["opened"]:
            assert got["opened"][1] not in ("nothing to click", "no feature"), (page.name, got["opened"])
            screenshot(driver, f"a11y-{page.path.strip('/').split('?')[0].replace('/', '-') or 'overview'}-{lang}-"
                               f"{size}")
        if got["violations"]:
            failures.append(described(page.name, f"{lang}/{size}", got["violations"]))
    driver.delete_all_cookies()
    assert not failures, "\n".join(failures)


def focused(driver) -> str:
    return driver.execute_script("var a = document.activeElement; return a.className + '|' + (a.id || '');")


def walk_to(driver, target, zoom: int) -> None:
    """Arrow keys (Leaflet pans 80 px a press) until the map's centre is within 40 px of `target` (lat, lon); then
    + to the zoom."""
    body = driver.switch_to.active_element
    for _ in range(200):
        x, y = screen_point(driver, *target)
        cx, cy = driver.execute_script("var r = YiwuMap.map.getContainer().getBoundingClientRect();"
                                       "return [r.left + r.width / 2, r.top + r.height / 2];")
        if abs(x - cx) < 40 and abs(y - cy) < 40:
            break
        key = (Keys.ARROW_RIGHT if x > cx else Keys.ARROW_LEFT) if abs(x - cx) >= abs(y - cy) else \
            (Keys.ARROW_DOWN if y > cy else Keys.ARROW_UP)
        body.send_keys(key)
        wait_idle(driver)
    else:
        raise AssertionError("the arrow keys did not bring the park to the centre")
    while driver.execute_script("return YiwuMap.map.getZoom()") < zoom:
        body.send_keys("+")
        wait_idle(driver)


@pytest.mark.parametrize("lang", LANGS)
def test_a_keyboard_walks_to_a_park_opens_its_popup_and_closes_it(site, driver, lang):
    """Tab to the skip link, Enter: the map has the focus; arrows bring a park under the centre ring, Enter opens its
    popup (its name said in the live region), Esc closes it (said too) and the focus stays on the map."""
    base, _ = site
    park = fetch_json(f"{base}/parks")["parks"][0]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    driver.get(f"{base}/map/investor?lang={lang}")
    wait_idle(driver, 20)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.get_attribute("class") == "yiwu-skip" and skip.is_displayed()
    skip.send_keys(Keys.ENTER)
    assert "leaflet-container" in focused(driver)
    point = park_point(driver, park["id"])
    walk_to(driver, point, 13)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    name = park["name_zh"] if lang == "zh" else park["name_en"]
    assert popup_title(driver) == name
    WebDriverWait(driver, 3).until(lambda d: name in d.find_element(By.ID, "yiwu-live").text)
    screenshot(driver, f"a11y-keyboard-popup-{lang}")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    WebDriverWait(driver, 3).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup"))
    assert "leaflet-container" in focused(driver)
    words = "弹窗已关闭" if lang == "zh" else "Popup closed"
    WebDriverWait(driver, 3).until(lambda d: d.find_element(By.ID, "yiwu-live").text == words)


def popup_title(driver) -> str:
    """The title of the open popup once it has faded in."""
    WebDriverWait(driver, 5).until(lambda d: [n for n in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup "
                                                                          ".yiwu-popup-title") if n.text])
    return driver.find_element(By.CSS_SELECTOR, ".leaflet-popup .yiwu-popup-title").text


def park_point(driver, park_id: str) -> tuple[float, float]:
    """A point inside the park's outline as the page drew it (its polygon's label point)."""
    return tuple(driver.execute_script("""var id = arguments[0], found = null;
        Object.values(YiwuMap.layers).forEach(function (lay) { if (found || !lay.eachLayer) { return; }
          lay.eachLayer(function (f) { if (!found && f.feature && String(f.feature.id) === id) { found = f; } });
        });
        var c = found.getCenter ? found.getCenter() : found.getLatLng(); return [c.lat, c.lng];""", park_id))
