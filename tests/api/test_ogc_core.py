"""OGC API – Features Part 1: landing page negotiation, conformance, collections, items, HTML, errors."""

import json

import pyogrio
import pytest

from api.html.render import render

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def _rels(body: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in body["links"]}


def test_browsers_keep_the_overview_map(client):
    for headers in (BROWSER, {}):
        resp = client.get("/", headers=headers)
        assert resp.status_code == 200 and resp.content_type.startswith("text/html")
        assert b"leaflet" in resp.data


@pytest.mark.parametrize(("url", "headers"), [("/?f=json", BROWSER), ("/", {"Accept": "application/json"}),
                                              ("/", {"Accept": "*/*"})])
def test_landing_document_by_negotiation(client, url, headers):
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200 and resp.content_type == "application/json"
    rels = _rels(resp.get_json())
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"]["href"].endswith("/collections") and rels["conformance"]["href"].endswith("/conformance")
    assert rels["service-desc"]["href"].endswith("/openapi")


def test_conformance_declares_core_geojson_html_oas30_crs_filter(client):
    resp = client.get("/conformance")
    assert resp.status_code == 200 and resp.content_type == "application/json"
    classes = set(resp.get_json()["conformsTo"])
    for name in ("core", "geojson", "html", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in classes
    html = client.get("/conformance?f=html")
    assert html.content_type.startswith("text/html") and CORE.encode() in html.data


def test_collection_is_ogc_shaped_and_keeps_its_extra_fields(client, gpkg):
    body = client.get("/collections/logistics_hubs").get_json()
    frame = pyogrio.read_dataframe(gpkg, layer="logistics_hubs")
    assert body["itemType"] == "feature" and body["feature_count"] == len(frame)
    assert body["extent"]["spatial"]["bbox"][0] == pytest.approx(list(frame.total_bounds))
    assert body["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert body["group"] and body["accuracy"] and body["plan_refs"] and body["titles"]["en"]
    types = {(link["rel"], link["type"]) for link in body["links"]}
    assert ("items", "application/geo+json") in types and ("items", "text/html") in types
    assert {"text/csv", "application/geopackage+sqlite3", "application/zip", "application/flatgeobuf"} <= \
        {link["type"] for link in body["links"] if link["rel"] == "enclosure"}


def test_collections_html_lists_every_collection(client):
    resp = client.get("/collections", headers=BROWSER)
    assert resp.status_code == 200 and resp.content_type.startswith("text/html")
    ids = [c["id"] for c in client.get("/collections").get_json()["collections"]]
    assert all(f"/collections/{layer_id}/items?f=html".encode() in resp.data for layer_id in ids)


def test_items_metadata_and_links(client, gpkg):
    resp = client.get("/collections/overseas_warehouses/items?limit=7&offset=14")
    assert resp.status_code == 200 and resp.content_type == "application/geo+json"
    body = resp.get_json()
    expected = sorted(pyogrio.read_dataframe(gpkg, layer="overseas_warehouses")["feature_id"])
    assert [f["id"] for f in body["features"]] == expected[14:21]
    assert body["numberMatched"] == len(expected) and body["numberReturned"] == 7
    assert "timeStamp" not in body  # optional; left out so that the ETag depends on the data only
    later = client.get("/collections/overseas_warehouses/items?limit=7&offset=14", headers={"If-None-Match":
                                                                                           resp.headers["ETag"]})
    assert later.status_code == 304
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert "offset=21" in rels["next"] and "offset=7" in rels["prev"] and "f=json" in rels["self"]
    alternates = {link["type"] for link in body["links"] if link["rel"] == "alternate"}
    assert {"text/html", "text/csv", "application/flatgeobuf"} <= alternates


def test_last_page_has_no_next_link(client):
    body = client.get("/collections/overseas_warehouses/items?limit=10&offset=30").get_json()
    assert body["numberReturned"] == body["numberMatched"] - 30 == 9 and "next" not in {link["rel"] for link in body["links"]}


def test_items_html_has_map_and_table(client):
    resp = client.get("/collections/logistics_hubs/items?f=html&limit=100")
    assert resp.status_code == 200 and resp.content_type.startswith("text/html")
    page = resp.data.decode()
    assert "/vendor/leaflet/dist/leaflet.js" in page and "/static/js/items.js" in page
    features = client.get("/collections/logistics_hubs/items?limit=100").get_json()["features"]
    assert page.count("<tr><td><a href=") == len(features)
    assert all(f["properties"]["name_zh"] in page for f in features)


def test_html_renders_attribute_values_as_text():
    evil = "<script>alert(1)</script>"
    geojson = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": "x", "geometry": None,
                                                          "properties": {"name_zh": evil}}]}
    page = render("ogc_items.html", title=evil, headers=["name"], links=[], data={"features": geojson},
                  rows=[{"id": "x", "href": "/x", "name": evil, "name_field": "name_zh",
                         "cells": [{"text": evil, "field": "note"}]}])
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    data = page.split('id="feature-data">')[1].split("</script>")[0]
    assert json.loads(data)["features"]["features"][0]["properties"]["name_zh"] == evil


def test_single_feature_json_and_html(client):
    resp = client.get("/collections/corridors/items/corridors.yxo_madrid?f=html")
    assert resp.status_code == 200 and resp.content_type.startswith("text/html") and b"yxo_madrid" in resp.data
    body = client.get("/collections/corridors/items/corridors.yxo_madrid").get_json()
    assert {"self", "alternate", "collection"} <= {link["rel"] for link in body["links"]}


@pytest.mark.parametrize(
    ("path", "status", "code", "param"),
    [("/collections/nope/items", 404, "NotFound", None),
     ("/collections/corridors/items/nope", 404, "NotFound", None),
     ("/collections/corridors/items?f=xml", 400, "InvalidParameterValue", "f"),
     ("/collections?f=pdf", 400, "InvalidParameterValue", "f"),
     ("/collections/corridors/items?colour=red", 400, "InvalidParameterValue", "colour"),
     ("/collections/corridors/items?limit=20000", 400, "InvalidParameterValue", "limit"),
     ("/collections/corridors/items?crs=EPSG:3857", 400, "InvalidParameterValue", "crs"),
     ("/collections/corridors/items?bbox-crs=EPSG:3857&bbox=0,0,1,1", 400, "InvalidParameterValue", "bbox-crs"),
     ("/collections/corridors/items?datetime=yesterday", 400, "InvalidParameterValue", "datetime"),
     ("/collections/corridors/items?datetime=../..", 400, "InvalidParameterValue", "datetime"),
     ("/collections/corridors/items/corridors.yxo_madrid?crs=EPSG:9999", 400, "InvalidParameterValue", "crs")],
)
def test_errors_are_ogc_exceptions(client, path, status, code, param):
    resp = client.get(path)
    assert resp.status_code == status and resp.content_type == "application/json"
    body = resp.get_json()
    assert body["code"] == code and body["description"]
    if param:
        assert body["description"].startswith(param + ":")


def test_datetime_is_validated_and_restricts_nothing(client):
    every = client.get("/collections/corridors/items?limit=100").get_json()["numberMatched"]
    for value in ("2025-12-31T00:00:00Z", "2021-01-01/..", "../2025-12-31", "2021-01-01T00:00:00Z/2025-12-31T00:00:00Z"):
        resp = client.get(f"/collections/corridors/items?datetime={value}")
        assert resp.status_code == 200 and resp.get_json()["numberMatched"] == every


def test_negotiated_responses_vary_on_accept(client):
    for path in ("/", "/collections", "/collections/yixi_84/items"):
        assert "Accept" in client.get(path).headers["Vary"]
