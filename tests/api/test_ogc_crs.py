"""OGC API – Features Part 2: crs and bbox-crs with CRS84, EPSG:4326, EPSG:4490 (CGCS2000) and EPSG:4549
(CGCS2000 / 3-degree GK CM 120°E), in each CRS's authority axis order, with Content-Crs."""

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
# CGCS2000 / GK CM 120°E written out as a PROJ string (easting, northing), independent of the EPSG database.
GK120 = "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"


def _coords(feature: dict) -> np.ndarray:
    return shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))


def test_collections_list_their_crs(client):
    local = client.get("/collections/yixi_84").get_json()["crs"]
    assert local == [CRS84, EPSG.format(4326), EPSG.format(4490), EPSG.format(4549)]
    world = client.get("/collections/overseas_warehouses").get_json()["crs"]
    assert world == [CRS84, EPSG.format(4326), EPSG.format(4490)]


def test_default_is_crs84_lon_lat(client, gpkg):
    resp = client.get("/collections/logistics_hubs/items?limit=100")
    assert resp.headers["Content-Crs"] == f"<{CRS84}>"
    frame = pyogrio.read_dataframe(gpkg, layer="logistics_hubs").sort_values("feature_id")
    got = np.vstack([_coords(f) for f in resp.get_json()["features"]])
    assert got == pytest.approx(shapely.get_coordinates(frame.geometry.to_numpy()))


@pytest.mark.parametrize("code", [4326, 4490])
def test_geographic_crs_are_lat_lon(client, code):
    base = client.get("/collections/yixi_84/items").get_json()["features"][0]
    for crs in (f"EPSG:{code}", EPSG.format(code)):
        resp = client.get(f"/collections/yixi_84/items?crs={crs}")
        assert resp.status_code == 200 and resp.headers["Content-Crs"] == f"<{EPSG.format(code)}>"
        got = _coords(resp.get_json()["features"][0])
        # CGCS2000 and WGS84 agree to centimetres: the same numbers, latitude first.
        assert got == pytest.approx(_coords(base)[:, ::-1], abs=1e-6)


def test_gauss_kruger_is_northing_easting(client):
    base = _coords(client.get("/collections/yixi_84/items").get_json()["features"][0])
    resp = client.get(f"/collections/yixi_84/items?crs={EPSG.format(4549)}")
    assert resp.status_code == 200 and resp.headers["Content-Crs"] == f"<{EPSG.format(4549)}>"
    got = _coords(resp.get_json()["features"][0])
    easting, northing = Transformer.from_crs("OGC:CRS84", GK120, always_xy=True).transform(base[:, 0], base[:, 1])
    assert got == pytest.approx(np.column_stack([northing, easting]), abs=0.01)
    assert 3.2e6 < got[:, 0].min() and 4.6e5 < got[:, 1].min() < 5.1e5  # Yiwu: ~3.25e6 m N, ~0.5e6 m E


def test_single_feature_in_cgcs2000(client):
    base = client.get("/collections/corridors/items/corridors.yxo_madrid").get_json()
    resp = client.get("/collections/corridors/items/corridors.yxo_madrid?crs=EPSG:4490")
    assert resp.headers["Content-Crs"] == f"<{EPSG.format(4490)}>"
    assert _coords(resp.get_json()) == pytest.approx(_coords(base)[:, ::-1], abs=1e-6)


def _ids(client, query: str) -> list[str]:
    resp = client.get(f"/collections/logistics_hubs/items?limit=100&{query}")
    assert resp.status_code == 200, resp.get_json()
    return [f["id"] for f in resp.get_json()["features"]]


def test_bbox_crs_follows_the_axis_order_of_the_crs(client, gpkg):
    lon_lat = (119.9, 29.2, 120.1, 29.35)
    frame = pyogrio.read_dataframe(gpkg, layer="logistics_hubs")
    expected = sorted(frame.loc[frame.intersects(shapely.box(*lon_lat)), "feature_id"])
    assert expected and len(expected) < len(frame)
    assert _ids(client, "bbox=119.9,29.2,120.1,29.35") == expected
    assert _ids(client, f"bbox=29.2,119.9,29.35,120.1&bbox-crs={EPSG.format(4326)}") == expected
    assert _ids(client, "bbox=29.2,119.9,29.35,120.1&bbox-crs=EPSG:4490") == expected


def test_bbox_in_gauss_kruger_metres(client, gpkg):
    frame = pyogrio.read_dataframe(gpkg, layer="yixi_84")
    to_gk = Transformer.from_crs("OGC:CRS84", GK120, always_xy=True)
    minx, miny, maxx, maxy = frame.total_bounds
    (e1, e2), (n1, n2) = to_gk.transform([minx, maxx], [miny, maxy])
    ok = client.get(f"/collections/yixi_84/items?bbox-crs=EPSG:4549&bbox={n1},{e1},{n2},{e2}").get_json()
    assert ok["numberMatched"] == 1
    away = client.get(f"/collections/yixi_84/items?bbox-crs=EPSG:4549&bbox={n2 + 1000},{e1},{n2 + 2000},{e2}")
    assert away.get_json()["numberMatched"] == 0


def test_lat_lon_bbox_out_of_range_is_400(client):
    resp = client.get("/collections/logistics_hubs/items?bbox=119.9,29.2,120.1,29.35&bbox-crs=EPSG:4326")
    assert resp.status_code == 400 and resp.get_json()["description"].startswith("bbox")


def test_crs_outside_its_area_is_refused(client):
    resp = client.get("/collections/overseas_warehouses/items?crs=EPSG:4549")
    assert resp.status_code == 400 and resp.get_json()["description"].startswith("crs:")
