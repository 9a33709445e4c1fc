"""CQL2 (a checked pygeofilter tree, geo/cql2.py) translated to SQLite SQL with bound parameters only, for the
layers queried where they are stored. The semantics are those of the in-memory evaluator: two-valued (a predicate
on NULL is false, also under NOT), case-sensitive LIKE, values compared only with properties of their type, and
spatial predicates exact (an R-tree envelope test, then shapely on the candidates through an SQL function)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import shapely
from pygeofilter import ast, values

from geo.cql2 import operands
from geo.errors import InvalidParameterError
from geo.gpkg import quote, wkb_of
from geo.numbers import INT64

LOGGER = logging.getLogger(__name__)
SPATIAL_FUNCTION = "cql_spatial"
_COMPARE = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITHMETIC = {"+": "+", "-": "-", "*": "*", "/": "/"}
_TYPES = {"string": str, "integer": (int, float), "number": (int, float), "boolean": bool}
_SHAPELY = {"INTERSECTS": shapely.intersects, "DISJOINT": shapely.disjoint, "CONTAINS": shapely.contains,
            "WITHIN": shapely.within, "TOUCHES": shapely.touches, "CROSSES": shapely.crosses,
            "OVERLAPS": shapely.overlaps, "EQUALS": shapely.equals}
_TYPE_ERROR = "cannot be evaluated on this collection (compare properties with values of their type)"


@lru_cache(maxsize=64)
def _literal(wkb: bytes) -> shapely.Geometry:
    geom = shapely.from_wkb(wkb)
    shapely.prepare(geom)
    return geom


def spatial_predicate(op: str, blob: bytes | None, wkb: bytes) -> int:
    """The SQL function behind spatial predicates: op(feature geometry, literal geometry) as 0/1."""
    if blob is None:
        return 0
    return int(bool(_SHAPELY[op](shapely.from_wkb(wkb_of(blob)), _literal(wkb))))


@dataclass
class SqlFilter:
    """A WHERE clause and its parameters."""

    sql: str
    params: list = field(default_factory=list)


class _Translator:
    def __init__(self, schema: dict[str, str], geometry: str, rtree: str, prefix: str = ""):
        self.schema, self.geometry, self.rtree, self.prefix = schema, geometry, rtree, prefix
        self.params: list = []

    def bind(self, value) -> str:
        self.params.append(value)
        return "?"

    def predicate(self, node) -> str:  # noqa: C901 - one branch per node kind keeps the dispatch in one place
        if isinstance(node, ast.And):
            return "(" + " AND ".join(self.predicate(n) for n in operands(node, ast.And)) + ")"
        if isinstance(node, ast.Or):
            return "(" + " OR ".join(self.predicate(n) for n in operands(node, ast.Or)) + ")"
        if isinstance(node, ast.Not):
            return f"(NOT {self.predicate(node.sub_node)})"
        if isinstance(node, ast.Comparison):
            lhs, rhs = self.typed_pair(node.lhs, node.rhs)
            return f"COALESCE(({lhs} {_COMPARE[node.op.value]} {rhs}), 0)"
        if isinstance(node, ast.Between):
            lhs, low = self.typed_pair(node.lhs, node.low)
            _, high = self.typed_pair(node.lhs, node.high)
            return f"COALESCE(({lhs} {'NOT ' if node.not_ else ''}BETWEEN {low} AND {high}), 0)"
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.In):
            lhs = self.scalar(node.lhs)
            items = ", ".join(self.typed_pair(node.lhs, item)[1] for item in node.sub_nodes)
            return f"COALESCE(({lhs} {'NOT ' if node.not_ else ''}IN ({items})), 0)"
        if isinstance(node, ast.IsNull):
            return f"({self.scalar(node.lhs)} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.SpatialComparisonPredicate):
            return self.spatial(node.op.name, node.lhs, node.rhs)
        if isinstance(node, ast.BBox):
            return self.spatial("INTERSECTS", node.lhs, values.Envelope(node.minx, node.maxx, node.miny, node.maxy))
        if isinstance(node, bool):
            return "1" if node else "0"
        raise InvalidParameterError("filter", f"{type(node).__name__} is not supported")

    def kind(self, node) -> str | None:
        """The JSON Schema type of an attribute or literal (None for NULL)."""
        if isinstance(node, ast.Attribute):
            return self.schema.get(node.name)
        if isinstance(node, ast.Arithmetic):
            return "number"
        if isinstance(node, bool):
            return "boolean"
        if isinstance(node, (int, float)):
            return "number"
        if isinstance(node, str):
            return "string"
        return None

    def typed_pair(self, lhs, rhs) -> tuple[str, str]:
        kinds = {self.kind(lhs), self.kind(rhs)} - {None}
        numeric = {"integer", "number"}
        if len(kinds) > 1 and not kinds <= numeric:
            raise InvalidParameterError("filter", _TYPE_ERROR)
        return self.scalar(lhs), self.scalar(rhs)

    def scalar(self, node) -> str:
        if isinstance(node, ast.Attribute):
            if node.name not in self.schema:
                raise InvalidParameterError("filter", f"unknown queryable(s): {node.name}")
            return self.prefix + quote(node.name)
        if isinstance(node, ast.Arithmetic):
            lhs, rhs = self.scalar(node.lhs), self.scalar(node.rhs)
            if not {self.kind(node.lhs), self.kind(node.rhs)} <= {"integer", "number", None}:
                raise InvalidParameterError("filter", _TYPE_ERROR)
            return f"({lhs} {_ARITHMETIC[node.op.value]} {rhs})"
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) > INT64:
            raise InvalidParameterError("filter", f"{node} is beyond the 64-bit integers the collections store")
        if node is None or isinstance(node, (str, int, float, bool)):
            return self.bind(node)
        raise InvalidParameterError("filter", f"{type(node).__name__} is not supported here")

    def like(self, node) -> str:
        if self.kind(node.lhs) != "string" or not isinstance(node.pattern, str):
            raise InvalidParameterError("filter", "LIKE needs a text property and a text pattern")
        lhs, pattern = self.scalar(node.lhs), self.bind(node.pattern)
        escape = node.escapechar or "\\"
        if node.nocase:
            lhs, pattern = f"LOWER({lhs})", f"LOWER({pattern})"
        return f"COALESCE(({lhs} {'NOT ' if node.not_ else ''}LIKE {pattern} ESCAPE {self.bind(escape)}), 0)"

    def geometry_literal(self, node) -> shapely.Geometry:
        if isinstance(node, values.Geometry):
            return shapely.geometry.shape(node.geometry)
        if isinstance(node, values.Envelope):
            return shapely.box(node.x1, node.y1, node.x2, node.y2)
        if isinstance(node, ast.Function) and node.name.lower() == "bbox" and len(node.arguments) >= 4:
            return shapely.box(*node.arguments[:4])
        raise InvalidParameterError("filter", "spatial predicates compare the geometry with a geometry literal")

    def spatial(self, op: str, lhs, rhs) -> str:
        if not (isinstance(lhs, ast.Attribute) and lhs.name in ("geometry", self.geometry)):
            lhs, rhs = rhs, lhs
            op = {"WITHIN": "CONTAINS", "CONTAINS": "WITHIN"}.get(op, op)
        if not (isinstance(lhs, ast.Attribute) and lhs.name in ("geometry", self.geometry)):
            raise InvalidParameterError("filter", "spatial predicates compare the geometry with a geometry literal")
        literal = self.geometry_literal(rhs)
        minx, miny, maxx, maxy = literal.bounds
        geom, fid = self.prefix + quote(self.geometry), self.prefix + "fid"
        envelope = self.envelope_query(minx, miny, maxx, maxy)  # parameters bind in the order the SQL names them
        exact = f"{SPATIAL_FUNCTION}({self.bind(op)}, {geom}, {self.bind(shapely.to_wkb(literal))})"
        if op == "DISJOINT":
            return f"(NOT ({fid} IN ({envelope})) OR {exact})"
        return f"({fid} IN ({envelope}) AND {exact})"

    def envelope_query(self, minx: float, miny: float, maxx: float, maxy: float) -> str:
        return (f"SELECT id FROM {self.rtree} WHERE minx <= {self.bind(maxx)} AND maxx >= {self.bind(minx)} "
                f"AND miny <= {self.bind(maxy)} AND maxy >= {self.bind(miny)}")


def translate(root, schema: dict[str, str], geometry: str, rtree: str, prefix: str = "") -> SqlFilter:
    """The WHERE clause of a checked CQL2 tree over a table with this schema, geometry column and R-tree (columns
    written with `prefix`, e.g. a table alias)."""
    translator = _Translator(schema, geometry, rtree, prefix)
    return SqlFilter(translator.predicate(root), translator.params)


def check_types(root, schema: dict[str, str]) -> None:
    """Refuse comparisons of a property with a value (or property) of another type, as every path does."""
    _Translator(schema, "geometry", "rtree").predicate(root)


SQL_FUNCTIONS: dict[str, tuple[int, Callable]] = {SPATIAL_FUNCTION: (3, spatial_predicate)}
