"""Compliance review (合规性审查): a WGS84 site checked against the review rules (layers/rules.py). Each rule reads
the features of its layers (grouped by layer id, WGS84) and gives pass / fail / not applicable with the measured
quantity (overlap in m², share of the site in %, distance in m — all in EPSG:4549), the limit, and the features
that decided it. Pure functions on GeoDataFrames; the CRS is checked first."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import orjson
import shapely
import shapely.geometry
from pyproj import Transformer

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


@dataclass(frozen=True)
class _Feature:
    """A feature a rule reads: its layer, the properties the finding names, its geometry in EPSG:4549."""

    layer: str
    props: dict
    geom: object


_LOCAL = threading.local()  # a pyproj Transformer is not to be shared between threads (jobs run on their own)


def to_gk(geoms) -> np.ndarray:
    """WGS84 lon/lat geometries in EPSG:4549 (pyproj, always_xy: the transform geopandas' to_crs makes)."""
    transformer = getattr(_LOCAL, "to_gk", None)
    if transformer is None:
        transformer = _LOCAL.to_gk = Transformer.from_crs(WGS84, CGCS2000_GK_CM120, always_xy=True)
    return shapely.transform(np.asarray(geoms, dtype=object),
                             lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _features(frames: Mapping[str, gpd.GeoDataFrame], rule: Rule) -> list[_Feature]:
    """The rule's features of every layer, those `where` names only, in EPSG:4549."""
    out = []
    for layer_id, frame in frames.items():
        require_crs(frame, WGS84)
        if frame.empty:
            continue
        records = frame[_props(frame, rule)].to_dict("records")
        geoms = np.asarray(frame.geometry.values, dtype=object)
        keep = [i for i, g in enumerate(geoms) if g is not None and not g.is_empty
                and (rule.where is None or rule.where.holds(records[i].get(rule.where.field)))]
        out += [_Feature(layer_id, records[i], g) for i, g in zip(keep, to_gk(geoms[keep]), strict=True)]
    return out


def _props(frame: gpd.GeoDataFrame, rule: Rule) -> list[str]:
    wanted = ["feature_id", "name_zh", "name_en", "accuracy"]
    for cond in (rule.attribute, rule.where):
        if cond is not None:
            wanted.append(cond.field)
    return [c for c in dict.fromkeys(wanted) if c in frame.columns]


def _decider(feature: _Feature, **measured) -> Decider:
    props = feature.props
    return Decider(feature.layer, str(props.get("feature_id")), json_value(props.get("name_zh")),
                   json_value(props.get("name_en")), json_value(props.get("accuracy")), **measured)


def _finding(rule: Rule, outcome: str, **values) -> Finding:
    return Finding(rule.id, rule.title_zh, rule.title_en, rule.cites, rule.severity, outcome, **values)


def _overlaps(site_gk, features: list[_Feature]) -> list[tuple[_Feature, float]]:
    """(feature, overlap m²) of the features the site touches with an area (any contact for a point or line site)."""
    out = []
    for feature in features:
        if not feature.geom.intersects(site_gk):
            continue
        area = feature.geom.intersection(site_gk).area if site_gk.geom_type in AREA_SHAPES else 0.0
        if area > 0 or site_gk.geom_type not in AREA_SHAPES:
            out.append((feature, area))
    return out


def _union(features: list[_Feature]):
    return shapely.union_all([f.geom for f in features])


def _within(rule: Rule, site_gk, features: list[_Feature]) -> Finding:
    union = _union(features)
    hits = _overlaps(site_gk, features)
    if site_gk.geom_type in AREA_SHAPES:
        inside = union.intersection(site_gk).area
        share, ok = round(inside / site_gk.area * 100, 2), site_gk.area - inside <= SHARED_EDGE_M2
    else:
        ok = union.covers(site_gk)
        share = 100.0 if ok else 0.0
    return _finding(rule, PASS if ok else FAIL, measured=share, unit="pct", limit=100.0,
                    features=[_decider(f, overlap_m2=round(a, 2)) for f, a in hits])


def _overlap(rule: Rule, site_gk, features: list[_Feature]) -> Finding:
    hits = _overlaps(site_gk, features)
    area = float(_union([f for f, _ in hits]).intersection(site_gk).area) if hits else 0.0
    deciders = [_decider(f, overlap_m2=round(a, 2)) for f, a in hits]
    if rule.predicate == "not_overlapping":
        return _finding(rule, FAIL if hits else PASS, measured=round(area, 2), unit="m2", limit=0.0,
                        features=deciders)
    if rule.max_pct is not None:
        pct = area / site_gk.area * 100 if site_gk.area > 0 else (100.0 if hits else 0.0)
        return _finding(rule, FAIL if pct > rule.max_pct else PASS, measured=round(pct, 2), unit="pct",
                        limit=rule.max_pct, features=deciders)
    return _finding(rule, FAIL if area > rule.max_m2 else PASS, measured=round(area, 2), unit="m2",
                    limit=rule.max_m2, features=deciders)


def _distance(rule: Rule, site_gk, features: list[_Feature]) -> Finding:
    if not features:
        ok = rule.predicate == "distance_at_least"
        return _finding(rule, PASS if ok else FAIL, unit="m", limit=rule.distance_m, reason="none_within")
    metres = [float(f.geom.distance(site_gk)) for f in features]
    nearest = min(metres)
    if rule.predicate == "distance_at_least":
        ok, close = nearest >= rule.distance_m, [m < rule.distance_m for m in metres]
    else:
        ok, close = nearest <= rule.distance_m, [m == nearest for m in metres]
    deciders = [_decider(f, distance_m=round(m, 2)) for f, m, hit in zip(features, metres, close, strict=True) if hit]
    return _finding(rule, PASS if ok else FAIL, measured=round(nearest, 2), unit="m", limit=rule.distance_m,
                    features=sorted(deciders, key=lambda d: (d.distance_m, d.id)))


def _attribute(rule: Rule, site_gk, features: list[_Feature]) -> Finding:
    hits = _overlaps(site_gk, features)
    if not hits:
        return _finding(rule, NOT_APPLICABLE, reason="no_overlap")
    cond = rule.attribute
    bad = [(f, a) for f, a in hits if not cond.holds(f.props.get(cond.field))]
    return _finding(rule, FAIL if bad else PASS, measured=float(len(bad)), unit="features", limit=0.0,
                    features=[_decider(f, overlap_m2=round(a, 2), value=json_value(f.props.get(cond.field)))
                              for f, a in (bad or hits)])


EVALUATORS = {"within": _within, "not_overlapping": _overlap, "overlap_at_most": _overlap,
              "distance_at_least": _distance, "distance_at_most": _distance, "attribute_in": _attribute}


def review_rule(site, properties: Mapping[str, object], rule: Rule, frames: Mapping[str, gpd.GeoDataFrame]) -> Finding:
    """One rule for one WGS84 site: `frames` are the rule's layers (id -> WGS84 frame) near the site."""
    if rule.site_where is not None and not rule.site_where.holds(properties.get(rule.site_where.field)):
        return _finding(rule, NOT_APPLICABLE, reason="site_condition")
    if not frames:
        return _finding(rule, NOT_APPLICABLE, reason="no_layers")
    site_gk = to_gk([site])[0]
    features = _features(frames, rule)
    if rule.predicate == "within" and not features:
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
