"""Map pages (one per view) and the assets they load, all served by the app itself."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Blueprint, abort, send_from_directory

from api.core.declare import LANG, Param, operation
from api.core.identity import with_csrf_meta
from api.core.media import HTML_UTF8, JSON
from api.core.services import services
from api.core.urls import path_url
from api.ogc import LANDING_F, landing_format, landing_response
from geo.core.errors import NotFoundError
from webmap.assets import STATIC_DIR, VENDOR_FILES
from webmap.build import build_map
from webmap.i18n import strings
from webmap.views import VIEWS

bp = Blueprint("pages", __name__)
PAGE = {"200": {"description": "the map page", "content": {"text/html": {"schema": {"type": "string"}}}}}
AUDIENCE_VIEWS = tuple(v for v in VIEWS if v != "overview")
VIEW_ID = Param("view_id", "map view", {"type": "string", "enum": list(AUDIENCE_VIEWS)}, str, where="path")
ASSET = Param("asset", "file of an installed front-end package", {"type": "string"}, str, where="path")
FILENAME = Param("filename", "file of the app's own scripts and styles", {"type": "string"}, str, where="path")
FILE = {"200": {"description": "the file", "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                              "format": "binary"}}}}}


def render_view(view_id: str, lang: str) -> str:
    """The page's HTML, cached per view, language, data version and the internal layers its reader may see (an
    anonymous reader never gets a signed-in user's page); a session's CSRF token is added to each answer."""
    svc = services()
    key = (view_id, lang, svc.data_version(), svc.catalog.internal_ids())

    def build() -> str:
        office = svc.basemap.tilejson(unquote(path_url("basemap.basemap_tile", z="{z}", x="{x}", y="{y}"))) \
            if svc.basemap else None
        fmap = build_map(VIEWS[view_id], svc.catalog, svc.engine, path_url, lang,
                         tianditu_key=svc.settings.tianditu_key, rasters=svc.rasters.catalog, office=office)
        return fmap.get_root().render()

    return with_csrf_meta(svc.pages.get_or_compute(key, build))


@bp.get("/")
@operation("the overview map; the OGC API landing document for ?f=json or an Accept header without HTML",
           "capabilities", LANDING_F, LANG, choose_format=landing_format,
           responses={"200": {"description": "landing document or overview map", "content": {
               JSON: {"schema": {"$ref": "#/components/schemas/landingPage"}}, "text/html": {"schema": {"type": "string"}}}}})
def overview(q):
    if q.f == "json":
        return landing_response()
    return render_view("overview", q.lang), 200, {"Content-Type": HTML_UTF8}


@bp.get("/map/<view_id>")
@operation("an audience's map page", "pages", VIEW_ID, LANG, responses=PAGE)
def view_page(q, view_id: str):
    if view_id not in AUDIENCE_VIEWS:
        raise NotFoundError(strings(q.lang)["errors"]["no_view"].format(view=view_id[:40]))
    return render_view(view_id, q.lang), 200, {"Content-Type": HTML_UTF8}


@bp.get("/vendor/<path:asset>")
@operation("a declared file of an installed front-end package (anything else 404)", "pages", ASSET, responses=FILE)
def vendor(q, asset: str):
    for package, files in VENDOR_FILES.items():
        filename = asset.removeprefix(package + "/")
        if filename != asset and filename in files:
            return send_from_directory(services().settings.vendor_dir / package, filename, max_age=86400)
    abort(404)


@bp.get("/static/<path:filename>")
@operation("the app's own scripts and styles", "pages", FILENAME, responses=FILE)
def static(q, filename: str):
    return send_from_directory(STATIC_DIR, filename, max_age=3600)
