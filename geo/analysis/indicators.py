"""The plan's quantitative targets (data/sources/plan_indicators.yaml), validated, with their progress:
a traffic light (met / on track / behind / no data) computed from the reported values — never estimated."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import yaml

from geo.core.errors import SourceError

LOGGER = logging.getLogger(__name__)
REQUIRED = ("id", "clause", "theme", "value", "unit", "target_year", "label_zh", "label_en", "quote")
OPERATORS = {"=": "", ">=": "≥", ">": ">", "<=": "≤", "<": "<"}
BASES = ("stock", "annual", "cumulative", "annual_average", "each_year", "rank", "milestone", "ratio")
LIGHTS = ("met", "on track", "behind", "no data")
DEFAULT_PERIOD = "14th-fyp"


@dataclass(frozen=True)
class Progress:
    """The traffic light of one indicator and why."""

    light: str
    reason: str
    latest: dict | None = None
    expected_at_latest: float | None = None
    share_of_target_pct: float | None = None


def _iso(value) -> str | None:
    """A YAML date (or text) as ISO text."""
    return None if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def _day(value: str) -> date:
    """The date of an ISO text (first 10 characters)."""
    return date.fromisoformat(str(value)[:10])


SOURCE_FIELDS = ("title", "publisher", "publisher_zh", "url")


def _source(raw: dict, where: str) -> dict:
    """A reported value's source {title, publisher, publisher_zh, published, url}, each present (published may be
    null)."""
    src = raw.get("source")
    if not isinstance(src, dict) or any(not src.get(k) for k in SOURCE_FIELDS) or "published" not in src:
        raise SourceError(f"{where}: source needs title, publisher, publisher_zh, published (a date or null) and url")
    if not str(src["url"]).startswith(("http://", "https://")):
        raise SourceError(f"{where}: source url '{src['url']}' is not a web address")
    return {**src, "published": _iso(src["published"])}


def _reported(item: dict, where: str) -> list[dict]:
    out = []
    for i, raw in enumerate(item.get("reported") or []):
        here = f"{where}: reported[{i}]"
        if not isinstance(raw, dict) or raw.get("value") is None or not raw.get("as_of"):
            raise SourceError(f"{here} needs value, as_of and source")
        if raw.get("bound") not in (None, "lower", "upper"):
            raise SourceError(f"{here}: bound '{raw['bound']}' is not lower or upper")
        if not raw.get("note_zh") or not raw.get("note_en"):
            raise SourceError(f"{here} needs note_zh and note_en")
        if raw.get("unit") and (raw.get("comparable", True) or raw.get("bound")):
            raise SourceError(f"{here}: a value in another unit ({raw['unit']}) is neither comparable nor a bound")
        entry = {**raw, "as_of": _iso(raw["as_of"]), "comparable": bool(raw.get("comparable", True)),
                 "source": _source(raw, here)}
        _day(entry["as_of"])  # a real date, or SourceError below
        out.append(entry)
    return sorted(out, key=lambda r: (r["as_of"], bool(r.get("preferred"))))


def _validated(item: dict, path: Path, i: int) -> dict:
    missing = [k for k in REQUIRED if k not in item]
    if missing:
        raise SourceError(f"{path}: entry {i} lacks {missing}")
    where = f"{path}: {item['id']}"
    comparison = item.setdefault("comparison", "=")
    if comparison not in OPERATORS:
        raise SourceError(f"{where}: comparison '{comparison}' is not one of {', '.join(OPERATORS)}")
    if item.get("basis", "stock") not in BASES:
        raise SourceError(f"{where}: basis '{item.get('basis')}' is not one of {', '.join(BASES)}")
    try:
        item["reported"] = _reported(item, where)
    except ValueError as exc:
        raise SourceError(f"{where}: reported as_of is not a date ({exc})") from exc
    if item.get("baseline"):
        item["baseline"] = {**item["baseline"], "as_of": _iso(item["baseline"]["as_of"])}
    item.setdefault("aim", False)
    item.setdefault("plan_period", DEFAULT_PERIOD)
    if item.get("note_en"):
        item.setdefault("note", item["note_en"])  # the English note, as the JSON had it before note_zh/note_en
    item.setdefault("basis", "stock")
    item.setdefault("layer", None)
    item["comparison_symbol"] = OPERATORS[comparison]
    return item


def load_indicators(path: Path, layer_ids: set[str]) -> list[dict]:
    """Every indicator with its clause, quote, unit, operator, basis, target year, reported values and progress."""
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        item = _validated(item, path, i)
        if item["id"] in seen:
            raise SourceError(f"{path}: duplicate id {item['id']}")
        if item.get("layer") and item["layer"] not in layer_ids:
            raise SourceError(f"{path}: {item['id']}: unknown layer {item['layer']}")
        seen.add(item["id"])
        item["progress"] = asdict(progress(item))
        out.append(item)
    return out


def meets(value: float, target: float, comparison: str) -> bool:
    """Whether a value satisfies the target; a bare figure (=) counts as reached at the target or beyond."""
    return {"=": value >= target, ">=": value >= target, ">": value > target,
            "<=": value <= target, "<": value < target}[comparison]


def _start(item: dict) -> tuple[date, float] | None:
    """The trajectory's start: the baseline, or 0 at the start of a cumulative period; None when unknown."""
    if item.get("baseline"):
        return _day(item["baseline"]["as_of"]), float(item["baseline"]["value"])
    if item.get("basis") == "cumulative":
        first = (item.get("period") or [2021])[0]
        return date(int(first), 1, 1), 0.0
    return None


def expected_value(item: dict, at: date) -> float | None:
    """The value a straight line from the start to the target reaches at `at` (None without a start)."""
    start = _start(item)
    if start is None:
        return None
    end = date(int(item["target_year"]), 12, 31)
    span = (end - start[0]).days
    share = min(max((at - start[0]).days / span, 0.0), 1.0) if span > 0 else 1.0
    return start[1] + (float(item["value"]) - start[1]) * share


def progress(item: dict) -> Progress:
    """met / on track / behind / no data from the latest comparable reported value."""
    usable = [r for r in item.get("reported") or [] if r.get("comparable", True)]
    if not usable:
        other = " (reported figures exist but measure something else)" if item.get("reported") else ""
        return Progress("no data", f"no reported value found{other}")
    latest = usable[-1]
    value, target, op = float(latest["value"]), float(item["value"]), item.get("comparison", "=")
    share = round(value / target * 100, 1) if target else None
    if meets(value, target, op):
        return Progress("met", f"{value:g} reported as of {latest['as_of']} meets {op} {target:g}", latest, None, share)
    at = _day(latest["as_of"])
    if at >= date(int(item["target_year"]), 12, 31):
        return Progress("behind", f"target year {item['target_year']} reached and not met", latest, None, share)
    expected = expected_value(item, at)
    if expected is None:
        return Progress("no data", "below target; no baseline to judge the trajectory", latest, None, share)
    ahead = value <= expected if op in ("<=", "<") else value >= expected
    light = "on track" if ahead else "behind"
    why = f"{value:g} as of {latest['as_of']} against {expected:.4g} on a straight line from the start to the target"
    return Progress(light, why, latest, round(expected, 2), share)


def light_counts(items: list[dict]) -> dict[str, int]:
    """How many indicators have each light."""
    return {light: sum(1 for i in items if i["progress"]["light"] == light) for light in LIGHTS}
