"""The declared parameters shared by the endpoints (api/core/declare.py), and the items request built from them: the
declarations that need the layer (bbox in its CRS, queryables, sortby, filter) are checked here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from api.core.declare import LANG, Param, choice, formats, integer, name_list, number_list, text
from geo.core.crs import CRS84_URI, SPELLINGS, bbox_to_crs84, crs_spellings, normalise_uri, pyproj_crs
from geo.core.errors import InvalidParameterError
from geo.core.limits import MAX_ITEMS_LIMIT
from geo.query.cql2 import FILTER_LANGS, MAX_FILTER_CHARS, parse_filter
from geo.query.filters import check_filter, parse_sortby
from geo.store.base import ItemsQuery

DEFAULT_LIMIT = 10
PAGE_FORMATS = ("json", "html")
DOWNLOAD_FORMATS = ("csv", "gpkg", "shp", "fgb")
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:[Zz]|[+-][0-9]{2}:[0-9]{2}))?"
DATETIME_PATTERN = rf"^(?:|{_DATE}|{_DATE}/(?:{_DATE}|\.\.)?|(?:\.\.)?/{_DATE})$"

# ---- parameters of many endpoints ---------------------------------------------------------------------------

F_PAGE = formats(*PAGE_FORMATS)


def parse_datetime(raw: str) -> str | None:
    """RFC 3339 instant or interval (`start/end`, `..` or empty for an open end); empty: no restriction."""
    if not re.fullmatch(DATETIME_PATTERN, raw):
        raise InvalidParameterError("datetime", f"'{raw[:60]}' is not an RFC 3339 date, date-time or interval")
    for part in raw.split("/"):
        if part not in ("", ".."):
            try:
                datetime.fromisoformat(part.replace("z", "Z").replace("t", "T"))
            except ValueError:
                raise InvalidParameterError("datetime", f"'{part}' is not a valid date-time") from None
    return raw or None


def crs_param(name: str, description: str) -> Param:
    return choice(name, description, SPELLINGS)


ITEMS_PARAMS: tuple[Param, ...] = (
    formats(*PAGE_FORMATS, *DOWNLOAD_FORMATS, description="output format: GeoJSON, HTML, or a download (csv, gpkg, "
            "shp, fgb: every matched feature unless limit is given); without it the Accept header decides"),
    LANG,
    number_list("bbox", "min1,min2,max1,max2 (or 6 numbers with heights) in the axis order of bbox-crs", 4, 6),
    crs_param("bbox-crs", "CRS of bbox (default CRS84)"),
    crs_param("crs", "CRS of the returned geometries (EPSG:4326 and EPSG:4490 are lat/lon, EPSG:4549 northing/"
              "easting; offered per collection, see its `crs`)"),
    Param("datetime", "RFC 3339 instant or interval; the layers carry no temporal geometry, so a valid value "
          "restricts nothing (filter on `year` instead)", {"type": "string", "pattern": DATETIME_PATTERN},
          parse_datetime),
    integer("limit", f"page size (default {DEFAULT_LIMIT}; downloads: every matched feature)", 1, MAX_ITEMS_LIMIT),
    integer("offset", "start index in the matched features", 0, default=0),
    name_list("properties", "comma-separated properties to return (duplicates ignored)", 1, 200),
    name_list("sortby", "comma-separated properties, prefix - for descending, + (default) ascending", 1, 20),
    text("filter", f"CQL2 expression (text or JSON) on the queryables; at most {MAX_FILTER_CHARS} characters, "
         "256 predicates and 20 levels of nesting", MAX_FILTER_CHARS),
    choice("filter-lang", "language of filter (default: cql2-json when it starts with {, else cql2-text)",
           FILTER_LANGS),
    choice("filter-crs", "CRS of geometries in filter (CRS84 only)", crs_spellings(CRS84_URI)),
)
ITEMS_NAMES = frozenset(p.name for p in ITEMS_PARAMS)


@dataclass(frozen=True)
class ItemsRequest:
    """Everything an items request asks for: the store query, output format and CRS."""

    query: ItemsQuery
    format: str
    crs: str
    lang: str


def bbox_crs84(numbers: tuple[float, ...] | None, crs_uri: str) -> tuple[float, float, float, float] | None:
    """A bbox in the axis order of `crs_uri` (4 numbers, or 6 with heights ignored), returned in CRS84."""
    if numbers is None:
        return None
    bbox = numbers if len(numbers) == 4 else (numbers[0], numbers[1], numbers[3], numbers[4])
    crs = pyproj_crs(crs_uri)
    if crs.is_geographic:
        lat_first = crs.axis_info[0].direction == "north"
        lats, lons = (bbox[0::2], bbox[1::2]) if lat_first else (bbox[1::2], bbox[0::2])
        if not (all(-180 <= v <= 180 for v in lons) and all(-90 <= v <= 90 for v in lats)):
            raise InvalidParameterError("bbox", "longitudes must be within [-180, 180] and latitudes within [-90, 90]")
    if bbox[0] > bbox[2] or bbox[1] > bbox[3]:
        raise InvalidParameterError("bbox", "minimum exceeds maximum (expected min1,min2,max1,max2 in the axis "
                                    "order of bbox-crs)")
    return bbox_to_crs84(bbox, crs_uri)


def offered_uri(raw: str | None, parameter: str, offered: list[str]) -> str:
    """The URI of a declared CRS spelling (default CRS84); 400 when the collection is not offered in it."""
    uri = CRS84_URI if raw is None else normalise_uri(raw)
    if uri not in offered:
        raise InvalidParameterError(parameter, f"'{raw}' is not offered for this collection; use one of "
                                    f"{', '.join(offered)}")
    return uri


def equalities(args: Mapping[str, str], known: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """`property=value` filters on queryables; any other undeclared parameter is refused."""
    out = []
    for name in args:
        if name in ITEMS_NAMES:
            continue
        if name not in known:
            raise InvalidParameterError(name, "unknown parameter (not a query parameter nor a queryable)")
        out.append((name, args[name]))
    return tuple(out)


def _properties(names: tuple[str, ...] | None, known: dict[str, str]) -> tuple[str, ...] | None:
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise InvalidParameterError("properties", f"unknown propert{'ies' if len(unknown) > 1 else 'y'}: "
                                    f"{', '.join(unknown[:10])}")
    return names


def items_request(q: SimpleNamespace, args: Mapping[str, str], schema: dict[str, str], geometry_name: str,
                  offered: list[str]) -> ItemsRequest:
    """The items request of the parsed parameters, checked against the layer's schema and offered CRSs."""
    node = parse_filter(q.filter, q.filter_lang) if q.filter else None
    if node is not None:
        check_filter(node, schema, geometry_name)
    default_limit = None if q.f in DOWNLOAD_FORMATS else DEFAULT_LIMIT
    query = ItemsQuery(
        bbox=bbox_crs84(q.bbox, offered_uri(q.bbox_crs, "bbox-crs", offered)),
        limit=default_limit if q.limit is None else q.limit, offset=q.offset,
        equals=equalities(args, schema), filter=node, sortby=parse_sortby(q.sortby, schema),
        properties=_properties(q.properties, schema))
    return ItemsRequest(query, q.f, offered_uri(q.crs, "crs", offered), q.lang)

