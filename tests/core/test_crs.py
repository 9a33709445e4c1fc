import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.core.crs import gcj02_frame_to_wgs84, gcj02_to_wgs84, require_crs, wgs84_to_gcj02
from geo.core.errors import CRSMismatchError

GEOD = Geod(ellps="WGS84")


def test_gcj02_offset_near_yiwu_is_a_few_hundred_metres():
    lon, lat = wgs84_to_gcj02([120.0768], [29.3151])
    _, _, dist = GEOD.inv(120.0768, 29.3151, lon[0], lat[0])
    assert 300 < dist < 700  # GCJ-02 shifts positions in east China by roughly 500 m


def test_gcj02_inverse_round_trips_to_millimetres():
    lons, lats = np.array([120.0768, 87.6, 121.55, 116.4]), np.array([29.3151, 43.8, 29.87, 39.9])
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lons, lats))
    _, _, dist = GEOD.inv(lons, lats, back_lon, back_lat)
    assert np.all(dist < 0.001)


def test_no_offset_outside_china():
    lon, lat = wgs84_to_gcj02([-3.70256], [40.4165])  # Madrid
    assert lon[0] == pytest.approx(-3.70256) and lat[0] == pytest.approx(40.4165)


def test_frame_conversion_returns_new_wgs84_frame():
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(120.0815, 29.3126)], crs="EPSG:4326")
    out = gcj02_frame_to_wgs84(frame)
    assert out is not frame and frame.geometry[0].x == 120.0815
    fwd_lon, fwd_lat = wgs84_to_gcj02([out.geometry[0].x], [out.geometry[0].y])
    assert fwd_lon[0] == pytest.approx(120.0815, abs=1e-8) and fwd_lat[0] == pytest.approx(29.3126, abs=1e-8)


def test_require_crs_refuses_mismatch():
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:3857")
    with pytest.raises(CRSMismatchError):
        require_crs(frame, "EPSG:4326")
    with pytest.raises(CRSMismatchError):
        gcj02_frame_to_wgs84(frame)
