"""The CRSs the feature API serves (OGC API – Features Part 2): URIs, axis order, transformations.

Features are stored in CRS84 (lon/lat). Output and bbox input follow each CRS's authority axis order,
as pyproj reports it: EPSG:4326 and EPSG:4490 are lat/lon, EPSG:4549 is northing (X), easting (Y).
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

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


def bbox_from_crs84(bbox: tuple[float, float, float, float], uri: str) -> list[float]:
    """A CRS84 bbox expressed in `uri`'s axis order."""
    if uri == CRS84_URI:
        return list(bbox)
    return [float(v) for v in _transformer(CRS84_URI, uri).transform_bounds(*bbox, densify_pts=21)]
