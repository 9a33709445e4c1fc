"""The office's own basemap (YIWU_BASEMAP, one MBTiles file): its TileJSON and its tiles, so maps on an intranet
draw streets and place names with no internet. Without one configured both answer 404 and the maps draw the
built place layers instead."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Blueprint, jsonify

from api.core.declare import ok, operation
from api.core.media import JSON
from api.core.services import services
from api.core.tiles import tile_address, tile_params, tile_response
from api.core.urls import absolute_url
from geo.core.errors import NotFoundError
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
    response = jsonify(_basemap().tilejson(unquote(absolute_url(".basemap_tile", z="{z}", x="{x}", y="{y}"))))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/basemap/tiles/<z>/<x>/<y>")
@operation("a tile of the office's basemap, by XYZ address (404 where the file has none)", "basemap",
           *tile_params(max_zoom=MAX_ZOOM), responses=ok("the tile", *TILE_MEDIA))
def basemap_tile(q, z: str, x: str, y: str):
    basemap, address = _basemap(), tile_address(q)
    tile = basemap.tile(address.z, address.x, address.y)
    if tile is None:
        raise NotFoundError(f"the basemap has no tile at {address.z}/{address.x}/{address.y}")
    return tile_response(tile.data, tile.media_type, BASEMAP_CACHE_CONTROL, tile.encoding)
