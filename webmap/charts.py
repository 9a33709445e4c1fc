"""Bar-chart layout of the indicators page: one chart per unit shared by two or more targets, bars scaled to the
largest value of their chart."""

from __future__ import annotations

BAR_AREA_PX = 400
ROW_PX = 22
COMPARISONS = {"=": "", ">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def unit_charts(items: list[dict], label_key: str) -> list[dict]:
    """Charts of the targets sharing a unit, each bar with its label, value, year, comparison sign and geometry."""
    by_unit: dict[str, list[dict]] = {}
    for item in items:
        by_unit.setdefault(item["unit"], []).append(item)
    charts = []
    for unit, group in by_unit.items():
        if len(group) < 2:
            continue
        top = max(i["value"] for i in group) or 1
        bars = [{"label": i[label_key], "value": i["value"], "year": i["target_year"],
                 "comparison": i.get("comparison_symbol", COMPARISONS.get(i.get("comparison", "="), "")),
                 "width": round(BAR_AREA_PX * i["value"] / top, 1), "y": 4 + ROW_PX * n}
                for n, i in enumerate(sorted(group, key=lambda i: -i["value"]))]
        charts.append({"unit": unit, "bars": bars, "height": 8 + ROW_PX * len(bars)})
    return charts
