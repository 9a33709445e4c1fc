"""OGC API – Tiles for the collections: the tilesets list, the WebMercatorQuad tileset (with its TileJSON), Mapbox
Vector Tiles of every layer (ETag, Cache-Control, an LRU keyed by data version), and the tile matrix set."""

from __future__ import annotations

from flask import Blueprint, jsonify

from api.core.declare import choice, ok, operation
from api.core.media import JSON, MVT
from api.core.paths import COLLECTION
from api.core.services import services
from api.core.tiles import tile_address, tile_params, tile_response
from api.core.urls import absolute_url
from geo.tiles.fields import tile_fields as layer_tile_fields
from geo.tiles.mvt import (
    MAX_ZOOM,
    TMS,
    TMS_ID,
    check_address,
    matrix_limits,
)

bp = Blueprint("tiles", __name__)
TILE_CACHE_CONTROL = "public, max-age=300"
TMS_PARAM = choice("tileMatrixSetId", "tile matrix set", (TMS_ID,), where="path")
TILE_NAMES = ("tileMatrix", "tileCol", "tileRow")
TILE = tile_params(*TILE_NAMES)
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
@operation("the vector tilesets of a collection", "tiles", COLLECTION, responses=ok("the tilesets"))
def tilesets(q, collection_id: str):
    return jsonify({"tilesets": [tileset_summary(collection_id)],
                    "links": [{"rel": "self", "type": JSON, "href": absolute_url(".tilesets", collection_id=collection_id)}]})


@bp.get("/collections/<collection_id>/tiles/<tileMatrixSetId>")
@operation("a collection's tileset: zoom range, tile matrix limits, the MVT layer and its properties", "tiles",
           COLLECTION, TMS_PARAM, responses=ok("the tileset metadata"))
def tileset(q, collection_id: str, tileMatrixSetId: str):
    layer, store = q.layer, services().engine
    info = store.info(collection_id)
    minzoom = store.tile_minzoom(collection_id, tile_fields(layer))
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
    """The properties the layer's tiles carry (geo/tiles/fields.py: the same for the live encoder and the pyramid)."""
    return layer_tile_fields(layer, services().engine.info(layer.id).large)


@bp.get("/collections/<collection_id>/tiles/<tileMatrixSetId>/tilejson.json")
@operation("TileJSON 3.0 of a collection's vector tiles", "tiles", COLLECTION, TMS_PARAM, responses=ok("TileJSON"))
def tilejson(q, collection_id: str, tileMatrixSetId: str):
    layer, info = q.layer, services().engine.info(collection_id)
    west, south, east, north = info.bbox
    minzoom = services().engine.tile_minzoom(collection_id, tile_fields(layer))
    template = _tiles_template(collection_id).replace("{tileMatrix}/{tileRow}/{tileCol}", "{z}/{y}/{x}")
    return jsonify({"tilejson": "3.0.0", "name": layer.title_en, "scheme": "xyz", "tiles": [template],
                    "minzoom": minzoom, "maxzoom": MAX_ZOOM, "bounds": [west, south, east, north],
                    "center": [(west + east) / 2, (south + north) / 2, max(minzoom, 10)],
                    "vector_layers": [{"id": collection_id, "minzoom": minzoom, "maxzoom": MAX_ZOOM,
                                       "fields": {f: info.schema.get(f, "string") for f in tile_fields(layer)}}],
                    "attribution": layer.source})


@bp.get("/collections/<collection_id>/tiles/<tileMatrixSetId>/<tileMatrix>/<tileRow>/<tileCol>")
@operation("a Mapbox Vector Tile of the collection (MVT layer named after it; an empty tile is an empty answer)",
           "tiles", COLLECTION, TMS_PARAM, *TILE, responses=ok("the tile", MVT))
def tile(q, collection_id: str, tileMatrixSetId: str, tileMatrix: str, tileRow: str, tileCol: str):
    layer, svc = q.layer, services()
    info, address, fields = svc.engine.info(collection_id), tile_address(q, *TILE_NAMES), tile_fields(layer)
    check_address(address, info.bbox, svc.engine.tile_minzoom(collection_id, fields), collection_id)
    key = ("mvt", collection_id, svc.engine.layer_version(collection_id), fields, address)  # fields: a style PUT

    data = svc.tiles.get_or_compute(key, lambda: svc.engine.tile(collection_id, address, fields))
    cache = "no-cache" if layer.editable else TILE_CACHE_CONTROL  # an edit shows at once: revalidate by ETag
    return tile_response(data, MVT, cache)


@bp.get("/tileMatrixSets")
@operation("the tile matrix sets the tiles use", "tiles", responses=ok("the tile matrix sets"))
def tile_matrix_sets(q):
    return jsonify({"tileMatrixSets": [{"id": TMS_ID, "title": TMS.title, "uri": TMS.uri, "links": [
        {"rel": "self", "type": JSON, "href": absolute_url(".tile_matrix_set", tileMatrixSetId=TMS_ID)}]}]})


@bp.get("/tileMatrixSets/<tileMatrixSetId>")
@operation("a tile matrix set (OGC TMS 2.0 JSON)", "tiles", TMS_PARAM, responses=ok("the tile matrix set"))
def tile_matrix_set(q, tileMatrixSetId: str):
    return jsonify(TMS.model_dump(mode="json", exclude_none=True))

