"""OGC API – Styles for every collection: its style (one, `default`) listed, and published as a MapLibre / Mapbox GL
style over the collection's vector tiles (f=mapbox), as SLD 1.1 (f=sld: QGIS, GeoServer) and as the declared style
mapping of the catalog (f=json); an editor changes it with PUT (the declared mapping, If-Match: the style's ETag),
recorded in the audit trail with the style before and after."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from api.core.body import read_json_body
from api.core.declare import Body, choice, formats, ok, operation
from api.core.media import JSON
from api.core.paths import COLLECTION
from api.core.services import current_user, services
from api.core.urls import absolute_url
from api.html.mapdata import layer_theme
from geo.core.errors import NotFoundError
from geo.workspace.styles import checked_style, save_style, style_etag
from webmap.styledocs import mapbox_style, sld_document

bp = Blueprint("styles", __name__)
STYLE_ID = "default"
MAPBOX = "application/vnd.mapbox.style+json"
SLD = "application/vnd.ogc.sld+xml;version=1.1"
_STYLES = "http://www.opengis.net/spec/ogcapi-styles-1/1.0/conf/{name}"
CONFORMANCE = tuple(_STYLES.format(name=n) for n in ("core", "manage-styles", "mapbox-styles", "sld-11"))
STYLE_PARAM = choice("styleId", "the style's id (see the collection's styles)", (STYLE_ID,), where="path",
                     required=True)
LANG_PARAM = choice("lang", "language of titles and class labels", ("zh", "en"), "zh")
MEDIA = {"mapbox": MAPBOX, "sld": SLD, "json": JSON}
STYLE_BODY = Body("the declared style (the catalog's `style:` mapping): kind single | categorized | graduated, "
                  "the symbol (color, fill_color, weight, fill_opacity, radius, dash_array), field, classes "
                  "[{value, color, label_zh, label_en}], other, palette, method, breaks, count, ramp, label_field, "
                  "minzoom, maxzoom", {"type": "object"}, ("application/json",))
WRITE_ERRORS = {"412": {"description": "the style changed since it was read (If-Match stale)"},
                "428": {"description": "If-Match is required"}}


def _style_links(collection_id: str) -> list[dict]:
    return [{"rel": "stylesheet", "type": media, "title": name,
             "href": absolute_url(".style", collection_id=collection_id, styleId=STYLE_ID, f=name)}
            for name, media in MEDIA.items()]


@bp.get("/collections/<collection_id>/styles")
@operation("the styles of a collection (OGC API – Styles): one, `default`, in each stylesheet format", "styles",
           COLLECTION, LANG_PARAM, responses=ok("the styles"))
def styles(q, collection_id: str):
    layer = q.layer
    return jsonify({"default": STYLE_ID,
                    "styles": [{"id": STYLE_ID, "title": layer.title(q.lang), "links": _style_links(collection_id)}],
                    "links": [{"rel": "self", "type": JSON, "href": absolute_url(".styles", collection_id=collection_id)},
                              {"rel": "collection", "type": JSON,
                               "href": absolute_url("collections.collection", collection_id=collection_id)}]})


@bp.get("/collections/<collection_id>/styles/<styleId>")
@operation("a collection's style: MapLibre / Mapbox GL style JSON (f=mapbox), SLD 1.1 (f=sld) or the declared "
           "style (f=json); its ETag is the version a PUT names in If-Match", "styles", COLLECTION, STYLE_PARAM,
           formats("mapbox", "sld", "json", description="stylesheet format"), LANG_PARAM,
           choose_format=lambda f: f or "mapbox", responses=ok("the style", MAPBOX, SLD, JSON))
def style(q, collection_id: str, styleId: str):
    layer, svc = q.layer, services()
    if styleId != STYLE_ID:
        raise NotFoundError(f"no style '{styleId}' (styles: {STYLE_ID})")
    if q.f == "json":
        response = jsonify(layer.style.declared())
    elif q.f == "sld":
        response = Response(sld_document(layer, layer_theme(layer, svc), q.lang), mimetype=SLD)
    else:
        tilejson = absolute_url("tiles.tilejson", collection_id=collection_id, tileMatrixSetId="WebMercatorQuad")
        response = jsonify(mapbox_style(layer, layer_theme(layer, svc), tilejson, q.lang))
        response.headers["Content-Type"] = MAPBOX
    response.set_etag(style_etag(layer.style.declared()))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.put("/collections/<collection_id>/styles/<styleId>")
@operation("change a collection's style (OGC API – Styles, manage styles): the declared style as JSON, If-Match the "
           "style's ETag; recorded in the audit trail", "styles", COLLECTION, STYLE_PARAM, body=STYLE_BODY,
           role="editor", responses={**ok("the style as stored"), **WRITE_ERRORS})
def put_style(q, collection_id: str, styleId: str):
    layer, svc = q.layer, services()
    if styleId != STYLE_ID:
        raise NotFoundError(f"no style '{styleId}' (styles: {STYLE_ID})")
    new = checked_style(layer, read_json_body(request), svc.engine.schema(collection_id))
    etag = save_style(svc.engine, layer, new, request.headers.get("If-Match"), current_user().name,
                      request.remote_addr)
    svc.written()
    response = jsonify(new.declared())
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-store"
    return response
