"""Site compliance for planners: which plan areas a WGS84 site overlaps (km² in EPSG:4549), geodesic distances to
the hubs, the nearest corridor and the nearest venue of each kind (park, market, science park), whether it lies
inside the plan's city, and the clauses that apply. Layers arrive grouped by role (SiteContext), never by id."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from geo.analysis.corridors import distances_km
from geo.core.crs import CGCS2000_GK_CM120, WGS84, require_crs
from geo.core.errors import InvalidGeometryError, TooLargeError
from geo.core.limits import MAX_VERTICES
from geo.core.measure import area_km2
from geo.core.serialize import json_value

LOGGER = logging.getLogger(__name__)
ALWAYS_CLAUSES = ("§5",)  # the city's spatial structure (second ring, third ring) applies to every site


@dataclass(frozen=True)
class ZoneOverlap:
    layer: str
    id: str
    name_zh: str
    name_en: str
    plan_ref: str
    accuracy: str
    overlap_km2: float
    overlap_pct: float | None


@dataclass(frozen=True)
class Distance:
    """A feature and its geodesic distance from the site (nearest points), km."""

    layer: str
    id: str
    name_zh: str
    name_en: str
    distance_km: float
    port_type: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class SiteReport:
    area_km2: float
    inside_yiwu: bool | None  # inside the plan's city boundary (None when the catalog has none)
    zones: list[ZoneOverlap]
    hubs: list[Distance]
    nearest_corridor: Distance | None
    nearest_venues: dict[str, Distance]  # role -> nearest feature of that venue role
    plan_clauses: list[str]
    geometry_type: str
    area_method: str = "EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E) planar area"
    note: str | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        if out["note"] is None:
            del out["note"]
        return out


@dataclass(frozen=True)
class SiteContext:
    """The layers a site check reads, by role: id -> frame (WGS84)."""

    areas: Mapping[str, gpd.GeoDataFrame]
    hubs: Mapping[str, gpd.GeoDataFrame]
    corridors: Mapping[str, gpd.GeoDataFrame]
    venues: Mapping[str, Mapping[str, gpd.GeoDataFrame]] = field(default_factory=dict)  # role -> id -> frame
    city: gpd.GeoDataFrame | None = None


def check_site_geometry(geom) -> tuple[object, str | None]:
    """Refuse empty, out-of-range or oversized geometries; repair invalid polygons (and say why)."""
    if geom is None or geom.is_empty:
        raise InvalidGeometryError("geometry is empty")
    coords = shapely.get_coordinates(geom)
    if len(coords) > MAX_VERTICES:
        raise TooLargeError(f"geometry has {len(coords)} vertices; the limit is {MAX_VERTICES}")
    if not np.isfinite(coords).all() or (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise InvalidGeometryError("coordinates must be WGS84 lon/lat within [-180, 180] x [-90, 90] (lon first)")
    if geom.is_valid:
        return geom, None
    reason = shapely.is_valid_reason(geom)
    repaired = shapely.make_valid(geom)
    polys = [p for p in shapely.get_parts(repaired) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        raise InvalidGeometryError(f"invalid geometry ({reason}) could not be repaired into a polygon")
    return shapely.union_all(polys), f"repaired invalid geometry: {reason}"


def _frame_of(geom) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[geom], crs=WGS84)


def zone_overlaps(site, areas: Mapping[str, gpd.GeoDataFrame]) -> list[ZoneOverlap]:
    """Every area feature the site touches, with the overlap in km² (EPSG:4549) and % of the site."""
    site_gk = _frame_of(site).to_crs(CGCS2000_GK_CM120).geometry[0]
    site_area = site_gk.area
    out = []
    for layer_id, frame in areas.items():
        require_crs(frame, WGS84)
        hits = frame.iloc[np.sort(frame.sindex.query(site, predicate="intersects"))]
        if hits.empty:
            continue
        overlaps = hits.to_crs(CGCS2000_GK_CM120).intersection(site_gk).area.to_numpy()
        covers = hits.covers(site).to_numpy()
        for (_, row), overlap, whole in zip(hits.iterrows(), overlaps, covers, strict=True):
            name_zh, name_en = (row.get(k) or str(row["feature_id"]) for k in ("name_zh", "name_en"))  # an import
            out.append(ZoneOverlap(layer_id, row["feature_id"], name_zh, name_en, row["plan_ref"],  # may have no names
                                   row["accuracy"], round(overlap / 1e6, 4), _share(overlap, site_area, whole)))
    return out


def _share(overlap: float, site_area: float, covered: bool) -> float | None:
    """% of the site inside the zone; a site without area (point, line) is 100 % inside a zone covering it."""
    if site_area > 0:
        return round(overlap / site_area * 100, 2)
    return 100.0 if covered else None


def _distance(layer_id: str, row, km: float) -> Distance:
    return Distance(layer_id, row["feature_id"], row["name_zh"], row["name_en"], round(float(km), 3),
                    json_value(row.get("port_type")), json_value(row.get("status")))


def all_distances(site, frames: Mapping[str, gpd.GeoDataFrame]) -> list[Distance]:
    """Every feature of the frames with its distance from the site, nearest first."""
    rows = []
    for layer_id, frame in frames.items():
        if frame.empty:
            continue
        for (_, row), km in zip(frame.iterrows(), distances_km(site, frame), strict=True):
            rows.append(_distance(layer_id, row, km))
    return sorted(rows, key=lambda d: (d.distance_km, d.id))


def nearest(site, frames: Mapping[str, gpd.GeoDataFrame]) -> Distance | None:
    """The nearest feature across the frames (None when they are empty)."""
    rows = all_distances(site, frames)
    return rows[0] if rows else None


def _clause_key(clause: str) -> tuple[int, str]:
    number = clause.strip("§")
    return (int(number), clause) if number.isdigit() else (99, clause)


def site_report(geom, ctx: SiteContext) -> SiteReport:
    """The compliance report of one WGS84 site geometry."""
    site, repair_note = check_site_geometry(geom)
    zones = zone_overlaps(site, ctx.areas)
    clauses = sorted({z.plan_ref for z in zones} | set(ALWAYS_CLAUSES), key=_clause_key)
    area = float(area_km2(_frame_of(site)).iloc[0]) if site.geom_type in ("Polygon", "MultiPolygon") else 0.0
    inside = None if ctx.city is None else bool(ctx.city.geometry.union_all().contains(site))
    venues = {role: hit for role, frames in ctx.venues.items() if (hit := nearest(site, frames)) is not None}
    return SiteReport(round(area, 4), inside, zones, all_distances(site, ctx.hubs), nearest(site, ctx.corridors),
                      venues, clauses, site.geom_type, note=repair_note)
