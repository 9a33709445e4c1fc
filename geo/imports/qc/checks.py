"""The geometry checks of an import's QC report, vectorised with shapely 2 (one Python step per invalid geometry).

Empty and missing geometries are not imported (warned, with ids). One geometry family per layer (polygon, line,
point; multi-part allowed), else refused. Z dropped to 2D (warned). Invalid geometries are repaired with
`shapely.make_valid` (the default "linework" method: nothing of the input is thrown away), the reason from
`shapely.is_valid_reason`; refused when repair is off, or the repair is empty or of another family/dimension (a
polygon that becomes lines). Exact duplicates: equal WKB after `shapely.normalize`. Extents: features disjoint from
an extent are "outside", intersecting but not covered "partly outside". Areas: km² planar in EPSG:4549 (CGCS2000 /
3° GK CM 120°E) within its area of use, geodesic elsewhere (geo.core.measure); lengths: geodesic km.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from geo.core.crs import CGCS2000_GK_CM120
from geo.core.measure import area_km2, length_km
from geo.imports.qc.report import MAX_LISTED, ExtentCheck, Measures, Refused, Repair, ReportBuilder, listing
from layers.palettes import matching_palette, palette

LOGGER = logging.getLogger(__name__)

FAMILIES = {"Point": "point", "MultiPoint": "point", "LineString": "line", "LinearRing": "line",
            "MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon",
            "GeometryCollection": "collection"}
TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
              6: "MultiPolygon", 7: "GeometryCollection"}  # shapely.get_type_id


def family_of(geom: BaseGeometry) -> str:
    return FAMILIES.get(geom.geom_type, "collection")


def drop_empty(geoms: np.ndarray, ids: np.ndarray, report: ReportBuilder) -> np.ndarray:
    """The mask of features with a geometry; the others warned; refused when none is left."""
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        gone = ids[empty]
        report.set(empty_count=int(empty.sum()), empty_ids=tuple(gone[:MAX_LISTED]))
        report.add("empty_geometries", count=int(empty.sum()), ids=listing(gone))
    if empty.all():
        raise Refused("no_features", why="@all_empty")
    return ~empty


def geometry_family(geoms: np.ndarray, report: ReportBuilder) -> str:
    """The one family of the geometries (`polygon`, `line`, `point`); refused when mixed or a collection."""
    kinds = pd.Series(shapely.get_type_id(geoms)).value_counts()
    names = {TYPE_NAMES.get(int(k), "Unknown"): int(n) for k, n in kinds.items()}
    report.set(geometry_types=names)
    families = {FAMILIES.get(name, "collection") for name in names}
    if len(families) > 1 or "collection" in families:
        raise Refused("mixed_geometry", types=listing(f"{name} {n:,}" for name, n in names.items()))
    family = families.pop()
    report.set(geometry_type=family)
    return family


def drop_z(geoms: np.ndarray, report: ReportBuilder) -> np.ndarray:
    has_z = shapely.has_z(geoms)
    if not has_z.any():
        return geoms
    report.set(z_dropped=int(has_z.sum()))
    report.add("z_dropped", count=int(has_z.sum()))
    return shapely.force_2d(geoms)


def _repaired(geom: BaseGeometry, family: str) -> BaseGeometry | None:
    """make_valid's result when it is a non-empty geometry of the same family, else None."""
    fixed = shapely.make_valid(geom)
    return fixed if not fixed.is_empty and family_of(fixed) == family else None


def repair(geoms: np.ndarray, ids: np.ndarray, family: str, enabled: bool, report: ReportBuilder,
           stage: str = "") -> np.ndarray:
    """Invalid geometries repaired (a new array), each recorded in `report.repairs`; refused per module docs."""
    bad = np.flatnonzero(~shapely.is_valid(geoms))
    if bad.size == 0:
        return geoms
    out, repairs = geoms.copy(), []
    for i in bad:
        reason = stage + shapely.is_valid_reason(geoms[i])
        fixed = _repaired(geoms[i], family) if enabled else None
        after = None if fixed is None else fixed.geom_type
        repairs.append(Repair(str(ids[i]), reason, "repaired" if fixed is not None else "refused",
                              geoms[i].geom_type, after))
        out[i] = fixed if fixed is not None else geoms[i]
    previous = report.report
    report.set(invalid_count=previous.invalid_count + bad.size,
               repairs=(*previous.repairs, *repairs)[:MAX_LISTED])
    refused = [r for r in repairs if r.action == "refused"]
    if refused:
        items = listing(f"{r.feature_id}: {r.reason}" for r in refused)
        raise Refused("unrepairable" if enabled else "invalid_no_repair", count=len(refused), items=items)
    report.add("invalid_repaired", count=len(repairs), ids=listing(r.feature_id for r in repairs))
    return out


def duplicates(geoms: np.ndarray, ids: np.ndarray, report: ReportBuilder) -> None:
    """Warn about features whose normalized geometry's WKB equals another's (groups of ids)."""
    keys = pd.Series(shapely.to_wkb(shapely.normalize(geoms)))
    repeated = keys.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    groups = pd.Series(ids[repeated]).groupby(keys[repeated].to_numpy(), sort=False).agg(tuple).tolist()
    count = int(keys.duplicated(keep="first").sum())
    report.set(duplicate_geometry_count=count, duplicate_geometries=tuple(groups[:MAX_LISTED]))
    report.add("duplicate_geometries", count=count, groups=listing("=".join(g) for g in groups))


def extents(geoms: np.ndarray, ids: np.ndarray, named: Mapping[str, BaseGeometry], report: ReportBuilder) -> None:
    """Per named WGS84 extent: features outside (disjoint) and partly outside (not covered); warnings."""
    checks = {}
    for name, extent in named.items():
        shapely.prepare(extent)
        outside = shapely.disjoint(geoms, extent)
        partly = ~outside & ~shapely.covered_by(geoms, extent)
        checks[name] = ExtentCheck(int(outside.sum()), int(partly.sum()), tuple(ids[outside][:MAX_LISTED]),
                                   tuple(ids[partly][:MAX_LISTED]))
        if outside.any():
            report.add("outside_extent", count=int(outside.sum()), extent=name, ids=listing(ids[outside]))
        if partly.any():
            report.add("partly_outside_extent", count=int(partly.sum()), extent=name, ids=listing(ids[partly]))
    report.set(outside=checks)


def _area_method(geoms: np.ndarray) -> tuple[str, str]:
    """How geo.core.measure.area_km2 measures these polygons: (report value, message phrase)."""
    west, south, east, north = CRS(CGCS2000_GK_CM120).area_of_use.bounds
    b = shapely.bounds(geoms)
    near = (b[:, 0] >= west) & (b[:, 2] <= east) & (b[:, 1] >= south) & (b[:, 3] <= north)
    if near.all():
        return "planar EPSG:4549", "@method_planar"
    if not near.any():
        return "geodesic", "@method_geodesic"
    return "planar EPSG:4549 near Yiwu, geodesic elsewhere", "@method_mixed"


def measures(frame: gpd.GeoDataFrame, family: str, report: ReportBuilder) -> None:
    """Area (polygons) or length (lines) statistics of a WGS84 frame; none for points."""
    if family == "point":
        return
    values = (area_km2(frame) if family == "polygon" else length_km(frame)).to_numpy()
    method, phrase = _area_method(frame.geometry.to_numpy()) if family == "polygon" else ("geodesic", "")
    stats = Measures("area" if family == "polygon" else "length", "km2" if family == "polygon" else "km",
                     int(values.size), float(values.min()), float(values.max()), float(values.mean()),
                     float(values.sum()), method)
    report.set(measures=stats)
    if family == "polygon":
        report.add("area_total", count=stats.count, total=stats.total, method=phrase)
    else:
        report.add("length_total", count=stats.count, total=stats.total)


def palette_style(frame: gpd.GeoDataFrame, report: ReportBuilder) -> None:
    """Propose a categorized style when a text field holds a shipped classification's codes (the land-use codes of
    the 用地用海分类指南): the first such field, drawn in the palette's colours (used unless the importer says no)."""
    for name in frame.columns:
        if name in ("feature_id", frame.geometry.name) or pd.api.types.is_numeric_dtype(frame[name]):
            continue
        found = matching_palette({str(v) for v in frame[name].dropna().unique()[:MAX_LISTED]})
        if found:
            report.set(style={"kind": "categorized", "field": name, "palette": found})
            report.add("palette_style", field=name, palette=f"@palette_{found}", document=palette(found).colour_document)
            return
