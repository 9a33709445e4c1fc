"""Which format an uploaded file is (decided by its content, never by what the client says), where its one dataset
is (inside a zip too), which layer to read, and reading a GDAL vector layer with its encoding.

Formats: GeoPackage (SQLite header and GeoPackage application id), FlatGeobuf (magic bytes), Shapefile (a .shp
with its .shx, and usually .dbf/.prj/.cpg, beside it or in a zip), GeoJSON (JSON text with a "type"), KML (XML
with a <kml> element; a KMZ is a zip holding one .kml) and CSV (other text). A zip must hold exactly one dataset.
A name whose suffix disagrees with the content is warned about and linked under the suffix GDAL's driver needs.

Limits: MAX_FILE_BYTES (256 MiB) for the file given (the upload; for a .shp on disk, the .shp itself) and
MAX_FEATURES (1,000,000) features per layer (refused before reading where the driver counts fast, else when the
read passes the limit); a zip's own limits are geo.imports.archive's.
"""

from __future__ import annotations

import codecs
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.imports.archive import extract
from geo.imports.encoding import codec_name, dbf_path, dbf_text_values, decodes, detect, read_cpg
from geo.imports.qc.report import EncodingReport, Refused, ReportBuilder, listing

LOGGER = logging.getLogger(__name__)

MAX_FILE_BYTES = 256 * 1024 * 1024  # the uploaded file (a zip is then limited by geo.imports.archive's limits)
MAX_FEATURES = 1_000_000
LABELS = {"geopackage": "GeoPackage", "shapefile": "Shapefile", "geojson": "GeoJSON", "flatgeobuf": "FlatGeobuf",
          "kml": "KML", "csv": "CSV"}
SUFFIXES = {".gpkg": "geopackage", ".shp": "shapefile", ".geojson": "geojson", ".json": "geojson",
            ".fgb": "flatgeobuf", ".kml": "kml", ".csv": "csv"}
_CANONICAL_SUFFIX = {"geopackage": ".gpkg", "shapefile": ".shp", "geojson": ".geojson", "flatgeobuf": ".fgb",
                     "kml": ".kml", "csv": ".csv"}
# LIBKML's standard fields, dropped when every value is empty or this default
KML_DEFAULTS = {"timestamp": None, "begin": None, "end": None, "altitudeMode": None, "tessellate": -1, "extrude": 0,
                "visibility": -1, "drawOrder": None, "icon": None, "snippet": None}
_SNIFF_BYTES = 64 * 1024
GDAL_ERRORS = (RuntimeError, OSError, ValueError)  # pyogrio's errors are RuntimeErrors
RAW_TEXT = "ISO-8859-1"  # a Shapefile's text is read through this (byte = character) and decoded by recode()


@dataclass(frozen=True)
class Dataset:
    """The file to open (`path`, with the suffix GDAL needs), its format, the name shown, whether it was zipped."""

    path: Path
    format: str
    name: str
    archive: bool = False


def sniff(path: Path) -> str | None:
    """`zip`, `shp-main` or a format of LABELS from the first bytes; None for anything else."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if head[:16] == b"SQLite format 3\x00":
        return "geopackage" if head[68:72] in (b"GPKG", b"GP10", b"GP11") else None
    if head[:3] == b"fgb" and head[4:7] == b"fgb":
        return "flatgeobuf"
    if len(head) >= 100 and int.from_bytes(head[:4], "big") == 9994:
        return "shapefile"
    return _sniff_text(head)


def _sniff_text(head: bytes) -> str | None:
    if b"\x00" in head or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"{", b"["):
        return "geojson" if b'"type"' in text else None
    if text[:1] == b"<":
        return "kml" if b"<kml" in text.lower() else None
    return "csv" if text and (b"\n" in text or len(head) < _SNIFF_BYTES) else None


def locate(path: Path, workdir: Path, report: ReportBuilder) -> Dataset:
    """The one dataset of the upload at `path` (a zip is extracted safely under `workdir`)."""
    if not path.is_file():
        raise Refused("unreadable", name=path.name, reason="no such file" if not path.exists() else "not a file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise Refused("too_large", name=path.name, size=size, limit=MAX_FILE_BYTES)
    kind = sniff(path)
    if kind == "zip":
        extracted = extract(path, workdir / "unzipped")
        if extracted.symlinks:
            report.add("symlinks_ignored", count=len(extracted.symlinks), entries=listing(extracted.symlinks))
        return _zipped_dataset(extracted.files, workdir / "unzipped")
    if kind is None:
        raise Refused("unsupported_format", name=path.name)
    if SUFFIXES.get(path.suffix.lower()) != kind and path.suffix:
        report.add("format_not_extension", suffix=path.suffix, format=LABELS[kind])
    if kind == "shapefile" and path.suffix.lower() != ".shp":
        raise Refused("shapefile_incomplete", name=path.name, missing=".shx, .dbf, .prj (upload the Shapefile zipped)")
    return Dataset(_with_suffix(path, kind, workdir), kind, path.name)


def _with_suffix(path: Path, kind: str, workdir: Path) -> Path:
    """The path itself, or a link to it named with the suffix GDAL's driver expects."""
    if path.suffix.lower() == _CANONICAL_SUFFIX[kind] or (kind == "geojson" and path.suffix.lower() == ".json"):
        return path
    link = workdir / f"upload{_CANONICAL_SUFFIX[kind]}"
    os.symlink(path.resolve(), link)
    return link


def _zipped_dataset(files: tuple[Path, ...], root: Path) -> Dataset:
    candidates = [f for f in files if f.suffix.lower() in SUFFIXES]
    names = [str(f.relative_to(root)) for f in candidates]
    if not candidates:
        raise Refused("zip_no_dataset", files=listing(str(f.relative_to(root)) for f in files) or "—")
    if len(candidates) > 1:
        raise Refused("zip_many_datasets", count=len(candidates), files=listing(names))
    found, expected = candidates[0], SUFFIXES[candidates[0].suffix.lower()]
    if sniff(found) != expected:
        raise Refused("unsupported_format", name=names[0])
    return Dataset(_with_suffix(found, expected, root), expected, names[0], archive=True)


def choose_layer(dataset: Dataset, wanted: str | None) -> tuple[str | None, tuple[str, ...]]:
    """The layer to read and the dataset's layers; refused when `wanted` is missing or the choice is ambiguous."""
    try:
        listed = pyogrio.list_layers(dataset.path)
    except GDAL_ERRORS as exc:
        raise Refused("unreadable", name=dataset.name, reason=str(exc)) from exc
    names = tuple(str(name) for name, _ in listed)
    spatial = tuple(str(name) for name, kind in listed if kind is not None)
    if wanted is not None:
        if wanted not in names:
            raise Refused("no_layer", layer=wanted, layers=listing(names) or "—")
        return wanted, names
    if not spatial:
        raise Refused("no_features", why="@no_rows")
    if len(spatial) > 1:
        raise Refused("ambiguous_layer", count=len(spatial), layers=listing(spatial, limit=50))
    return spatial[0], names


def layer_info(dataset: Dataset, layer: str | None) -> dict:
    """pyogrio's description of the layer, refused past MAX_FEATURES when the driver counts fast (GeoPackage,
    Shapefile, FlatGeobuf; the others are stopped by read_layer's cap instead of being parsed twice)."""
    raw = RAW_TEXT if dataset.format == "shapefile" else None
    try:
        info = pyogrio.read_info(dataset.path, layer=layer, encoding=raw)
    except UnicodeDecodeError as exc:
        raise Refused("undecodable", encoding="UTF-8") from exc
    except GDAL_ERRORS as exc:
        raise Refused("unreadable", name=dataset.name, reason=str(exc)) from exc
    if info["features"] > MAX_FEATURES:
        raise Refused("too_many_features", count=info["features"], limit=MAX_FEATURES)
    return info


def read_layer(dataset: Dataset, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    """The layer as read by GDAL: dates as ISO text, unreadable geometries as None. A Shapefile's text is read as
    bytes (RAW_TEXT) and decoded here with `encoding` (a character cut at the end of a full field is dropped)."""
    raw = RAW_TEXT if dataset.format == "shapefile" else None
    try:
        frame = pyogrio.read_dataframe(dataset.path, layer=layer, encoding=raw, datetime_as_string=True,
                                       on_invalid="ignore", max_features=MAX_FEATURES + 1)
    except UnicodeDecodeError as exc:
        raise Refused("undecodable", encoding="UTF-8") from exc
    except GDAL_ERRORS as exc:
        raise Refused("unreadable", name=dataset.name, reason=str(exc)) from exc
    if len(frame) > MAX_FEATURES:
        raise Refused("too_many_features", count=len(frame), limit=MAX_FEATURES)
    if raw:
        frame = _recoded(frame, encoding or "UTF-8")
    if dataset.format == "kml":
        frame = _drop_kml_defaults(frame)
    return frame


def _recoded(frame: gpd.GeoDataFrame, encoding: str) -> gpd.GeoDataFrame:
    """Column names and text values read as RAW_TEXT decoded with the real encoding."""
    try:
        text = [c for c in frame.columns if c != frame.geometry.name and not pd.api.types.is_numeric_dtype(frame[c])]
        out = frame.copy()
        for column in text:
            out[column] = pd.Series([recode(v, encoding) if isinstance(v, str) else v for v in frame[column]],
                                    index=frame.index, dtype=object)
        names: dict[str, str] = {}
        for column in frame.columns:
            name = column if column == frame.geometry.name else recode(column, encoding)
            while name in names.values():  # two names cut to the same text
                name += "_"
            names[column] = name
        return out.rename(columns=names)
    except UnicodeDecodeError as exc:
        raise Refused("undecodable", encoding=encoding) from exc


def _drop_kml_defaults(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    unused = [name for name, default in KML_DEFAULTS.items() if name in frame.columns and
              (frame[name].isna() | (frame[name] == default if default is not None else False)).all()]
    return frame.drop(columns=unused)


def recode(text: str, encoding: str) -> str:
    """Text read as RAW_TEXT decoded strictly with `encoding`; a multi-byte character cut at the end is dropped."""
    return codecs.getincrementaldecoder(encoding)("strict").decode(text.encode(RAW_TEXT), final=False)


def shapefile_check(dataset: Dataset, report: ReportBuilder) -> None:
    """Refuse a .shp without its .shx; warn when it has no .dbf."""
    shp = dataset.path
    if not any(shp.with_suffix(s).is_file() for s in (".shx", ".SHX")):
        raise Refused("shapefile_incomplete", name=dataset.name, missing=".shx")
    if dbf_path(shp) is None:
        report.add("no_dbf", name=dataset.name)


def shapefile_encoding(shp: Path, option: str | None, report: ReportBuilder) -> EncodingReport:
    """The option, else the .cpg (when the text is valid in it), else detected from the .dbf's strings."""
    dbf = dbf_path(shp)
    values = dbf_text_values(dbf) if dbf else []
    if option:
        return EncodingReport(_codec_or_refuse(option), "option")
    declared = read_cpg(shp)
    named = codec_name(declared) if declared else None
    if declared and named is None:
        report.add("cpg_unknown", declared=declared)
    if named and decodes(values, named):
        return EncodingReport(named, "cpg", declared)
    found = detect(values)
    if named:
        report.add("cpg_mismatch", declared=declared, encoding=found or "ISO-8859-1")
    if found is None:
        report.add("encoding_fallback")
        return EncodingReport("ISO-8859-1", "fallback", declared)
    return EncodingReport(found, "detected", declared)


def _codec_or_refuse(option: str) -> str:
    named = codec_name(option)
    if named is None:
        raise Refused("undecodable", encoding=option)
    return named


def prj_text(shp: Path) -> str | None:
    """The CRS text of the .prj beside a .shp (UTF-8, else GBK: names may be Chinese), else None."""
    for suffix in (".prj", ".PRJ"):
        prj = shp.with_suffix(suffix)
        if prj.is_file():
            raw = prj.read_bytes()[:65536]
            encoding = detect([raw]) or RAW_TEXT
            return raw.decode(encoding).strip() or None
    return None
