"""Large file layers built a chunk at a time (a county's parcels: a million features): the source files are read
`size` features at a time and each chunk is given the same columns, dtypes and feature ids a read of the whole layer
would give it, so the build holds one chunk of a large layer in memory, never the layer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.build.sources import ID_COLUMNS, id_column, read_vector_file, with_common_columns, with_file_source
from geo.core.errors import SourceError
from layers import Layer

FILE_BUILDER = "file"
SHAPEFILE = "ESRI Shapefile"
WHOLE_LAYER_COLUMNS = ("published_length_km",)  # a source column the reconciliation reads from the whole layer


@dataclass(frozen=True)
class ChunkPlan:
    """What a read of the whole layer would give, learnt from the files' schemas and their non-text columns: every
    column in order, the dtype of each non-text column, and the column the feature ids come from."""

    layer: Layer
    count: int
    columns: tuple[str, ...]
    dtypes: dict[str, str]
    ids_from: str | None


def source_count(layer: Layer, data_dir: Path) -> int:
    """How many features a file layer's sources hold (0 for any other builder)."""
    if layer.builder != FILE_BUILDER:
        return 0
    try:
        return sum(int(pyogrio.read_info(data_dir / f.path)["features"]) for f in layer.files)
    except Exception as exc:  # pyogrio raises several driver-specific errors
        raise SourceError(f"{layer.id}: cannot read its sources ({exc})") from exc


def chunkable(layer: Layer, data_dir: Path, size: int) -> bool:
    """Whether the layer is built a chunk at a time: a file layer of more than `size` features that no plan figure
    measures as a whole (figures and published lengths are reconciled on whole layers)."""
    if layer.figures or layer.builder != FILE_BUILDER or source_count(layer, data_dir) <= size:
        return False
    return not any(c in WHOLE_LAYER_COLUMNS for f in layer.files for c in pyogrio.read_info(data_dir / f.path)["fields"])


def chunk_plan(layer: Layer, data_dir: Path) -> ChunkPlan:
    """The layer's columns and dtypes as a whole read has them: each file's non-text columns and id candidates are
    read without geometry (a few bytes per feature) and put together as build_from_files puts the files."""
    parts, typed = [], set()
    for source_file in layer.files:
        path = data_dir / source_file.path
        info = pyogrio.read_info(path)
        fields = list(info["fields"])
        kept = [n for n, t in zip(fields, info["dtypes"], strict=True) if t != "object" or n in ID_COLUMNS]
        typed.update(kept)
        part = pyogrio.read_dataframe(path, columns=kept, read_geometry=False) if kept else \
            pd.DataFrame(index=pd.RangeIndex(int(info["features"])))
        parts.append(part.reindex(columns=fields))
    whole = pd.concat(parts, ignore_index=True)
    dtypes = {name: str(dtype) for name, dtype in whole.dtypes.items() if name in typed}
    return ChunkPlan(layer, len(whole), (*whole.columns, "geometry"), dtypes, id_column(whole))


def file_chunks(plan: ChunkPlan, data_dir: Path, size: int) -> Iterator[gpd.GeoDataFrame]:
    """The layer's features, `size` at a time, with the source, ids and defaults of build_from_files."""
    for source_file in plan.layer.files:
        total = int(pyogrio.read_info(data_dir / source_file.path)["features"])
        for start in range(0, total, size):
            part = read_vector_file(data_dir / source_file.path, source_file.crs, slice(start, start + size))
            part = gpd.GeoDataFrame(part.reindex(columns=list(plan.columns)), geometry="geometry", crs=part.crs)
            part = part.astype({name: dtype for name, dtype in plan.dtypes.items() if name in part.columns})
            yield with_common_columns(with_file_source(part, plan.layer, source_file), plan.layer, plan.ids_from)


def declared_geometry_type(layer: Layer, data_dir: Path) -> tuple[str, bool]:
    """The geometry type the layer's table declares, and whether each chunk's geometries are made multi-part to
    match it: the files' type when they agree (a GeoPackage table of Polygons stays one); a Shapefile's polygons or
    lines, which it declares single though any of them may be multi-part, as multi-part; else Unknown (each feature
    keeps its own type)."""
    infos = [pyogrio.read_info(data_dir / f.path) for f in layer.files]
    declared = {str(info["geometry_type"]) for info in infos}
    if len(declared) != 1:
        return "Unknown", False
    kind = declared.pop()
    if any(info.get("driver") == SHAPEFILE for info in infos) and kind.split()[0] in ("Polygon", "LineString"):
        return f"Multi{kind}", True
    return kind, False


def as_multi(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame with its single polygons and lines made one-part multi-polygons and multi-lines."""
    geoms = frame.geometry.values.copy()
    for single, make in ((shapely.GeometryType.POLYGON, shapely.multipolygons),
                         (shapely.GeometryType.LINESTRING, shapely.multilinestrings)):
        found = shapely.get_type_id(geoms) == single
        if found.any():
            geoms[found] = make(geoms[found], indices=np.arange(int(found.sum())))
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
