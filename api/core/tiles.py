"""Tiles, declared and answered once for the vector, raster and basemap endpoints: the zoom, column and row
parameters (validation and OpenAPI from one declaration), the address checked against the tile matrix of its zoom
(a column or row beyond it is a tile that does not exist: 404, as OGC API – Tiles answers a tile outside its
limits), and the answer with its media type, Cache-Control and an ETag of the bytes, conditional on If-None-Match."""

from __future__ import annotations

import hashlib

from flask import Response, request

from api.core.declare import Param, integer
from geo.core.errors import NotFoundError
from geo.tiles.mvt import MAX_ZOOM, TileAddress


def tile_params(zoom: str = "z", column: str = "x", row: str = "y",
                max_zoom: int = MAX_ZOOM) -> tuple[Param, Param, Param]:
    """The path parameters of a tile address, under the names a route gives them."""
    last = 2**max_zoom - 1  # the last column and row of the deepest zoom; at zoom z they stop at 2^z - 1
    return (integer(zoom, "zoom (tile matrix)", 0, max_zoom, where="path"),
            integer(row, "row (y), counted from the north; at most 2^zoom - 1", 0, last, where="path"),
            integer(column, "column (x); at most 2^zoom - 1", 0, last, where="path"))


def tile_address(q, zoom: str = "z", column: str = "x", row: str = "y") -> TileAddress:
    """The parsed address; NotFoundError for a column or row beyond the matrix of its zoom."""
    z, x, y = getattr(q, zoom), getattr(q, column), getattr(q, row)
    last = 2**z - 1
    if x > last or y > last:
        raise NotFoundError(f"no tile {z}/{x}/{y}: at zoom {z} columns and rows run from 0 to {last}")
    return TileAddress(z, x, y)


def tile_response(data: bytes, media_type: str, cache_control: str, encoding: str | None = None) -> Response:
    """A tile's answer: its bytes, an ETag of them, 304 when the client has them."""
    response = Response(data, mimetype=media_type, headers={"Cache-Control": cache_control})
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.set_etag(hashlib.sha1(data, usedforsecurity=False).hexdigest())
    return response.make_conditional(request)
