"""Query parameters parsed once into small dataclasses; malformed values raise InvalidParameterError."""

from __future__ import annotations

import math
from collections.abc import Mapping

from geo.errors import InvalidParameterError
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


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """`minLon,minLat,maxLon,maxLat` in WGS84 degrees."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidParameterError("bbox", f"needs 4 comma-separated numbers, got {len(parts)}")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameterError("bbox", f"'{raw}' contains a value that is not a number") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidParameterError("bbox", "values must be finite")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameterError("bbox", "longitudes must be within [-180, 180] and latitudes within [-90, 90]")
    if miny > maxy or minx > maxx:
        raise InvalidParameterError("bbox", "minimum exceeds maximum (expected minLon,minLat,maxLon,maxLat)")
    return (minx, miny, maxx, maxy)


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
