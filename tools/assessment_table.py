"""The per-target table of issue 22's closing note, from data/sources/plan_indicators.yaml: each target's final status
and rule, its reported values with their sources, or what was searched for (`python -m tools.assessment_table`)."""

from __future__ import annotations

import collections
from pathlib import Path

import yaml

from geo.analysis.assessment import STATUSES, assess
from geo.analysis.indicators import _validated

PATH = Path(__file__).resolve().parents[1] / "data" / "sources" / "plan_indicators.yaml"


def target_lines(item: dict, final: dict) -> list[str]:
    """One target: heading, final status and rule, values with sources (or why none and what was searched)."""
    aim = "; 力争" if item["aim"] else ""
    lines = [f"### {item['id']} — {item['label_en']} ({item['clause']}; {item['comparison']} {item['value']:g} "
             f"{item['unit']}, {item['target_year']}; basis {item['basis']}{aim})",
             f"Final: **{final['status']}** — rule `{final['rule']}`: {final['why']}."]
    for r in item["reported"]:
        src = r["source"]
        flag = "comparable" if r["comparable"] else "context" + (f", {r['bound']} bound" if r.get("bound") else "")
        unit = f" {r['unit']}" if r.get("unit") else ""
        how = f"; derived: {r['derivation']}" if r.get("derivation") else ""
        lines.append(f"- {r['value']:g}{unit} as of {r['as_of']} ({flag}) — {src['title']}, {src['publisher']}, "
                     f"{src['published'] or 'no date on the page'}, {src['url']}{how}")
    if not any(r["comparable"] for r in item["reported"]):
        if item.get("no_data_en"):
            lines.append(f"- Why no comparable value: {item['no_data_en']}")
        if item.get("searched"):
            lines.append("- Searched: " + "; ".join(f"`{s}`" for s in item["searched"]))
    return lines


def main() -> None:
    items = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    counts: collections.Counter = collections.Counter()
    blocks, with_value = [], 0
    for n, raw in enumerate(items):
        item = _validated(raw, PATH, n)
        final = assess(item)
        counts[(item["plan_period"], final["status"])] += 1
        with_value += bool(item["reported"])
        blocks.append("\n".join(target_lines(item, final)))
    print(f"Targets with at least one reported value (date + source): {with_value} of {len(items)}\n")
    print("| plan period | " + " | ".join(STATUSES) + " |\n|---" * 1 + "|---" * len(STATUSES) + "|")
    for period in sorted({p for p, _ in counts}):
        print(f"| {period} | " + " | ".join(str(counts[(period, s)]) for s in STATUSES) + " |")
    print("\n" + "\n\n".join(blocks))


if __name__ == "__main__":
    main()
