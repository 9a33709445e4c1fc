"""An office basemap made by GDAL itself for the tests (tests/tiles/test_basemap.py, the browser's basemap test):
a GeoTIFF blue with a red box around Yiwu's centre, translated to MBTiles (PNG) with overviews."""

from __future__ import annotations

import subprocess

import numpy as np
import rasterio
from rasterio.transform import from_bounds

YIWU = (120.075, 29.306)  # the city centre (GeoNames 1786770, Yiwu)
RED_BOX = (120.05, 29.28, 120.10, 29.33)  # painted red on a blue background


def raster_mbtiles(tmp_path) -> str:
    """A GeoTIFF (EPSG:4326) blue with a red box around the city, translated to MBTiles (PNG) with overviews."""
    west, south, east, north = 119.9, 29.15, 120.25, 29.45
    width, height = 700, 600
    rgb = np.zeros((3, height, width), dtype="uint8")
    rgb[2] = 200
    transform = from_bounds(west, south, east, north, width, height)
    rows, cols = rasterio.transform.rowcol(transform, [RED_BOX[0], RED_BOX[2]], [RED_BOX[3], RED_BOX[1]])
    rgb[:, rows[0]:rows[1], cols[0]:cols[1]] = np.array([220, 0, 0], dtype="uint8")[:, None, None]
    tif, out = tmp_path / "base.tif", tmp_path / "office.mbtiles"
    with rasterio.open(tif, "w", driver="GTiff", width=width, height=height, count=3, dtype="uint8",
                       crs="EPSG:4326", transform=transform) as dst:
        dst.write(rgb)
    subprocess.run(["gdal_translate", "-q", "-of", "MBTILES", "-co", "TILE_FORMAT=PNG", "-co", "NAME=Office base",
                    str(tif), str(out)], check=True)
    subprocess.run(["gdaladdo", "-q", "-r", "nearest", str(out), "2", "4", "8"], check=True)
    return str(out)
