"""Analysis endpoints: site check, venue summaries (parks, markets, science parks), corridor metrics, warehouses,
plan indicators. The layers each one reads are chosen by role in the catalog; the work is done in geo/."""

from __future__ import annotations

from datetime import UTC, datetime

import shapely
from flask import Blueprint, Response, jsonify, request

from api.core.body import read_json_body
from api.core.declare import LANG, Body, Param, choice, formats, integer, name_list, number, ok, operation
from api.core.media import GEOJSON, HTML_UTF8, PDF
from api.core.review import audit_review, review
from api.core.review import summary as review_summary
from api.core.services import Services, services
from api.html.assessment import load_periods, page_item, sections
from api.html.assessment import summary as assessment_summary
from api.html.pdf import html_to_pdf
from api.html.render import render
from api.html.site_report import site_page
from api.html.text import clause_label, page_words, progress_reason, unit_label
from geo.analysis.assessment import STATUSES, assess, status_counts
from geo.analysis.corridors import corridor_metrics, elevation_profile, nearest_points_km, points_near_line
from geo.analysis.indicators import light_counts, load_indicators
from geo.analysis.parks import VenueInputs, VenueSummary, venue_summaries
from geo.analysis.review import failing_overlaps
from geo.analysis.site import SiteContext, check_site_geometry, site_report
from geo.core.errors import InvalidGeometryError, NotFoundError
from geo.core.geojson import body_schema, parse_features
from geo.core.limits import MAX_BODY_BYTES, MAX_VERTICES
from geo.core.serialize import feature_collection
from geo.rasters.stats import read_band
from layers.model import VENUE_ROLES
from webmap.charts import unit_charts
from webmap.i18n import report_text as text
from webmap.views import map_link

bp = Blueprint("analysis", __name__)
SITE_BODY = Body(f"a GeoJSON geometry, Feature or FeatureCollection in WGS84 lon/lat (at most {MAX_BODY_BYTES:,} "
                 f"bytes and {MAX_VERTICES:,} vertices)", body_schema())
CORRIDOR_ID = Param("corridor_id", "corridor feature id, with or without its layer prefix",
                    {"type": "string"}, str, where="path",
                    example=lambda: next((services().engine.first_id(lay.id) for lay in services().catalog.with_role(
                        "corridor")), None))
JSON_OR_HTML = formats("json", "html", description="json (default) or html (a printable page)")
DEFAULT_PERIOD = "14th-fyp"


def _periods() -> list[dict]:
    return load_periods(services().settings.data_dir / "sources" / "plan_periods.yaml")


PERIOD = choice("period", "the plan whose targets are shown (data/sources/plan_periods.yaml)",
                lambda: tuple(p["id"] for p in _periods()), default=DEFAULT_PERIOD)
SITE_FORMATS = formats("json", "html", "pdf", description="json (default), html (a printable page) or pdf (the "
                       "same report as an A4 PDF document, with Content-Disposition)")


def _frames(svc: Services, layers) -> dict:
    return {layer.id: svc.engine.frame(layer.id) for layer in layers}


def site_context(svc: Services, site) -> SiteContext:
    """The layers a site check reads, chosen by role (area layers only where they meet the site's bbox)."""
    city = svc.catalog.boundary("city")
    venues = {role: _frames(svc, svc.catalog.with_role(role)) for role in VENUE_ROLES}
    areas = {layer.id: svc.engine.within(layer.id, site.bounds) for layer in svc.catalog.area_layers()}
    return SiteContext(areas=areas, hubs=_frames(svc, svc.catalog.with_role("hub")),
                       corridors=_frames(svc, svc.catalog.with_role("corridor")),
                       venues={role: frames for role, frames in venues.items() if frames},
                       city=svc.engine.frame(city.id) if city else None)


def body_geometry(doc: object):
    """The union of the body's geometries (a FeatureCollection's features as one site)."""
    return body_site(doc)[0]


def body_site(doc: object) -> tuple[object, dict]:
    """The body's site: the union of its geometries, and the properties of its one feature (for the rules that
    apply to some sites only; {} for several features or a bare geometry)."""
    features = parse_features(doc)
    geoms = [f.geometry for f in features]
    properties = features[0].properties if len(features) == 1 and features[0].properties else {}
    return (shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]), dict(properties)


@bp.post("/analysis/site")
@operation("site compliance report: zones touched (overlap in EPSG:4549), geodesic distances to hubs, nearest "
           "corridor and venues (parks, markets, science parks), inside the city, plan clauses, and every review "
           "rule (layers/rules.yaml) with pass / fail / not applicable, the measured quantity and the deciding "
           "features (an audit row per review)", "analysis", SITE_FORMATS, LANG, body=SITE_BODY,
           responses=ok("the report (JSON), a printable page (HTML) or an A4 document (PDF, with Content-Disposition)",
                        "application/json", "text/html", PDF,
                        headers={"Content-Disposition": {"description": "PDF only: attachment; filename=…",
                                                         "schema": {"type": "string"}}}))
def analysis_site(q):
    doc = read_json_body(request)
    if isinstance(doc, dict) and doc.get("type") == "Feature" and doc.get("geometry") is None:
        raise InvalidGeometryError("body.geometry: the feature's geometry is empty (null)")
    geom, properties = body_site(doc)
    svc = services()
    report = site_report(geom, site_context(svc, geom)).to_dict()
    site = check_site_geometry(geom)[0]
    findings, frames = review(svc, site, properties)
    report["rules"] = [f.to_dict() for f in findings]
    report["review"] = review_summary(findings)
    version = svc.data_version()
    audit_review(svc, "review", version, {"sites": 1, "format": q.f, **report["review"]})
    report["data_version"] = version
    if q.f == "json":
        return jsonify(report)
    page = site_page(svc, geom, report, q.lang, pdf=q.f == "pdf", failing=failing_overlaps(site, findings, frames))
    if q.f == "html":
        return page, 200, {"Content-Type": HTML_UTF8}
    name = f"yiwu-site-report-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.pdf"
    return Response(html_to_pdf(page), mimetype=PDF,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def site_inputs(svc: Services) -> VenueInputs:
    hubs = svc.catalog.with_role("hub")
    distances = {k: v for layer in hubs for k, v in layer.summary_distances.items()}
    bands = {r.id: (read_band(path), r.unit) for r, path in svc.rasters.with_role("access")}
    return VenueInputs(_frames(svc, hubs), distances, _frames(svc, svc.catalog.with_role("zone")), bands)


def all_venues(svc: Services) -> dict[str, VenueSummary]:
    """Every site's summary, computed once per data version (the rasters are read once per computation)."""
    stamps = tuple(svc.rasters.stamp(r) for r, _ in svc.rasters.with_role("access"))

    def compute() -> dict[str, VenueSummary]:
        layers = [(lay.id, lay.role, lay.popup_fields, svc.engine.frame(lay.id)) for lay in svc.catalog.venue_layers()]
        return venue_summaries(layers, site_inputs(svc))

    return svc.stats.get_or_compute(("venues", svc.data_version(), stamps, svc.catalog.internal_ids()), compute)


@bp.get("/parks")
@operation("venues investors compare (parks, markets, science parks): area, industries, targets, distances, zones, "
           "access statistics", "analysis", responses=ok("the venues"))
def parks(q):
    items = [s.to_dict() for s in all_venues(services()).values()]
    return jsonify({"parks": items, "count": len(items)})


@bp.get("/parks/compare")
@operation("venues side by side", "analysis", name_list("ids", "two or more venue ids (see /parks), comma-separated",
                                                          2, 20, required=True), responses=ok("the venues asked for"),
           not_found=True)
def parks_compare(q):
    known = all_venues(services())
    unknown = [i for i in q.ids if i not in known]
    if unknown:
        raise NotFoundError(f"unknown park ids: {', '.join(i[:60] for i in unknown[:10])} (see /parks)")
    return jsonify({"parks": [known[i].to_dict() for i in q.ids]})


def corridor_row(svc: Services, corridor_id: str):
    """The corridor feature of any corridor layer, by its feature id with or without the layer prefix."""
    for layer in svc.catalog.with_role("corridor"):
        fid = corridor_id if corridor_id.startswith(f"{layer.id}.") else f"{layer.id}.{corridor_id}"
        try:
            return svc.engine.feature(layer.id, fid).iloc[0]
        except NotFoundError:
            continue
    raise NotFoundError(f"corridor '{corridor_id[:80]}' does not exist")


def countries_frame(svc: Services):
    layer = svc.catalog.boundary("country")
    if layer is None:
        raise NotFoundError("the catalog has no country boundary layer (role boundary, boundary_level country)")
    return svc.engine.frame(layer.id)


@bp.get("/corridors/<corridor_id>/metrics")
@operation("geodesic and published length, countries crossed, transit days, elevation profile", "analysis",
           CORRIDOR_ID, number("speed_kmh", "average rail moving speed for transit days (default 42; dwell at borders, "
                                           "gauge changes and ports is added)", 0, 1000,
                               exclusive_minimum=True), responses=ok("the metrics"))
def corridors_metrics(q, corridor_id: str):
    svc = services()
    row = corridor_row(svc, corridor_id)
    countries = countries_frame(svc)
    metrics = corridor_metrics(row, countries, q.speed_kmh)  # rail speed; the defaults are in geo.analysis.transit
    china = countries.loc[countries["iso3"] == "CHN", "geometry"]
    for raster, path in svc.rasters.with_role("elevation")[:1]:
        if not china.empty:
            metrics["elevation_profile"] = elevation_profile(row.geometry, china.iloc[0], path)
            metrics["elevation_source"] = (f"{raster.id} ({raster.source}), sampled along the drawn line "
                                           "(geodesics through the waypoint cities and border stations), not the "
                                           "track")
    return jsonify(metrics)


def _points(svc: Services, role: str):
    layers = svc.catalog.with_role(role)
    if not layers:
        raise NotFoundError(f"the catalog has no layer of role {role}")
    return svc.engine.frame(layers[0].id)


@bp.get("/warehouses/near")
@operation("the k overseas warehouses nearest to a point", "analysis",
           number("lon", "longitude", -180, 180, required=True), number("lat", "latitude", -90, 90, required=True),
           integer("k", "how many", 1, 200, default=5), responses=ok("warehouses with distance_km", GEOJSON))
def warehouses_near(q):
    near = nearest_points_km(q.lon, q.lat, _points(services(), "warehouse"), q.k)
    return jsonify(feature_collection(near)), 200, {"Content-Type": GEOJSON}


@bp.get("/corridors/<corridor_id>/warehouses")
@operation("overseas warehouses within a distance of a corridor", "analysis", CORRIDOR_ID,
           number("within_km", "distance in km", 0, 5000, default=200.0), responses=ok("warehouses, nearest first",
                                                                                     GEOJSON))
def corridor_warehouses(q, corridor_id: str):
    svc = services()
    near = points_near_line(corridor_row(svc, corridor_id).geometry, _points(svc, "warehouse"), q.within_km)
    return jsonify(feature_collection(near)), 200, {"Content-Type": GEOJSON}


@bp.get("/indicators")
@operation("every quantitative target of the plan with clause and quote", "analysis", JSON_OR_HTML, LANG, PERIOD,
           responses=ok("the indicators (JSON) or a page with charts (HTML)", "application/json", "text/html"))
def indicators(q):
    svc = services()
    items = load_indicators(svc.settings.data_dir / "sources" / "plan_indicators.yaml", set(svc.full_catalog()))
    items = [i for i in items if i["plan_period"] == q.period]
    for item in items:  # an indicator stays (it is the plan's); a layer the user may not see is not named
        if item.get("layer") not in svc.catalog:
            item["layer"] = None
    if q.f != "html":
        return jsonify({"indicators": items, "count": len(items), "lights": light_counts(items)})
    label_key = "label_en" if q.lang == "en" else "label_zh"
    words = page_words(q.lang)["indicators"]
    for item in items:
        item["map_href"] = map_link(item["layer"], svc.catalog, q.lang)
        item["layer_title"] = svc.catalog[item["layer"]].title(q.lang) if item["layer"] in svc.catalog else None
        item["clause_label"] = (item["clause_en"] if q.lang == "en" and item.get("clause_en")
                                else clause_label(item["clause"], q.lang))
        item["unit_label"] = unit_label(item["unit"], q.lang)
        item["basis_label"] = words["bases"].get(item["basis"], item["basis"])
        item["reason"] = progress_reason(item, q.lang)
        for r in item["reported"]:
            r["unit_label"] = unit_label(r.get("unit"), q.lang)
    themes: dict[str, list[dict]] = {}
    for item in items:
        themes.setdefault(words["themes"].get(item["theme"], item["theme"]), []).append(item)
    charts = unit_charts(items, label_key)
    for chart in charts:
        chart["unit"] = unit_label(chart["unit"], q.lang)
    page = render("indicators.html", title=text(q.lang)["indicators_title"], t=text(q.lang), lang=q.lang,
                  charts=charts, themes=list(themes.items()), label_key=label_key, words=words,
                  lights=light_counts(items), map_href="/" + ("?lang=en" if q.lang == "en" else ""), json_href="/indicators",
                  assessment_label=page_words(q.lang)["assessment"]["title"],
                  assessment_href="/assessment?f=html" + ("&lang=en" if q.lang == "en" else ""))
    return page, 200, {"Content-Type": HTML_UTF8}


ASSESSMENT_FORMATS = formats("json", "html", "pdf", description="json (default), html (a page) or pdf (an A4 report)")


@bp.get("/assessment")
@operation("end-of-period assessment: each target's final status at the end of 2025, its rule and sources",
           "analysis", ASSESSMENT_FORMATS, LANG, PERIOD,
           responses=ok("the assessment (JSON), a page (HTML) or an A4 report (PDF)", "application/json", "text/html",
                        PDF))
def assessment(q):
    svc = services()
    sources = svc.settings.data_dir / "sources"
    items = load_indicators(sources / "plan_indicators.yaml", set(svc.full_catalog()))
    periods = _periods()
    period = next(p for p in periods if p["id"] == q.period)
    items = [i for i in items if i["plan_period"] == period["id"]]
    for item in items:
        item["final"] = assess(item)
    groups = sections(items, period)
    counts = assessment_summary(groups)
    if q.f == "json":
        return jsonify({"period": {k: v for k, v in period.items() if k != "sections"}, "summary": counts,
                        "statuses": status_counts(items), "count": len(items),
                        "sections": [{"title_zh": g["title_zh"], "title_en": g["title_en"], "clauses": g["clauses"],
                                      "targets": g["items"]} for g in groups]})
    for group in groups:
        group["items"] = [page_item(i, q.lang) for i in group["items"]]
    suffix = "&lang=en" if q.lang == "en" else ""
    words = page_words(q.lang)["assessment"]
    first, last = period["years"]
    title = words["title"] if period["id"] == DEFAULT_PERIOD else words["title_other"].format(first=first, last=last)
    page = render("assessment.html", title=title, w=words,
                  lang=q.lang, pdf=q.f == "pdf", groups=groups, summary=counts, statuses=STATUSES,
                  period=period, period_title=period["title_en" if q.lang == "en" else "title_zh"],
                  period_note=period.get("note_en" if q.lang == "en" else "note_zh"),
                  period_links=[{"id": p["id"], "title": p["title_en" if q.lang == "en" else "title_zh"],
                                 "href": f"/assessment?f=html&period={p['id']}{suffix}"} for p in periods],
                  json_href=f"/assessment?period={q.period}",
                  pdf_href=f"/assessment?f=pdf&period={q.period}{suffix}")
    if q.f == "html":
        return page, 200, {"Content-Type": HTML_UTF8}
    name = f"yiwu-assessment-{q.period}-{q.lang}.pdf"
    edited = tuple((sources / f).stat().st_mtime_ns for f in ("plan_indicators.yaml", "plan_periods.yaml"))
    key = ("assessment.pdf", q.period, q.lang, svc.data_version(), edited)  # a report takes seconds: made once
    pdf = svc.pages.get_or_compute(key, lambda: html_to_pdf(page))
    return Response(pdf, mimetype=PDF, headers={"Content-Disposition": f'attachment; filename="{name}"'})
