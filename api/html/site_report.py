"""The site report as a planner hands it in (POST /analysis/site?f=html|pdf): the report of geo/analysis/site.py in the page
language, with the site's position and areas (geo/analysis/site_sheet.py), the date, the data version and build, the sources
of every layer used, a legend, an interactive map for the screen and a static SVG map (webmap/svgmap.py) for print and
PDF - one colour per zone layer from the catalog's styles, over the app's own city and county outlines."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import shapely
from flask import url_for

from api.core.identity import with_csrf_meta
from api.core.services import Services
from api.html.mapdata import base_frames, layer_style, layer_theme
from api.html.render import render
from api.html.text import clause_label, code_label, one_language, other_lang, page_words
from geo.analysis.site import check_site_geometry
from geo.analysis.site_sheet import site_position
from geo.core.serialize import feature_collection
from layers import Layer
from layers.model import VENUE_ROLES
from webmap.i18n import report_text, strings
from webmap.svgmap import SvgLayer, SvgStyle, svg_map

BEIJING = ZoneInfo("Asia/Shanghai")
SITE_STYLE = {"color": "#ae3ec9", "weight": 3, "fill_color": "#ae3ec9", "fill_opacity": 0.12}  # no layer uses it
FAIL_STYLE = {"color": "#c92a2a", "weight": 2, "fill_color": "#e03131", "fill_opacity": 0.55}  # failing overlaps
MIN_HALF_SPAN_DEG = 0.015  # a point site still shows about 3 km around it


def svg_style(style: dict, fill: bool = True, hatch: bool = False) -> SvgStyle:
    return SvgStyle(stroke=str(style.get("color", "#3388ff")), width=float(style.get("weight", 2)),
                    fill=(style.get("fill_color") or style.get("color")) if fill else None,
                    fill_opacity=float(style.get("fill_opacity", 0.2)) if fill else 0.0,
                    dash=style.get("dash_array"), radius=float(style.get("radius", 5)), hatch=hatch)


def map_extent(site) -> tuple[float, float, float, float]:
    """The site's bounds with room around it (at least MIN_HALF_SPAN_DEG each way)."""
    west, south, east, north = site.bounds
    cx, cy = (west + east) / 2, (south + north) / 2
    half = max(max(east - west, north - south) / 2 * 1.4, MIN_HALF_SPAN_DEG)
    return cx - half, cy - half, cx + half, cy + half


def beijing(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def built_at(info: dict) -> str:
    raw = info.get("built_at")
    if not raw:
        return ""
    try:
        return beijing(datetime.fromisoformat(str(raw)))
    except ValueError:
        return str(raw)


def zone_frames(svc: Services, zones: list[dict]) -> dict[str, gpd.GeoDataFrame]:
    """The features the site touches, by layer (catalog order of first touch)."""
    out: dict[str, list] = {}
    for z in zones:
        out.setdefault(z["layer"], []).append(svc.engine.feature(z["layer"], z["id"]))
    return {layer_id: gpd.GeoDataFrame(gpd.pd.concat(frames, ignore_index=True), crs=frames[0].crs)
            for layer_id, frames in out.items()}


def used_layers(svc: Services, zone_ids: list[str], venue_roles: list[str]) -> list[Layer]:
    """Every layer the report reads: the zones touched, hubs, corridors, the nearest venues' layers, the city (inside
    Yiwu) and the base outlines."""
    cat = svc.catalog
    layers = [cat[i] for i in zone_ids] + cat.with_role("hub") + cat.with_role("corridor")
    layers += [lay for lay in cat.venue_layers() if lay.role in venue_roles]
    layers += [lay for level in ("city", "county") if (lay := cat.boundary(level)) is not None]
    return list({lay.id: lay for lay in layers}.values())


def _legend_entry(title: str, style: dict, kind: str, schematic: bool = False) -> dict:
    return {"title": title, "color": style.get("color", "#3388ff"),
            "fill": style.get("fill_color") if kind == "area" else None,
            "dashed": bool(style.get("dash_array")), "kind": kind, "schematic": schematic}


def class_layers(layer: Layer, frame: gpd.GeoDataFrame, svc: Services) -> list[SvgLayer]:
    """A zone layer's touched features in the SVG map: one group per class colour of its style (the map pages')."""
    style, theme = layer_style(layer, svc), layer_theme(layer, svc)
    if theme.kind == "single" or theme.field not in frame.columns:
        return [SvgLayer(list(frame.geometry), svg_style(style))]
    groups: dict[str, list] = {}
    for geometry, value in zip(frame.geometry, frame[theme.field], strict=True):
        groups.setdefault(theme.color_of(value), []).append(geometry)
    key = "fill_color" if layer.geometry == "polygon" else "color"
    return [SvgLayer(geoms, svg_style({**style, key: color})) for color, geoms in groups.items()]


def static_map(site, zones: dict[str, gpd.GeoDataFrame], svc: Services, lang: str, failing: list = ()) -> str:
    """The SVG map of the report: county and city outlines, the zones in their layers' colours, the site."""
    t = report_text(lang)
    base = base_frames(svc)
    layers = [SvgLayer(list(frame.geometry), svg_style(layer_style(layer, svc), fill=False)) for layer, frame in base]
    layers += [svg_layer for layer_id, frame in zones.items()
               for svg_layer in class_layers(svc.catalog[layer_id], frame, svc)]
    layers.append(SvgLayer([site], svg_style(SITE_STYLE, hatch=True)))
    if failing:
        layers.append(SvgLayer(list(failing), svg_style(FAIL_STYLE)))
    extent = map_extent(site)
    city = next((frame for layer, frame in base if layer.boundary_level == "city"), None)
    inset, inset_extent = (), None
    if city is not None and not city.empty:
        inset = [SvgLayer(list(city.geometry), SvgStyle("#343a40", 1.0))]
        inset_extent = tuple(shapely.union_all([shapely.box(*city.total_bounds), shapely.box(*extent)]).bounds)
    return svg_map(layers, extent, north=t["north"], title=t["site_map"], inset=inset, inset_extent=inset_extent)


def repair_reason(note: str | None) -> str | None:
    """Why the site's geometry was repaired (GEOS's reason, a technical identifier) from the report's note."""
    if not note:
        return None
    return note.split(": ", 1)[1] if ": " in note else note


def rule_rows(report: dict, lang: str) -> list[dict]:
    """The review findings as the page shows them (words in the page language, numbers as measured)."""
    t = report_text(lang)["review"]
    name_key = "name_en" if lang == "en" else "name_zh"
    rows = []
    for f in report.get("rules", []):
        measured = "—" if f["measured"] is None else f"{f['measured']:,.2f} {t['units'].get(f['unit'], f['unit'])}"
        limit = "—" if f["limit"] is None else f"{f['limit']:,.2f} {t['units'].get(f['unit'], f['unit'])}"
        rows.append({"title": f["title_en"] if lang == "en" else f["title_zh"], "cites": f["cites"],
                     "severity": t["severities"][f["severity"]], "outcome": f["outcome"],
                     "outcome_label": t["outcomes"][f["outcome"]], "measured": measured, "limit": limit,
                     "reason": t["reasons"].get(f["reason"] or "", ""),
                     "features": [d[name_key] or d["name_zh"] or d["id"] for d in f["features"]][:10]})
    return rows


def site_page(svc: Services, geom, report: dict, lang: str, pdf: bool = False, failing: list = ()) -> str:
    """The report page (HTML; for the PDF without scripts or external resources)."""
    t, text, words = report_text(lang), strings(lang), page_words(lang)
    name_key = "name_en" if lang == "en" else "name_zh"
    geom = check_site_geometry(geom)[0]  # as the report measured it (an invalid polygon repaired)
    position = site_position(geom)
    zones = zone_frames(svc, report["zones"])
    info = svc.engine.build_info()
    cat = svc.catalog
    zone_rows = [{"layer": cat[z["layer"]].title(lang), "name": z[name_key] or z["name_zh"],
                  "overlap_km2": z["overlap_km2"], "overlap_pct": z["overlap_pct"],
                  "clause": clause_label(z["plan_ref"], lang), "accuracy": code_label("accuracy", z["accuracy"], lang),
                  "schematic": z["accuracy"] == "schematic"} for z in report["zones"]]
    hubs = [{"name": h[name_key] or h["name_zh"], "type": code_label("port_type", h["port_type"], lang),
             "status": code_label("status", h["status"], lang), "distance_km": h["distance_km"]}
            for h in report["hubs"]]
    corridor = report.get("nearest_corridor")
    nearest = [{"role": words["roles"].get(role, role), "name": d[name_key] or d["name_zh"],
                "distance_km": d["distance_km"]}
               for role in VENUE_ROLES if (d := report["nearest_venues"].get(role))]
    sources = [{"title": lay.title(lang), "source": one_language(lay.source, lang),
                "source_lang": other_lang(one_language(lay.source, lang), lang),
                "licence": one_language(lay.licence, lang), "licence_lang": other_lang(one_language(lay.licence, lang), lang),
                "accuracy": code_label("accuracy", lay.accuracy, lang)}
               for lay in used_layers(svc, list(zones), list(report["nearest_venues"]))]
    legend = [_legend_entry(t["site"], SITE_STYLE, "site")]
    if failing:
        legend.append(_legend_entry(t["review"]["failing_overlap"], FAIL_STYLE, "area"))
    legend += [_legend_entry(cat[i].title(lang), layer_style(cat[i], svc), "area", cat[i].accuracy == "schematic")
               for i in zones]
    legend += [_legend_entry(t["city"] if layer.boundary_level == "city" else t["county"], layer_style(layer, svc), "line")
               for layer, _ in reversed(base_frames(svc))]
    area = {"planar": report["area_km2"], "geodesic": round(position.geodesic_km2, 4),
            "sphere": round(position.sphere_km2, 4), "polygonal": position.planar_km2 > 0}
    if area["polygonal"]:
        area["explain"] = t["area_explain"].format(
            geodesic_pct=f"{abs(position.difference_pct(position.geodesic_km2)):.3f}",
            sphere_pct=f"{position.difference_pct(position.sphere_km2):.2f}")
    screen_map = None if pdf else {
        "site": shapely.geometry.mapping(geom), "site_style": SITE_STYLE, "name_key": name_key,
        "pdf_url": url_for("analysis.analysis_site", f="pdf", lang=lang),
        "layers": [{"id": i, "title": cat[i].title(lang), "style": layer_style(cat[i], svc),
                    "data": feature_collection(frame)} for i, frame in zones.items()] + ([{
                        "id": "review_failing", "title": t["review"]["failing_overlap"], "style": FAIL_STYLE,
                        "data": feature_collection(gpd.GeoDataFrame(
                            {"feature_id": [f"fail.{i}" for i in range(len(failing))]},
                            geometry=list(failing), crs="EPSG:4326"))}] if failing else []),
        "base": [{"id": layer.id, "title": layer.title(lang), "style": layer_style(layer, svc),
                  "data": feature_collection(frame)} for layer, frame in base_frames(svc)]}
    page = render("site_report.html", title=t["site_title"], t=t, lang=lang, pdf=pdf, report=report,
                  schematic_word=text["schematic"], repaired=repair_reason(report.get("note")), zones=zone_rows, hubs=hubs, nearest=nearest, sources=sources,
                  corridor=None if not corridor else {"name": corridor[name_key] or corridor["name_zh"],
                                                      "distance_km": corridor["distance_km"]},
                  clauses=[clause_label(c, lang) for c in report["plan_clauses"]], legend=legend, area=area,
                  position=position, svg=static_map(geom, zones, svc, lang, failing), screen_map=screen_map,
                  rules=rule_rows(report, lang),
                  generated=beijing(datetime.now(UTC)), data_version=str(svc.data_version()),
                  built=built_at(info), fingerprint=str(info.get("fingerprint") or "")[:16])
    return page if pdf else with_csrf_meta(page)  # its PDF button posts again: a session sends its CSRF token
