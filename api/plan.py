"""The plan reconciliation table (JSON, or a page in the page language) and service health: liveness (/healthz)
and readiness (/readyz)."""

from __future__ import annotations

import re
import time

from flask import Blueprint, jsonify

from api.core.declare import LANG, formats, ok, operation
from api.core.media import HTML_UTF8
from api.core.models import Health, Ready, openapi_schema
from api.core.services import services
from api.html.render import render
from api.html.text import (
    clause_label,
    number_text,
    one_language,
    other_lang,
    page_words,
    sign,
    unit_label,
    with_unit,
)
from geo.core.serialize import json_value

bp = Blueprint("plan", __name__)
FIGURES_F = formats("json", "html", description="json (default) or html (a page with the table)")
# the build's wording of a counted figure's note (geo/build/pipeline.py, geo/build/sources.py), read back to say it in the page
# language; a note that does not match is shown as it is
COUNTED = re.compile(r"reported (?P<reported>\d+) of (?P<target>[\d.]+) mapped as sites(?: \((?P<total>.*)\))?$")


def figure_note(row: dict, lang: str) -> dict | None:
    """The note of a figure in the page language: the catalog's bilingual notes split, the build's counted note
    reworded; a published length's note is its source (a citation, shown as it is)."""
    words = page_words(lang)["figures"]
    note = row.get("note")
    if not note:
        return None
    text = str(note)
    if row["measure"] == "feature_count" and (match := COUNTED.search(text)):
        parts = [words["reported"].format(reported=match["reported"], target=number_text(float(match["target"])))]
        if match["total"]:  # the build's bilingual reported total (geo/build/sources.py reported_total_note)
            parts.append(str(one_language(match["total"], lang)))
        head = text[:match.start()].rstrip("; ")
        text = "；".join([one_language(head, lang), *parts] if head else parts) if lang != "en" else \
            "; ".join([one_language(head, lang), *parts] if head else parts)
        return {"text": text, "field": "note", "lang": None}
    field = "source" if row["measure"] == "published_length" else "note"
    text = one_language(text, lang)
    return {"text": text, "field": field, "lang": other_lang(text, lang)}


def figure_rows(rows: list[dict], lang: str) -> list[dict]:
    words = page_words(lang)["figures"]
    catalog = services().catalog
    label_key = "label_en" if lang == "en" else "label_zh"
    out = []
    for r in rows:
        unit = unit_label(r["unit"], lang)
        measured = "—" if r["measured"] is None else with_unit(number_text(r["measured"]), unit, lang)
        if r["measure"] in ("feature_count", "sited_count", "sited_floor_area") and r.get("mapped_count") is not None:
            measured += f"（{words['mapped'].format(count=number_text(r['mapped_count']))}）" if lang != "en" else \
                f" ({words['mapped'].format(count=number_text(r['mapped_count']))})"
        diff = "—" if r["diff_pct"] is None else f"{r['diff_pct']:+.1f}%"
        tolerance = words["tolerance"].format(pct=number_text(r["tolerance_pct"])) if r.get("tolerance_pct") else ""
        layer = catalog[r["layer"]].title(lang) if r["layer"] in catalog else r["layer"]
        out.append({"layer": layer, "label": r[label_key], "clause": clause_label(r["clause"], lang),
                    "plan": with_unit(f"{sign(r['comparison'])}{number_text(r['plan_value'])}", unit, lang),
                    "year": number_text(r["target_year"]) if r.get("target_year") is not None else "",
                    "measured": measured, "diff": diff, "tolerance": tolerance, "status": r["status"],
                    "status_label": words["statuses"].get(r["status"], r["status"]),
                    "measure": words["measures"].get(r["measure"], r["measure"]), "note": figure_note(r, lang)})
    return out


@bp.get("/plan/figures")
@operation("the reconciliation: each plan figure beside the measured value", "analysis", FIGURES_F, LANG,
           responses=ok("the figures (JSON) or a page with the table (HTML)", "application/json", "text/html"))
def plan_figures(q):
    figures = services().engine.plan_figures()
    figures = figures[figures["layer"].isin(list(services().catalog))]  # the rows of the layers the user may see
    rows = [{k: json_value(v) for k, v in rec.items()} for rec in figures.to_dict(orient="records")]
    if q.f == "html":
        words = page_words(q.lang)["figures"]
        page = render("plan_figures.html", title=words["title"], lang=q.lang, w=words,
                      rows=figure_rows(rows, q.lang), json_href="/plan/figures?f=json")
        return page, 200, {"Content-Type": HTML_UTF8}
    return jsonify({"figures": rows, "count": len(rows)})


@bp.get("/healthz")
@operation("liveness: the process answers (reads no data, never waits for a work slot; readiness is /readyz)",
           "other", responses=ok("the status", schema=openapi_schema(Health)))
def healthz(q):
    return jsonify(Health(status="ok", uptime_s=round(time.monotonic() - services().started, 1)).model_dump())


@bp.get("/readyz")
@operation("readiness: the data answers — feature counts of the layers you may see, build time, data version",
           "other", responses=ok("the status", schema=openapi_schema(Ready)))
def readyz(q):
    engine = services().engine
    counts = {layer_id: engine.count(layer_id) for layer_id in services().catalog}
    built_at = engine.build_info().get("built_at")
    return jsonify(Ready(status="ok", layers=counts, built_at=None if built_at is None else str(built_at),
                         data_version=services().data_version()).model_dump())
