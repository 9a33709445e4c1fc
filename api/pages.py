"""Map pages (one per view) and the assets they load, all served by the app itself."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request, send_from_directory, url_for

from api.params import parse_lang
from api.services import services
from webmap.assets import STATIC_DIR, VENDOR_FILES
from webmap.build import build_map
from webmap.i18n import strings
from webmap.views import VIEWS

bp = Blueprint("pages", __name__)
HTML = "text/html; charset=utf-8"


def render_view(view_id: str) -> str:
    """The page's HTML, cached per view, language and build of the data."""
    lang = parse_lang(request.args)
    svc = services()
    key = (view_id, lang, svc.store.path.stat().st_mtime_ns)
    if key not in svc.page_cache:
        fmap = build_map(VIEWS[view_id], svc.catalog, svc.store.frame,
                         lambda layer_id: url_for("collections.items", collection_id=layer_id, limit=10000), lang,
                         tianditu_key=current_app.config["TIANDITU_KEY"], rasters=svc.rasters)
        if len(svc.page_cache) > 32:
            svc.page_cache.clear()
        svc.page_cache[key] = fmap.get_root().render()
    return svc.page_cache[key]


@bp.get("/")
def overview():
    """The overview map; the OGC API landing document for `?f=json` or `Accept: application/json`."""
    from api.ogc import landing_requested, landing_response

    if landing_requested(request):
        return landing_response()
    return render_view("overview"), 200, {"Content-Type": HTML}


@bp.get("/map/<view_id>")
def view_page(view_id: str):
    if view_id not in VIEWS or view_id == "overview":
        from geo.errors import NotFoundError

        raise NotFoundError(strings(parse_lang(request.args))["errors"]["no_view"].format(view=view_id))
    return render_view(view_id), 200, {"Content-Type": HTML}


@bp.get("/vendor/<path:asset>")
def vendor(asset: str):
    """A declared file of an installed package (scoped names like @scope/pkg included); anything else 404."""
    for package, files in VENDOR_FILES.items():
        filename = asset.removeprefix(package + "/")
        if filename != asset and filename in files:
            return send_from_directory(current_app.config["VENDOR_DIR"] / package, filename, max_age=86400)
    abort(404)


@bp.get("/static/<path:filename>")
def static(filename: str):
    return send_from_directory(STATIC_DIR, filename, max_age=3600)
