"""What a review reads (the layers each rule applies to, from the catalog the user may see: a rule on a layer the
user cannot see is not applicable to them) and the audit row of each review run."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import shapely
from flask import has_request_context, request

from api.core.services import Services, current_user
from geo.analysis.review import Finding, grown_bbox, review_site, review_sites, rule_reach, rule_totals
from geo.core.errors import InvalidGeometryError, TooLargeError
from geo.core.limits import MAX_BATCH_SITES, MAX_VERTICES
from geo.store.base import Engine
from geo.workspace.reviews import record_review
from layers import Catalog, Layer
from layers.rules import Rule


def rule_layers(catalog: Catalog, rule: Rule) -> list[Layer]:
    """The layers a rule applies to: of its roles (and boundary level), and the ones it names by id."""
    found = [lay for lay in catalog.with_role(*rule.roles)
             if rule.boundary_level is None or lay.boundary_level == rule.boundary_level]
    found += [catalog[i] for i in rule.layers if i in catalog]
    return list({lay.id: lay for lay in found}.values())


def rule_frames(engine: Engine, catalog: Catalog, rules: Sequence[Rule], bounds) -> dict[str, dict]:
    """rule id -> {layer id: the layer's features near a WGS84 bbox (grown by the rule's reach)}."""
    out = {}
    for rule in rules:
        bbox = grown_bbox(bounds, rule_reach(rule))
        out[rule.id] = {lay.id: engine.within(lay.id, bbox) for lay in rule_layers(catalog, rule)}
    return out


def review(svc: Services, site, properties: dict) -> tuple[list[Finding], dict]:
    """Every rule for one WGS84 site, and the frames it read (for the report map)."""
    frames = rule_frames(svc.engine, svc.catalog, svc.rules, site.bounds)
    return review_site(site, properties, svc.rules, frames), frames


def check_batch(sites: gpd.GeoDataFrame) -> None:
    """A batch within the limits: at most MAX_BATCH_SITES sites and MAX_VERTICES vertices together."""
    if len(sites) == 0:
        raise InvalidGeometryError("the file has no site")
    if len(sites) > MAX_BATCH_SITES:
        raise TooLargeError(f"{len(sites):,} sites; a batch review takes at most {MAX_BATCH_SITES:,}")
    vertices = int(shapely.get_num_coordinates(sites.geometry.values).sum())
    if vertices > MAX_VERTICES:
        raise TooLargeError(f"the sites have {vertices:,} vertices together; the limit is {MAX_VERTICES:,}")


def review_batch(engine: Engine, catalog: Catalog, rules: Sequence[Rule], sites: gpd.GeoDataFrame,
                 data_version: str, progress=None) -> dict:
    """Every rule for every site (WGS84 frame with feature_id): the layers read once for the batch's extent."""
    check_batch(sites)
    frames = rule_frames(engine, catalog, rules, tuple(sites.total_bounds))
    reviewed = review_sites(sites, rules, frames, progress)
    counts = {"pass": 0, "fail": 0, "not_applicable": 0}
    for site in reviewed:
        for finding in site.findings:
            counts[finding.outcome] += 1
    return {"count": len(reviewed), "data_version": data_version, "review": counts,
            "sites_failing": sum(1 for s in reviewed if s.failed()), "rules": rule_totals(rules, reviewed),
            "sites": [s.to_dict() for s in reviewed]}


def summary(findings: list[Finding]) -> dict:
    """How many findings of each outcome."""
    counts = {"pass": 0, "fail": 0, "not_applicable": 0}
    for finding in findings:
        counts[finding.outcome] += 1
    return counts


def audit_review(svc: Services, action: str, data_version: str, outcome: dict, actor: str | None = None,
                 client: str | None = None) -> int:
    """The audit row of a review run (the request's user and address unless given)."""
    if has_request_context():
        user = current_user()
        actor = actor or (user.name if user else None)
        client = client or request.remote_addr
    return record_review(svc.engine, action, actor, client, data_version, svc.rules, outcome)
