"""The analysis panels reach the audience pages (not the overview) with their labels in the page language."""

from __future__ import annotations

import json
import re

import pytest

from webmap.analysis_panels import KINDS, URLS

PANEL_CALL = re.compile(r'YiwuMap\.analysis\["(\w+)"\]\(map_\w+, (\{.*?\})\);', re.S)


@pytest.mark.parametrize("view_id", list(KINDS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_audience_page_loads_its_panel(client, view_id, lang):
    page = client.get(f"/map/{view_id}?lang={lang}").get_data(as_text=True)
    assert '<script type="module" src="/static/js/main.js"></script>' in page
    assert 'href="/static/yiwu-analysis.css"' in page
    calls = PANEL_CALL.findall(page)
    assert [kind for kind, _ in calls] == [KINDS[view_id]]
    options = json.loads(calls[0][1])
    assert options["lang"] == lang and options["urls"] == URLS
    assert options["labels"]["site_title"] == ("Site compliance check" if lang == "en" else "选址合规检查")
    assert page.index("YiwuMap.tools(") < page.index("YiwuMap.analysis[")  # after the draw tools and the layers


def test_overview_has_no_panel(client):
    page = client.get("/").get_data(as_text=True)
    assert "yiwu-analysis.css" not in page and "YiwuMap.analysis[" not in page


@pytest.mark.parametrize("path", URLS.values())
def test_panel_urls_are_served(client, path):
    url = path.replace("{id}", "yxo_madrid")
    if url == URLS["compare"]:
        url += "?ids=world_capital_of_light.suxi,green_power_town.kaifaqu"
    resp = client.post(url, json={"type": "Point", "coordinates": [120.0, 29.3]}) if url == URLS["site"] else client.get(url)
    assert resp.status_code == 200, url
