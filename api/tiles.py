"""OGC API – Tiles for the collections: the tilesets list, the WebMercatorQuad tileset (with its TileJSON), Mapbox
Vector Tiles of every layer (ETag, Cache-Control, an LRU keyed by data version), and the tile matrix set."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, jsonify, request

from api.collections import COLLECTION_ID, _layer
from api.declare import choice, integer, ok, operation
from api.media import JSON, MVT
from api.services import services
from api.urls import absolute_url
from geo.core.errors import InvalidParameterError
from geo.tiles.mvt import (
    MAX_ZOOM,
    TMS,
    TMS_ID,
    TileAddress,
    check_address,
    matrix_limits,
    tile_minzoom,
)

bp = Blueprint("tiles", __name__)
TILE_CACHE_CONTROL = "public, max-age=300"
TMS_PARAM = choice("tileMatrixSetId", "tile matrix set", (TMS_ID,), where="path")
TILESET_REL = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{name}"
CONFORMANCE = tuple(_TILES.format(name=n) for n in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt",
                                                    "oas30")) + (
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset", "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset")


def _tiles_template(layer_id: str) -> str:
    base = absolute_url(".tileset", collection_id=layer_id, tileMatrixSetId=TMS_ID)
    return base + "/{tileMatrix}/{tileRow}/{tileCol}"


def tileset_summary(layer_id: str) -> dict:
    return {"title": services().catalog[layer_id].title_en, "dataType": "vector", "crs": TMS.crs.srs,
            "tileMatrixSetURI": TMS.uri,
            "links": [{"rel": "self", "type": JSON, "title": "tileset",
                       "href": absolute_url(".tileset", collection_id=layer_id, tileMatrixSetId=TMS_ID)},
                      {"rel": TILESET_REL, "type": JSON, "title": TMS_ID,
                       "href": absolute_url(".tile_matrix_set", tileMatrixSetId=TMS_ID)}]}


@bp.get("/collections/<collection_id>/tiles")
@operation("the vector tilesets of a collection", "tiles", COLLECTION_ID, responses=ok("the tilesets"))
def tilesets(q, collection_id: str):
    _layer(collection_id)
    return jsonify({"tilesets": [tileset_summary(collection_id)],
                    "links": [{"rel": "self", "type": JSON, "href": absolute_url(".tilesets", collection_id=collection_id)}]})


@bp.get("/collections/<collection_id>/tiles/<tileMatrixSetId>")
@operation("a collection's tileset: zoom range, tile matrix limits, the MVT layer and its properties", "tiles",
           COLLECTION_ID, TMS_PARAM, responses=ok("the tileset metadata"))
def tileset(q, collection_id: str, tileMatrixSetId: str):
    layer, store = _layer(collection_id), services().engine
    info = store.info(collection_id)
    minzoom = tile_minzoom(info.count, info.bbox)
    fields = {f: {"type": info.schema.get(f, "string")} for f in ("feature_id", *tile_fields(layer))}
    body = tileset_summary(collection_id) | {
        "tileMatrixSetLimits": matrix_limits(info.bbox, minzoom, min(minzoom + 6, MAX_ZOOM)),
        "minzoom": minzoom, "maxzoom": MAX_ZOOM, "boundingBox": {"lowerLeft": list(info.bbox[:2]),
                                                                 "upperRight": list(info.bbox[2:])},
        "layers": [{"id": collection_id, "dataType": "vector", "geometryDimension": geometry_dimension(layer.geometry),
                    "propertiesSchema": {"type": "object", "properties": fields}}]}
    body["links"] += [{"rel": "item", "type": MVT, "title": "tiles", "templated": True,
                       "href": _tiles_template(collection_id)},
                      {"rel": "alternate", "type": JSON, "title": "TileJSON",
                       "href": absolute_url(".tilejson", collection_id=collection_id, tileMatrixSetId=TMS_ID)}]
    return jsonify(body)


def geometry_dimension(geometry: str) -> int:
    return {"point": 0, "line": 1, "polygon": 2}[geometry]


def tile_fields(layer) -> tuple[str, ...]:
    """The properties a tile carries (besides feature_id): the popup fields of a small layer — a large one's popup
    fetches the feature by id — and the style's class field."""
    class_field = [layer.style["class_field"]] if layer.style.get("class_field") else []
    class_field += ["mode"] if layer.style.get("mode_colors") else []
    large = services().engine.info(layer.id).large
    fields = [] if large else list(layer.popup_fields)
    return tuple(dict.fromkeys([*fields, *class_field]))


@bp.get("/collections/<collection_id>/tiles/<tileMatrixSetId>/tilejson.json")
@operation("TileJSON 3.0 of a collection's vector tiles", "tiles", COLLECTION_ID, TMS_PARAM, responses=ok("TileJSON"))
def tilejson(q, collection_id: str, tileMatrixSetId: str):
    layer, info = _layer(collection_id), services().engine.info(collection_id)
    west, south, east, north = info.bbox
    minzoom = tile_minzoom(info.count, info.bbox)
    template = _tiles_template(collection_id).replace("{tileMatrix}/{tileRow}/{tileCol}", "{z}/{y}/{x}")
    return jsonify({"tilejson": "3.0.0", "name": layer.title_en, "scheme": "xyz", "tiles": [template],
                    "minzoom": minzoom, "maxzoom": MAX_ZOOM, "bounds": [west, south, east, north],
                    "center": [(west + east) / 2, (south + north) / 2, max(minzoom, 10)],
                    "vector_layers": [{"id": collection_id, "minzoom": minzoom, "maxzoom": MAX_ZOOM,
                                       "fields": {f: info.schema.get(f, "string") for f in tile_fields(layer)}}],
                    "attribution": layer.source})


def _address(q) -> TileAddress:
    last = 2**q.tileMatrix - 1
    for name in ("tileRow", "tileCol"):
        if getattr(q, name) > last:
            raise InvalidParameterError(name, f"must be <= {last} at tileMatrix {q.tileMatrix}")
    return TileAddress(q.tileMatrix, q.tileCol, q.tileRow)


@bp.get("/collections/<collection_id>/tiles/<tileMatrixSetId>/<tileMatrix>/<tileRow>/<tileCol>")
@operation("a Mapbox Vector Tile of the collection (MVT layer named after it; an empty tile is an empty answer)",
           "tiles", COLLECTION_ID, TMS_PARAM, integer("tileMatrix", "zoom", 0, MAX_ZOOM, where="path"),
           integer("tileRow", "row (y)", 0, where="path"), integer("tileCol", "column (x)", 0, where="path"),
           responses=ok("the tile", MVT))
def tile(q, collection_id: str, tileMatrixSetId: str, tileMatrix: str, tileRow: str, tileCol: str):
    layer, svc = _layer(collection_id), services()
    info, address = svc.engine.info(collection_id), _address(q)
    check_address(address, info.bbox, tile_minzoom(info.count, info.bbox), collection_id)
    key = ("mvt", collection_id, svc.data_version(), address)

    data = svc.tiles.get_or_compute(key, lambda: svc.engine.tile(collection_id, address, tile_fields(layer)))
    cache = "no-cache" if layer.editable else TILE_CACHE_CONTROL  # an edit shows at once: revalidate by ETag
    response = Response(data, mimetype=MVT, headers={"Cache-Control": cache})
    response.set_etag(hashlib.sha1(data, usedforsecurity=False).hexdigest())
    return response.make_conditional(request)


@bp.get("/tileMatrixSets")
@operation("the tile matrix sets the tiles use", "tiles", responses=ok("the tile matrix sets"))
def tile_matrix_sets(q):
    return jsonify({"tileMatrixSets": [{"id": TMS_ID, "title": TMS.title, "uri": TMS.uri, "links": [
        {"rel": "self", "type": JSON, "href": absolute_url(".tile_matrix_set", tileMatrixSetId=TMS_ID)}]}]})


@bp.get("/tileMatrixSets/<tileMatrixSetId>")
@operation("a tile matrix set (OGC TMS 2.0 JSON)", "tiles", TMS_PARAM, responses=ok("the tile matrix set"))
def tile_matrix_set(q, tileMatrixSetId: str):
    return jsonify(TMS.model_dump(mode="json", exclude_none=True))

