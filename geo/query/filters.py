"""Attribute filtering of a layer: queryables, property equality and sort keys (CQL2 is geo/query/cql2.py).
Pure functions on GeoDataFrames; errors name the request parameter."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pygeofilter import ast

from geo.core.errors import InvalidParameterError
from geo.core.numbers import parse_int, parse_number
from geo.query.cql2 import walk

GEOMETRY_FORMATS = {"Point": "geometry-point", "MultiPoint": "geometry-multipoint",
                    "LineString": "geometry-linestring", "MultiLineString": "geometry-multilinestring",
                    "Polygon": "geometry-polygon", "MultiPolygon": "geometry-multipolygon"}
HIDDEN = ("feature_id",)


@dataclass(frozen=True)
class SortKey:
    name: str
    ascending: bool = True


def property_types(frame: gpd.GeoDataFrame) -> dict[str, str]:
    """JSON Schema type of every attribute column (not the id, not the geometry)."""
    out: dict[str, str] = {}
    for name, dtype in frame.dtypes.items():
        if name in HIDDEN or name == frame.geometry.name:
            continue
        if pd.api.types.is_bool_dtype(dtype):
            out[str(name)] = "boolean"
        elif pd.api.types.is_integer_dtype(dtype):
            out[str(name)] = "integer"
        elif pd.api.types.is_numeric_dtype(dtype):
            out[str(name)] = "number"
        else:
            out[str(name)] = "string"
    return out


def geometry_format(frame: gpd.GeoDataFrame) -> str:
    types = set(frame.geom_type.dropna())
    return GEOMETRY_FORMATS[types.pop()] if len(types) == 1 and next(iter(types)) in GEOMETRY_FORMATS \
        else "geometry-any"


def queryables_schema(schema: dict[str, str], geometry: str, title: str, schema_id: str) -> dict:
    """The JSON Schema of the queryables (OGC API – Features Part 3) of a layer's property types."""
    props: dict[str, dict] = {"geometry": {"title": "geometry", "format": geometry, "x-ogc-role": "primary-geometry"}}
    for name, kind in schema.items():
        props[name] = {"title": name, "type": kind}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "type": "object",
            "title": title, "properties": props, "additionalProperties": False}


def typed_value(kind: str, name: str, raw: str):
    """The value of `property=value` in the property's type (numbers read strictly, within 64-bit integers)."""
    if kind == "integer":
        return parse_int(name, raw)
    if kind == "number":
        return parse_number(name, raw)
    if kind == "boolean":
        return raw.lower() in ("true", "1")
    return raw


def equality_mask(frame: gpd.GeoDataFrame, name: str, raw: str, schema: dict[str, str]) -> np.ndarray:
    """Rows whose property `name` equals `raw` (converted to the column's type)."""
    value = typed_value(schema[name], name, raw)
    return (frame[name] == value).fillna(False).to_numpy(dtype=bool)


def filter_properties(node: ast.Node) -> set[str]:
    return {n.name for n in walk(node) if isinstance(n, ast.Attribute)}


def check_filter(node: ast.Node, schema: dict[str, str], geometry_name: str = "geometry") -> None:
    """Every property the filter names must be a queryable of the layer (its schema) or its geometry."""
    known = set(schema) | {"geometry", geometry_name}
    unknown = sorted(filter_properties(node) - known)
    if unknown:
        raise InvalidParameterError("filter", f"unknown queryable(s): {', '.join(unknown[:10])}")


def parse_sortby(names: tuple[str, ...] | None, schema: dict[str, str]) -> tuple[SortKey, ...]:
    """`sortby=name,-year` (+ ascending, - descending) on queryable properties."""
    keys = []
    for part in names or ():
        name = part.lstrip("+-").strip()
        if name not in schema:
            raise InvalidParameterError("sortby", f"'{name[:60]}' is not a sortable property")
        keys.append(SortKey(name, not part.startswith("-")))
    return tuple(keys)


def sort_frame(frame: gpd.GeoDataFrame, keys: tuple[SortKey, ...]) -> gpd.GeoDataFrame:
    """Sorted by the keys, ties broken by feature id so paging stays stable."""
    if not keys:
        return frame
    by = [k.name for k in keys] + ["feature_id"]
    ascending = [k.ascending for k in keys] + [True]
    return frame.sort_values(by=by, ascending=ascending, kind="stable", na_position="last")
