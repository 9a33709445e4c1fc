"""The map pages draw from the declared style resolved on the data: the legend's classes and the overlays' class
colours of the corridors (categorized by mode) and of the counties (graduated by area, breaks checked with numpy on
areas measured independently with pyproj)."""

import json
import re

import numpy as np
import pyproj
import pytest

from api.core.services import services


def _call_options(html: str, call: str, with_map: bool = True) -> list[dict]:
    """The JSON options of every `YiwuMap.<call>(map, {...});` (or `<call>({...})`) of a page."""
    decoder, out = json.JSONDecoder(), []
    for match in re.finditer(rf"YiwuMap\.{call}\(" + (r"[^,{]+, " if with_map else ""), html):
        out.append(decoder.raw_decode(html, match.end())[0])
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_planner_legend_lists_the_corridor_modes_and_county_area_classes(client, app, lang):
    html = client.get("/map/planner" + ("?lang=en" if lang == "en" else "")).get_data(as_text=True)
    entries = {e["id"]: e for e in _call_options(html, "legend")[0]["entries"]}
    with app.app_context():
        modes = set(services().engine.frame("corridors")["mode"])
        counties = services().engine.frame("jinhua_counties").to_crs("EPSG:4326")
    rows = entries["corridors"]["classes"]
    assert {r["value"] for r in rows} == modes  # the classes present, nothing else
    rail = next(r for r in rows if r["value"] == "rail")
    assert rail["color"] == "#c2255c" and rail["title"] == ("铁路" if lang == "zh" else "rail")
    geod = pyproj.Geod(ellps="GRS80")
    areas = np.array([abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in counties.geometry])
    low, high = np.quantile(areas, [1 / 3, 2 / 3])
    ranges = [r["title"] for r in entries["jinhua_counties"]["classes"]]
    assert len(ranges) == 3
    bounds = [float(x) for r in ranges for x in r.split(" – ")]
    assert bounds[1] == bounds[2] and bounds[3] == bounds[4]  # classes meet at the breaks
    assert bounds[1] == pytest.approx(low, rel=0.01) and bounds[3] == pytest.approx(high, rel=0.01)
    assert bounds[0] == pytest.approx(areas.min(), rel=0.01) and bounds[5] == pytest.approx(areas.max(), rel=0.01)


def test_the_overlay_options_carry_the_classes_the_legend_shows(client):
    html = client.get("/map/planner").get_data(as_text=True)
    legend = {e["id"]: e for e in _call_options(html, "legend")[0]["entries"]}
    overlays = _call_options(html, "geojsonLayer", with_map=False) + _call_options(html, "vectorTileLayer")
    styles = {o["id"]: o["style"] for o in overlays}
    corridors = styles["corridors"]
    assert corridors["class_field"] == "mode" and not corridors["class_fill"]
    assert corridors["classes"] == {r["value"]: r["color"] for r in legend["corridors"]["classes"]}
    counties = styles["jinhua_counties"]
    assert counties["class_fill"] and counties["colors"] == [r["color"] for r in legend["jinhua_counties"]["classes"]]
    assert len(counties["breaks"]) == 2
