"""Attribute and spatial filtering of a layer: queryables, property equality, CQL2 (text and JSON, parsed
by pygeofilter) and sort keys. Pure functions on GeoDataFrames; errors name the request parameter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pygeofilter import ast
from pygeofilter.backends.geopandas.evaluate import to_filter
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from geo.errors import InvalidParameterError

FILTER_LANGS = ("cql2-text", "cql2-json")
GEOMETRY_FORMATS = {"Point": "geometry-point", "MultiPoint": "geometry-multipoint",
                    "LineString": "geometry-linestring", "MultiLineString": "geometry-multilinestring",
                    "Polygon": "geometry-polygon", "MultiPolygon": "geometry-multipolygon"}
HIDDEN = ("feature_id",)
# CQL2 text's BBOX(minx, miny, maxx, maxy) reaches the evaluator as a function call.
FUNCTIONS = {"bbox": lambda *bounds: shapely.box(*bounds[:4])}


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


def queryables_schema(frame: gpd.GeoDataFrame, title: str, schema_id: str) -> dict:
    """The JSON Schema of the queryables (OGC API – Features Part 3)."""
    props: dict[str, dict] = {"geometry": {"title": "geometry", "format": geometry_format(frame),
                                           "x-ogc-role": "primary-geometry"}}
    for name, kind in property_types(frame).items():
        props[name] = {"title": name, "type": kind}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "type": "object",
            "title": title, "properties": props, "additionalProperties": False}


def _typed_value(kind: str, name: str, raw: str):
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        raise InvalidParameterError(name, f"'{raw}' is not a {kind}") from None
    if kind == "boolean":
        return raw.lower() in ("true", "1")
    return raw


def equality_mask(frame: gpd.GeoDataFrame, name: str, raw: str) -> np.ndarray:
    """Rows whose property `name` equals `raw` (converted to the column's type)."""
    kind = property_types(frame)[name]
    value = _typed_value(kind, name, raw)
    return (frame[name] == value).fillna(False).to_numpy(dtype=bool)


def parse_filter(text: str, lang: str | None) -> ast.Node:
    """A CQL2 filter (text or JSON) as a pygeofilter AST; malformed input raises on `filter`."""
    lang = lang or ("cql2-json" if text.lstrip().startswith("{") else "cql2-text")
    if lang not in FILTER_LANGS:
        raise InvalidParameterError("filter-lang", f"'{lang}' is not one of {', '.join(FILTER_LANGS)}")
    try:
        node = parse_cql2_json(json.loads(text)) if lang == "cql2-json" else parse_cql2_text(text)
    except Exception as exc:  # the parsers raise lark, JSON and their own errors
        raise InvalidParameterError("filter", f"not valid {lang}: {str(exc).splitlines()[0][:200]}") from None
    return _cql2_like(node)


def _cql2_like(node: ast.Node) -> ast.Node:
    """CQL2 LIKE patterns use `_` for one character (pygeofilter 0.4 defaults to `.`, as in ECQL)."""
    for sub in _walk(node):
        if isinstance(sub, ast.Like):
            sub.singlechar = "_"
    return node


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "get_sub_nodes", lambda: [])() or []:
        if isinstance(child, list):
            for item in child:
                yield from _walk(item)
        else:
            yield from _walk(child)


def filter_properties(node: ast.Node) -> set[str]:
    return {n.name for n in _walk(node) if isinstance(n, ast.Attribute)}


def check_filter(node: ast.Node, frame: gpd.GeoDataFrame) -> None:
    """Every property the filter names must be a queryable of the layer."""
    known = set(property_types(frame)) | {"geometry", frame.geometry.name}
    unknown = sorted(filter_properties(node) - known)
    if unknown:
        raise InvalidParameterError("filter", f"unknown queryable(s): {', '.join(unknown)}")


def filter_mask(frame: gpd.GeoDataFrame, node: ast.Node) -> np.ndarray:
    """Rows of the frame the filter selects."""
    mapping = {str(c): str(c) for c in frame.columns} | {"geometry": frame.geometry.name}
    try:
        result = to_filter(frame, node, mapping, FUNCTIONS)
    except (TypeError, ValueError, KeyError) as exc:
        raise InvalidParameterError("filter", f"cannot be evaluated: {exc}") from None
    return pd.Series(result, index=frame.index).fillna(False).to_numpy(dtype=bool)


def parse_sortby(raw: str | None, frame: gpd.GeoDataFrame) -> tuple[SortKey, ...]:
    """`sortby=name,-year` (+ ascending, - descending) on queryable properties."""
    if raw is None or raw.strip() == "":
        return ()
    known = property_types(frame)
    keys = []
    for part in raw.split(","):
        part = part.strip()
        name = part.lstrip("+-").strip()
        if name not in known:
            raise InvalidParameterError("sortby", f"'{name}' is not a sortable property")
        keys.append(SortKey(name, not part.startswith("-")))
    return tuple(keys)


def sort_frame(frame: gpd.GeoDataFrame, keys: tuple[SortKey, ...]) -> gpd.GeoDataFrame:
    """Sorted by the keys, ties broken by feature id so paging stays stable."""
    if not keys:
        return frame
    by = [k.name for k in keys] + ["feature_id"]
    ascending = [k.ascending for k in keys] + [True]
    return frame.sort_values(by=by, ascending=ascending, kind="stable", na_position="last")
