"""Compliance review (合规性审查): a WGS84 site checked against the review rules (layers/rules.py). Each rule reads
the features of its layers (grouped by layer id, WGS84) and gives pass / fail / not applicable with the measured
quantity (overlap in m², share of the site in %, distance in m — all in EPSG:4549), the limit, and the features
that decided it. Pure functions on GeoDataFrames; the CRS is checked first."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import orjson
import shapely
import shapely.geometry

from geo.core.crs import CGCS2000_GK_CM120, WGS84, require_crs
from geo.core.serialize import json_value
from layers.rules import Rule

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not_applicable"
AREA_SHAPES = ("Polygon", "MultiPolygon")
METRES_PER_DEGREE = 110_574.0  # the shortest degree of latitude: a bbox grown by it holds every feature within D
METRES_PER_LON_DEGREE = 111_319.0  # a degree of longitude at the equator on a sphere of radius a (≤ the ellipsoid's)
SHARED_EDGE_M2 = 0.01  # what of a site may lie outside and still be "within": rounding of the transform on an edge


@dataclass(frozen=True)
class Decider:
    """A feature that decided a finding, with what was measured of it."""

    layer: str
    id: str
    name_zh: str | None
    name_en: str | None
    accuracy: str | None
    overlap_m2: float | None = None
    distance_m: float | None = None
    value: str | None = None  # attribute_in: the feature's value


@dataclass(frozen=True)
class Finding:
    """One rule's outcome for one site."""

    rule: str
    title_zh: str
    title_en: str
    cites: str
    severity: str
    outcome: str  # pass | fail | not_applicable
    measured: float | None = None
    unit: str | None = None  # m2 | pct | m
    limit: float | None = None
    reason: str | None = None  # not applicable: no_layers | site_condition | no_overlap
    features: list[Decider] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def grown_bbox(bounds: tuple[float, float, float, float], metres: float) -> tuple[float, float, float, float]:
    """A WGS84 bbox grown by at least `metres` each way (for the features a distance rule must see)."""
    west, south, east, north = bounds
    dlat = metres / METRES_PER_DEGREE
    highest = min(max(abs(south), abs(north)) + dlat, 89.9)
    dlon = metres / (METRES_PER_LON_DEGREE * math.cos(math.radians(highest)))
    return (max(west - dlon, -180.0), max(south - dlat, -90.0), min(east + dlon, 180.0), min(north + dlat, 90.0))


def rule_reach(rule: Rule) -> float:
    """How far from the site (m) the rule reads features."""
    return rule.distance_m or 0.0


def _features(frames: Mapping[str, gpd.GeoDataFrame], rule: Rule) -> gpd.GeoDataFrame:
    """The rule's features of every layer (with their layer id), those `where` names only, in EPSG:4549."""
    parts = []
    for layer_id, frame in frames.items():
        require_crs(frame, WGS84)
        if rule.where is not None:
            column = frame[rule.where.field] if rule.where.field in frame else None
            keep = np.array([rule.where.holds(v) for v in column], dtype=bool) if column is not None else []
            frame = frame.iloc[np.flatnonzero(keep)]
        attrs = frame[_props(frame, rule)].assign(_layer=layer_id)
        parts.append(gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(frame.geometry.values, index=frame.index,
                                                                     crs=WGS84), crs=WGS84))
    if not parts:
        return gpd.GeoDataFrame({"_layer": []}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    joined = gpd.GeoDataFrame(gpd.pd.concat(parts, ignore_index=True), geometry="geometry", crs=WGS84)
    return joined.to_crs(CGCS2000_GK_CM120)


def _props(frame: gpd.GeoDataFrame, rule: Rule) -> list[str]:
    wanted = ["feature_id", "name_zh", "name_en", "accuracy"]
    if rule.attribute is not None:
        wanted.append(rule.attribute.field)
    return [c for c in dict.fromkeys(wanted) if c in frame.columns]


def _decider(row, **measured) -> Decider:
    return Decider(row["_layer"], str(row.get("feature_id")), json_value(row.get("name_zh")),
                   json_value(row.get("name_en")), json_value(row.get("accuracy")), **measured)


def _finding(rule: Rule, outcome: str, **values) -> Finding:
    return Finding(rule.id, rule.title_zh, rule.title_en, rule.cites, rule.severity, outcome, **values)


def _overlaps(site_gk, features: gpd.GeoDataFrame) -> list[tuple[object, float]]:
    """(row, overlap m²) of the features the site touches with an area (any contact for a point or line site)."""
    out = []
    for _, row in features.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty or not geom.intersects(site_gk):
            continue
        area = geom.intersection(site_gk).area if site_gk.geom_type in AREA_SHAPES else 0.0
        if area > 0 or site_gk.geom_type not in AREA_SHAPES:
            out.append((row, area))
    return out


def _union_overlap_m2(site_gk, features: gpd.GeoDataFrame) -> float:
    if site_gk.geom_type not in AREA_SHAPES or features.empty:
        return 0.0
    return float(shapely.union_all(features.geometry.values).intersection(site_gk).area)


def _within(rule: Rule, site_gk, features: gpd.GeoDataFrame) -> Finding:
    union = shapely.union_all(features.geometry.values)
    hits = _overlaps(site_gk, features)
    if site_gk.geom_type in AREA_SHAPES:
        share = round(union.intersection(site_gk).area / site_gk.area * 100, 2)
    else:
        share = 100.0 if union.covers(site_gk) else 0.0
    if site_gk.geom_type in AREA_SHAPES:
        ok = site_gk.area - union.intersection(site_gk).area <= SHARED_EDGE_M2
    else:
        ok = union.covers(site_gk)
    return _finding(rule, PASS if ok else FAIL, measured=share, unit="pct", limit=100.0,
                    features=[_decider(row, overlap_m2=round(a, 2)) for row, a in hits])


def _overlap(rule: Rule, site_gk, features: gpd.GeoDataFrame) -> Finding:
    hits = _overlaps(site_gk, features)
    area = _union_overlap_m2(site_gk, features)
    deciders = [_decider(row, overlap_m2=round(a, 2)) for row, a in hits]
    if rule.predicate == "not_overlapping":
        return _finding(rule, FAIL if hits else PASS, measured=round(area, 2), unit="m2", limit=0.0,
                        features=deciders)
    if rule.max_pct is not None:
        pct = area / site_gk.area * 100 if site_gk.area > 0 else (100.0 if hits else 0.0)
        return _finding(rule, FAIL if pct > rule.max_pct else PASS, measured=round(pct, 2), unit="pct",
                        limit=rule.max_pct, features=deciders)
    return _finding(rule, FAIL if area > rule.max_m2 else PASS, measured=round(area, 2), unit="m2",
                    limit=rule.max_m2, features=deciders)


def _distance(rule: Rule, site_gk, features: gpd.GeoDataFrame) -> Finding:
    if features.empty:
        ok = rule.predicate == "distance_at_least"
        return _finding(rule, PASS if ok else FAIL, unit="m", limit=rule.distance_m, reason="none_within")
    metres = features.distance(site_gk)
    nearest = float(metres.min())
    if rule.predicate == "distance_at_least":
        ok, close = nearest >= rule.distance_m, metres < rule.distance_m
    else:
        ok, close = nearest <= rule.distance_m, metres == nearest
    deciders = [_decider(row, distance_m=round(float(d), 2))
                for (_, row), d, hit in zip(features.iterrows(), metres, close, strict=True) if hit]
    return _finding(rule, PASS if ok else FAIL, measured=round(nearest, 2), unit="m", limit=rule.distance_m,
                    features=sorted(deciders, key=lambda d: (d.distance_m, d.id)))


def _attribute(rule: Rule, site_gk, features: gpd.GeoDataFrame) -> Finding:
    hits = _overlaps(site_gk, features)
    if not hits:
        return _finding(rule, NOT_APPLICABLE, reason="no_overlap")
    cond = rule.attribute
    bad = [(row, a) for row, a in hits if not cond.holds(row.get(cond.field))]
    chosen = bad or hits
    return _finding(rule, FAIL if bad else PASS, measured=float(len(bad)), unit="features", limit=0.0,
                    features=[_decider(row, overlap_m2=round(a, 2), value=json_value(row.get(cond.field)))
                              for row, a in chosen])


EVALUATORS = {"within": _within, "not_overlapping": _overlap, "overlap_at_most": _overlap,
              "distance_at_least": _distance, "distance_at_most": _distance, "attribute_in": _attribute}


def review_rule(site, properties: Mapping[str, object], rule: Rule, frames: Mapping[str, gpd.GeoDataFrame]) -> Finding:
    """One rule for one WGS84 site: `frames` are the rule's layers (id -> WGS84 frame) near the site."""
    if rule.site_where is not None and not rule.site_where.holds(properties.get(rule.site_where.field)):
        return _finding(rule, NOT_APPLICABLE, reason="site_condition")
    if not frames:
        return _finding(rule, NOT_APPLICABLE, reason="no_layers")
    site_gk = gpd.GeoSeries([site], crs=WGS84).to_crs(CGCS2000_GK_CM120).iloc[0]
    features = _features(frames, rule)
    if rule.predicate == "within" and features.empty:
        return _finding(rule, FAIL, measured=0.0, unit="pct", limit=100.0)
    return EVALUATORS[rule.predicate](rule, site_gk, features)


def review_site(site, properties: Mapping[str, object], rules: Sequence[Rule],
                frames: Mapping[str, Mapping[str, gpd.GeoDataFrame]]) -> list[Finding]:
    """Every rule for one WGS84 site (`frames`: rule id -> its layers' frames near the site)."""
    return [review_rule(site, properties, rule, frames.get(rule.id, {})) for rule in rules]


def failing_overlaps(site, findings: Sequence[Finding], frames: Mapping[str, Mapping[str, gpd.GeoDataFrame]]) -> list:
    """The WGS84 parts of the site inside the features of failing overlap rules (to draw on the report map)."""
    out = []
    for finding in findings:
        if finding.outcome != FAIL or finding.unit not in ("m2", "pct") or finding.rule not in frames:
            continue
        for decider in finding.features:
            frame = frames[finding.rule].get(decider.layer)
            if frame is None or (decider.overlap_m2 or 0) <= 0:
                continue
            for geom in frame.loc[frame["feature_id"] == decider.id, "geometry"]:
                part = geom.intersection(site)
                if not part.is_empty:
                    out.append(part)
    return out


# ---- many sites ------------------------------------------------------------------------------------------------


def near_site(frames: Mapping[str, Mapping[str, gpd.GeoDataFrame]], site, rules: Sequence[Rule]) -> dict:
    """Of layers read for a whole batch, the features each rule reads for one site (as a single review reads them:
    those meeting the site's bbox grown by the rule's reach)."""
    out = {}
    for rule in rules:
        box = shapely.box(*grown_bbox(site.bounds, rule_reach(rule)))
        out[rule.id] = {layer_id: frame.iloc[np.sort(frame.sindex.query(box, predicate="intersects"))]
                        for layer_id, frame in frames.get(rule.id, {}).items()}
    return out


@dataclass(frozen=True)
class SiteFindings:
    """One site of a batch and its findings."""

    id: str
    properties: dict
    geometry: object  # WGS84 shapely geometry
    findings: list[Finding]

    def failed(self) -> list[str]:
        return [f.rule for f in self.findings if f.outcome == FAIL]

    def to_dict(self) -> dict:
        return {"id": self.id, "properties": self.properties, "geometry": shapely.geometry.mapping(self.geometry),
                "failed": self.failed(), "findings": [f.to_dict() for f in self.findings]}


def site_properties(row, columns: Sequence[str]) -> dict:
    return {c: json_value(row[c]) for c in columns}


def review_sites(sites: gpd.GeoDataFrame, rules: Sequence[Rule], frames: Mapping[str, Mapping[str, gpd.GeoDataFrame]],
                 progress: Callable[[int, int], None] | None = None) -> list[SiteFindings]:
    """Every rule for every site of a WGS84 frame (`feature_id`, attributes, geometry); `frames`: rule id -> its
    layers' features over the whole batch; `progress(done, total)` after each site."""
    require_crs(sites, WGS84)
    columns = [c for c in sites.columns if c not in ("feature_id", sites.geometry.name)]
    out = []
    for done, (_, row) in enumerate(sites.iterrows(), start=1):
        site, props = row.geometry, site_properties(row, columns)
        findings = review_site(site, props, rules, near_site(frames, site, rules))
        out.append(SiteFindings(str(row["feature_id"]), props, site, findings))
        if progress is not None:
            progress(done, len(sites))
    return out


def rule_totals(rules: Sequence[Rule], reviewed: Sequence[SiteFindings]) -> list[dict]:
    """Per rule: how many sites pass, fail or are not concerned."""
    out = []
    for i, rule in enumerate(rules):
        counts = {PASS: 0, FAIL: 0, NOT_APPLICABLE: 0}
        for site in reviewed:
            counts[site.findings[i].outcome] += 1
        out.append({"id": rule.id, "title_zh": rule.title_zh, "title_en": rule.title_en, "cites": rule.cites,
                    "severity": rule.severity, **counts})
    return out


def batch_frame(result: Mapping) -> gpd.GeoDataFrame:
    """A batch result as a table (WGS84): each site with one outcome and one measured column per rule, and all
    its findings as JSON text."""
    rows = []
    for site in result["sites"]:
        row = {"feature_id": site["id"], "failed": ",".join(site["failed"])}
        for f in site["findings"]:
            row[f["rule"]] = f["outcome"]
            row[f"{f['rule']}_measured"] = f["measured"]
            row[f"{f['rule']}_unit"] = f["unit"]
        row["findings"] = orjson.dumps(site["findings"]).decode()
        rows.append(row)
    geoms = [shapely.geometry.shape(s["geometry"]) for s in result["sites"]]
    return gpd.GeoDataFrame(gpd.pd.DataFrame(rows), geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)
