"""The data API's basics: collections, items, ETags, errors, the plan figures and health, on both engines."""

import pyogrio
import pytest
import shapely
from pyproj import Geod

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines
LAYERS = ["yiwu_boundary", "yixi_84", "second_ring_266", "world_capital_of_light", "green_power_town",
          "logistics_hubs", "corridors", "overseas_warehouses"]


def test_collections_list_every_layer_with_counts_and_bbox(client, gpkg):
    resp = client.get("/collections")
    assert resp.status_code == 200 and resp.content_type.startswith("application/json")
    docs = {c["id"]: c for c in resp.get_json()["collections"]}
    assert set(LAYERS) <= set(docs)
    for layer_id in LAYERS:
        frame = pyogrio.read_dataframe(gpkg, layer=layer_id)
        assert docs[layer_id]["feature_count"] == len(frame)
        assert docs[layer_id]["extent"]["spatial"]["bbox"][0] == pytest.approx(list(frame.total_bounds))
        assert docs[layer_id]["titles"]["zh"] and docs[layer_id]["titles"]["en"]


def test_collection_and_unknown_collection(client):
    assert client.get("/collections/yixi_84").get_json()["title"] == "义西板块（84平方公里）"
    assert client.get("/collections/yixi_84?lang=en").get_json()["title"] == "Yixi area (84 km²)"
    resp = client.get("/collections/no_such_layer")
    assert resp.status_code == 404 and resp.get_json()["code"] == "NotFound"


def test_items_paging_is_stable_and_linked(client):
    first = client.get("/collections/overseas_warehouses/items?limit=5")
    assert first.status_code == 200 and first.content_type == "application/geo+json"
    body = first.get_json()
    assert body["numberReturned"] == 5 and body["numberMatched"] == 39
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = client.get(nxt.replace("http://localhost", "")).get_json()
    ids1 = [f["id"] for f in body["features"]]
    ids2 = [f["id"] for f in second["features"]]
    assert not set(ids1) & set(ids2)
    all_ids = [f["id"] for f in client.get("/collections/overseas_warehouses/items?limit=100").get_json()["features"]]
    assert all_ids[:10] == ids1 + ids2 and all_ids == sorted(all_ids)


def test_bbox_filter_matches_independent_intersection(client, gpkg):
    bbox = (119.9, 29.2, 120.1, 29.35)
    body = client.get("/collections/logistics_hubs/items?bbox=" + ",".join(map(str, bbox))).get_json()
    frame = pyogrio.read_dataframe(gpkg, layer="logistics_hubs")
    expected = sorted(frame.loc[frame.intersects(shapely.box(*bbox)), "feature_id"])
    assert sorted(f["id"] for f in body["features"]) == expected and body["numberMatched"] == len(expected)


def test_item_has_properties_and_geometry(client):
    resp = client.get("/collections/corridors/items/corridors.yxo_madrid")
    feature = resp.get_json()
    assert resp.status_code == 200 and resp.content_type == "application/geo+json"
    assert feature["properties"]["mode"] == "rail" and feature["properties"]["plan_ref"] == "§13"
    geom = shapely.geometry.shape(feature["geometry"])
    assert feature["properties"]["length_km"] == pytest.approx(Geod(ellps="WGS84").geometry_length(geom) / 1000, rel=0.002)
    assert client.get("/collections/corridors/items/nope").status_code == 404


@pytest.mark.parametrize(
    ("query", "param"),
    [("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=10,10,0,0", "bbox"), ("bbox=0,0,200,10", "bbox"),
     ("limit=0", "limit"), ("limit=ten", "limit"), ("limit=10001", "limit"), ("offset=-1", "offset"),
     ("lang=fr", "lang")],
)
def test_malformed_parameters_are_400_naming_the_parameter(client, query, param):
    path = "/collections/yixi_84" if param == "lang" else "/collections/yixi_84/items"
    resp = client.get(f"{path}?{query}")
    assert resp.status_code == 400 and resp.content_type.startswith("application/json")
    body = resp.get_json()
    assert body["code"] == "InvalidParameterValue" and body["description"].startswith(param)


def test_plan_figures_reconcile(client):
    resp = client.get("/plan/figures")
    rows = {(r["layer"], r["key"]): r for r in resp.get_json()["figures"]}
    assert abs(rows[("yixi_84", "area_km2")]["measured"] - 84) / 84 <= 0.01
    assert abs(rows[("second_ring_266", "area_km2")]["measured"] - 266) / 266 <= 0.01
    assert rows[("world_capital_of_light", "output_2025")]["plan_value"] == 1000
    assert rows[("world_capital_of_light", "semiconductor_output_2025")]["plan_value"] == 200
    assert rows[("green_power_town", "output_2025")]["plan_value"] == 300
    assert rows[("corridors", "yixinou_trains_2025")]["plan_value"] == 3000
    assert rows[("overseas_warehouses", "warehouses_2025")]["plan_value"] == 200


def test_healthz_and_etag(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json()["status"] == "ok" and "layers" not in resp.get_json()
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ok" and ready["layers"]["yixi_84"] == 1 and ready["built_at"] and ready["data_version"]
    first = client.get("/collections/yixi_84")
    again = client.get("/collections/yixi_84", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_route_and_method_are_json(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and resp.get_json()["code"] == "NotFound"
    resp = client.post("/collections")
    assert resp.status_code == 405 and "code" in resp.get_json()
