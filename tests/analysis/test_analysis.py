"""Analysis endpoints checked against independent computations (pyproj.Geod, shapely, the plan text)."""


import json
import re
from pathlib import Path

import pyogrio
import pytest
import shapely
import yaml
from markupsafe import escape
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
ROOT = Path(__file__).resolve().parents[2]
PLAN = Path(__file__).resolve().parents[3] / "shared" / "plan" / "yiwu-14th-five-year-plan-excerpt.paragraphs.zh.txt"


def geom_json(geom):
    return json.loads(shapely.to_geojson(geom))


def test_site_inside_yixi_overlaps_fully(client, gpkg):
    yixi = pyogrio.read_dataframe(gpkg, layer="yixi_84").geometry[0]
    site = yixi.buffer(-0.01)
    resp = client.post("/analysis/site", json={"type": "Feature", "geometry": geom_json(site), "properties": {}})
    assert resp.status_code == 200
    report = resp.get_json()
    expected_km2 = abs(GEOD.geometry_area_perimeter(site)[0]) / 1e6
    assert report["area_km2"] == pytest.approx(expected_km2, rel=0.005)
    zone = next(z for z in report["zones"] if z["layer"] == "yixi_84")
    assert zone["overlap_pct"] == pytest.approx(100, abs=0.01)
    assert zone["overlap_km2"] == pytest.approx(expected_km2, rel=0.005)
    assert report["inside_yiwu"] is True and "§9" in report["plan_clauses"]
    distances = [h["distance_km"] for h in report["hubs"]]
    assert distances == sorted(distances)


def test_point_at_airport_is_zero_km_from_it(client, gpkg):
    hubs = pyogrio.read_dataframe(gpkg, layer="logistics_hubs").set_index("feature_id")
    airport = hubs.loc["logistics_hubs.yiwu_airport", "geometry"]
    report = client.post("/analysis/site", json=geom_json(airport)).get_json()
    assert report["hubs"][0]["id"] == "logistics_hubs.yiwu_airport"
    assert report["hubs"][0]["distance_km"] == pytest.approx(0, abs=0.001)
    land = hubs.loc["logistics_hubs.yiwu_land_port", "geometry"]
    expected = GEOD.inv(airport.x, airport.y, land.x, land.y)[2] / 1000
    got = next(h["distance_km"] for h in report["hubs"] if h["id"] == "logistics_hubs.yiwu_land_port")
    assert got == pytest.approx(expected, rel=0.001)


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"type": "Polygon", "coordinates": []}, 400, "empty"),
        ({"type": "Point", "coordinates": [29.3, 120.07]}, 400, "lon"),
        ({"type": "Point", "coordinates": [500, 10]}, 400, "lon"),
        ({"type": "Feature"}, 400, "empty"),
        ({"foo": 1}, 400, "GeoJSON"),
    ],
)
def test_bad_site_input_is_refused(client, body, status, fragment):
    resp = client.post("/analysis/site", json=body)
    assert resp.status_code == status and fragment in resp.get_json()["description"]


def test_self_intersecting_site_is_repaired_and_says_why(client):
    bowtie = {"type": "Polygon", "coordinates": [[[120.0, 29.3], [120.02, 29.32], [120.02, 29.3], [120.0, 29.32], [120.0, 29.3]]]}
    resp = client.post("/analysis/site", json=bowtie)
    assert resp.status_code == 200 and "Self-intersection" in resp.get_json()["note"]


def test_oversized_body_is_413(client):
    coords = [[120 + i * 1e-6, 29.3] for i in range(60_000)]
    resp = client.post("/analysis/site", json={"type": "LineString", "coordinates": coords})
    assert resp.status_code == 413


def test_parks_report_distances_and_compare(client, gpkg):
    parks = client.get("/parks").get_json()["parks"]
    roles = {e["id"]: e["role"] for e in (yaml.safe_load(f.read_text(encoding="utf-8"))
                                          for f in (ROOT / "layers" / "catalog").glob("*.yaml"))}
    expected = {fid for layer, role in roles.items() if role in ("park", "market", "science_park")
                for fid in pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False)["feature_id"]}
    assert {p["id"] for p in parks} == expected and {"world_capital_of_light.suxi", "green_power_town.kaifaqu"} <= expected
    assert {p["role"] for p in parks} == {"park", "market", "science_park"}
    hubs = pyogrio.read_dataframe(gpkg, layer="logistics_hubs").set_index("feature_id")
    light = pyogrio.read_dataframe(gpkg, layer="world_capital_of_light").geometry[0]
    airport = hubs.loc["logistics_hubs.yiwu_airport", "geometry"]
    nearest = shapely.ops.nearest_points(light, airport)[0]
    expected = GEOD.inv(nearest.x, nearest.y, airport.x, airport.y)[2] / 1000
    got = next(p for p in parks if p["id"] == "world_capital_of_light.suxi")["distance_km"]["airport"]
    assert got == pytest.approx(expected, rel=0.01)
    resp = client.get("/parks/compare?ids=world_capital_of_light.suxi,green_power_town.kaifaqu")
    assert [p["id"] for p in resp.get_json()["parks"]] == ["world_capital_of_light.suxi", "green_power_town.kaifaqu"]
    assert client.get("/parks/compare?ids=a,b").status_code == 404
    assert client.get("/parks/compare?ids=a").status_code == 400


def test_madrid_metrics_countries_in_order(client, gpkg):
    resp = client.get("/corridors/yxo_madrid/metrics?speed_kmh=40")
    m = resp.get_json()
    assert [c["iso3"] for c in m["countries"]] == ["CHN", "KAZ", "RUS", "BLR", "POL", "DEU", "BEL", "FRA", "ESP"]
    line = pyogrio.read_dataframe(gpkg, layer="corridors").set_index("feature_id").loc["corridors.yxo_madrid", "geometry"]
    length = GEOD.geometry_length(line) / 1000
    assert m["length_km"] == pytest.approx(length, rel=0.002)
    moving_days = 13052 / 40 / 24  # moving time runs over the published track length (geo/analysis/transit.py)
    assert m["moving_days"] == pytest.approx(moving_days, rel=0.002)
    assert m["transit_days"] == pytest.approx(moving_days + m["dwell_hours"] / 24, abs=0.01)
    assert m["difference_km"] == pytest.approx(m["length_km"] - 13052, abs=0.1)
    assert client.get("/corridors/yxo_madrid/metrics?speed_kmh=-1").status_code == 400
    assert client.get("/corridors/nope/metrics").status_code == 404


def test_every_corridors_metrics_are_strict_json(client, gpkg):
    """No NaN or Infinity (not JSON) for a route whose optional texts are missing."""
    ids = pyogrio.read_dataframe(gpkg, layer="corridors", read_geometry=False)["feature_id"]

    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    for feature_id in ids:
        resp = client.get(f"/corridors/{feature_id}/metrics")
        assert resp.status_code == 200
        body = json.loads(resp.get_data(as_text=True), parse_constant=refuse)
        assert body["border_crossing"] is None or isinstance(body["border_crossing"], str)


def test_warehouses_near_paris(client):
    feats = client.get("/warehouses/near?lon=2.3488&lat=48.85341&k=3").get_json()["features"]
    assert feats[0]["properties"]["city"] == "Paris" and feats[0]["properties"]["distance_km"] < 1
    lon, lat = feats[1]["geometry"]["coordinates"]
    assert feats[1]["properties"]["distance_km"] == pytest.approx(GEOD.inv(2.3488, 48.85341, lon, lat)[2] / 1000, rel=1e-4)
    assert client.get("/warehouses/near?lon=200&lat=0").status_code == 400


def test_corridor_warehouses_within_distance(client):
    feats = client.get("/corridors/yxo_madrid/warehouses?within_km=50").get_json()["features"]
    cities = {f["properties"]["city"] for f in feats}
    assert {"Madrid", "Duisburg", "Warsaw", "Moscow", "Minsk"} <= cities
    assert all(f["properties"]["distance_km"] <= 50 for f in feats)


def test_indicators_quote_the_plan_under_their_clause(client):
    if not PLAN.is_file():
        pytest.skip(f"plan text not found at {PLAN}")
    text = PLAN.read_text(encoding="utf-8")
    items = client.get("/indicators").get_json()["indicators"]
    assert len(items) >= 30
    for item in items:
        at = text.find(item["quote"])
        assert at >= 0, item["id"]
        headers = [m for m in re.finditer(r"(?m)^(\d+)\.|^([一二三四五六七八九十]+)、", text[:at])]
        last = headers[-1]
        clause = f"§{last.group(1)}" if last.group(1) else f"section {last.group(2)}"
        assert clause == item["clause"], item["id"]
        if item.get("value_in_quote", True) is False:  # 第一, 翻一番, 全覆盖: the reading is stated
            assert item["value_note"], item["id"]
            continue
        number = f"{item['value']:g}"
        assert number in item["quote"].replace(" ", "") or item["id"] in ("total_trade_2025", "ftz_new_firms", "university_students", "talent_total"), item["id"]


def test_elevation_profile_reads_the_dem(client, data_dir):
    import rasterio

    profile = client.get("/corridors/yxo_madrid/metrics").get_json()["elevation_profile"]
    assert len(profile) > 50
    distances = [p["distance_km"] for p in profile]
    assert distances == sorted(distances) and distances[0] == 0
    with rasterio.open(data_dir / "build" / "terrain_cn.tif") as src:
        band = src.read(1)
        for sample in (profile[0], profile[len(profile) // 2]):
            row, col = src.index(sample["lon"], sample["lat"])
            assert sample["elevation_m"] == pytest.approx(float(band[row, col]), abs=0.1)


def test_site_report_html_is_bilingual_and_escapes(client):
    square = {"type": "Polygon", "coordinates": [[[119.95, 29.29], [119.98, 29.29], [119.98, 29.31], [119.95, 29.31], [119.95, 29.29]]]}
    zh = client.post("/analysis/site?f=html", json=square)
    en = client.post("/analysis/site?f=html&lang=en", json=square)
    assert zh.status_code == en.status_code == 200 and zh.content_type == "text/html; charset=utf-8"
    assert "选址合规检查报告" in zh.get_data(as_text=True) and "义西板块" in zh.get_data(as_text=True)
    page = en.get_data(as_text=True)
    assert "Site compliance report" in page and "Yixi area" in page and "/vendor/leaflet/dist/leaflet.js" in page
    assert client.post("/analysis/site?f=xml", json=square).status_code == 400  # pdf is declared now (test_site_report.py)


def test_indicators_page_lists_every_indicator_with_chart(client):
    items = client.get("/indicators").get_json()["indicators"]
    page = client.get("/indicators?f=html&lang=en").get_data(as_text=True)
    assert "<svg" in page
    for item in items:
        assert str(escape(item["label_en"])) in page, item["id"]
    assert 'href="/map/investor?lang=en"' in page  # park targets link to the map that shows the parks


def test_parks_carry_hub_access_statistics_over_their_cells(client, data_dir, gpkg):
    import numpy as np
    import rasterio
    from pyproj import Transformer

    park = client.get("/parks").get_json()["parks"]
    light = next(p for p in park if p["id"] == "world_capital_of_light.suxi")["statistics"]["hub_access"]
    outline = pyogrio.read_dataframe(gpkg, layer="world_capital_of_light").geometry[0]
    with rasterio.open(data_dir / "build" / "hub_access.tif") as src:
        band = src.read(1, masked=True)
        to_gk = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True)
        cols, rows = np.meshgrid(np.arange(src.width) + 0.5, np.arange(src.height) + 0.5)
        xs, ys = src.transform * (cols, rows)
    polygon = shapely.transform(outline, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))
    inside = shapely.contains_xy(polygon, xs, ys) & ~np.ma.getmaskarray(band)
    values = band.data[inside]
    assert light["count"] == values.size > 0
    assert light["mean"] == pytest.approx(float(values.mean()), rel=1e-6)
    assert light["max"] == pytest.approx(float(values.max()), rel=1e-6)
