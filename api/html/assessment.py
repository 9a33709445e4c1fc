"""The end-of-period assessment page and report (GET /assessment?f=html|pdf): the targets grouped by the plan's
sections, a summary of final statuses first, each target with its clause, quote, final status and rule, sources,
and its reported series as a small SVG chart drawn here (so the PDF has it without a script)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from markupsafe import Markup, escape

from api.html.text import clause_label, number_text, page_words, sign, unit_label, with_unit
from geo.analysis.assessment import STATUSES
from geo.core.errors import SourceError

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 420, 150, 64, 16, 14, 28
FIRST_YEAR = 2020


def load_periods(path: Path) -> list[dict]:
    """The plan periods with their sections (data/sources/plan_periods.yaml)."""
    try:
        periods = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    for period in periods:
        for key in ("id", "title_zh", "title_en", "found"):
            if key not in period:
                raise SourceError(f"{path}: a period lacks {key}")
    return periods


def sections(items: list[dict], period: dict) -> list[dict]:
    """The period's sections in the plan's order, each with its targets; a clause no section names goes last."""
    out = [{**s, "items": []} for s in period.get("sections") or []]
    by_clause = {c: s for s in out for c in s["clauses"]}
    rest = {"clauses": [], "title_zh": "其他", "title_en": "Other", "items": []}
    for item in items:
        by_clause.get(item["clause"], rest)["items"].append(item)
    return [s for s in [*out, rest] if s["items"]]


def summary(groups: list[dict]) -> dict:
    """Counts by final status: per section and in total."""
    rows = [{"title_zh": g["title_zh"], "title_en": g["title_en"],
             "counts": {s: sum(1 for i in g["items"] if i["final"]["status"] == s) for s in STATUSES},
             "total": len(g["items"])} for g in groups]
    total = {s: sum(r["counts"][s] for r in rows) for s in STATUSES}
    return {"sections": rows, "total": total, "count": sum(r["total"] for r in rows)}


def _x(day: date, last_year: int) -> float:
    span = (date(last_year, 12, 31) - date(FIRST_YEAR, 1, 1)).days
    return LEFT + (WIDTH - LEFT - RIGHT) * (day - date(FIRST_YEAR, 1, 1)).days / span


def chart_points(item: dict) -> list[dict]:
    """The values a chart can draw: in the target's unit, dated 2020 or later."""
    return [r for r in item.get("reported") or []
            if not r.get("unit") and str(r["as_of"])[:4] >= str(FIRST_YEAR) and str(r["as_of"])[:4] <= "2026"]


def series_svg(item: dict, lang: str) -> Markup | None:
    """A small chart of a target's reported values (filled: comparable; hollow: context) against its target line."""
    points = chart_points(item)
    if not points:
        return None
    words = page_words(lang)["assessment"]
    last_year = max(min(int(item["target_year"]), 2025), *(int(str(r["as_of"])[:4]) for r in points))
    top = max(float(item["value"]), *(float(r["value"]) for r in points)) * 1.15 or 1.0
    plot_h = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    unit = unit_label(item["unit"], lang)
    target = f"{sign(item.get('comparison'))}{number_text(item['value'])}"
    label = words["chart_label"].format(name=item["label_en" if lang == "en" else "label_zh"], n=len(points),
                                        target=target, unit=unit)
    parts = [f'<svg class="series" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#868e96"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#868e96"/>']
    for year in range(FIRST_YEAR, last_year + 1):
        x = _x(date(year, 7, 1), last_year)
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle" fill="#495057">{year}</text>')
    ty = y(float(item["value"]))
    parts.append(f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" stroke="#e03131" '
                 f'stroke-dasharray="5 3"/>')
    parts.append(f'<text x="{LEFT - 4}" y="{ty + 3:.1f}" font-size="10" text-anchor="end" fill="#c92a2a">'
                 f'{escape(target)}</text>')
    parts.append(f'<text x="{LEFT - 4}" y="{TOP + plot_h:.1f}" font-size="10" text-anchor="end" fill="#495057">0</text>')
    dots, labels, labelled = [], [], set()
    for r in sorted(points, key=lambda r: not r.get("comparable", True)):  # a comparable value labels its date
        day = date.fromisoformat(str(r["as_of"])[:10])
        cx, cy = _x(min(day, date(last_year, 12, 31)), last_year), y(float(r["value"]))
        fill = "#1971c2" if r.get("comparable", True) else "#ffffff"
        dots.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{fill}" stroke="#1971c2" stroke-width="1.5"/>')
        if r["as_of"] not in labelled:  # two sources for one date: one label, drawn over the dots
            labelled.add(r["as_of"])
            labels.append(f'<text x="{cx + 6:.1f}" y="{cy + 3:.1f}" font-size="10" fill="#212529">'
                          f'{escape(number_text(float(r["value"]), 4))}</text>')
    parts += dots + labels
    parts.append("</svg>")
    return Markup("".join(parts))


def rule_text(item: dict, lang: str) -> str:
    """Why a target has its final status, in the page language."""
    words = page_words(lang)["assessment"]
    final = item["final"]
    value = final.get("value") or {}
    shown = number_text(float(value["value"]), 4) if value.get("value") is not None else ""
    as_of = str(value.get("as_of", ""))[:10]
    year = str(value.get("as_of", ""))[:4]
    text = words["rules"][final["rule"]].format(value=shown, as_of=as_of, year=year, target_year=item["target_year"],
                                                 target=f"{sign(item.get('comparison'))}{number_text(item['value'])}")
    basis = "" if final["rule"] == "not_due" else words["basis_rules"].get(item.get("basis", "stock"), "")
    aim = words["aim_rule"] if final.get("aim") else ""
    return " ".join(t for t in (text, basis, aim) if t)


def page_item(item: dict, lang: str) -> dict:
    """A target with what the page shows in its language."""
    en = lang == "en"
    out = dict(item)
    out["label"] = item["label_en" if en else "label_zh"]
    out["clause_label"] = item["clause_en"] if en and item.get("clause_en") else clause_label(item["clause"], lang)
    out["unit_label"] = unit_label(item["unit"], lang)
    out["rule_text"] = rule_text(item, lang)
    span = number_text(item["value"]) + (f"–{number_text(item['value_max'])}" if item.get("value_max") else "")
    out["target_text"] = with_unit(sign(item.get("comparison")) + span, out["unit_label"], lang)
    out["chart"] = series_svg(item, lang)
    out["no_data"] = item.get("no_data_en" if en else "no_data_zh")
    out["notes"] = [t for t in (item.get(k if en else k + "_zh") for k in ("value_note", "basis_note", "target_year_note"))
                    if t]
    if item.get("note_zh"):
        out["notes"].append(item["note_en" if en else "note_zh"])
    out["values"] = [{**r, "note": r["note_en" if en else "note_zh"],
                      "text": with_unit(number_text(float(r["value"]), 6), unit_label(r.get("unit") or item["unit"], lang),
                                        lang)} for r in item["reported"]]
    return out
