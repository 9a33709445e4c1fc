"""Reading built rasters through rio-tiler: Web Mercator PNG tiles, point values and metadata. rio-tiler does
the tile maths and the reprojection; this module only chooses colours and maps its errors to ours."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rasterio.crs import CRS
from rio_tiler.colormap import cmap
from rio_tiler.errors import PointOutsideBounds, TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData

from geo.core.crs import gcj02_to_wgs84
from geo.core.errors import InvalidParameterError, NotFoundError
from layers.raster_model import RasterLayer

TILE_SIZE = 256
COLORMAPS = frozenset(cmap.list())
WGS84_CRS = CRS.from_epsg(4326)


@dataclass(frozen=True)
class TileStyle:
    """How a tile is coloured: a rio-tiler colormap name and a rescale range, or the raster's class colours."""

    colormap: str | None = None
    rescale: tuple[float, float] | None = None


def hex_rgba(color: str, opacity: float) -> tuple[int, int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), int(opacity * 255 + 0.5)


def class_colormap(raster: RasterLayer) -> dict[int, tuple[int, int, int, int]]:
    return {c.code: hex_rgba(c.color, c.opacity) for c in raster.classes}


def resolve_style(raster: RasterLayer, requested: TileStyle) -> TileStyle:
    """The request's colormap/rescale over the catalog defaults; class rasters keep their class colours."""
    if raster.is_class:
        if requested.colormap or requested.rescale:
            name = "colormap" if requested.colormap else "rescale"
            raise InvalidParameterError(name, f"'{raster.id}' is a class raster drawn in its class colours")
        return TileStyle()
    colormap = requested.colormap or raster.colormap
    if colormap not in COLORMAPS:
        raise InvalidParameterError("colormap", f"unknown colormap '{colormap}'")
    return TileStyle(colormap, requested.rescale or raster.rescale)


def gcj02_tile(reader: Reader, x: int, y: int, z: int):
    """Tile z/x/y of a map drawn in GCJ-02 (the AMap basemap): its corners are GCJ-02 positions, so the image is
    read from the WGS84 box they stand for (the datum shift varies by well under a pixel across a tile)."""
    west, south, east, north = reader.tms.bounds(x, y, z)
    lons, lats = gcj02_to_wgs84([west, east], [south, north])
    bbox = (float(lons[0]), float(lats[0]), float(lons[1]), float(lats[1]))
    rw, rs, re_, rn = reader.get_geographic_bounds(WGS84_CRS)
    if bbox[0] >= re_ or bbox[2] <= rw or bbox[1] >= rn or bbox[3] <= rs:
        raise TileOutsideBounds(f"tile {z}/{x}/{y} is outside the raster")
    return reader.part(bbox, dst_crs=reader.tms.rasterio_crs, bounds_crs=WGS84_CRS, width=TILE_SIZE,
                       height=TILE_SIZE)


def render_tile(path: Path, raster: RasterLayer, z: int, x: int, y: int, style: TileStyle,
                datum: str = "wgs84") -> bytes:
    """A 256×256 PNG of tile z/x/y (Web Mercator; of the GCJ-02 map when datum is gcj02), nodata transparent;
    NotFoundError when outside the raster."""
    style = resolve_style(raster, style)
    with Reader(str(path)) as reader:
        try:
            image = gcj02_tile(reader, x, y, z) if datum == "gcj02" else reader.tile(x, y, z, tilesize=TILE_SIZE)
        except TileOutsideBounds:
            raise NotFoundError(f"tile {z}/{x}/{y} is outside raster '{raster.id}'") from None
    if raster.is_class:
        return image.render(img_format="PNG", colormap=class_colormap(raster))
    if style.rescale:
        image = ramp(image, *style.rescale)
    return image.render(img_format="PNG", colormap=cmap.get(style.colormap))


def ramp(image: ImageData, low: float, high: float) -> ImageData:
    """Values from `low` to `high` onto the colour ramp: `low` above `high` runs the ramp backwards, and equal ones
    make a step at that value (below it the ramp's first colour, above it the last)."""
    if low == high:
        high = low + max(abs(low), 1.0) * 1e-9
    if low < high:
        return image.rescale(in_range=((low, high),))
    rescaled = image.rescale(in_range=((high, low),))
    rescaled.array = 255 - rescaled.array
    return rescaled


def point_value(path: Path, raster_id: str, lon: float, lat: float) -> float | None:
    """Band-1 value at a WGS84 lon/lat (None on nodata); NotFoundError outside the raster."""
    outside = NotFoundError(f"point ({lon}, {lat}) is outside raster '{raster_id}'")
    with Reader(str(path)) as reader:
        west, south, east, north = reader.get_geographic_bounds(WGS84_CRS)
        if not (west <= lon <= east and south <= lat <= north):  # also far outside a projected CRS's domain
            raise outside
        try:
            point = reader.point(lon, lat)
        except PointOutsideBounds:
            raise outside from None
    value = point.array[0]
    return None if np.ma.is_masked(value) else float(value)


def describe(path: Path) -> dict:
    """Bounds (native and WGS84), CRS, size, resolution, data type, nodata and zoom range of a raster file."""
    with Reader(str(path)) as reader:
        ds = reader.dataset
        return {"crs": ds.crs.to_string(), "bounds": list(ds.bounds), "width": ds.width, "height": ds.height,
                "resolution": [abs(ds.transform.a), abs(ds.transform.e)], "dtype": ds.dtypes[0],
                "nodata": ds.nodata, "overviews": ds.overviews(1),
                "bounds_wgs84": list(reader.get_geographic_bounds(WGS84_CRS)),
                "minzoom": reader.minzoom, "maxzoom": reader.maxzoom}
