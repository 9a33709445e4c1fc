"""Batch review (批量审查): a file of sites (GeoPackage, zipped Shapefile, GeoJSON, CSV with WKT or x/y, … read by
geo/imports with its CRS and encoding rules) reviewed against every rule: a table of sites × rules as JSON, CSV,
GeoPackage (each site with its findings) or a summary page. With `Prefer: respond-async` the review runs as a job
(201 and Location: /jobs/{id}, progress on the job's page); the same job the OGC API – Processes `batch-review`
process runs."""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
from flask import Blueprint, Response, jsonify, request

from api.core.declare import LANG, Body, formats, ok, operation
from api.core.media import HTML_UTF8, JSON
from api.core.review import audit_review, check_batch, review_batch
from api.core.services import services
from api.html.render import render
from api.html.text import page_words
from api.imports import upload_name
from geo.analysis.review import batch_frame
from geo.core.errors import InvalidParameterError
from geo.core.limits import MAX_BATCH_SITES, MAX_VERTICES
from geo.imports.formats import MAX_FILE_BYTES
from geo.imports.reader import ImportOptions, read_import
from geo.query.downloads import DOWNLOADS, export_frame

bp = Blueprint("batch", __name__)
ASYNC = "respond-async"
FORM_OVERHEAD = 1_000_000
OPTION_FIELDS = {"crs": 40, "encoding": 20, "layer": 200, "id_field": 100, "x_field": 100, "y_field": 100,
                 "wkt_field": 100}
BATCH_BODY = Body(f"the file of sites (GeoPackage, zipped Shapefile, GeoJSON, FlatGeobuf, KML/KMZ or CSV with WKT or "
                  f"x/y columns; at most {MAX_FILE_BYTES:,} bytes, {MAX_BATCH_SITES:,} sites and {MAX_VERTICES:,} "
                  "vertices) and how to read it (as POST /imports)",
                  {"type": "object", "required": ["file"],
                   "properties": {"file": {"type": "string", "format": "binary"},
                                  "gcj02": {"type": "string", "enum": ["on", "true"]},
                                  **{k: {"type": "string", "maxLength": n} for k, n in OPTION_FIELDS.items()}}},
                  ("multipart/form-data",))
BATCH_FORMATS = formats("json", "csv", "gpkg", "html",
                        description="json (default), csv (WKT geometry), gpkg (each site with its findings) or html "
                                    "(a summary page)")


def _options() -> ImportOptions:
    values = {}
    for name, limit in OPTION_FIELDS.items():
        value = (request.form.get(name) or "").strip()
        if len(value) > limit:
            raise InvalidParameterError(name, "is too long")
        values[name] = value or None
    return ImportOptions(gcj02=request.form.get("gcj02") in ("on", "true"), **values)


def read_sites() -> tuple[gpd.GeoDataFrame, dict]:
    """The uploaded file's sites (WGS84, feature_id and attributes) and the reader's QC summary."""
    request.max_content_length = MAX_FILE_BYTES + FORM_OVERHEAD
    upload = request.files.get("file")
    if upload is None:
        raise InvalidParameterError("file", "is required (multipart/form-data field 'file')")
    name = upload_name(upload.filename)
    options = _options()
    with tempfile.TemporaryDirectory(prefix="yiwu-batch-") as workdir:
        path = Path(workdir) / name
        upload.save(path)
        result = read_import(path, options, {})
    report = result.report.to_dict()
    qc = {k: report[k] for k in ("file", "format", "crs", "encoding", "feature_count", "imported_count") if k in report}
    return result.frame, qc


def wants_async() -> bool:
    """The request asks to run as a job (`Prefer: respond-async`, RFC 7240)."""
    return ASYNC in (request.headers.get("Prefer") or "").replace(" ", "").split(",")


def result_response(result: dict, fmt: str, lang: str, job: dict | None = None) -> Response:
    """A batch result in the asked format."""
    if fmt in ("csv", "gpkg"):
        spec = DOWNLOADS[fmt]
        body = export_frame(batch_frame(result), fmt, "batch_review")
        name = f"batch-review.{spec.extension}"
        return Response(body, mimetype=spec.media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if fmt == "html":
        return Response(batch_page(result, lang, job), headers={"Content-Type": HTML_UTF8})
    return jsonify(result)


def batch_page(result: dict | None, lang: str, job: dict | None = None) -> str:
    """The summary page of a batch review (or of its job while it runs: the progress)."""
    w = page_words(lang)["batch"]
    title_key = "title_en" if lang == "en" else "title_zh"
    rules = [{**r, "title": r[title_key]} for r in (result or {}).get("rules", [])]
    sites = (result or {}).get("sites", [])
    titles = {r["id"]: r["title"] for r in rules}
    return render("batch_report.html", title=w["title"], w=w, lang=lang, result=result, rules=rules,
                  sites=[{"id": s["id"], "failed": [titles.get(i, i) for i in s["failed"]]} for s in sites], job=job)


@bp.post("/analysis/batch")
@operation("batch review: every site of a file (read as POST /imports reads it) against every review rule; a table "
           "of sites × rules (JSON, CSV, GeoPackage) or a summary page; with `Prefer: respond-async` a job "
           "(201, Location /jobs/{jobId}); an audit row per run", "analysis", BATCH_FORMATS, LANG, body=BATCH_BODY,
           role="viewer",
           responses={**ok("the table of sites × rules", JSON, "text/csv", "application/geopackage+sqlite3",
                           "text/html"),
                      "201": {"description": "the job (Prefer: respond-async): its status; Location /jobs/{jobId}",
                              "content": {JSON: {"schema": {"type": "object"}}}},
                      "413": {"description": "too many sites or vertices, or the file is too large"},
                      "422": {"description": "the file was refused: the QC report says why"}})
def analysis_batch(q):
    sites, qc = read_sites()
    svc = services()
    if wants_async():
        from api.processes import batch_work, start_job  # the job the batch-review process runs

        check_batch(sites)
        return start_job(svc, "batch-review", batch_work(svc, sites, {"qc": qc}), {"file": qc.get("file"),
                                                                                   "count": len(sites)})
    version = svc.data_version()
    result = review_batch(svc.engine, svc.catalog, svc.rules, sites, version)
    result["qc"] = qc
    audit_review(svc, "batch_review", version, {"sites": result["count"], "sites_failing": result["sites_failing"],
                                                  "file": qc.get("file"), **result["review"]})
    return result_response(result, q.f, q.lang)
