"""The audit row of a review (强制留痕): who reviewed, when, at which data version, with which rules — so a finding
can be reproduced later. Written in its own workspace transaction."""

from __future__ import annotations

from collections.abc import Sequence

from geo.store.base import Engine
from geo.store.workspace import AuditEntry
from layers.rules import Rule


def rules_detail(rules: Sequence[Rule]) -> list[dict]:
    """What identifies each rule as it was applied (id, predicate, limits, layers, cited clause)."""
    return [{"id": r.id, "predicate": r.predicate, "severity": r.severity, "cites": r.cites,
             "roles": list(r.roles), "layers": list(r.layers), "max_m2": r.max_m2, "max_pct": r.max_pct,
             "distance_m": r.distance_m} for r in rules]


def record_review(engine: Engine, action: str, actor: str | None, client: str | None, data_version: str,
                  rules: Sequence[Rule], outcome: dict) -> int:
    """Append the audit row of one review or batch run; its sequence number."""
    detail = {"data_version": data_version, "rules": rules_detail(rules), **outcome}
    with engine.begin() as con:
        return engine.record(con, AuditEntry(action, actor, client, detail=detail))
