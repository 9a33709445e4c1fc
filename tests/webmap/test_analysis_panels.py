"""The analysis panels reach the audience pages (not the overview) with their labels in the page language, and
every URL a panel calls answers from the app as the panel calls it. Expectations are written here (words of the
page, the app's routes) rather than read from webmap/analysis_panels.py."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from webmap.analysis_panels import add_analysis_panels, panel_options
from webmap.elements import OfflineMap
from webmap.views import VIEWS

PANEL_CALL = re.compile(r'YiwuMap\.analysis\["(\w+)"\]\(map_\w+, (\{.*?\})\);', re.S)
PANELS = {"planner": "sitePanel", "investor": "parksPanel", "logistics": "corridorMetrics"}  # static/js/analysis
TITLES = {  # the words each panel shows, as the page's reader sees them
    "zh": {"site_title": "选址合规检查", "parks_title": "产业平台", "metrics": "通道指标", "compare": "对比"},
    "en": {"site_title": "Site compliance check", "parks_title": "Industrial parks", "metrics": "Corridor metrics",
           "compare": "Compare"},
}


def panel_call(page: str) -> tuple[str, dict]:
    calls = PANEL_CALL.findall(page)
    assert len(calls) == 1, calls
    return calls[0][0], json.loads(calls[0][1])


@pytest.mark.parametrize("view_id", list(PANELS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_audience_page_loads_its_panel(client, view_id, lang):
    page = client.get(f"/map/{view_id}?lang={lang}").get_data(as_text=True)
    assert '<script type="module" src="/static/js/main.js"></script>' in page
    assert 'href="/static/yiwu-analysis.css"' in page
    kind, options = panel_call(page)
    assert kind == PANELS[view_id] and options["lang"] == lang
    for key, words in TITLES[lang].items():
        assert options["labels"][key] == words, key
    assert page.index("YiwuMap.tools(") < page.index("YiwuMap.analysis[")  # after the draw tools and the layers


def test_overview_has_no_panel(client):
    page = client.get("/").get_data(as_text=True)
    assert "yiwu-analysis.css" not in page and "YiwuMap.analysis[" not in page


@pytest.mark.parametrize("view_id", list(PANELS))
def test_every_panel_url_answers_as_the_panel_calls_it(client, view_id):
    """The site check POSTs a geometry (and asks ?f=html for the printable report), the parks panel GETs the list
    and the comparison of two ids, the corridor popup GETs the metrics of a corridor's feature id."""
    _, options = panel_call(client.get(f"/map/{view_id}").get_data(as_text=True))
    urls = options["urls"]
    site = client.post(urls["site"], json={"type": "Point", "coordinates": [120.0, 29.3]})
    assert site.status_code == 200 and "zones" in site.get_json()
    report = client.post(urls["site"] + "?f=html&lang=en", json={"type": "Point", "coordinates": [120.0, 29.3]})
    assert report.status_code == 200 and report.content_type.startswith("text/html")
    parks = client.get(urls["parks"])
    assert parks.status_code == 200
    ids = [p["id"] for p in parks.get_json()["parks"]][:2]
    assert len(ids) == 2
    compare = client.get(urls["compare"] + "?ids=" + ",".join(quote(i, safe="") for i in ids))
    assert compare.status_code == 200 and [p["id"] for p in compare.get_json()["parks"]] == ids
    corridor = client.get("/collections/corridors/items?limit=1").get_json()["features"][0]["id"]
    metrics = client.get(urls["metrics"].replace("{id}", quote(corridor, safe="")))
    assert metrics.status_code == 200 and metrics.get_json()["countries"], corridor


def test_panel_urls_are_the_ones_passed():
    """The URLs are a parameter (the app's URL builder passes them); url_for's escaped {id} is understood."""
    urls = {"site": "/yiwu/analysis/site", "parks": "/yiwu/parks", "compare": "/yiwu/parks/compare",
            "metrics": "/yiwu/corridors/%7Bid%7D/metrics"}
    fmap = OfflineMap(location=[29.3, 120.0], zoom_start=10, tiles=None)
    add_analysis_panels(fmap, VIEWS["investor"], "en", urls, [])
    _, options = panel_call(fmap.get_root().render())
    assert options["urls"] == {**urls, "metrics": "/yiwu/corridors/{id}/metrics"}


@pytest.mark.parametrize("urls", [
    {"site": "/s", "parks": "/p", "compare": "/c"},
    {"site": "/s", "parks": "/p", "compare": "/c", "metrics": "/corridors/metrics"},
])
def test_incomplete_panel_urls_are_refused(urls):
    with pytest.raises(ValueError, match="metrics"):
        panel_options("zh", urls, [])
