"""The office's own basemap (YIWU_BASEMAP, one MBTiles file): its TileJSON and its tiles, so maps on an intranet
draw streets and place names with no internet. Without one configured both answer 404 and the maps draw the
built place layers instead."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

from flask import Blueprint, Response, jsonify, request

from api.declare import integer, ok, operation
from api.media import JSON
from api.services import services
from api.urls import absolute_url
from geo.core.errors import InvalidParameterError, NotFoundError
from geo.tiles.mbtiles import MAX_ZOOM, MBTiles

bp = Blueprint("basemap", __name__)
BASEMAP_CACHE_CONTROL = "public, max-age=3600"
TILE_MEDIA = ("image/png", "image/jpeg", "image/webp", "application/vnd.mapbox-vector-tile")


def _basemap() -> MBTiles:
    basemap = services().basemap
    if basemap is None:
        raise NotFoundError("no basemap is configured on this server (set YIWU_BASEMAP to an MBTiles file)")
    return basemap


@bp.get("/basemap/tilejson.json")
@operation("TileJSON 3.0 of the office's basemap (404 when the server has none)", "basemap",
           responses=ok("TileJSON", JSON), not_found=True)
def basemap_tilejson(q):
    info = _basemap().info
    west, south, east, north = info.bounds
    template = unquote(absolute_url(".basemap_tile", z="{z}", x="{x}", y="{y}"))
    body = {"tilejson": "3.0.0", "name": info.name, "description": info.description, "scheme": "xyz",
            "tiles": [template], "format": info.format, "minzoom": info.minzoom, "maxzoom": info.maxzoom,
            "bounds": [west, south, east, north],
            "center": [(west + east) / 2, (south + north) / 2, info.minzoom], "attribution": info.attribution}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/basemap/tiles/<z>/<x>/<y>")
@operation("a tile of the office's basemap, by XYZ address (404 where the file has none)", "basemap",
           integer("z", "zoom", 0, MAX_ZOOM, where="path"), integer("x", "column", 0, where="path"),
           integer("y", "row, counted from the north", 0, where="path"),
           responses=ok("the tile", *TILE_MEDIA))
def basemap_tile(q, z: str, x: str, y: str):
    basemap, last = _basemap(), 2**q.z - 1
    for name in ("x", "y"):
        if getattr(q, name) > last:
            raise InvalidParameterError(name, f"must be <= {last} at zoom {q.z}")
    tile = basemap.tile(q.z, q.x, q.y)
    if tile is None:
        raise NotFoundError(f"the basemap has no tile at {q.z}/{q.x}/{q.y}")
    response = Response(tile.data, mimetype=tile.media_type, headers={"Cache-Control": BASEMAP_CACHE_CONTROL})
    if tile.encoding:
        response.headers["Content-Encoding"] = tile.encoding
    response.set_etag(hashlib.sha1(tile.data, usedforsecurity=False).hexdigest())
    return response.make_conditional(request)
