"""The CRS of an import: from the file, the format, the option or (CSV lon/lat) assumed; identified as an EPSG code.

Chinese software writes .prj files with only an ESRI name (`CGCS2000_3_Degree_GK_CM_120E`) and no code; pyproj
identifies them (`to_epsg`, confidence ≥ 70). A CRS pyproj does not recognise but whose parameters are those of
the CGCS2000 family (the CGCS2000/GRS80 ellipsoid; EPSG:4490 lon/lat, or a Gauss-Krüger transverse Mercator
with scale 1, the central meridian and false easting of EPSG:4491–4554; the 3° code when a 6° CM code has the same
definition) is matched to its code, warned, and read as that definition. GCJ-02 (an option: `gcj02=True` or `crs="GCJ-02"`) is lon/lat shifted by the public GCJ formula and is
converted with geo.core.crs.gcj02_frame_to_wgs84. Without any CRS the import is refused with a suggestion read from
the coordinates (lon/lat degrees, Gauss-Krüger metres with or without a zone number).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from pyproj.transformer import TransformerGroup

from geo.imports.qc.report import CRSReport, Refused, ReportBuilder

LOGGER = logging.getLogger(__name__)

CGCS2000_GEOGRAPHIC = 4490
CGCS2000_GK_CODES = range(4491, 4555)  # 6° zones 13–23 and CM 75–135°E, 3° zones 25–45 and CM 75–135°E
GCJ02_NAMES = ("GCJ-02", "GCJ02")
_GRS80 = (6378137.0, 298.257222101)
_SAME_DATUM = ("China 2000", "World Geodetic System 1984")
_SOURCE_PHRASES = {"file": "@source_file", "format": "@source_format", "option": "@source_option",
                   "assumed": "@source_assumed"}


@dataclass(frozen=True)
class ResolvedCRS:
    """The CRS to read the coordinates in (EPSG:4326 for GCJ-02, whose shift is applied after), the report's
    entry, and whether the coordinates are GCJ-02."""

    crs: CRS
    report: CRSReport
    gcj02: bool = False


def parse(text: str) -> CRS:
    """A pyproj CRS from a user or file text (EPSG:4549, 4549, WKT, PROJ), else Refused."""
    try:
        return CRS.from_user_input(text.strip() if isinstance(text, str) else text)
    except (CRSError, TypeError, ValueError) as exc:
        raise Refused("bad_crs", crs=str(text)[:200], reason=str(exc)[:200]) from exc


def _tm_key(crs: CRS) -> tuple[float, float] | None:
    """(central meridian, false easting) of a plain transverse Mercator in metres (scale 1, origin on the
    equator, no false northing), else None."""
    operation = crs.coordinate_operation
    if operation is None or operation.method_code != "9807" or not crs.axis_info or \
            crs.axis_info[0].unit_name != "metre":
        return None
    params = {param.code: param.value for param in operation.params}
    if params.get("8801") != 0 or params.get("8805") != 1 or params.get("8807") != 0:
        return None
    return round(float(params.get("8802", 0)), 6), round(float(params.get("8806", 0)), 3)


def _gk_code(central_meridian: float, false_easting: float) -> int | None:
    """The CGCS2000 Gauss-Krüger code of a central meridian and false easting (3° zones first: a 6° zone's CM
    without a zone number has the same definition as the 3° one), checked against the EPSG definition."""
    zone, rest = divmod(false_easting, 1_000_000)
    code = None
    if zone == 0 and rest == 500_000 and central_meridian % 3 == 0 and 75 <= central_meridian <= 135:
        code = 4534 + int(central_meridian - 75) // 3
    elif rest == 500_000 and 25 <= zone <= 45 and central_meridian == 3 * zone:
        code = 4513 + int(zone) - 25
    elif rest == 500_000 and 13 <= zone <= 23 and central_meridian == 6 * zone - 3:
        code = 4491 + int(zone) - 13
    if code is None or _tm_key(CRS.from_epsg(code)) != (central_meridian, false_easting):
        return None
    return code


def _by_parameters(crs: CRS) -> int | None:
    """The CGCS2000 code whose definition this CRS's parameters are, else None."""
    ellipsoid = crs.ellipsoid
    if ellipsoid is None or abs(ellipsoid.semi_major_metre - _GRS80[0]) > 1e-3 or \
            abs(ellipsoid.inverse_flattening - _GRS80[1]) > 1e-7:
        return None
    if crs.is_geographic:
        return CGCS2000_GEOGRAPHIC
    key = _tm_key(crs)
    return _gk_code(*key) if key else None


def identify(crs: CRS) -> tuple[int | None, str]:
    """(EPSG code, how): `code` the text carries it, `pyproj` identified, `parameters` CGCS2000 match, `none`."""
    ident = crs.to_json_dict().get("id") or {}
    if ident.get("authority") == "EPSG" and isinstance(ident.get("code"), int):
        return ident["code"], "code"
    code = crs.to_epsg(min_confidence=70)
    if code:
        return code, "pyproj"
    code = _by_parameters(crs)
    return (code, "parameters") if code else (None, "none")


def suggest(bounds: tuple[float, float, float, float] | None) -> dict:
    """The `suggest` and `looks` parameters of a no-CRS refusal, read from the coordinates' bounds."""
    if bounds is None or not all(math.isfinite(b) for b in bounds):
        return {"suggest": "EPSG:4549", "looks": "@looks_unknown"}
    minx, miny, maxx, maxy = bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return {"suggest": "EPSG:4490", "looks": "@looks_lonlat"}
    zone = int(minx // 1_000_000)
    if maxx >= 1e7 and zone == int(maxx // 1_000_000) and (13 <= zone <= 23 or 25 <= zone <= 45):
        code = 4491 + zone - 13 if zone <= 23 else 4513 + zone - 25
        return {"suggest": f"EPSG:{code}", "looks": "@looks_gk_zone", "zone": zone}
    if 0 < minx and maxx < 1_000_000 and 0 < miny and maxy < 10_000_000:
        return {"suggest": "EPSG:4549", "looks": "@looks_gk_cm"}
    return {"suggest": "EPSG:4549", "looks": "@looks_unknown"}


def _chosen(file_crs: str | None, option: str | None, fmt: str, csv_kind: str | None,
            gcj02: bool, bounds, report: ReportBuilder) -> tuple[CRS, str, str | None]:
    """(CRS, source, declared name) before identification; Refused when there is none."""
    if option:
        crs = parse(option)
        if file_crs:
            declared = _name_or_none(file_crs)
            if declared is not None and not declared.equals(crs, ignore_axis_order=True):
                report.add("crs_overridden", declared=declared_name(file_crs, declared), code=option)
        return crs, "option", option
    if file_crs:
        crs = parse(file_crs)
        wgs84 = crs.equals(CRS.from_epsg(4326), ignore_axis_order=True)
        return crs, "format" if fmt in ("geojson", "kml") and wgs84 else "file", declared_name(file_crs, crs)
    if csv_kind == "lonlat" or gcj02:
        if not gcj02:
            report.add("crs_assumed")
        return CRS.from_epsg(4326), "assumed" if not gcj02 else "option", None
    where = "@where_prj" if fmt == "shapefile" else "@where_csv" if fmt == "csv" else "@where_none"
    raise Refused("no_crs", where=where, **suggest(bounds))


def declared_name(text: str, crs: CRS) -> str:
    """The name the file gives its CRS (a WKT's first quoted name, e.g. an ESRI name), else pyproj's name."""
    found = re.match(r'\s*[A-Z_]+\s*\[\s*"([^"]+)"', text)
    return found.group(1) if found else crs.name


def _name_or_none(text: str) -> CRS | None:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        return None


def resolve(file_crs: str | None, options, fmt: str, csv_kind: str | None, bounds,
            report: ReportBuilder) -> ResolvedCRS:
    """The CRS of the coordinates per the rules of the module docstring; the report's `crs` is set."""
    option = options.crs.strip() if options.crs else None
    gcj02 = options.gcj02 or (option or "").upper() in GCJ02_NAMES
    option = None if (option or "").upper() in GCJ02_NAMES else option
    crs, source, declared = _chosen(file_crs, option, fmt, csv_kind, gcj02, bounds, report)
    if gcj02:
        if not crs.is_geographic:
            raise Refused("gcj02_needs_lonlat", name=crs.name)
        entry = CRSReport(None, "GCJ-02", declared or "GCJ-02", "option", "gcj02")
        report.set(crs=entry)
        report.add("crs", name="GCJ-02", code="GCJ-02", source="@source_option", identified="@identified_gcj02")
        return ResolvedCRS(CRS.from_epsg(4326), entry, gcj02=True)
    epsg, how = identify(crs)
    if how == "parameters":
        report.add("crs_by_parameters", declared=crs.name, code=f"EPSG:{epsg}", name=CRS.from_epsg(epsg).name)
        crs = CRS.from_epsg(epsg)
    elif how == "none":
        report.add("crs_unidentified", declared=crs.name)
    entry = CRSReport(epsg, CRS.from_epsg(epsg).name if epsg else crs.name, declared, source, how)
    report.set(crs=entry)
    report.add("crs", name=entry.name, code=entry.code, source=_SOURCE_PHRASES[source], identified=f"@identified_{how}")
    return ResolvedCRS(crs, entry)


def datum_warning(crs: CRS, report: ReportBuilder) -> None:
    """For a datum other than CGCS2000 or WGS84 (e.g. Beijing 1954, Xian 1980): warn with the accuracy of the best
    transformation PROJ knows to WGS84, or that it knows only a ballpark one (errors of up to hundreds of metres)."""
    datum = crs.datum.name if crs.datum else ""
    if any(name in datum for name in _SAME_DATUM):
        return
    group = TransformerGroup(crs, CRS.from_epsg(4326), always_xy=True)
    known = [t.accuracy for t in group.transformers if t.accuracy is not None and t.accuracy >= 0]
    if known:
        report.add("datum_accuracy", name=crs.name, accuracy=min(known))
    else:
        report.add("datum_ballpark", name=crs.name)


def area_of_use_warning(geoms: np.ndarray, crs: CRS, report: ReportBuilder) -> None:
    """Warn about features (WGS84) wholly outside the CRS's area of use (with a 1° margin): a wrong CRS."""
    area = crs.area_of_use
    if area is None or area.west > area.east or (area.west <= -180 and area.east >= 180):
        return
    west, south, east, north = area.bounds
    box = shapely.box(west - 1, south - 1, east + 1, north + 1)
    outside = ~shapely.intersects(geoms, box)
    if outside.any():
        report.add("outside_crs_area", count=int(outside.sum()), code=f"EPSG:{crs.to_epsg() or '?'}",
                   area=f"{west:g}–{east:g}°E, {south:g}–{north:g}°N")
