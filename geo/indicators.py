"""The plan's quantitative targets (data/sources/plan_indicators.yaml), validated."""

from __future__ import annotations

from pathlib import Path

import yaml

from geo.errors import SourceError

REQUIRED = ("id", "clause", "theme", "value", "unit", "target_year", "label_zh", "label_en", "quote")


def load_indicators(path: Path, layer_ids: set[str]) -> list[dict]:
    """Every indicator with its clause, quote, unit, target year and (optional) map layer."""
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    seen = set()
    for i, item in enumerate(items):
        missing = [k for k in REQUIRED if k not in item]
        if missing:
            raise SourceError(f"{path}: entry {i} lacks {missing}")
        if item["id"] in seen:
            raise SourceError(f"{path}: duplicate id {item['id']}")
        if item.get("layer") and item["layer"] not in layer_ids:
            raise SourceError(f"{path}: {item['id']}: unknown layer {item['layer']}")
        seen.add(item["id"])
        item.setdefault("comparison", "=")
        item.setdefault("layer", None)
    return items
