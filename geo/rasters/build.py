"""The raster part of the data build: analysis surfaces computed on a 100 m EPSG:4549 grid and catalog files,
each written as a Cloud-Optimized GeoTIFF (temp file, then rename) and skipped when its inputs are unchanged."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.features import geometry_mask, rasterize
from rasterio.io import MemoryFile
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles

from geo.core.crs import WGS84, require_crs
from geo.core.errors import SourceError
from geo.store.lock import temp_name
from layers.raster_loader import DEFAULT_RASTER_DIR, load_raster_catalog
from layers.raster_model import RasterGrid, RasterLayer
from layers.registry import Catalog

LOGGER = logging.getLogger(__name__)
FINGERPRINT_TAG = "YIWU_FINGERPRINT"
FLOAT_NODATA = -9999.0
CLASS_NODATA = 255
BLOCK_SIZE = 256
_PACKAGES = ("rasterio", "rio-cogeo", "numpy", "shapely", "pyproj")


@dataclass(frozen=True)
class GridArray:
    """A single-band array on a georeferenced grid, ready to be written."""

    data: np.ndarray
    transform: Affine
    crs: str
    nodata: float
    tags: dict


@dataclass(frozen=True)
class RasterBuildResult:
    id: str
    path: Path
    rebuilt: bool
    seconds: float


def raster_fingerprint(raster: RasterLayer, data_dir: Path, vector_stamp: str) -> str:
    """Hash of the catalog entry, the raster code (geo/rasters/), the source file or the vector build, and package
    versions."""
    digest = hashlib.sha256(Path(raster.catalog_file).read_bytes())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    digest.update((data_dir / raster.file).read_bytes() if raster.file else vector_stamp.encode())
    for package in _PACKAGES:
        digest.update(f"{package}={metadata.version(package)}".encode())
    digest.update(rasterio.__gdal_version__.encode())
    return digest.hexdigest()


def stored_raster_fingerprint(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        with rasterio.open(path) as src:
            return src.tags().get(FINGERPRINT_TAG)
    except rasterio.RasterioIOError:  # an unreadable file is simply rebuilt
        return None


def grid_for(boundary: gpd.GeoDataFrame, grid: RasterGrid) -> tuple[Affine, int, int, np.ndarray]:
    """Transform, width, height and inside-mask (True inside) of a grid snapped to the cell size over the boundary."""
    require_crs(boundary, WGS84)
    shapes = boundary.to_crs(grid.crs).geometry
    res = grid.resolution
    minx, miny, maxx, maxy = shapes.total_bounds
    left, bottom = math.floor(minx / res) * res, math.floor(miny / res) * res
    width, height = math.ceil((maxx - left) / res), math.ceil((maxy - bottom) / res)
    transform = Affine(res, 0.0, left, 0.0, -res, bottom + height * res)
    inside = ~geometry_mask(list(shapes), out_shape=(height, width), transform=transform)
    return transform, width, height, inside


def cell_centres(transform: Affine, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """x and y of every cell centre, each of shape (height, width)."""
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    t = transform
    return t.c + t.a * cols + t.b * rows, t.f + t.d * cols + t.e * rows


def nearest_distance_km(xs: np.ndarray, ys: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Planar distance (km) from every (x, y) in metres to the nearest of points (n, 2)."""
    if len(points) == 0:
        raise SourceError("no points to measure distances to")
    best = np.full(xs.shape, np.inf)
    for px, py in points:
        np.minimum(best, np.hypot(xs - px, ys - py), out=best)
    return best / 1000.0


def distance_to_points(hubs: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, grid: RasterGrid) -> GridArray:
    """Distance in km from each grid cell centre inside the boundary to the nearest hub; nodata outside."""
    require_crs(hubs, WGS84)
    projected = hubs.to_crs(grid.crs).geometry
    if not projected.geom_type.eq("Point").all():
        raise SourceError("a distance raster needs a point layer")
    points = np.column_stack([projected.x, projected.y])
    if not np.isfinite(points).all():
        raise SourceError(f"a hub cannot be projected to {grid.crs}")
    transform, width, height, inside = grid_for(boundary, grid)
    distance = nearest_distance_km(*cell_centres(transform, width, height), points)
    data = np.where(inside, distance, FLOAT_NODATA).astype("float32")
    return GridArray(data, transform, grid.crs, FLOAT_NODATA, {"hubs": str(len(points))})


def class_map(frames: dict[str, gpd.GeoDataFrame], boundary: gpd.GeoDataFrame, raster: RasterLayer) -> GridArray:
    """The classes' layers painted largest first (a smaller area inside a larger one stays visible) inside the
    boundary; 255 outside."""
    transform, width, height, inside = grid_for(boundary, raster.grid)
    background = next((c.code for c in raster.classes if c.layer is None), 0)
    data = np.full((height, width), background, dtype="uint8")
    projected = {c.layer: frames[c.layer].to_crs(raster.grid.crs) for c in raster.classes if c.layer}
    for frame in frames.values():
        require_crs(frame, WGS84)
    for cls in sorted((c for c in raster.classes if c.layer), key=lambda c: -projected[c.layer].area.sum()):
        shapes = [(geom, cls.code) for geom in projected[cls.layer].geometry if not geom.is_empty]
        if shapes:
            rasterize(shapes, out=data, transform=transform)
    data[~inside] = CLASS_NODATA
    return GridArray(data, transform, raster.grid.crs, CLASS_NODATA, {})


def read_file_raster(path: Path, assign_crs: str | None) -> GridArray:
    """Band 1 of a GDAL-readable file as float32 with -9999 nodata; assign_crs is used only when the file has none."""
    try:
        with rasterio.open(path) as src:
            data, file_crs, transform, nodata = src.read(1, masked=True), src.crs, src.transform, src.nodata
    except rasterio.RasterioIOError as exc:
        raise SourceError(f"{path}: cannot be read: {exc}") from exc
    if file_crs is None and assign_crs is None:
        raise SourceError(f"{path}: the file has no CRS; give `crs` in its catalog entry")
    if file_crs is not None and assign_crs is not None and file_crs != CRS.from_user_input(assign_crs):
        raise SourceError(f"{path}: the file's CRS {file_crs} differs from the catalog's {assign_crs}")
    crs = file_crs.to_string() if file_crs is not None else assign_crs
    invalid = np.ma.getmaskarray(data) | ~np.isfinite(data.filled(0))
    if nodata is not None and abs(nodata) > 1e30:  # netCDF fill values may survive as huge numbers
        invalid |= np.abs(data.filled(0)) > 1e30
    out = np.where(invalid, FLOAT_NODATA, data.filled(FLOAT_NODATA)).astype("float32")
    tags = {"crs_assigned": "yes" if file_crs is None else "no", "source_file": path.name}
    return GridArray(out, transform, crs, FLOAT_NODATA, tags)


def _overview_level(width: int, height: int) -> int:
    return max(1, math.ceil(math.log2(max(width, height) / BLOCK_SIZE)))


def write_cog(grid: GridArray, path: Path, tags: dict, resampling: str) -> None:
    """Write the array as a COG with overviews to a temp file beside path, then rename it into place."""
    height, width = grid.data.shape
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": grid.data.dtype.name,
               "crs": grid.crs, "transform": grid.transform, "nodata": grid.nodata}
    dst_profile = {**cog_profiles.get("deflate"), "blockxsize": BLOCK_SIZE, "blockysize": BLOCK_SIZE}
    tmp = temp_name(path)
    tmp.unlink(missing_ok=True)
    try:
        with MemoryFile() as mem:
            with mem.open(**profile) as dst:
                dst.write(grid.data, 1)
            with mem.open() as src:
                cog_translate(src, tmp, dst_profile, overview_level=_overview_level(width, height),
                              overview_resampling=resampling, in_memory=True, quiet=True,
                              additional_cog_metadata={**grid.tags, **tags})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_vectors(gpkg: Path, names: tuple[str, ...], raster: RasterLayer) -> dict[str, gpd.GeoDataFrame]:
    available = set(pyogrio.list_layers(gpkg)[:, 0])
    missing = [n for n in names if n not in available]
    if missing:
        raise SourceError(f"{raster.catalog_file}: vector layer(s) {', '.join(missing)} not in {gpkg}")
    return {n: pyogrio.read_dataframe(gpkg, layer=n).set_crs(WGS84, allow_override=True) for n in names}


def compute_raster(raster: RasterLayer, data_dir: Path, gpkg: Path) -> GridArray:
    """The array of one catalog raster, by its builder."""
    if raster.builder == "file":
        return read_file_raster(data_dir / raster.file, raster.file_crs)
    frames = _read_vectors(gpkg, raster.vector_inputs, raster)
    boundary = frames[raster.grid.extent_layer]
    if raster.builder == "distance":
        points = gpd.GeoDataFrame(pd.concat([frames[i] for i in raster.inputs], ignore_index=True), crs=WGS84)
        return distance_to_points(points, boundary, raster.grid)
    return class_map(frames, boundary, raster)


def _metadata_tags(raster: RasterLayer, stamp: str) -> dict:
    return {FINGERPRINT_TAG: stamp, "raster_id": raster.id, "unit": raster.unit, "band": raster.band_en,
            "crs_note": raster.crs_note, "source": raster.source}


def build_raster(raster: RasterLayer, data_dir: Path, gpkg: Path, out_dir: Path, vector_stamp: str,
                 force: bool = False) -> RasterBuildResult:
    """Build one raster COG into out_dir unless its fingerprint is unchanged."""
    started = time.perf_counter()
    path = out_dir / raster.output_name
    stamp = raster_fingerprint(raster, data_dir, vector_stamp)
    if not force and stored_raster_fingerprint(path) == stamp:
        return RasterBuildResult(raster.id, path, False, time.perf_counter() - started)
    grid = compute_raster(raster, data_dir, gpkg)
    write_cog(grid, path, _metadata_tags(raster, stamp), "mode" if raster.is_class else "average")
    LOGGER.info("%s: %dx%d raster written to %s", raster.id, grid.data.shape[1], grid.data.shape[0], path)
    return RasterBuildResult(raster.id, path, True, time.perf_counter() - started)


def build_rasters(data_dir: Path, gpkg: Path, vector_stamp: str, force: bool = False,
                  raster_dir: Path = DEFAULT_RASTER_DIR, vectors: Catalog | None = None) -> tuple[RasterBuildResult, ...]:
    """Build every raster of the raster catalog next to the GeoPackage (roles resolved against `vectors`)."""
    rasters = load_raster_catalog(raster_dir, data_dir, vectors)
    gpkg.parent.mkdir(parents=True, exist_ok=True)
    return tuple(build_raster(r, data_dir, gpkg, gpkg.parent, vector_stamp, force) for r in rasters.values())
