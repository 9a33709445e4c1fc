import json
import math
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import yaml

from geo.store.layerinfo import layer_info
from layers import load_catalog
from webmap.build import build_map
from webmap.i18n import HTML_LANGS, strings
from webmap.views import VIEWS

CATALOG = Path(__file__).resolve().parents[2] / "layers" / "catalog"

PAGES = {"overview": "/", "planner": "/map/planner", "investor": "/map/investor", "logistics": "/map/logistics"}


@pytest.mark.parametrize("view_id", list(PAGES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_carries_every_layer_of_its_audience(client, app, view_id, lang):
    resp = client.get(PAGES[view_id] + ("?lang=en" if lang == "en" else ""))
    assert resp.status_code == 200 and resp.content_type == "text/html; charset=utf-8"
    html = resp.get_data(as_text=True)
    audience = None if view_id == "overview" else view_id  # read from the catalog files, not from the code
    entries = [yaml.safe_load(f.read_text(encoding="utf-8")) for f in sorted(CATALOG.glob("*.yaml"))]
    expected = [e for e in entries if audience is None or audience in e["audiences"]]
    assert len(expected) >= 5
    for entry in expected:
        title = entry["title"][lang]
        assert title in html or json.dumps(title)[1:-1] in html, entry["id"]
        assert f'"id": "{entry["id"]}"' in html
    assert "YiwuMap.layerControl(" in html and "YiwuMap.legend(" in html


def test_overview_has_all_eight_plan_layers(client):
    html = client.get("/").get_data(as_text=True)
    for layer_id in ["yiwu_boundary", "yixi_84", "second_ring_266", "world_capital_of_light", "green_power_town",
                     "logistics_hubs", "corridors", "overseas_warehouses"]:
        assert f'"id": "{layer_id}"' in html


@pytest.mark.parametrize("path", list(PAGES.values()))
def test_pages_load_nothing_from_outside(client, path):
    html = client.get(path).get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "?", "data:")) for s in sources), sources
    for src in sources:
        if src.startswith(("/vendor/", "/static/")):
            assert client.get(src).status_code == 200, src


def test_unknown_view_is_404_json_in_the_page_language(client):
    resp = client.get("/map/tourist")
    assert resp.status_code == 404 and resp.get_json()["code"] == "NotFound"
    assert "地图视图“tourist”不存在" in resp.get_json()["description"]
    english = client.get("/map/tourist?lang=en").get_json()
    assert english["description"].startswith("map view 'tourist' does not exist")


class FakeSource:
    """One small layer as the map builder reads it: the frame and its build facts."""

    def __init__(self, frame):
        self._frame = frame

    def frame(self, layer_id):
        return self._frame

    def info(self, layer_id):
        return layer_info(layer_id, self._frame)


def test_attribute_values_never_reach_the_page_as_html():
    catalog = load_catalog()
    evil = '<img src=x onerror="alert(1)">'
    frame = gpd.GeoDataFrame(
        {"feature_id": ["yixi_84.x"], "name_zh": [evil], "name_en": [evil], "source": ["</script><script>alert(2)"],
         "accuracy": ["schematic"], "plan_ref": ["§9"], "plan_quote": [evil]},
        geometry=[shapely.box(120, 29.3, 120.01, 29.31)], crs="EPSG:4326")
    only = {"yixi_84": catalog["yixi_84"]}
    link = lambda endpoint, **v: f"/{endpoint}/" + "/".join(map(str, v.values()))  # noqa: E731
    html = build_map(VIEWS["planner"], only, FakeSource(frame), link).get_root().render()
    assert "<img src=x" not in html and "</script><script>alert(2)" not in html
    assert "\\u003cimg src=x" in html  # present only as JSON-escaped data, rendered with textContent


@pytest.mark.parametrize("lang, words", [("zh", ["海铁联运", "铁路"]), ("en", ["sea-rail", "rail"])])
def test_legend_classes_and_values_follow_the_language(client, lang, words):
    html = client.get("/map/logistics" + ("?lang=en" if lang == "en" else "")).get_data(as_text=True)
    for word in words:
        assert json.dumps(word)[1:-1] in html or word in html
    assert ('"planned": "规划"' in html or '"planned": "\\u89c4\\u5212"' in html) == (lang == "zh")


def test_tianditu_is_offered_only_with_a_key():
    from webmap.basemaps import basemaps

    assert [b["id"] for b in basemaps("zh", "")] == ["offline", "osm", "amap"]
    with_key = basemaps("en", "abc123")
    assert [b["id"] for b in with_key] == ["offline", "osm", "tianditu_vec", "tianditu_img", "amap"]
    vec = with_key[2]
    assert "tk=abc123" in vec["url"] and "LAYER=eva" in vec["labels_url"] and vec["title"].startswith("Tianditu")


def test_popups_link_to_the_layer_downloads(client):
    html = client.get("/map/planner").get_data(as_text=True)
    html = html.replace("\\u0026", "&")  # tojson escapes & inside the page's script
    links = re.findall(r'"href": "(/collections/yixi_84/items\?f=(\w+)&limit=10000)"', html)
    assert sorted(fmt for _, fmt in links) == ["csv", "fgb", "gpkg", "json", "shp"]
    for href, fmt in links:
        resp = client.get(href)
        assert resp.status_code == 200, href
        if fmt != "json":
            assert "attachment" in resp.headers["Content-Disposition"], href


def test_tianditu_key_comes_from_the_environment_through_config(monkeypatch, data_dir):
    from server import create_app

    monkeypatch.setenv("YIWU_TIANDITU_KEY", "k3y-from-env")
    app = create_app({"DATA_DIR": data_dir})
    assert app.extensions["yiwu"].settings.tianditu_key == "k3y-from-env"
    html = app.test_client().get("/map/planner").get_data(as_text=True)
    assert "tk=k3y-from-env" in html.replace("\\u0026", "&")
    monkeypatch.delenv("YIWU_TIANDITU_KEY")
    plain = create_app({"DATA_DIR": data_dir}).test_client().get("/map/planner")
    assert "tianditu" not in plain.get_data(as_text=True)


CODED = ("status", "plan_status", "mode", "port_type", "accuracy", "four_ports", "region")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_popup_field_and_coded_value_has_a_word(client, app, lang):
    """Popups name every field the catalog lists (the benchmark's parcels too) and every coded value the built data
    holds (status, plan_status, mode, port_type, accuracy, four_ports, region) in the page language."""
    from bench.parcels import catalog_entry
    from webmap.build import layer_options, value_names

    link = lambda endpoint, **v: "/"  # noqa: E731
    fields = {f for lay in app.extensions["yiwu"].catalog.values()
              for f in layer_options(lay, lang, link)["popup"]["fields"]}
    fields |= set(catalog_entry("parcels", "x.gpkg")["popup_fields"])
    labels = strings(lang)["fields"]
    assert not sorted(f for f in fields if f not in labels), sorted(f for f in fields if f not in labels)
    names = value_names(lang)
    missing = set()
    for lay in app.extensions["yiwu"].catalog.values():
        for feature in client.get(f"/collections/{lay.id}/items?limit=10000").get_json()["features"]:
            for field in CODED:
                value = feature["properties"].get(field)
                if value is not None and value not in names.get(field, {}):
                    missing.add((field, value))
    assert not missing, sorted(missing)


def test_the_offline_basemap_is_drawn_from_the_boundary_and_place_layers(client, app):
    """Land (the country level), every boundary level and the names come from the catalog's roles, whatever the page:
    each boundary layer's tiles answer inside its extent, and its labels lie inside its features."""
    from webmap.basemaps import offline_basemap

    catalog = app.extensions["yiwu"].catalog
    with app.test_request_context():
        from api.core.urls import path_url

        spec = offline_basemap(catalog.values(), app.extensions["yiwu"].engine, path_url, "zh")
    boundaries = [lay for lay in catalog.values() if lay.role == "boundary"]
    assert [b["id"] for b in spec["boundaries"]] == [lay.id for lay in boundaries]
    assert spec["sea"] and [b["id"] for b in spec["boundaries"] if b["land"]] == \
        [lay.id for lay in boundaries if lay.boundary_level == "country"]
    for entry in spec["boundaries"]:
        west, south, east, north = entry["bounds"]
        lon, lat = (west + east) / 2, (south + north) / 2
        z = 6
        x = int((lon + 180) / 360 * 2**z)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
        url = entry["tiles"].replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
        assert client.get(url).status_code == 200, url
    by_layer = {spec_["layer"]: spec_ for spec_ in spec["labels"]}
    assert set(by_layer) == {lay.id for lay in catalog.values() if lay.role in ("boundary", "place")}
    city = next(lay for lay in boundaries if lay.boundary_level == "city")
    frame = gpd.read_file(client.get(f"/collections/{city.id}/items?limit=10").get_data(as_text=True))
    point = by_layer[city.id]["points"][0]
    assert frame.geometry[0].contains(shapely.Point(point["lon"], point["lat"])) and point["zh"] == frame["name_zh"][0]


def test_without_an_office_basemap_a_page_never_asks_for_one(client):
    """No office basemap configured: the pages offer the offline one first and never ask /basemap (no console 404)."""
    html = client.get("/map/planner").get_data(as_text=True)
    assert "/basemap/" not in html and '"id": "office"' not in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_say_their_language_and_name_their_views(client, lang):
    html = client.get("/map/logistics" + ("?lang=en" if lang == "en" else "")).get_data(as_text=True)
    assert f'<html lang="{HTML_LANGS[lang]}">' in html
    nav = re.search(r'<nav class="yiwu-nav" aria-label="([^"]+)">(.*?)</nav>', html)
    assert nav and nav.group(1) == strings(lang)["layout"]["nav"]
    assert 'class="active" aria-current="page"' in nav.group(2)
    assert "YiwuMap.layout(" in html and html.index("YiwuMap.layout(") < html.index("YiwuMap.panes(")
