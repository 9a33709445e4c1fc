"""What a review reads (the layers each rule applies to, from the catalog the user may see: a rule on a layer the
user cannot see is not applicable to them) and the audit row of each review run."""

from __future__ import annotations

from flask import has_request_context, request

from api.core.services import Services, current_user
from geo.analysis.review import Finding, grown_bbox, review_site, rule_reach
from geo.workspace.reviews import record_review
from layers import Catalog, Layer
from layers.rules import Rule


def rule_layers(catalog: Catalog, rule: Rule) -> list[Layer]:
    """The layers a rule applies to: of its roles (and boundary level), and the ones it names by id."""
    found = [lay for lay in catalog.with_role(*rule.roles)
             if rule.boundary_level is None or lay.boundary_level == rule.boundary_level]
    found += [catalog[i] for i in rule.layers if i in catalog]
    return list({lay.id: lay for lay in found}.values())


def rule_frames(svc: Services, site, rules=None) -> dict[str, dict]:
    """rule id -> {layer id: the layer's features near the site (WGS84)}."""
    out = {}
    for rule in svc.rules if rules is None else rules:
        bbox = grown_bbox(site.bounds, rule_reach(rule))
        out[rule.id] = {lay.id: svc.engine.within(lay.id, bbox) for lay in rule_layers(svc.catalog, rule)}
    return out


def review(svc: Services, site, properties: dict) -> tuple[list[Finding], dict]:
    """Every rule for one WGS84 site, and the frames it read (for the report map)."""
    frames = rule_frames(svc, site)
    return review_site(site, properties, svc.rules, frames), frames


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
