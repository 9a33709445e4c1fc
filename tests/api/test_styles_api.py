"""OGC API – Styles: every collection's style listed and published as MapLibre GL style JSON and as SLD 1.1, both
written from the classes the map pages draw (checked on the corridors, categorized by mode, and the counties,
graduated by area); an editor changes a style with PUT under the style's ETag (If-Match), recorded in the audit
trail with the style before and after; the endpoints are in /conformance and /openapi."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from conftest import workspace_settings

from server import create_app

SE, OGC = "{http://www.opengis.net/se}", "{http://www.opengis.net/ogc}"


pytestmark = pytest.mark.engines  # the style table and its audit row are written by each engine


@pytest.fixture(scope="module")
def service(request, tmp_path_factory, data_dir, backend):
    """The app over the built data with its own workspace (a GeoPackage, or a fresh PostGIS schema) and a user of
    each role."""
    tmp = tmp_path_factory.mktemp(f"styles_api_{backend}")
    settings = workspace_settings(request, tmp, data_dir, backend, "ws_styles")
    app = create_app(settings)
    accounts = app.extensions["yiwu"].accounts
    tokens = {role: accounts.add_user(f"st_{role}", role, actor="test") for role in ("viewer", "editor", "admin")}
    return app, {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}


def test_the_styles_of_a_collection_and_the_conformance(service):
    app, _ = service
    client = app.test_client()
    body = client.get("/collections/corridors/styles").get_json()
    assert body["default"] == "default" and [s["id"] for s in body["styles"]] == ["default"]
    assert {link["title"] for link in body["styles"][0]["links"]} == {"mapbox", "sld", "json"}
    conforms = client.get("/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-styles-1/1.0/conf/sld-11" in conforms
    paths = client.get("/openapi?f=json").get_json()["paths"]
    assert {"get", "put"} <= set(paths["/collections/{collection_id}/styles/{styleId}"])
    assert client.get("/collections/corridors/styles/other").status_code in (400, 404)
    assert client.get("/collections/nothing/styles").status_code == 404
    links = client.get("/collections/corridors").get_json()["links"]
    assert any(link["href"].endswith("/collections/corridors/styles") for link in links)


def test_the_mapbox_style_draws_the_classes_of_the_map_pages(service):
    app, _ = service
    client = app.test_client()
    resp = client.get("/collections/corridors/styles/default?f=mapbox")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/vnd.mapbox.style+json")
    doc = json.loads(resp.data)
    assert doc["version"] == 8 and doc["sources"]["corridors"]["url"].endswith("/tilejson.json")
    line = doc["layers"][0]
    assert line["type"] == "line" and line["source-layer"] == "corridors"
    expr = line["paint"]["line-color"]
    assert expr[0] == "match" and dict(zip(expr[2:-1:2], expr[3:-1:2], strict=True))["rail"] == "#c2255c"
    counties = json.loads(client.get("/collections/jinhua_counties/styles/default?f=mapbox").data)
    fill = counties["layers"][0]["paint"]["fill-color"]
    steps = fill[2]
    with app.app_context():
        from api.core.services import services

        areas = services().engine.frame("jinhua_counties")["area_km2"].to_numpy()
    assert steps[0] == "step" and steps[3::2] == pytest.approx(list(np.quantile(areas, [1 / 3, 2 / 3])))


def test_the_sld_has_a_rule_per_class_and_the_other_class(service):
    app, _ = service
    resp = app.test_client().get("/collections/corridors/styles/default?f=sld&lang=en")
    assert resp.status_code == 200 and resp.mimetype == "application/vnd.ogc.sld+xml"
    root = ET.fromstring(resp.data)
    rules = root.findall(f".//{SE}Rule")
    values = [r.find(f"{OGC}Filter/{OGC}PropertyIsEqualTo/{OGC}Literal").text for r in rules
              if r.find(f"{OGC}Filter/{OGC}PropertyIsEqualTo") is not None]
    with app.app_context():
        from api.core.services import services

        modes = set(services().engine.frame("corridors")["mode"])
    assert set(values) == modes and len(values) == len(modes)
    assert rules[-1].find(f"{OGC}Filter/{OGC}PropertyIsNull/{OGC}PropertyName").text == "mode"
    rail = next(r for r in rules if r.find(f".//{OGC}Literal") is not None and r.find(f".//{OGC}Literal").text == "rail")
    assert rail.find(f".//{SE}LineSymbolizer/{SE}Stroke/{SE}SvgParameter[@name='stroke']").text == "#c2255c"
    assert rail.find(f"{SE}Description/{SE}Title").text == "rail"


def _put(client, headers, body, etag=None):
    extra = {"If-Match": etag} if etag else {}
    return client.put("/collections/yixi_84/styles/default", headers={**headers, **extra}, json=body)


def test_an_editor_changes_a_style_under_its_etag_and_the_audit_trail_has_it(service):
    app, auth = service
    client = app.test_client()
    read = client.get("/collections/yixi_84/styles/default?f=json")
    etag, before = read.headers["ETag"].strip('"'), read.get_json()
    new = {**before, "color": "#123456", "label_field": "name_zh", "minzoom": 8}
    assert _put(client, {}, new, etag).status_code == 401
    assert _put(client, auth["viewer"], new, etag).status_code == 403
    assert _put(client, auth["editor"], new).status_code == 428
    assert _put(client, auth["editor"], new, "0" * 32).status_code == 412
    bad = _put(client, auth["editor"], {**new, "fill_color": "green"}, etag)
    assert bad.status_code == 400 and "fill_color" in bad.get_json()["description"]
    missing = _put(client, auth["editor"], {**new, "label_field": "no_such_field"}, etag)
    assert missing.status_code == 400 and "no_such_field" in missing.get_json()["description"]
    done = _put(client, auth["editor"], new, etag)
    assert done.status_code == 200 and done.headers["ETag"].strip('"') != etag
    again = client.get("/collections/yixi_84/styles/default?f=json")
    assert again.get_json()["color"] == "#123456" and again.headers["ETag"] == done.headers["ETag"]
    assert _put(client, auth["editor"], new, etag).status_code == 412  # the old ETag is stale now
    html = client.get("/map/planner").get_data(as_text=True)
    overlays = [json.JSONDecoder().raw_decode(html, m.end())[0] for m in re.finditer(r"YiwuMap\.geojsonLayer\(", html)]
    assert next(o for o in overlays if o["id"] == "yixi_84")["style"]["color"] == "#123456"
    trail = client.get("/audit?collection=yixi_84&action=style&limit=5", headers=auth["admin"]).get_json()["entries"]
    assert trail[0]["actor"] == "st_editor" and trail[0]["before"] == before and trail[0]["after"]["color"] == "#123456"
    sld = ET.fromstring(client.get("/collections/yixi_84/styles/default?f=sld").data)
    assert sld.find(f".//{SE}TextSymbolizer/{SE}Label/{OGC}PropertyName").text == "name_zh"
    assert float(sld.find(f".//{SE}MaxScaleDenominator").text) == pytest.approx(559082264.0287178 / 2 ** 8)
