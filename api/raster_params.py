"""Query parameters of the raster endpoints, parsed once into small dataclasses (InvalidParameterError on error)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from geo.errors import InvalidParameterError
from geo.raster_stats import DEFAULT_PERCENTILES
from geo.raster_tiles import COLORMAPS, TileStyle

MAX_ZOOM = 24


DATUMS = ("wgs84", "gcj02")


@dataclass(frozen=True)
class TileRequest:
    z: int
    x: int
    y: int
    style: TileStyle
    datum: str = "wgs84"  # gcj02: the tile of a map drawn in GCJ-02 (AMap basemap)


@dataclass(frozen=True)
class LonLat:
    lon: float
    lat: float


def parse_number(name: str, raw: str | None) -> float:
    if raw is None or raw.strip() == "":
        raise InvalidParameterError(name, "is required")
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameterError(name, f"'{raw}' is not a number") from None
    if not math.isfinite(value):
        raise InvalidParameterError(name, "must be finite")
    return value


def parse_tile_index(name: str, raw: str, maximum: int) -> int:
    if not raw.isdigit():
        raise InvalidParameterError(name, f"'{raw}' is not a non-negative integer")
    value = int(raw)
    if value > maximum:
        raise InvalidParameterError(name, f"must be <= {maximum}, got {value}")
    return value


def parse_rescale(raw: str | None) -> tuple[float, float] | None:
    """`min,max` with min < max."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) != 2:
        raise InvalidParameterError("rescale", f"needs 'min,max', got '{raw}'")
    low, high = (parse_number("rescale", p) for p in parts)
    if low >= high:
        raise InvalidParameterError("rescale", f"min {low:g} must be below max {high:g}")
    return low, high


def parse_colormap(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if raw.lower() not in COLORMAPS:
        raise InvalidParameterError("colormap", f"unknown colormap '{raw}' (see rio-tiler's colormap names)")
    return raw.lower()


def parse_tile_request(z: str, x: str, y: str, args: Mapping[str, str]) -> TileRequest:
    zoom = parse_tile_index("z", z, MAX_ZOOM)
    last = 2**zoom - 1
    style = TileStyle(parse_colormap(args.get("colormap")), parse_rescale(args.get("rescale")))
    datum = args.get("datum") or "wgs84"
    if datum not in DATUMS:
        raise InvalidParameterError("datum", f"'{datum}' is not one of {', '.join(DATUMS)}")
    return TileRequest(zoom, parse_tile_index("x", x, last), parse_tile_index("y", y, last), style, datum)


def parse_lonlat(args: Mapping[str, str]) -> LonLat:
    lon, lat = parse_number("lon", args.get("lon")), parse_number("lat", args.get("lat"))
    if not -180 <= lon <= 180:
        raise InvalidParameterError("lon", f"must be within [-180, 180], got {lon:g}")
    if not -90 <= lat <= 90:
        raise InvalidParameterError("lat", f"must be within [-90, 90], got {lat:g}")
    return LonLat(lon, lat)


def parse_percentiles(raw: str | None) -> tuple[float, ...]:
    """Comma-separated percentiles within [0, 100]; default 2,25,50,75,98."""
    if raw is None or raw == "":
        return DEFAULT_PERCENTILES
    values = tuple(parse_number("percentiles", p) for p in raw.split(","))
    if not all(0 <= v <= 100 for v in values) or len(values) > 20:
        raise InvalidParameterError("percentiles", "needs up to 20 values within [0, 100]")
    return values
