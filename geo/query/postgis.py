"""The PostGIS dialect of a query: psycopg's `%s` parameters, SQL booleans, geometries read as WKB, and spatial
predicates on the GiST index (`&&`) with the exact ST_ function — the same answers as the SQLite dialect and the
in-memory path."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import shapely

from geo.query.sql import Dialect, SqlFilter, Table

LOGGER = logging.getLogger(__name__)
ST = {"INTERSECTS": "ST_Intersects", "DISJOINT": "ST_Disjoint", "CONTAINS": "ST_Contains", "WITHIN": "ST_Within",
      "TOUCHES": "ST_Touches", "CROSSES": "ST_Crosses", "OVERLAPS": "ST_Overlaps", "EQUALS": "ST_Equals"}


class PostGISDialect(Dialect):
    """PostgreSQL with PostGIS (geometry columns in EPSG:4326)."""

    placeholder = "%s"
    false = "false"

    def spatial(self, op: str, column: str, literal: shapely.Geometry, table: Table, bind: Callable) -> str:
        geometry = f"ST_GeomFromWKB({bind(shapely.to_wkb(literal))}, 4326)"
        if op == "DISJOINT":  # as the SQLite dialect: a feature without a geometry is disjoint from anything
            return f"COALESCE(NOT ST_Intersects({column}, {geometry}), true)"
        return f"COALESCE({ST[op]}({column}, {geometry}), false)"  # the ST_ functions use the GiST index

    def bbox(self, column: str, bbox: tuple[float, float, float, float], table: Table) -> tuple[SqlFilter, SqlFilter]:
        envelope = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        return SqlFilter(""), SqlFilter(f"({column} && {envelope} AND ST_Intersects({column}, {envelope}))",
                                        [*bbox, *bbox])

    def geometry_out(self, column: str) -> str:
        return f"ST_AsBinary({column})"

    def geometries(self, blobs: Sequence[bytes | None]) -> np.ndarray:
        return shapely.from_wkb([None if b is None else bytes(b) for b in blobs])

    def division(self, lhs: str, rhs: str) -> str:
        return f"(CAST({lhs} AS double precision) / {rhs})"
