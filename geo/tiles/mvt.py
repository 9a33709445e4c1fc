"""Mapbox Vector Tiles of a layer on the WebMercatorQuad tile matrix set (morecantile): the features of the tile
and a buffer around it, projected to Web Mercator, clipped to the buffered tile, snapped to the 4096-unit tile grid
and simplified for the zoom (polygons and lines that vanish at the zoom's resolution are dropped), wound as MVT
2.1 asks and encoded by mapbox-vector-tile; the MVT layer is named after the collection."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import mapbox_vector_tile
import morecantile
import numpy as np
import shapely
import shapely.geometry
from pyproj import Transformer

from geo.core.errors import NotFoundError

LOGGER = logging.getLogger(__name__)
TMS = morecantile.tms.get("WebMercatorQuad")
TMS_ID = TMS.id
MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64  # tile units around the tile (1/64 of its width)
MAX_TILE_FEATURES = 20_000  # a layer's tiles start at the zoom where an average tile holds fewer
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


@dataclass(frozen=True)
class TileAddress:
    z: int
    x: int  # tileCol
    y: int  # tileRow


def check_address(tile: TileAddress, bbox: tuple[float, float, float, float], minzoom: int, layer_id: str) -> None:
    """NotFoundError for a tile below the layer's minimum zoom or outside its extent."""
    if tile.z < minzoom:
        raise NotFoundError(f"tiles of '{layer_id}' start at tileMatrix {minzoom} (more features than a tile "
                            f"carries below it); zoom in")
    west, south, east, north = TMS.bounds(morecantile.Tile(tile.x, tile.y, tile.z))
    if east < bbox[0] or west > bbox[2] or north < bbox[1] or south > bbox[3]:
        raise NotFoundError(f"tile {tile.z}/{tile.y}/{tile.x} lies outside collection '{layer_id}'")


def buffered_lonlat_bbox(tile: TileAddress) -> tuple[float, float, float, float]:
    """The WGS84 box of the tile and its buffer (the features to read)."""
    b = TMS.xy_bounds(morecantile.Tile(tile.x, tile.y, tile.z))
    pad = (b.right - b.left) * BUFFER / EXTENT
    west, south = TMS.lnglat(b.left - pad, b.bottom - pad)
    east, north = TMS.lnglat(b.right + pad, b.top + pad)
    return max(west, -180.0), max(south, -85.06), min(east, 180.0), min(north, 85.06)


def tile_geometries(frame: gpd.GeoDataFrame, tile: TileAddress) -> np.ndarray:
    """The frame's geometries in tile units (y down), clipped to the buffered tile, simplified, snapped to whole
    units, MVT-wound; a geometry that vanishes at the zoom's resolution comes out empty."""
    b = TMS.xy_bounds(morecantile.Tile(tile.x, tile.y, tile.z))
    scale = EXTENT / (b.right - b.left)
    merc = shapely.transform(frame.geometry.values, lambda c: np.column_stack(TO_MERCATOR.transform(c[:, 0], c[:, 1])))
    pad = BUFFER / scale
    clipped = shapely.clip_by_rect(merc, b.left - pad, b.bottom - pad, b.right + pad, b.top + pad)
    units = shapely.transform(clipped, lambda c: np.round(np.column_stack([(c[:, 0] - b.left) * scale,
                                                                            (b.top - c[:, 1]) * scale])))
    snapped = shapely.simplify(units, 0.5)
    kinds = shapely.get_type_id(snapped)
    polygonal, lineal = np.isin(kinds, (3, 6)), np.isin(kinds, (1, 5))
    vanished = (polygonal & (shapely.area(snapped) < 1.0)) | (lineal & (shapely.length(snapped) < 1.0))
    snapped[vanished] = None
    return shapely.orient_polygons(snapped, exterior_cw=False)  # y down: MVT exterior rings have positive area


def encode_tile(layer_id: str, frame: gpd.GeoDataFrame, tile: TileAddress, fields: tuple[str, ...]) -> bytes:
    """The MVT bytes of one tile; a tile without features is a valid empty tile."""
    return encode_features(layer_id, tile_features(frame, tile, fields))


def tile_features(frame: gpd.GeoDataFrame, tile: TileAddress, fields: tuple[str, ...]) -> list[dict]:
    """The frame's features as the encoder takes them: geometry in tile units, feature_id and `fields`."""
    geoms = tile_geometries(frame, tile) if len(frame) else np.array([], dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.array([], dtype=bool)
    columns = [c for c in ("feature_id", *fields) if c in frame.columns]
    records = frame.loc[keep, columns].to_dict(orient="records") if len(geoms) else []
    return [{"geometry": g, "properties": {k: _tile_value(v) for k, v in rec.items() if _tile_value(v) is not None}}
            for g, rec in zip(geoms[keep], records, strict=True)]


def encode_features(layer_id: str, features: list[dict]) -> bytes:
    return mapbox_vector_tile.encode([{"name": layer_id, "features": features}],
                                     default_options={"extents": EXTENT, "y_coord_down": True,
                                                      "check_winding_order": False})


def patch_tile(data: bytes, layer_id: str, tile: TileAddress, replaced: set[str], frame: gpd.GeoDataFrame,
               fields: tuple[str, ...]) -> bytes:
    """A stored tile with the features `replaced` names taken out and `frame` (their state now, deleted ones
    absent) encoded in: a tile of a pyramid that edits touched."""
    stored = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True}).get(layer_id, {})
    kept = [{"geometry": shapely.geometry.shape(f["geometry"]), "properties": f["properties"]}
            for f in stored.get("features", []) if str(f["properties"].get("feature_id")) not in replaced]
    return encode_features(layer_id, kept + tile_features(frame, tile, fields))


def empty_tile(layer_id: str) -> bytes:
    """A tile holding the layer and no feature."""
    return mapbox_vector_tile.encode([{"name": layer_id, "features": []}], default_options={"extents": EXTENT})


def _tile_value(value):
    """A property value MVT can carry (str, int, float, bool), None for missing ones."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def tile_minzoom(count: int, bbox: tuple[float, float, float, float]) -> int:
    """The smallest zoom at which an average tile over the layer's extent holds at most MAX_TILE_FEATURES."""
    west, south = TO_MERCATOR.transform(bbox[0], max(bbox[1], -85.0))
    east, north = TO_MERCATOR.transform(bbox[2], min(bbox[3], 85.0))
    area = max((east - west) * (north - south), 1.0)
    world = (2 * 20037508.342789244) ** 2
    for z in range(MAX_ZOOM + 1):
        if count * (world / 4**z) / max(area, world / 4**z) <= MAX_TILE_FEATURES:
            return z
    return MAX_ZOOM


def matrix_limits(bbox: tuple[float, float, float, float], minzoom: int, maxzoom: int = MAX_ZOOM) -> list[dict]:
    """OGC tileMatrixSetLimits: the rows and columns a layer's extent covers at each zoom."""
    out = []
    for z in range(minzoom, maxzoom + 1):
        first = TMS.tile(bbox[0], min(bbox[3], 85.0), z)
        last = TMS.tile(min(bbox[2], 179.9999999), max(bbox[1], -85.0), z)
        out.append({"tileMatrix": str(z), "minTileRow": first.y, "maxTileRow": last.y,
                    "minTileCol": first.x, "maxTileCol": last.x})
    return out
