"""Feature downloads: CSV (WKT geometry), GeoPackage, zipped Shapefile (.prj, .cpg UTF-8, field names
shortened to 10 characters without collisions, a `<layer>.fields.csv` mapping each short name to its full
column, long text split over numbered fields instead of being cut at 254 bytes — or left out with a note
when even that is too long) and FlatGeobuf. Files are written into a private temporary directory and
returned as bytes; nothing is left behind."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.core.crs import CRS84_URI, SUPPORTED

SHP_FIELD_LENGTH = 10
SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
SHP_TEXT_BYTES = 254  # dBASE character field width, in bytes (UTF-8 text is counted in bytes)
SHP_MAX_PARTS = 8  # a longer text is split over at most this many fields, else left out with a note


@dataclass(frozen=True)
class Download:
    media_type: str
    extension: str
    label: str
    name: str  # short name for link texts


DOWNLOADS: dict[str, Download] = {
    "csv": Download("text/csv", "csv", "CSV, WKT geometry", "CSV"),
    "gpkg": Download("application/geopackage+sqlite3", "gpkg", "GeoPackage", "GeoPackage"),
    "shp": Download("application/zip", "zip", "zipped Shapefile, UTF-8", "Shapefile"),
    "fgb": Download("application/flatgeobuf", "fgb", "FlatGeobuf", "FlatGeobuf"),
}


def shapefile_names(names: list[str], length: int = SHP_FIELD_LENGTH) -> dict[str, str]:
    """Each column name → a unique name of at most `length` characters (dBASE limit), case-insensitively."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        short = name[:length]
        counter = 1
        while short.lower() in taken:
            suffix = f"_{counter}"
            short = name[: length - len(suffix)] + suffix
            counter += 1
        taken.add(short.lower())
        out[name] = short
    return out


def file_frame(frame: gpd.GeoDataFrame, crs_uri: str) -> gpd.GeoDataFrame:
    """The frame in the requested CRS with files' traditional x/y (lon/lat, easting/northing) order."""
    target = "EPSG:4326" if crs_uri == CRS84_URI else SUPPORTED[crs_uri]
    return frame.to_crs(target)


def _csv(frame: gpd.GeoDataFrame) -> bytes:
    table = frame.drop(columns=frame.geometry.name).copy()
    table["wkt"] = frame.geometry.to_wkt()
    return table.to_csv(index=False).encode("utf-8-sig")


def _written(frame: gpd.GeoDataFrame, layer: str, driver: str, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="yiwu-export-") as tmp:
        path = Path(tmp) / f"{layer}{suffix}"
        pyogrio.write_dataframe(frame, path, layer=layer, driver=driver)
        return path.read_bytes()


def split_utf8(text: str, limit: int = SHP_TEXT_BYTES) -> list[str]:
    """Text cut into pieces of at most `limit` UTF-8 bytes, never inside a character nor next to a blank
    (dBASE readers strip leading and trailing blanks of a field, which would lose them)."""
    parts, current = [], ""
    for char in text:
        if len((current + char).encode("utf-8")) <= limit:
            current += char
            continue
        nxt = char
        while len(current) > 1 and (current[-1].isspace() or nxt[0].isspace()):
            current, nxt = current[:-1], current[-1] + nxt
        parts.append(current)
        current = nxt
    parts.append(current)
    return parts


def _text_parts(series) -> int:
    """How many SHP_TEXT_BYTES pieces the longest value of a text column needs (1 for non-text)."""
    values = [v for v in series if isinstance(v, str)]
    return max((len(split_utf8(v)) for v in values), default=1)


def shapefile_table(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """The frame with dBASE-safe columns (long text split into numbered parts, over-long text left out) and
    the mapping rows of `<layer>.fields.csv`: field, column, part, note."""
    geometry = frame.geometry.name
    columns: dict[str, object] = {}
    mapping: list[dict] = []
    for col in [c for c in frame.columns if c != geometry]:
        parts = _text_parts(frame[col])
        if parts == 1:
            columns[col] = frame[col]
            mapping.append({"column": col, "part": "", "note": ""})
        elif parts <= SHP_MAX_PARTS:
            pieces = [split_utf8(v) if isinstance(v, str) else [] for v in frame[col]]
            for i in range(parts):
                columns[f"{col}_{i + 1}"] = [p[i] if i < len(p) else None for p in pieces]
                mapping.append({"column": col, "part": str(i + 1),
                                "note": f"text over {SHP_TEXT_BYTES} bytes split into {parts} fields; join them in order"})
        else:
            mapping.append({"column": col, "part": "", "note": f"left out: text longer than {SHP_MAX_PARTS} x "
                            f"{SHP_TEXT_BYTES} bytes; download GeoPackage, GeoJSON or CSV for it"})
    names = shapefile_names(list(columns))
    table = gpd.GeoDataFrame({names[c]: v for c, v in columns.items()}, geometry=frame.geometry.values, crs=frame.crs,
                             index=frame.index)
    keys = iter(columns)
    for row in mapping:
        row["field"] = "" if row["note"].startswith("left out") else names[next(keys)]
    return table, mapping


def _fields_csv(mapping: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["field", "column", "part", "note"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(mapping)
    return out.getvalue().encode("utf-8")


def _shapefile_zip(frame: gpd.GeoDataFrame, layer: str) -> bytes:
    table, mapping = shapefile_table(frame)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="yiwu-export-") as tmp:
        path = Path(tmp) / f"{layer}.shp"
        pyogrio.write_dataframe(table, path, driver="ESRI Shapefile", encoding="UTF-8")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for suffix in SHP_PARTS:
                part = path.with_suffix(suffix)
                if part.is_file():
                    archive.write(part, part.name)
            archive.writestr(f"{layer}.fields.csv", _fields_csv(mapping))
    return buffer.getvalue()


def export_frame(frame: gpd.GeoDataFrame, fmt: str, layer: str, crs_uri: str = CRS84_URI) -> bytes:
    """The features as a file of format `fmt` (a key of DOWNLOADS) in the CRS of `crs_uri`."""
    frame = file_frame(frame, crs_uri)
    if fmt == "csv":
        return _csv(frame)
    if fmt == "shp":
        return _shapefile_zip(frame, layer)
    driver = {"gpkg": "GPKG", "fgb": "FlatGeobuf"}[fmt]
    return _written(frame, layer, driver, "." + DOWNLOADS[fmt].extension)
