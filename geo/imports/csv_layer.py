"""CSV with coordinates: points from two number columns, or any geometry from a WKT column.

Columns are named by the options or found by name (case and spaces ignored): lon/lat, lng/lat, long/lat,
longitude/latitude, 经度/纬度 (degrees); x/y, easting/northing, 东坐标/北坐标, x坐标/y坐标 (projected: a CRS must be
given); else a WKT column (wkt, wkt_geom, geometry, geom, the_geom, shape, 几何). Text is UTF-8 (a BOM allowed),
else GBK/GB18030 as Excel in China saves it; the delimiter is the one of , ; tab | the header row uses most.
Attribute columns become int when every value is a plain integer (codes with leading zeros stay text), float when every value is a number,
else text; empty cells are None. A row with both coordinates empty has no geometry (reported, not imported).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo.imports import formats as import_formats
from geo.imports.encoding import codec_name, detect
from geo.imports.qc.report import EncodingReport, Refused, ReportBuilder, listing

LOGGER = logging.getLogger(__name__)

LONLAT_NAMES = (("lon", "lat"), ("lng", "lat"), ("long", "lat"), ("longitude", "latitude"), ("经度", "纬度"))
XY_NAMES = (("x", "y"), ("easting", "northing"), ("东坐标", "北坐标"), ("x坐标", "y坐标"))
WKT_NAMES = ("wkt", "wkt_geom", "geometry", "geom", "the_geom", "shape", "几何")
GEOMETRY_COLUMN = "_import_geometry"  # not a CSV column name that could clash with an attribute
_INT = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[+-]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class CSVTable:
    """The CSV's features (no CRS yet), how their geometry was found (`lonlat`, `xy`, `wkt`) and from which
    columns, and the text encoding."""

    frame: gpd.GeoDataFrame
    kind: str
    columns: tuple[str, ...]
    encoding: EncodingReport


def decode_text(raw: bytes, option: str | None, report: ReportBuilder) -> tuple[str, EncodingReport]:
    """The file's text: the option's encoding, else UTF-8 (with or without BOM), GBK, GB18030; else ISO-8859-1."""
    if option:
        name = codec_name(option)
        try:
            return raw.decode(name or option).removeprefix("\ufeff"), EncodingReport(name or option, "option")
        except (UnicodeDecodeError, LookupError) as exc:
            raise Refused("undecodable", encoding=option) from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    found = detect([raw])
    if found is None:
        report.add("encoding_fallback")
        return raw.decode("iso-8859-1"), EncodingReport("ISO-8859-1", "fallback")
    return raw.decode(found), EncodingReport(found, "detected")


def _rows(text: str, name: str) -> tuple[list[str], list[list[str]]]:
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    if not header or len(set(header)) != len(header):
        raise Refused("unreadable", name=name, reason=f"the header row has empty or repeated names: {header}")
    rows = []
    for row in reader:
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise Refused("unreadable", name=name, reason=f"row {reader.line_num} has {len(row)} fields, the "
                                                          f"header {len(header)}")
        rows.append(row + [""] * (len(header) - len(row)))
        if len(rows) > import_formats.MAX_FEATURES:
            raise Refused("too_many_features", count=len(rows), limit=import_formats.MAX_FEATURES)
    return header, rows


def _find(header: list[str], pairs: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    folded = {h.lower().replace(" ", ""): h for h in header}
    for x, y in pairs:
        if x in folded and y in folded:
            return folded[x], folded[y]
    return None


def geometry_columns(header: list[str], x_field: str | None, y_field: str | None,
                     wkt_field: str | None) -> tuple[str, tuple[str, ...]]:
    """(kind, columns) of the geometry: the options' columns, else found by name."""
    for wanted in (x_field, y_field, wkt_field):
        if wanted and wanted not in header:
            raise Refused("no_field", field=wanted, fields=listing(header, limit=50))
    if wkt_field:
        return "wkt", (wkt_field,)
    if x_field and y_field:
        return "xy", (x_field, y_field)
    if x_field or y_field:
        raise Refused("csv_no_geometry", columns=listing(header, limit=50))
    for kind, pairs in (("lonlat", LONLAT_NAMES), ("xy", XY_NAMES)):
        found = _find(header, pairs)
        if found:
            return kind, found
    folded = {h.lower().replace(" ", ""): h for h in header}
    wkt = next((folded[n] for n in WKT_NAMES if n in folded), None)
    if wkt:
        return "wkt", (wkt,)
    raise Refused("csv_no_geometry", columns=listing(header, limit=50))


def _number(value: str, row: int, column: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise Refused("csv_bad_number", row=row, column=column, value=value[:40])
    return number


def _points(rows: list[list[str]], ix: int, iy: int, names: tuple[str, ...]) -> list:
    out = []
    for number, row in enumerate(rows, start=2):
        x, y = row[ix].strip(), row[iy].strip()
        if not x and not y:
            out.append(None)
            continue
        out.append(shapely.Point(_number(x, number, names[0]), _number(y, number, names[1])))
    return out


def _wkt(rows: list[list[str]], index: int, name: str) -> list:
    out = []
    for number, row in enumerate(rows, start=2):
        text = row[index].strip()
        try:
            out.append(shapely.from_wkt(text) if text else None)
        except shapely.errors.GEOSException as exc:
            raise Refused("csv_bad_wkt", row=number, column=name, reason=str(exc)[:120]) from exc
    return out


def typed(values: list[str]) -> list:
    """A column's cells as int, float or str (None for empty), the same type for the whole column."""
    cells = [v if v.strip() else None for v in values]
    present = [v.strip() for v in cells if v is not None]
    if present and all(_INT.fullmatch(v) and abs(int(v)) < 2 ** 63 for v in present):
        return [int(v) if v is not None else None for v in cells]
    if present and all(_FLOAT.fullmatch(v) for v in present):
        return [float(v) if v is not None else None for v in cells]
    return cells


def read_csv(path, options, report: ReportBuilder) -> CSVTable:
    """The CSV at `path` as features without a CRS, per `options` (x_field, y_field, wkt_field, encoding)."""
    text, encoding = decode_text(path.read_bytes(), options.encoding, report)
    header, rows = _rows(text, path.name)
    kind, names = geometry_columns(header, options.x_field, options.y_field, options.wkt_field)
    indexes = [header.index(n) for n in names]
    geoms = _wkt(rows, indexes[0], names[0]) if kind == "wkt" else _points(rows, *indexes, names)
    keep = [i for i, h in enumerate(header) if kind != "wkt" or h != names[0]]
    data = {header[i]: pd.Series(typed([row[i] for row in rows]), dtype=object) for i in keep}
    frame = gpd.GeoDataFrame(pd.DataFrame(data, index=pd.RangeIndex(len(rows))))
    frame[GEOMETRY_COLUMN] = gpd.GeoSeries(geoms)
    return CSVTable(frame.set_geometry(GEOMETRY_COLUMN), kind, names, encoding)


def maybe_swap_xy(table: CSVTable, crs: CRS, report: ReportBuilder) -> CSVTable:
    """x/y columns in surveying order (X north, Y east) swapped when only the swapped reading lies in the
    projected CRS's area of use."""
    if table.kind != "xy" or not crs.is_projected or crs.area_of_use is None:
        return table
    geoms = table.frame.geometry.dropna()
    if geoms.empty:
        return table
    x, y = float(np.median(shapely.get_x(geoms.array))), float(np.median(shapely.get_y(geoms.array)))
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    west, south, east, north = crs.area_of_use.bounds

    def inside(a: float, b: float) -> bool:
        lon, lat = to_lonlat.transform(a, b)
        return math.isfinite(lon) and west - 1 <= lon <= east + 1 and south - 1 <= lat <= north + 1

    if inside(x, y) or not inside(y, x):
        return table
    report.add("xy_swapped", x=table.columns[0], y=table.columns[1])
    swapped = shapely.transform(table.frame.geometry.array, lambda c: c[:, ::-1])
    frame = table.frame.copy()
    frame[GEOMETRY_COLUMN] = gpd.GeoSeries(swapped, index=frame.index)
    return CSVTable(frame, table.kind, table.columns, table.encoding)
