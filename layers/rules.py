"""Review rules (合规性审查): layers/rules.yaml, validated at start like the catalog (CatalogError naming the file and
the field). A rule names the layers it applies to (by role, optionally a boundary level, or by the id of an
imported layer), a predicate, its limit, the clause or regulation it cites and a severity; no I/O beyond the read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from layers.catalog_loader import CatalogError, _Entry
from layers.model import BOUNDARY_LEVELS, LAYER_ROLES

DEFAULT_RULES_FILE = Path(__file__).parent / "rules.yaml"
# within: the site lies inside the layers' features; not_overlapping: no overlap (area > 0; a point or line site: no
# contact); overlap_at_most: overlap ≤ max_m2 or max_pct of the site; distance_at_least / distance_at_most: the
# nearest feature is ≥ / ≤ distance_m; attribute_in: every overlapped feature's `attribute.field` is in its values.
PREDICATES = ("within", "not_overlapping", "overlap_at_most", "distance_at_least", "distance_at_most", "attribute_in")
SEVERITIES = ("must", "should", "note")
MAX_RULES = 200
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@dataclass(frozen=True)
class Condition:
    """A property and the values it may take (compared as text)."""

    field: str
    values: tuple[str, ...]

    def holds(self, value: object) -> bool:
        return value is not None and str(value) in self.values


@dataclass(frozen=True)
class Rule:
    """One review rule, validated."""

    id: str
    title_zh: str
    title_en: str
    cites: str  # the clause or regulation, as written (e.g. "§16", "GB/T 39972-2021 6.3")
    predicate: str
    severity: str
    roles: tuple[str, ...] = ()
    boundary_level: str | None = None
    layers: tuple[str, ...] = ()  # imported layers (or any layer) by id
    max_m2: float | None = None
    max_pct: float | None = None
    distance_m: float | None = None
    attribute: Condition | None = None  # attribute_in
    where: Condition | None = None  # which features of the layers the rule reads
    site_where: Condition | None = None  # which sites it applies to (a property of the site)

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh


def _condition(entry: _Entry, name: str) -> Condition | None:
    raw = entry.get(name, dict, None)
    if raw is None:
        return None
    cond = entry.child(name, raw)
    values = cond.items("in")
    if not values or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
        raise cond.fail("in", "needs a list of one or more values (text or numbers)")
    return Condition(cond.text("field"), tuple(str(v) for v in values))


def _limits(entry: _Entry, predicate: str) -> dict:
    out = {"max_m2": entry.get("max_m2", float, None), "max_pct": entry.get("max_pct", float, None),
           "distance_m": entry.get("distance_m", float, None)}
    if predicate == "overlap_at_most" and (out["max_m2"] is None) == (out["max_pct"] is None):
        raise entry.fail("max_m2", "overlap_at_most needs exactly one of max_m2 and max_pct")
    if predicate.startswith("distance_") and out["distance_m"] is None:
        raise entry.fail("distance_m", f"is required for {predicate}")
    for name, value in out.items():
        if value is not None and (value < 0 or (name == "max_pct" and value > 100)):
            raise entry.fail(name, "must be ≥ 0 (a percentage at most 100)")
    return out


def _applies_to(entry: _Entry) -> dict:
    target = entry.child("applies_to", entry.get("applies_to", dict))
    roles = tuple(target.items("roles", []))
    for role in roles:
        if role not in LAYER_ROLES:
            raise target.fail("roles", f"'{role}' is not one of {', '.join(LAYER_ROLES)}")
    layers = tuple(target.items("layers", []))
    for layer_id in layers:
        if not isinstance(layer_id, str) or not _ID_RE.match(layer_id):
            raise target.fail("layers", f"'{layer_id}' is not a layer id")
    if not roles and not layers:
        raise target.fail("roles", "name at least one role or layer id")
    level = target.choice("boundary_level", BOUNDARY_LEVELS) if "boundary_level" in target.data else None
    if level is not None and roles != ("boundary",):
        raise target.fail("boundary_level", "is only for roles: [boundary]")
    return {"roles": roles, "layers": layers, "boundary_level": level}


def parse_rule(file: str, data: Any, index: int) -> Rule:
    """Validate one rule mapping."""
    entry = _Entry(file, data, f"rules[{index}].")
    rule_id = entry.text("id")
    if not _ID_RE.match(rule_id):
        raise entry.fail("id", f"'{rule_id}' must be lower-case letters, digits and _")
    title = entry.child("title", entry.get("title", dict))
    predicate = entry.choice("predicate", PREDICATES)
    attribute = _condition(entry, "attribute")
    if (predicate == "attribute_in") != (attribute is not None):
        raise entry.fail("attribute", "is required for attribute_in and only for it")
    return Rule(id=rule_id, title_zh=title.text("zh"), title_en=title.text("en"), cites=entry.text("cites"),
                predicate=predicate, severity=entry.choice("severity", SEVERITIES), **_applies_to(entry),
                **_limits(entry, predicate), attribute=attribute, where=_condition(entry, "where"),
                site_where=_condition(entry, "site_where"))


def load_rules(path: Path | str = DEFAULT_RULES_FILE) -> tuple[Rule, ...]:
    """The rules of a rules file (ids unique); CatalogError naming the file and the field."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise CatalogError(file, "(file)", "the rules file does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(file, "(syntax)", str(exc).replace("\n", " ")) from exc
    top = _Entry(file, data)
    raw = top.items("rules")
    if len(raw) > MAX_RULES:
        raise top.fail("rules", f"at most {MAX_RULES} rules")
    rules: dict[str, Rule] = {}
    for i, item in enumerate(raw):
        rule = parse_rule(file, item, i)
        if rule.id in rules:
            raise CatalogError(file, f"rules[{i}].id", f"'{rule.id}' is used by another rule")
        rules[rule.id] = rule
    return tuple(rules.values())
