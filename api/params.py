"""Query parameters parsed once into small dataclasses; malformed values raise InvalidParameterError."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
from werkzeug.datastructures import MIMEAccept

from geo.errors import InvalidParameterError
from geo.filters import check_filter, parse_filter, parse_sortby, property_types
from geo.ogccrs import CRS84_URI, bbox_to_crs84, normalise_uri, parse_crs, pyproj_crs
from geo.store import ItemsQuery

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 10
LANGS = ("zh", "en")


def parse_int(args: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameterError(name, f"'{raw}' is not an integer") from None
    if value < minimum:
        raise InvalidParameterError(name, f"must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InvalidParameterError(name, f"must be <= {maximum}, got {value}")
    return value


def _bbox_numbers(raw: str) -> tuple[float, float, float, float]:
    """4 numbers (min1,min2,max1,max2) or 6 (with heights, which are ignored)."""
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameterError("bbox", f"needs 4 (or 6) comma-separated numbers, got {len(parts)}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidParameterError("bbox", f"'{raw}' contains a value that is not a number") from None
    if not all(math.isfinite(v) for v in values):
        raise InvalidParameterError("bbox", "values must be finite")
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    return (values[0], values[1], values[2], values[3])


def _check_geographic(bbox: tuple[float, float, float, float], lat_first: bool) -> None:
    lat = (bbox[0], bbox[2]) if lat_first else (bbox[1], bbox[3])
    lon = (bbox[1], bbox[3]) if lat_first else (bbox[0], bbox[2])
    if not (all(-180 <= v <= 180 for v in lon) and all(-90 <= v <= 90 for v in lat)):
        raise InvalidParameterError("bbox", "longitudes must be within [-180, 180] and latitudes within [-90, 90]")


def parse_bbox(raw: str | None, crs_uri: str = CRS84_URI) -> tuple[float, float, float, float] | None:
    """A bbox in the axis order of `crs_uri` (CRS84: minLon,minLat,maxLon,maxLat), returned in CRS84."""
    if raw is None or raw == "":
        return None
    bbox = _bbox_numbers(raw)
    crs = pyproj_crs(crs_uri)
    if crs.is_geographic:
        _check_geographic(bbox, crs.axis_info[0].direction == "north")
    if bbox[0] > bbox[2] or bbox[1] > bbox[3]:
        raise InvalidParameterError("bbox", "minimum exceeds maximum (expected min1,min2,max1,max2 in the "
                                    "axis order of bbox-crs)")
    return bbox_to_crs84(bbox, crs_uri)


def parse_items_query(args: Mapping[str, str]) -> ItemsQuery:
    return ItemsQuery(
        bbox=parse_bbox(args.get("bbox")),
        limit=parse_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=parse_int(args, "offset", 0, 0),
    )


def parse_lang(args: Mapping[str, str]) -> str:
    lang = args.get("lang", "zh") or "zh"
    if lang not in LANGS:
        raise InvalidParameterError("lang", f"'{lang}' is not one of {', '.join(LANGS)}")
    return lang


# ---- OGC API – Features requests -------------------------------------------------------------------

PAGE_FORMATS = ("json", "html")
DOWNLOAD_FORMATS = ("csv", "gpkg", "shp", "fgb")
ITEMS_FORMATS = PAGE_FORMATS + DOWNLOAD_FORMATS
ITEMS_PARAMETERS = ("f", "lang", "bbox", "bbox-crs", "crs", "limit", "offset", "properties", "sortby",
                    "filter", "filter-lang", "filter-crs", "datetime")
MEDIA_FORMATS = {"application/json": "json", "application/geo+json": "json", "text/html": "html"}


@dataclass(frozen=True)
class ItemsRequest:
    """Everything an items request asks for: the store query, output format and CRS."""

    query: ItemsQuery
    format: str
    crs: str
    lang: str


def parse_format(args: Mapping[str, str], accept: MIMEAccept, allowed: tuple[str, ...] = PAGE_FORMATS) -> str:
    """`f` when given, else the Accept header's preference between JSON and HTML (JSON when equal)."""
    raw = args.get("f")
    if raw:
        if raw not in allowed:
            raise InvalidParameterError("f", f"'{raw}' is not one of {', '.join(allowed)}")
        return raw
    best = accept.best_match(["application/json", "application/geo+json", "text/html"], default="application/json")
    return MEDIA_FORMATS[best]


def _names(raw: str, parameter: str, known: dict[str, str]) -> tuple[str, ...]:
    names = tuple(n.strip() for n in raw.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidParameterError(parameter, f"unknown propert{'ies' if len(unknown) > 1 else 'y'}: "
                                    f"{', '.join(unknown)}")
    return names


def _equalities(args: Mapping[str, str], known: dict[str, str]) -> tuple[tuple[str, str], ...]:
    out = []
    for name in args:
        if name in ITEMS_PARAMETERS:
            continue
        if name not in known:
            raise InvalidParameterError(name, "unknown parameter (not a query parameter nor a queryable)")
        out.append((name, args[name]))
    return tuple(out)


def _filter(args: Mapping[str, str], frame: gpd.GeoDataFrame):
    if args.get("filter-crs") and normalise_uri(args["filter-crs"]) != CRS84_URI:
        raise InvalidParameterError("filter-crs", f"'{args['filter-crs']}' is not supported; use {CRS84_URI}")
    if not args.get("filter"):
        if args.get("filter-lang"):
            parse_filter("true", args["filter-lang"])  # validates the language name
        return None
    node = parse_filter(args["filter"], args.get("filter-lang"))
    check_filter(node, frame)
    return node


def check_datetime(raw: str | None) -> None:
    """RFC 3339 instant or interval (`start/end`, `..` or empty for open ends). The layers carry no temporal
    geometry (a plan `year` is an attribute, filterable with `filter`), so a valid value restricts nothing."""
    if raw is None:
        return
    parts = raw.split("/")
    if len(parts) > 2 or all(p in ("", "..") for p in parts):
        raise InvalidParameterError("datetime", f"'{raw}' is not an RFC 3339 instant or interval")
    for part in parts:
        if part in ("", ".."):
            continue
        try:
            datetime.fromisoformat(part)
        except ValueError:
            raise InvalidParameterError("datetime", f"'{part}' is not an RFC 3339 date-time") from None


def parse_items_request(args: Mapping[str, str], accept: MIMEAccept, frame: gpd.GeoDataFrame,
                        offered: list[str]) -> ItemsRequest:
    """Every items parameter checked against the layer (`frame`) and the CRSs it is offered in."""
    fmt = parse_format(args, accept, ITEMS_FORMATS)
    check_datetime(args.get("datetime"))
    known = property_types(frame)
    default_limit = None if fmt in DOWNLOAD_FORMATS else DEFAULT_LIMIT
    limit = parse_int(args, "limit", -1, 1, MAX_LIMIT)
    props = args.get("properties")
    query = ItemsQuery(
        bbox=parse_bbox(args.get("bbox"), parse_crs(args.get("bbox-crs"), "bbox-crs", offered)),
        limit=default_limit if limit == -1 else limit,
        offset=parse_int(args, "offset", 0, 0),
        equals=_equalities(args, known),
        filter=_filter(args, frame),
        sortby=parse_sortby(args.get("sortby"), frame),
        properties=None if props is None else _names(props, "properties", known),
    )
    return ItemsRequest(query, fmt, parse_crs(args.get("crs"), "crs", offered), parse_lang(args))
