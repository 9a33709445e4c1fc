"""Importing a file through the service (editors): the upload form, `POST /imports` (multipart: the file and what
the layer is), the QC report of an import (JSON or a page in zh/en), and removing an imported layer (admins). The
same checks and the same all-or-nothing publishing as `python -m geo import`."""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from api.core.declare import Body, Param, ok, operation
from api.core.identity import csrf_token
from api.core.media import HTML_UTF8, JSON
from api.core.params import F_PAGE, LANG
from api.core.services import current_user, services
from api.core.urls import absolute_url
from api.html.render import render
from api.html.text import page_words
from geo.core.errors import InvalidParameterError, NotFoundError
from geo.imports.formats import MAX_FILE_BYTES
from geo.imports.pipeline import boundary_extents, import_file
from geo.imports.qc.messages import measure_words
from geo.imports.qc.report import ImportRefusedError, ImportTooLargeError
from geo.imports.reader import ImportOptions
from geo.workspace.layers import ImportRequest, drop_layer, imported_ids, qc_report_of
from layers.model import ACCURACIES, GROUPS, LAYER_ROLES
from webmap.i18n import strings

LOGGER = logging.getLogger(__name__)
bp = Blueprint("imports", __name__)
FORM_OVERHEAD = 1_000_000  # bytes of a multipart form besides the file
_UNSAFE_NAME = re.compile(r'[\x00-\x1f/\\:*?"<>|]')
IMPORT_ID = Param("import_id", "the imported collection's id", {"type": "string", "maxLength": 64}, str,
                  where="path")
FIELDS = {  # form field -> (required, JSON schema)
    "id": (True, {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,63}$"}),
    "title_zh": (True, {"type": "string", "maxLength": 200}), "title_en": (True, {"type": "string", "maxLength": 200}),
    "role": (True, {"type": "string", "enum": list(LAYER_ROLES)}),
    "plan_ref": (True, {"type": "string", "pattern": "^§[0-9]{1,2}$"}),
    "group": (False, {"type": "string", "enum": list(GROUPS)}),
    "access": (False, {"type": "string", "enum": ["internal", "public"]}),
    "accuracy": (False, {"type": "string", "enum": list(ACCURACIES)}),
    "licence": (False, {"type": "string", "maxLength": 200}),
    "crs": (False, {"type": "string", "maxLength": 40}), "gcj02": (False, {"type": "string", "enum": ["on", "true"]}),
    "encoding": (False, {"type": "string", "maxLength": 20}), "layer": (False, {"type": "string", "maxLength": 200}),
    "id_field": (False, {"type": "string", "maxLength": 100}), "x_field": (False, {"type": "string", "maxLength": 100}),
    "y_field": (False, {"type": "string", "maxLength": 100}),
    "wkt_field": (False, {"type": "string", "maxLength": 100}),
    "no_repair": (False, {"type": "string", "enum": ["on", "true"]}),
    # draw the layer in one colour even when a field holds a classification's codes (issue 23)
    "no_palette_style": (False, {"type": "string", "enum": ["on", "true"]}),
}
UPLOAD_BODY = Body(f"the file (GeoPackage, zipped Shapefile, GeoJSON, FlatGeobuf, KML/KMZ or CSV; at most "
                   f"{MAX_FILE_BYTES:,} bytes) and what the layer is",
                   {"type": "object", "required": ["file", *[k for k, (req, _) in FIELDS.items() if req]],
                    "properties": {"file": {"type": "string", "format": "binary"},
                                   **{k: schema for k, (_, schema) in FIELDS.items()}}},
                   ("multipart/form-data",))


def _field(name: str) -> str | None:
    value = request.form.get(name)
    value = value.strip() if value is not None else None
    if FIELDS[name][0] and not value:
        raise InvalidParameterError(name, "is required")
    if value and len(value) > FIELDS[name][1].get("maxLength", 64):
        raise InvalidParameterError(name, "is too long")
    return value or None


def _request_and_options(file_name: str) -> tuple[ImportRequest, ImportOptions]:
    f = {name: _field(name) for name in FIELDS}
    layer_request = ImportRequest(f["id"], f["title_zh"], f["title_en"], f["role"], f["plan_ref"], file_name,
                                  f["licence"] or "office data", f["accuracy"], f["group"], f["access"] or "internal",
                                  proposed_style=not f["no_palette_style"])
    options = ImportOptions(crs=f["crs"], gcj02=bool(f["gcj02"]), encoding=f["encoding"], layer=f["layer"],
                            id_field=f["id_field"], x_field=f["x_field"], y_field=f["y_field"],
                            wkt_field=f["wkt_field"], repair=not f["no_repair"])
    return layer_request, options


def upload_name(raw: str | None) -> str:
    """The uploaded file's own name, kept for the report (Chinese included), without any path or control
    character."""
    name = _UNSAFE_NAME.sub("_", Path((raw or "").replace("\\", "/")).name).strip(". ")[:120]
    if not name:
        raise InvalidParameterError("file", "has no name")
    return name


def _extents() -> dict:
    svc = services()
    return svc.stats.get_or_compute(("import_extents", svc.data_version()),
                                    lambda: boundary_extents(svc.full_catalog(), svc.engine))


def _wants_html() -> bool:
    return request.args.get("f") == "html" or (request.args.get("f") is None and request.accept_mimetypes.best_match(
        [JSON, "text/html"]) == "text/html")


@bp.post("/imports")
@operation("import a file as a new collection, all or nothing, with a quality-check (QC) report; 201 with the "
           "report, 422 with the report when the file is refused", "editing", body=UPLOAD_BODY, role="editor",
           responses={"201": {"description": "imported: the QC report", "content": {JSON: {"schema": {"type": "object"}}}},
                      "409": {"description": "the id is taken"}, "413": {"description": "the file is too large"},
                      "422": {"description": "refused: the QC report says why"}})
def create_import(q):
    request.max_content_length = MAX_FILE_BYTES + FORM_OVERHEAD
    upload = request.files.get("file")
    if upload is None:
        raise InvalidParameterError("file", "is required (multipart/form-data field 'file')")
    name = upload_name(upload.filename)
    layer_request, options = _request_and_options(name)
    svc = services()
    with tempfile.TemporaryDirectory(prefix="yiwu-upload-") as workdir:
        path = Path(workdir) / name
        upload.save(path)
        try:
            layer, report = import_file(svc.engine, path, options, layer_request, current_user().name,
                                        request.remote_addr, _extents(), set(svc.full_catalog()))
        except ImportRefusedError as exc:  # too large: 413, else 422; with the report either way
            status = 413 if isinstance(exc, ImportTooLargeError) else 422
            return _report_response(exc.report.to_dict(), None, status, str(exc))
    svc.written()
    return _report_response(report, layer.id, 201)


def _report_response(report: dict, layer_id: str | None, status: int, refusal: str | None = None) -> Response:
    lang = "en" if request.args.get("lang") == "en" else "zh"
    if _wants_html():
        html = qc_page(report, layer_id, lang, refusal)
        return Response(html, status=status, headers={"Content-Type": HTML_UTF8, "Cache-Control": "no-store"})
    body = {"report": report, "collection": layer_id}
    if refusal:
        body.update(code="ImportRefused", description=refusal)
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if layer_id:
        response.headers["Location"] = absolute_url("collections.collection", collection_id=layer_id)
    return response


def qc_page(report: dict, layer_id: str | None, lang: str, refusal: str | None = None) -> str:
    """The QC report as a page: the facts, every message in the page language, the repairs."""
    w = page_words(lang)["qc"]
    crs = report.get("crs") or {}
    encoding = report.get("encoding") or {}
    facts = [(w["file"], report.get("file")), (w["format"], report.get("format")),
             (w["features"], report.get("feature_count")), (w["imported"], report.get("imported_count")),
             (w["crs"], f"{crs.get('name', '')} (EPSG:{crs.get('epsg')})" if crs.get("epsg") else crs.get("name")),
             (w["encoding"], encoding.get("name")), (w["geometry"], report.get("geometry_type")),
             (w["bbox"], ", ".join(f"{v:.6f}" for v in report["bbox"]) if report.get("bbox") else None)]
    measures = report.get("measures")
    if measures:
        method, unit = measure_words(measures["method"], measures["unit"], lang)
        measures = {**measures, "method": method, "unit": unit}
    return render("qc_report.html", title=w["title"], w=w, facts=[(k, v) for k, v in facts if v is not None],
                  messages=[(m["level"], m[lang]) for m in report.get("messages", [])],
                  repairs=report.get("repairs", []), measures=measures, layer_id=layer_id,
                  ok=refusal is None, refusal=refusal, lang=lang)


@bp.get("/imports")
@operation("the import form (editors): choose a file and say what the layer is", "editing", LANG, role="editor",
           responses=ok("the form", "text/html"))
def import_form(q):
    w = page_words(q.lang)["qc"]
    html = render("import_form.html", title=w["form_title"], w=w, roles=LAYER_ROLES, groups=GROUPS, accuracies=ACCURACIES,
                  accuracy_words=strings(q.lang)["accuracies"],
                  csrf=csrf_token(), imported=imported_titles(q.lang), lang=q.lang,
                  max_mb=MAX_FILE_BYTES // 2**20)
    return html, 200, {"Content-Type": HTML_UTF8, "Cache-Control": "no-store"}


def imported_titles(lang: str) -> list[tuple[str, str]]:
    """(id, title in the page language) of the imported layers the reader sees."""
    catalog = services().catalog
    return [(i, catalog[i].title(lang)) for i in imported_ids(services().engine) if i in catalog]


@bp.get("/imports/<import_id>")
@operation("the QC report of an import (who imported it, when, and what the checks found)", "editing", IMPORT_ID,
           F_PAGE, LANG, role="editor", responses=ok("the QC report", JSON, "text/html"))
def import_report(q, import_id: str):
    if import_id not in services().catalog:
        raise NotFoundError(f"no import '{import_id[:64]}'")
    report = qc_report_of(services().engine, import_id)
    if q.f == "html":
        return qc_page(report, import_id, q.lang), 200, {"Content-Type": HTML_UTF8, "Cache-Control": "no-store"}
    response = jsonify({"report": report, "collection": import_id})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/imports/<import_id>")
@operation("remove an imported collection (admins); recorded in the audit trail, its features' history kept",
           "editing", IMPORT_ID, role="admin", responses={"204": {"description": "removed"}})
def delete_import(q, import_id: str):
    if import_id not in services().catalog:
        raise NotFoundError(f"no import '{import_id[:64]}'")
    drop_layer(services().engine, import_id, current_user().name, request.remote_addr)
    services().written()
    return Response(status=204, headers={"Cache-Control": "no-store"})
