"""Read a user's file (a planner's own layer) into a clean WGS84 GeoDataFrame with a quality-check report.

    read_import(path, options=ImportOptions(), extents={"city": yiwu, ...}) -> ImportResult(frame, report)

Formats (decided by content, geo.imports.formats): GeoPackage, zipped Shapefile (or a .shp on disk with its
sidecars), GeoJSON, FlatGeobuf, KML/KMZ, CSV with lon/lat, x/y or WKT columns (geo.imports.csv_layer).
CRS (geo.imports.crs): the file's (.prj, GeoPackage/FlatGeobuf metadata, GeoJSON `crs`; RFC 7946 GeoJSON and KML are
WGS84), replaced by `options.crs`; identified as an EPSG code (ESRI-only .prj names of the CGCS2000 family too);
GCJ-02 lon/lat converted on request; no CRS -> refused naming one to give (CSV lon/lat columns: WGS84 assumed, warned).
Encoding (geo.imports.encoding): Shapefile: option, else .cpg, else detected from the .dbf (UTF-8 / GBK / GB18030);
CSV: option, else detected; the other formats are UTF-8.
Checks (geo.imports.qc.checks), all in the report: empty geometries (not imported), one geometry family, Z dropped,
invalid geometries repaired (or refused), duplicate geometries, duplicate ids (refused), outside the caller's
extents, the CRS's area of use, coordinates out of range after the transform (refused), areas/lengths, bbox.

The frame: `feature_id` (str: the `id_field`'s values, else 1..n in file order), the attribute columns with their
original names (values str/int/float/bool/None, dates as ISO text; an attribute named `feature_id` or `geometry`
is renamed `<name>_original`, binary columns dropped), and `geometry` (EPSG:4326, one family, 2D).

Limits (module constants): geo.imports.formats.MAX_FILE_BYTES (256 MiB upload), MAX_FEATURES (1,000,000);
geo.imports.archive.MAX_ZIP_ENTRIES (1,000), MAX_UNZIPPED_BYTES (512 MiB), MAX_ZIP_RATIO (200:1 above RATIO_MIN_BYTES,
1 MiB). A refusal raises geo.imports.qc.report.ImportRefusedError (ImportTooLargeError for sizes) carrying the partial report.
Every temp file (the extracted zip) is removed before read_import returns or raises.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj.exceptions import ProjError
from shapely.geometry.base import BaseGeometry

from geo.core.crs import WGS84, gcj02_frame_to_wgs84
from geo.imports.crs import ResolvedCRS, area_of_use_warning, datum_warning, resolve
from geo.imports.csv_layer import maybe_swap_xy, read_csv
from geo.imports.formats import (
    LABELS,
    Dataset,
    choose_layer,
    layer_info,
    locate,
    prj_text,
    read_layer,
    shapefile_check,
    shapefile_encoding,
)
from geo.imports.qc import checks as qc_checks
from geo.imports.qc.report import (
    EncodingReport,
    ImportRefusedError,
    ImportTooLargeError,
    QCReport,
    Refused,
    ReportBuilder,
    listing,
    refusal,
)

LOGGER = logging.getLogger(__name__)
__all__ = ["ImportOptions", "ImportRefusedError", "ImportResult", "ImportTooLargeError", "QCReport", "read_import"]

RESERVED_COLUMNS = ("feature_id", "geometry", "source", "accuracy", "plan_ref")  # the last three: provenance
_ENCODING_PHRASES = {"cpg": "@enc_cpg", "detected": "@enc_detected", "option": "@enc_option",
                     "format": "@enc_format", "fallback": "@enc_fallback"}


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file. `crs`: the CRS when the file has none, or to override it ("EPSG:4549"; "GCJ-02" is
    the same as gcj02=True); `gcj02`: the lon/lat are GCJ-02 (AMap, Tencent): convert them to WGS84; `encoding`: the
    attribute text encoding (Shapefile, CSV); `layer`: the layer of a multi-layer GeoPackage/KML; `id_field`: the
    field of stable, unique feature ids; `x_field`/`y_field` or `wkt_field`: a CSV's geometry columns;
    `repair`: repair invalid geometries with make_valid (else refuse them)."""

    crs: str | None = None
    gcj02: bool = False
    encoding: str | None = None
    layer: str | None = None
    id_field: str | None = None
    x_field: str | None = None
    y_field: str | None = None
    wkt_field: str | None = None
    repair: bool = True


@dataclass(frozen=True)
class ImportResult:
    """The imported features (EPSG:4326) and the QC report."""

    frame: gpd.GeoDataFrame
    report: QCReport


@dataclass(frozen=True)
class _Source:
    frame: gpd.GeoDataFrame
    file_crs: str | None
    csv_kind: str | None = None
    csv_table: object = None


def read_import(path: Path, options: ImportOptions | None = None,
                extents: Mapping[str, BaseGeometry] | None = None) -> ImportResult:
    """Read the file at `path` per `options`; `extents` names WGS84 polygons features are expected to lie in
    (features outside are warned). Raises ImportRefusedError (with `.report`) for the refusals of the module doc."""
    path, options = Path(path), options or ImportOptions()
    report = ReportBuilder(path.name)
    try:
        with tempfile.TemporaryDirectory(prefix="yiwu-import-") as workdir:
            return _import(path, options, dict(extents or {}), report, Path(workdir))
    except Refused as exc:
        report.add(exc.code, **exc.params)
        raise refusal(report.report) from exc


def _import(path: Path, options: ImportOptions, extents: dict, report: ReportBuilder, workdir: Path) -> ImportResult:
    dataset = locate(path, workdir, report)
    report.set(format=dataset.format, archive=dataset.archive, dataset=dataset.name)
    source = _read_source(dataset, options, report)
    raw_bounds = tuple(shapely.total_bounds(source.frame.geometry.to_numpy()))
    resolved = resolve(source.file_crs, options, dataset.format, source.csv_kind, raw_bounds, report)
    frame = source.frame
    if source.csv_table is not None:
        frame = maybe_swap_xy(source.csv_table, resolved.crs, report).frame
    ids = feature_ids(frame, options.id_field, report)
    attributes = plain_attributes(frame, options.id_field, report)
    report.set(fields=tuple(attributes.columns))
    geoms = frame.geometry.to_numpy()
    keep = qc_checks.drop_empty(geoms, ids, report)
    ids, geoms, attributes = ids[keep], geoms[keep], attributes.loc[keep].reset_index(drop=True)
    family = qc_checks.geometry_family(geoms, report)
    geoms = qc_checks.repair(qc_checks.drop_z(geoms, report), ids, family, options.repair, report)
    qc_checks.duplicates(geoms, ids, report)
    wgs = qc_checks.repair(to_wgs84(geoms, ids, resolved, report), ids, family, options.repair, report,
                           stage="after the transform to WGS84: ")
    out = gpd.GeoDataFrame({"feature_id": pd.Series(ids, dtype=object), **attributes},
                           geometry=gpd.GeoSeries(wgs, crs=WGS84), crs=WGS84)
    return ImportResult(out, _finish(out, ids, family, extents, report))


def _finish(frame: gpd.GeoDataFrame, ids: np.ndarray, family: str, extents: dict, report: ReportBuilder) -> QCReport:
    geoms = frame.geometry.to_numpy()
    qc_checks.extents(geoms, ids, extents, report)
    qc_checks.measures(frame, family, report)
    qc_checks.palette_style(frame, report)
    report.set(imported_count=len(frame), bbox=tuple(float(v) for v in shapely.total_bounds(geoms)))
    report.add("imported", count=len(frame), family=f"@family_{family}")
    return report.report


def _read_source(dataset: Dataset, options: ImportOptions, report: ReportBuilder) -> _Source:
    """The features as the file holds them (no CRS assigned), the file's CRS text, the encoding reported."""
    if dataset.format == "csv":
        table = read_csv(dataset.path, options, report)
        source, encoding, layer, layers = _Source(table.frame, None, table.kind, table), table.encoding, None, ()
    else:
        layer, layers = choose_layer(dataset, options.layer)
        encoding = _vector_encoding(dataset, options, report)
        info = layer_info(dataset, layer)
        file_crs = prj_text(dataset.path) if dataset.format == "shapefile" else info["crs"]
        source = _Source(read_layer(dataset, layer, encoding.name), file_crs)
    report.set(encoding=encoding, layer=layer, layers=layers, feature_count=len(source.frame))
    report.add("encoding", encoding=encoding.name, source=_ENCODING_PHRASES[encoding.source])
    report.add("read", count=len(source.frame), format=LABELS[dataset.format], dataset=dataset.name,
               layer=layer or dataset.path.stem)
    if source.frame.empty:
        raise Refused("no_features", why="@no_rows")
    return source


def _vector_encoding(dataset: Dataset, options: ImportOptions, report: ReportBuilder) -> EncodingReport:
    if dataset.format == "shapefile":
        shapefile_check(dataset, report)
        return shapefile_encoding(dataset.path, options.encoding, report)
    if options.encoding:
        report.add("encoding_ignored", format=LABELS[dataset.format], encoding=options.encoding)
    return EncodingReport("UTF-8", "format")


def _id_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def feature_ids(frame: gpd.GeoDataFrame, id_field: str | None, report: ReportBuilder) -> np.ndarray:
    """The features' ids as text: the id field's values (refused when missing, empty or repeated), else 1..n."""
    if id_field is None:
        return np.array([str(i) for i in range(1, len(frame) + 1)], dtype=object)
    fields = [c for c in frame.columns if c != frame.geometry.name]
    if id_field not in fields:
        raise Refused("no_field", field=id_field, fields=listing(fields, limit=50))
    values = frame[id_field]
    missing = np.flatnonzero(values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy())
    if missing.size:
        raise Refused("null_ids", count=missing.size, field=id_field, rows=listing(missing + 1))
    ids = np.array([_id_text(v) for v in values.tolist()], dtype=object)
    repeated = pd.Series(ids).duplicated(keep=False).to_numpy()
    if repeated.any():
        dups = list(dict.fromkeys(ids[repeated]))
        raise Refused("duplicate_ids", count=len(dups), field=id_field, values=listing(dups))
    report.set(id_field=id_field)
    return ids


class _Binary(Exception):
    """A binary value: its column is dropped."""


def plain(value: object) -> object:
    """A value as str, int, float, bool or None (dates as ISO text, lists as JSON text)."""
    if value is None or value is pd.NaT or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, bytes | bytearray | memoryview):
        raise _Binary
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return json.dumps([plain(v) for v in value], ensure_ascii=False)
    return str(value)


def plain_attributes(frame: gpd.GeoDataFrame, id_field: str | None, report: ReportBuilder) -> pd.DataFrame:
    """The attribute columns as object columns of plain values; reserved names renamed, binary columns dropped."""
    out: dict[str, pd.Series] = {}
    for name in frame.columns:
        if name == frame.geometry.name or (name == "feature_id" and id_field == "feature_id"):
            continue
        try:
            values = pd.Series([plain(v) for v in frame[name].tolist()], dtype=object)
        except _Binary:
            report.add("column_dropped", name=name)
            continue
        target = name
        if name in RESERVED_COLUMNS:
            target = f"{name}_original"
            while target in frame.columns or target in out:
                target += "_"
            report.add("column_renamed", name=name, new=target)
        out[target] = values
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def to_wgs84(geoms: np.ndarray, ids: np.ndarray, resolved: ResolvedCRS, report: ReportBuilder) -> np.ndarray:
    """The geometries in EPSG:4326 (GCJ-02 shifted back, or transformed); refused when out of range."""
    series = gpd.GeoSeries(geoms, crs=resolved.crs)
    if resolved.gcj02:
        out = gcj02_frame_to_wgs84(gpd.GeoDataFrame(geometry=series.set_crs(WGS84, allow_override=True)))
        report.add("gcj02_converted")
        wgs = out.geometry.to_numpy()
    elif resolved.crs.equals(WGS84, ignore_axis_order=True):
        wgs = geoms
    else:
        datum_warning(resolved.crs, report)
        try:
            wgs = series.to_crs(WGS84).to_numpy()
        except (ProjError, ValueError) as exc:
            raise Refused("cannot_transform", name=resolved.report.name, reason=str(exc)[:200]) from exc
        report.add("transformed", code=resolved.report.code)
    _check_range(wgs, resolved)
    if not resolved.gcj02:
        area_of_use_warning(wgs, resolved.crs, report)
    return wgs


def _check_range(wgs: np.ndarray, resolved: ResolvedCRS) -> None:
    bounds = shapely.bounds(wgs)
    finite = np.isfinite(bounds).all(axis=1)
    inside = finite & (np.abs(bounds[:, [0, 2]]) <= 180).all(axis=1) & (np.abs(bounds[:, [1, 3]]) <= 90).all(axis=1)
    if not inside.all():
        total = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1]), np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
        raise Refused("out_of_range", code=resolved.report.code, bbox=", ".join(f"{v:.6g}" for v in total))
