"""One items query as SQL, written once for every engine: a CQL2 tree translated to a WHERE clause, property
equalities, nulls-last sort keys with the feature id as the last key, stable paging and the matched count — over a
`Dialect` that says how its engine binds parameters, writes booleans, reads geometries and tests space. The
semantics are those of the in-memory evaluator (geo/query/cql2.py): two-valued (a predicate on NULL is false, also
under NOT), case-sensitive LIKE, division as real division, values compared only with properties of their type."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from pygeofilter import ast, values

from geo.core.errors import InvalidParameterError
from geo.core.numbers import INT64
from geo.query.cql2 import operands
from geo.query.filters import SortKey, typed_value

LOGGER = logging.getLogger(__name__)
COMPARE = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
ARITHMETIC = {"+": "+", "-": "-", "*": "*", "/": "/"}
TYPE_ERROR = "cannot be evaluated on this collection (compare properties with values of their type)"
SPATIAL_OPS = ("INTERSECTS", "DISJOINT", "CONTAINS", "WITHIN", "TOUCHES", "CROSSES", "OVERLAPS", "EQUALS")


def quote(name: str) -> str:
    """An SQL identifier, double-quoted (the same in SQLite and PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class SqlFilter:
    """A WHERE clause and its parameters."""

    sql: str
    params: list = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    """A layer's table as a query reads it: its SQL name, geometry column, property types and spatial index."""

    name: str  # quoted, schema-qualified where the engine has schemas
    geometry: str
    schema: dict[str, str]
    index: str | None = None  # the GeoPackage R-tree (quoted); None where the engine indexes geometries itself


class Dialect(ABC):
    """What differs between the engines' SQL; everything else about a query is written once, here."""

    placeholder: str = "?"
    false: str = "0"

    @abstractmethod
    def spatial(self, op: str, column: str, literal: shapely.Geometry, table: Table, bind: Callable) -> str:
        """An exact spatial predicate of the column and a literal geometry, using the table's index."""

    @abstractmethod
    def bbox(self, column: str, bbox: tuple[float, float, float, float], table: Table) -> tuple[SqlFilter, SqlFilter]:
        """Features whose geometry intersects a CRS84 bbox: a join to the spatial index (empty where none is needed)
        and a condition."""

    @abstractmethod
    def geometry_out(self, column: str) -> str:
        """The select expression of a geometry column."""

    @abstractmethod
    def geometries(self, blobs: Sequence[bytes | None]) -> np.ndarray:
        """Shapely geometries of what `geometry_out` selected."""

    def division(self, lhs: str, rhs: str) -> str:
        return f"(CAST({lhs} AS REAL) / {rhs})"


class Cql2Translator:
    """A checked CQL2 tree (geo/query/cql2.py) as a WHERE clause with bound parameters only."""

    def __init__(self, dialect: Dialect, table: Table, prefix: str = ""):
        self.dialect, self.table, self.prefix = dialect, table, prefix
        self.schema = table.schema
        self.params: list = []

    def bind(self, value) -> str:
        self.params.append(value)
        return self.dialect.placeholder

    def two_valued(self, sql: str) -> str:
        return f"COALESCE(({sql}), {self.dialect.false})"

    def predicate(self, node) -> str:  # noqa: C901 - one branch per node kind keeps the dispatch in one place
        if isinstance(node, ast.And):
            return "(" + " AND ".join(self.predicate(n) for n in operands(node, ast.And)) + ")"
        if isinstance(node, ast.Or):
            return "(" + " OR ".join(self.predicate(n) for n in operands(node, ast.Or)) + ")"
        if isinstance(node, ast.Not):
            return f"(NOT {self.predicate(node.sub_node)})"
        if isinstance(node, ast.Comparison):
            lhs, rhs = self.typed_pair(node.lhs, node.rhs)
            return self.two_valued(f"{lhs} {COMPARE[node.op.value]} {rhs}")
        if isinstance(node, ast.Between):
            lhs, low = self.typed_pair(node.lhs, node.low)
            _, high = self.typed_pair(node.lhs, node.high)
            return self.two_valued(f"{lhs} {'NOT ' if node.not_ else ''}BETWEEN {low} AND {high}")
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.In):
            lhs = self.scalar(node.lhs)
            items = ", ".join(self.typed_pair(node.lhs, item)[1] for item in node.sub_nodes)
            return self.two_valued(f"{lhs} {'NOT ' if node.not_ else ''}IN ({items})")
        if isinstance(node, ast.IsNull):
            return f"({self.scalar(node.lhs)} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.SpatialComparisonPredicate):
            return self.spatial(node.op.name, node.lhs, node.rhs)
        if isinstance(node, ast.BBox):
            return self.spatial("INTERSECTS", node.lhs, values.Envelope(node.minx, node.maxx, node.miny, node.maxy))
        if isinstance(node, bool):
            return "(1 = 1)" if node else "(1 = 0)"
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
        if len(kinds) > 1 and not kinds <= {"integer", "number"}:
            raise InvalidParameterError("filter", TYPE_ERROR)
        return self.scalar(lhs), self.scalar(rhs)

    def scalar(self, node) -> str:
        if isinstance(node, ast.Attribute):
            if node.name not in self.schema:
                raise InvalidParameterError("filter", f"unknown queryable(s): {node.name}")
            return self.prefix + quote(node.name)
        if isinstance(node, ast.Arithmetic):
            lhs, rhs = self.scalar(node.lhs), self.scalar(node.rhs)
            if not {self.kind(node.lhs), self.kind(node.rhs)} <= {"integer", "number", None}:
                raise InvalidParameterError("filter", TYPE_ERROR)
            if node.op.value == "/":
                return self.dialect.division(lhs, rhs)
            return f"({lhs} {ARITHMETIC[node.op.value]} {rhs})"
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) > INT64:
            raise InvalidParameterError("filter", f"{node} is beyond the 64-bit integers the collections store")
        if node is None or isinstance(node, (str, int, float, bool)):
            return self.bind(node)
        raise InvalidParameterError("filter", f"{type(node).__name__} is not supported here")

    def like(self, node) -> str:
        if self.kind(node.lhs) != "string" or not isinstance(node.pattern, str):
            raise InvalidParameterError("filter", "LIKE needs a text property and a text pattern")
        lhs, pattern = self.scalar(node.lhs), self.bind(node.pattern)
        if node.nocase:
            lhs, pattern = f"LOWER({lhs})", f"LOWER({pattern})"
        escape = self.bind(node.escapechar or "\\")
        return self.two_valued(f"{lhs} {'NOT ' if node.not_ else ''}LIKE {pattern} ESCAPE {escape}")

    @staticmethod
    def geometry_literal(node) -> shapely.Geometry:
        if isinstance(node, values.Geometry):
            return shapely.geometry.shape(node.geometry)
        if isinstance(node, values.Envelope):
            return shapely.box(node.x1, node.y1, node.x2, node.y2)
        if isinstance(node, ast.Function) and node.name.lower() == "bbox" and len(node.arguments) >= 4:
            return shapely.box(*node.arguments[:4])
        raise InvalidParameterError("filter", "spatial predicates compare the geometry with a geometry literal")

    def is_geometry(self, node) -> bool:
        return isinstance(node, ast.Attribute) and node.name in ("geometry", self.table.geometry)

    def spatial(self, op: str, lhs, rhs) -> str:
        if not self.is_geometry(lhs):
            lhs, rhs = rhs, lhs
            op = {"WITHIN": "CONTAINS", "CONTAINS": "WITHIN"}.get(op, op)
        if not self.is_geometry(lhs):
            raise InvalidParameterError("filter", "spatial predicates compare the geometry with a geometry literal")
        column = self.prefix + quote(self.table.geometry)
        return self.dialect.spatial(op, column, self.geometry_literal(rhs), self.table, self.bind)


def translate(root, dialect: Dialect, table: Table, prefix: str = "") -> SqlFilter:
    """The WHERE clause of a checked CQL2 tree over a table (columns written with `prefix`, e.g. an alias)."""
    translator = Cql2Translator(dialect, table, prefix)
    return SqlFilter(translator.predicate(root), translator.params)


@dataclass
class SelectQuery:
    """One items query of a table: the statement of a page and of the matched count (bound parameters only)."""

    dialect: Dialect
    table: Table
    bbox: tuple[float, float, float, float] | None = None
    equals: tuple[tuple[str, str], ...] = ()
    filter: object = None
    sortby: tuple[SortKey, ...] = ()
    properties: tuple[str, ...] | None = None
    feature_id: str | None = None

    def __post_init__(self) -> None:
        self.where: list[str] = []
        self.params: list = []
        self.join, self.join_params = "", []
        d, t = self.dialect, self.table
        if self.bbox is not None:
            join, condition = d.bbox("t." + quote(t.geometry), self.bbox, t)
            self.join, self.join_params = join.sql, join.params
            self._add(condition.sql, condition.params)
        if self.feature_id is not None:
            self._add(f"t.feature_id = {d.placeholder}", [self.feature_id])
        for name, raw in self.equals:
            self._add(f"COALESCE((t.{quote(name)} = {d.placeholder}), {d.false})", [typed_value(t.schema[name], name, raw)])
        if self.filter is not None:
            clause = translate(self.filter, d, t, prefix="t.")
            self._add(clause.sql, clause.params)

    def _add(self, sql: str, params: list) -> None:
        self.where.append(sql)
        self.params.extend(params)

    @property
    def filtered(self) -> bool:
        return bool(self.where)

    def _source(self) -> str:
        return f"{self.table.name} t{self.join}"

    def columns(self) -> list[str]:
        """The property columns of the answer (besides feature_id and the geometry)."""
        return list(self.table.schema) if self.properties is None else list(self.properties)

    def _where(self) -> str:
        return (" WHERE " + " AND ".join(self.where)) if self.where else ""

    def _order(self) -> str:
        keys = [f"(t.{quote(k.name)} IS NULL), t.{quote(k.name)} {'ASC' if k.ascending else 'DESC'}"
                for k in self.sortby]
        return " ORDER BY " + ", ".join([*keys, "t.feature_id"])

    def page(self, limit: int | None, offset: int) -> tuple[str, list]:
        """The page's statement: feature_id, the properties, the geometry; ordered, limited."""
        p = self.dialect.placeholder
        columns = ", ".join(["t.feature_id", *(f"t.{quote(c)}" for c in self.columns()),
                             self.dialect.geometry_out("t." + quote(self.table.geometry))])
        paging = (f" LIMIT {p}" if limit is not None else "") + f" OFFSET {p}"
        sql = f"SELECT {columns} FROM {self._source()}{self._where()}{self._order()}{paging}"
        return sql, [*self.join_params, *self.params, *([limit] if limit is not None else []), offset]

    def count(self) -> tuple[str, list]:
        return f"SELECT COUNT(*) FROM {self._source()}{self._where()}", [*self.join_params, *self.params]


def matched(limit: int | None, offset: int, returned: int, count: Callable[[], int]) -> int:
    """Features matched: known from the page when it ends before its limit, else counted."""
    if (limit is None or returned < limit) and (returned or offset == 0):
        return offset + returned
    return count()


def check_types(root, schema: dict[str, str], dialect: Dialect) -> None:
    """Refuse comparisons of a property with a value (or property) of another type, before any SQL runs."""
    Cql2Translator(dialect, Table("t", "geometry", schema)).predicate(root)
