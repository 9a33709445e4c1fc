"""GeoJSON sent by clients (a geometry, Feature or FeatureCollection in WGS84 lon/lat), checked structurally before
shapely sees it: every object, type and coordinate array is what RFC 7946 says, the vertex count is within the
limit and coordinates are finite lon/lat. Errors name where in the document the problem is."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import shapely

from geo.core.errors import InvalidGeometryError, TooLargeError
from geo.core.limits import MAX_VERTICES, MAX_ZONES

LOGGER = logging.getLogger(__name__)
# GeoJSON geometry type -> nesting depth of its coordinates (0: a position)
COORDINATE_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                    "MultiPolygon": 3}
POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class InputFeature:
    """One feature of the input: its id and properties (as sent) and its shapely geometry (lon/lat)."""

    id: str | int | None
    properties: dict
    geometry: shapely.Geometry


class _Counter:
    """Counts positions across a document and refuses past the vertex limit."""

    def __init__(self, limit: int):
        self.limit, self.count = limit, 0

    def add(self, n: int) -> None:
        self.count += n
        if self.count > self.limit:
            raise TooLargeError(f"the body has more than {self.limit:,} vertices; the limit is {self.limit:,}")


def _position(value: object, where: str) -> None:
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3) or \
            not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise InvalidGeometryError(f"{where}: a position must be [lon, lat] (or [lon, lat, height]) numbers")
    lon, lat = value[0], value[1]
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidGeometryError(f"{where}: [{lon}, {lat}] is not WGS84 lon/lat within [-180, 180] × [-90, 90] "
                                   "(lon first)")


def _coordinates(value: object, depth: int, where: str, counter: _Counter) -> None:
    """Check nested coordinate arrays iteratively (depth 0 is one position)."""
    stack = [(value, depth, where)]
    while stack:
        item, level, path = stack.pop()
        if level == 0:
            _position(item, path)
            continue
        if not isinstance(item, (list, tuple)):
            raise InvalidGeometryError(f"{path}: must be an array")
        if level == 1:
            counter.add(len(item))
        stack.extend((sub, level - 1, f"{path}[{i}]") for i, sub in enumerate(item))


def parse_geometry(obj: object, where: str, counter: _Counter) -> shapely.Geometry:
    """One GeoJSON geometry object (GeometryCollection excluded) as a shapely geometry."""
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise InvalidGeometryError(f"{where}: not a GeoJSON geometry object (needs 'type' and 'coordinates')")
    kind = obj["type"]
    if kind not in COORDINATE_DEPTH:
        raise InvalidGeometryError(f"{where}: type '{kind[:40]}' is not one of {', '.join(COORDINATE_DEPTH)}")
    if kind == "Point":
        counter.add(1)
    _coordinates(obj.get("coordinates"), COORDINATE_DEPTH[kind], f"{where}.coordinates", counter)
    try:
        geom = shapely.geometry.shape(obj)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
        LOGGER.debug("shape(%s) failed: %r", where, exc)
        raise InvalidGeometryError(f"{where}: the coordinates do not form a {kind} (rings need 4 or more "
                                   "positions, lines 2 or more)") from None
    if geom.is_empty:
        raise InvalidGeometryError(f"{where}: the geometry is empty")
    return geom


def _feature(obj: object, where: str, counter: _Counter) -> InputFeature:
    if not isinstance(obj, dict) or obj.get("type") != "Feature":
        raise InvalidGeometryError(f"{where}: not a GeoJSON Feature")
    props = obj.get("properties")
    if props is not None and not isinstance(props, dict):
        raise InvalidGeometryError(f"{where}.properties: must be an object or null")
    fid = obj.get("id")
    if isinstance(fid, bool) or (fid is not None and not isinstance(fid, (str, int))):
        raise InvalidGeometryError(f"{where}.id: must be a string or a number")
    return InputFeature(fid, props or {}, parse_geometry(obj.get("geometry"), f"{where}.geometry", counter))


def parse_features(doc: object, max_vertices: int = MAX_VERTICES, max_features: int = MAX_ZONES) -> list[InputFeature]:
    """The features of a GeoJSON geometry, Feature or FeatureCollection, checked and within the limits."""
    counter = _Counter(max_vertices)
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
        raise InvalidGeometryError("body: must be a GeoJSON object (geometry, Feature or FeatureCollection)")
    if doc["type"] == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list) or not features:
            raise InvalidGeometryError("body.features: a FeatureCollection needs an array of one or more features")
        if len(features) > max_features:
            raise TooLargeError(f"body.features: {len(features):,} features; the limit is {max_features:,}")
        return [_feature(f, f"body.features[{i}]", counter) for i, f in enumerate(features)]
    if doc["type"] == "Feature":
        return [_feature(doc, "body", counter)]
    return [InputFeature(None, {}, parse_geometry(doc, "body", counter))]


def require_polygonal(features: list[InputFeature]) -> None:
    """Refuse features without area, naming the first one."""
    for i, feature in enumerate(features):
        if feature.geometry.geom_type not in POLYGONAL:
            raise InvalidGeometryError(f"feature {i}: type {feature.geometry.geom_type} has no area; "
                                       "use Polygon or MultiPolygon")


# the fewest positions of a geometry's innermost coordinate arrays: a line's 2, a ring's 4 (closed: its first and
# last position the same, which a schema cannot state), a multipoint's 1
MIN_POSITIONS = {"MultiPoint": 1, "LineString": 2, "MultiLineString": 2, "Polygon": 4, "MultiPolygon": 4}


def _coordinates_schema(kind: str) -> dict:
    """JSON Schema of a geometry's coordinates: positions of 2 or 3 numbers within [-180, 180] (the latitude's
    [-90, 90] and lon-first order are the parser's to say), nested as the kind nests them."""
    schema: dict = {"type": "array", "minItems": 2, "maxItems": 3,
                    "items": {"type": "number", "minimum": -180, "maximum": 180}}
    for level in range(COORDINATE_DEPTH[kind]):
        schema = {"type": "array", "minItems": MIN_POSITIONS[kind] if level == 0 else 1, "items": schema}
    return schema


def geometry_schema(kinds: tuple[str, ...] = tuple(COORDINATE_DEPTH)) -> dict:
    """JSON Schema (OpenAPI 3.0) of the geometries `parse_geometry` accepts: one of the kinds, with its coordinates."""
    return {"oneOf": [{"type": "object", "required": ["type", "coordinates"],
                       "properties": {"type": {"type": "string", "enum": [kind]},
                                      "coordinates": _coordinates_schema(kind)}}
                      for kind in kinds]}


def body_schema(kinds: tuple[str, ...] = tuple(COORDINATE_DEPTH)) -> dict:
    """JSON Schema (OpenAPI 3.0) of the documents `parse_features` accepts: a geometry of the kinds, a Feature with
    one, or a FeatureCollection of them — the parser's rules stated where a schema can. The size limits (features,
    vertices, bytes) are the body's description's to state: beyond them the answer is 413, not 400."""
    feature = {"type": "object", "required": ["type", "geometry"],
               "properties": {"type": {"type": "string", "enum": ["Feature"]}, "geometry": geometry_schema(kinds),
                              "properties": {"type": "object", "nullable": True},
                              "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}}
    collection = {"type": "object", "required": ["type", "features"],
                  "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                                 "features": {"type": "array", "minItems": 1, "items": feature}}}
    return {"oneOf": [*geometry_schema(kinds)["oneOf"], feature, collection]}
