"""Accessibility checks of every page (issue 17), shared by tests/browser/test_browser_a11y.py and tools/a11y_audit.py.

The pages come from the OpenAPI document, never from a list kept by hand: every operation answering `text/html`,
its path parameters filled from the service itself (every collection, one feature of each, every map view, one
import). An operation whose role is declared (`security`) is checked signed in, through the /login form. axe-core
(pinned in tools/js/package.json, installed by `make setup` into tools/js/node_modules) runs in the page with the
WCAG 2 A/AA rules; a page with a map is checked again after a popup and the panel are opened."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tools" / "js" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
LANGS = ("zh", "en")
SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
HTML = "text/html"
# a small site inside the Yixi area (§9): the body of the printable site report, and the planner panel's check
SITE = {"type": "Polygon", "coordinates": [[[120.02, 29.30], [120.04, 29.30], [120.04, 29.32], [120.02, 29.32],
                                            [120.02, 29.30]]]}
# the body each POST operation answering HTML is checked with (a new one fails the test until it is given here)
POST_BODIES = {"/analysis/site": ("application/json", json.dumps(SITE).encode())}
SKIPPED_POSTS = {"/login": "its answer is the login page with a message: checked by the GET of /login after a "
                           "failed sign-in"}


@dataclass(frozen=True)
class Page:
    """One page to check: the request that serves it, whether it needs a signed-in user."""

    name: str
    path: str  # with its query, without lang
    method: str = "GET"
    signed_in: bool = False
    body: tuple[str, bytes] | None = field(default=None, compare=False)

    def url(self, base: str, lang: str) -> str:
        joiner = "&" if "?" in self.path else "?"
        return f"{base}{self.path}{joiner}lang={lang}"


def fetch_json(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def html_operations(doc: dict) -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every operation of the document whose answer can be an HTML page."""
    found = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            types = {t for answer in op.get("responses", {}).values() for t in (answer.get("content") or {})}
            if HTML in types:
                found.append((method.upper(), path, op))
    return found


def param_values(base: str, headers: dict, resolvers: dict) -> dict:
    """Values of the path parameters: every collection (with one feature each), the map views, and what the
    caller resolves (an import)."""
    collections = [c["id"] for c in fetch_json(f"{base}/collections?f=json", headers)["collections"]]
    features = {}
    for cid in collections:
        items = fetch_json(f"{base}/collections/{cid}/items?f=json&limit=1", headers)["features"]
        if items:
            features[cid] = str(items[0]["id"])
    return {"collection_id": collections, "feature_id": features, **resolvers}


def expand(path: str, op: dict, values: dict) -> list[str]:
    """The concrete paths of an operation's path (enums of the document, then the values given)."""
    names = re.findall(r"{([^}]+)}", path)
    if not names:
        return [path]
    enums = {p["name"]: p["schema"]["enum"] for p in op.get("parameters", [])
             if p.get("in") == "path" and "enum" in p.get("schema", {})}
    if names == ["collection_id", "feature_id"]:
        return [path.format(collection_id=c, feature_id=f) for c, f in values["feature_id"].items()]
    if len(names) != 1:
        raise AssertionError(f"no way to fill {names} of {path}: add it to tests/a11y_support.py")
    name = names[0]
    if name not in enums and name not in values:
        raise AssertionError(f"no value for {{{name}}} of {path}: add a resolver in tests/a11y_support.py")
    chosen = enums.get(name) or values[name]
    return [path.replace("{" + name + "}", str(v)) for v in ([chosen] if isinstance(chosen, str) else chosen)]


def with_html(path: str, op: dict) -> str:
    if any(p.get("name") == "f" and p.get("in") == "query" for p in op.get("parameters", [])):
        return f"{path}?f=html"
    return path


def pages_of(doc: dict, values: dict) -> list[Page]:
    """Every page the OpenAPI document serves as HTML, once each (the per-collection paths the document spells out
    are the same pages as its {collection_id} paths)."""
    pages, seen = [], set()
    for method, path, op in html_operations(doc):
        if method == "POST" and path in SKIPPED_POSTS:
            continue
        if method == "POST" and path not in POST_BODIES:
            raise AssertionError(f"POST {path} answers HTML: give the body it is checked with in POST_BODIES")
        if method not in ("GET", "POST"):
            raise AssertionError(f"{method} {path} answers HTML: teach tests/a11y_support.py to open it")
        for concrete in expand(path, op, values):
            target = with_html(concrete, op)
            if (method, target) in seen:
                continue
            seen.add((method, target))
            pages.append(Page(f"{method} {target}", target, method, bool(op.get("security")),
                              POST_BODIES.get(path) if method == "POST" else None))
    return pages


def import_values(base: str, doc: dict, token: str) -> dict:
    """{"import_id": [id]} of a small GeoJSON imported through `POST /imports` (when the service has it), so the
    QC report page of an import can be checked; {} without the operation."""
    if "post" not in doc["paths"].get("/imports", {}):
        return {}
    layer_id = "a11y_site"
    if layer_id not in [c["id"] for c in fetch_json(f"{base}/collections?f=json",
                                                     {"Authorization": f"Bearer {token}"})["collections"]]:
        feature = {"type": "Feature", "properties": {"name_zh": "无障碍测试地块", "name_en": "Accessibility test site"},
                   "geometry": SITE}
        fields = {"id": layer_id, "title_zh": "无障碍测试地块", "title_en": "Accessibility test site", "role": "context",
                  "plan_ref": "§9"}
        body = multipart(fields, ("site.geojson", json.dumps({"type": "FeatureCollection", "features": [feature]})))
        request = urllib.request.Request(f"{base}/imports", data=body, method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        with urllib.request.urlopen(request, timeout=60):
            pass
    return {"import_id": [layer_id]}


BOUNDARY = "a11y-form-boundary"


def multipart(fields: dict, upload: tuple[str, str]) -> bytes:
    """A multipart/form-data body (boundary BOUNDARY) of text fields and one file."""
    boundary = BOUNDARY
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{upload[0]}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n{upload[1]}\r\n".encode())
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


# issue 24: the batch review's summary page, for a file of one site (a signed-in user's POST)
BATCH_SITES = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "A11Y-1", "properties": {"project": "光电"}, "geometry": SITE}]})
POST_BODIES["/analysis/batch"] = (f"multipart/form-data; boundary={BOUNDARY}", multipart({}, ("sites.geojson",
                                                                                             BATCH_SITES)))


def job_values(base: str, doc: dict, token: str) -> dict:
    """{"job_id": [id]} of a finished batch-review job (the job's page and its results page); {} without jobs."""
    if "/jobs/{job_id}" not in doc["paths"]:
        return {}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Prefer": "respond-async"}
    body = json.dumps({"inputs": {"sites": json.loads(BATCH_SITES)}}).encode()
    request = urllib.request.Request(f"{base}/processes/batch-review/execution", data=body, method="POST",
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        job = json.load(response)
    for _ in range(600):  # one site: done within a second; polled every 0.1 s, at most a minute
        if job["status"] not in ("accepted", "running"):
            break
        time.sleep(0.1)
        job = fetch_json(f"{base}/jobs/{job['jobID']}", {"Authorization": f"Bearer {token}"})
    return {"job_id": [job["jobID"]]}


# -- in the browser ---------------------------------------------------------------------------------------------

def axe_source() -> str:
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: `make setup` installs tools/js (npm ci --prefix tools/js)")
    return AXE.read_text(encoding="utf-8")


def run_axe(driver, source: str) -> list[dict]:
    """The WCAG 2 A/AA violations of the page as it is now: [{id, impact, help, nodes: [target, ...]}]."""
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(source)
    driver.set_script_timeout(60)
    result = driver.execute_async_script("""var done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
          .then(function (r) { done(r.violations.map(function (v) { return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(function (n) { return n.target.join(' ') + ' :: ' + n.failureSummary; })}; })); },
                function (e) { done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: ['-']}]); });""",
                                         list(TAGS))
    return result


def sign_in(driver, base: str, name: str, password: str) -> None:
    """Sign in through the /login form as a person does."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    WebDriverWait(driver, 15).until(lambda d: "/login" not in d.current_url)


def open_html(driver, base: str, page: Page, lang: str) -> None:
    """Load the page (a POST's answer written into a window of the service, as the planner's print button does)."""
    from selenium.webdriver.support.ui import WebDriverWait

    if page.method == "GET":
        driver.get(page.url(base, lang))
    else:
        driver.get(f"{base}/healthz")
        content_type, body = page.body
        driver.execute_async_script("""var done = arguments[arguments.length - 1];
            var url = arguments[0], type = arguments[1], body = arguments[2];
            fetch('/me', {headers: {Accept: 'application/json'}}).then(function (r) { return r.json(); })
              .then(function (me) {  // a signed-in session's POST carries its CSRF token, as the pages' buttons do
                var headers = {'Content-Type': type};
                if (me.csrf_token) { headers['X-CSRF-Token'] = me.csrf_token; }
                return fetch(url, {method: 'POST', headers: headers, body: body}); })
              .then(function (r) { return r.text(); })
              .then(function (html) { document.open(); document.write(html); document.close(); done(); });""",
                                    page.url(base, lang), content_type, body.decode())
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(AT_REST))


# a page at rest: loaded, a map page's layers fetched and its map still, no transition running (browser_support.py)
AT_REST = """var M = window.YiwuMap, running = document.getAnimations().filter(function (a) {
      return a.playState === 'running' && a.effect && a.effect.getComputedTiming().iterations !== Infinity; });
    return document.readyState === 'complete' && running.length === 0 &&
      (!M || !('pending' in M) || (!!M.map && M.idle));"""
ANSWERED = """return !document.querySelector('[data-state=loading]') &&
    !!document.querySelector('[data-state=done], [data-state=error]');"""
POPUP_SHOWN = """var p = document.querySelector('.leaflet-popup');
    return !!p && getComputedStyle(p).opacity === '1';"""
OPEN_POPUP = """var M = window.YiwuMap; if (!M || !M.map) { return 'no map'; }
    if (M.items) { var first = M.items.getLayers()[0]; if (!first) { return 'no feature'; }
      first.openPopup(first.getLatLng ? first.getLatLng() : first.getBounds().getCenter()); return 'items'; }
    var ids = Object.keys(M.layers).sort(function (a, b) { return (a.indexOf('park') < 0) - (b.indexOf('park') < 0); });
    for (var i = 0; i < ids.length; i++) {
      var lay = M.layers[ids[i]]; if (!M.map.hasLayer(lay) || !lay.getLayers) { continue; }
      var subs = lay.getLayers();
      for (var j = 0; j < subs.length; j++) {
        var at = subs[j].getLatLng ? subs[j].getLatLng() : subs[j].getCenter ? subs[j].getCenter() : null;
        if (at && M.hitTest(at).length) { M.map.setView(at, Math.max(M.map.getZoom(), 12), {animate: false});
          M.map.fire('click', {latlng: at}); return ids[i]; }
      }
    }
    return 'nothing to click';"""

OPEN_PANEL = """var M = window.YiwuMap; if (!M || !M.showTab) { return 'no panel'; }
    var analysis = document.querySelector('.yiwu-dock-tab[data-tab=analysis]');
    M.showTab(analysis ? 'analysis' : 'layers', true);
    if (M.analysis && document.querySelector('.yiwu-site-report, .yiwu-site-panel')) {
      M.analysis.analyseSite(arguments[0]); return 'site'; }
    var ticks = document.querySelectorAll('.yiwu-park-tick input');
    if (ticks.length > 1) { ticks[0].click(); ticks[1].click();
      document.querySelector('.yiwu-compare-button').click(); return 'compare'; }
    var pick = document.querySelector('.yiwu-corridor-pick'); if (pick) { pick.click(); return 'corridor'; }
    return analysis ? 'analysis' : 'layers';"""


def open_popup_and_panel(driver) -> tuple[str, str]:
    """Open the view's panel (with its analysis shown: a site check, a park comparison or a route's metrics) and a
    feature's popup; what was opened."""
    from selenium.webdriver.support.ui import WebDriverWait

    panel = driver.execute_script(OPEN_PANEL, {"type": "Feature", "properties": {}, "geometry": SITE})
    if panel in ("site", "compare", "corridor"):  # its analysis answered
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(ANSWERED))
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(AT_REST))
    popup = driver.execute_script(OPEN_POPUP)
    if popup not in ("no map", "no feature", "nothing to click"):
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(POPUP_SHOWN))
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(AT_REST))
    return panel, popup


def summary(violations: list[dict]) -> dict[str, int]:
    """{rule id: number of elements} of a page's violations."""
    return {v["id"]: len(v["nodes"]) for v in violations}


def audit_page(driver, base: str, page: Page, lang: str, size: str, source: str) -> dict:
    """Load a page at a size and language, run axe; on a map page open a popup and the panel and run it again.
    Returns {"violations": [...], "opened": [...]}: the union of both runs by rule (the larger node list)."""
    width, height = SIZES[size]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    open_html(driver, base, page, lang)
    found = {v["id"]: v for v in run_axe(driver, source)}
    opened = []
    if driver.execute_script("return !!(window.YiwuMap && YiwuMap.map)"):
        opened = list(open_popup_and_panel(driver))
        for v in run_axe(driver, source):
            if len(v["nodes"]) > len(found.get(v["id"], {"nodes": []})["nodes"]):
                found[v["id"]] = v
    return {"violations": list(found.values()), "opened": opened,
            "lang_attr": driver.execute_script("return document.documentElement.getAttribute('lang')")}
