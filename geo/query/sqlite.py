"""The SQLite dialect of a query over a GeoPackage table: `?` parameters, 0/1 booleans, GeoPackage geometry blobs,
and spatial predicates that are exact — an R-tree envelope test, then shapely on the candidates through an SQL
function registered on every connection (SQL_FUNCTIONS)."""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import shapely

from geo.query.sql import Dialect, SqlFilter, Table

LOGGER = logging.getLogger(__name__)
SPATIAL_FUNCTION = "cql_spatial"
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}  # GeoPackage geometry header: envelope indicator -> size
_SHAPELY = {"INTERSECTS": shapely.intersects, "DISJOINT": shapely.disjoint, "CONTAINS": shapely.contains,
            "WITHIN": shapely.within, "TOUCHES": shapely.touches, "CROSSES": shapely.crosses,
            "OVERLAPS": shapely.overlaps, "EQUALS": shapely.equals}


def wkb_of(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob (after the 'GP' header and its envelope)."""
    return blob[8 + ENVELOPE_BYTES[(blob[3] >> 1) & 7]:]


def geometries(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries of GeoPackage blobs (None stays None), decoded in one call."""
    return shapely.from_wkb([None if b is None else wkb_of(b) for b in blobs])


def gpkg_blob(geometry, srs_id: int = 4326) -> bytes | None:
    """A GeoPackage geometry blob: the 'GP' header (version 0, little endian, xy envelope) and the WKB."""
    if geometry is None:
        return None
    if geometry.is_empty:
        return b"GP\x00\x11" + struct.pack("<i", srs_id) + shapely.to_wkb(geometry, byte_order=1)
    minx, miny, maxx, maxy = geometry.bounds
    return b"GP\x00\x03" + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy) + shapely.to_wkb(geometry, byte_order=1)


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


SQL_FUNCTIONS: dict[str, tuple[int, Callable]] = {SPATIAL_FUNCTION: (3, spatial_predicate)}


class SQLiteDialect(Dialect):
    """SQLite over GeoPackage tables (their R-tree: `Table.index`)."""

    placeholder = "?"
    false = "0"

    def envelope_ids(self, table: Table, bounds: tuple[float, float, float, float], bind: Callable) -> str:
        minx, miny, maxx, maxy = bounds
        return (f"SELECT id FROM {table.index} WHERE minx <= {bind(maxx)} AND maxx >= {bind(minx)} "
                f"AND miny <= {bind(maxy)} AND maxy >= {bind(miny)}")

    def spatial(self, op: str, column: str, literal: shapely.Geometry, table: Table, bind: Callable) -> str:
        fid = column.rsplit(".", 1)[0] + ".fid" if "." in column else "fid"
        envelope = self.envelope_ids(table, literal.bounds, bind)  # parameters bind in the order the SQL names them
        exact = f"{SPATIAL_FUNCTION}({bind(op)}, {column}, {bind(shapely.to_wkb(literal))})"
        if op == "DISJOINT":
            return f"(NOT ({fid} IN ({envelope})) OR {exact})"
        return f"({fid} IN ({envelope}) AND {exact})"

    def bbox(self, column: str, bbox: tuple[float, float, float, float], table: Table) -> tuple[SqlFilter, SqlFilter]:
        """The table joined to its R-tree on the envelopes meeting the bbox; rows whose envelope lies inside it match
        at once, those across its border are tested exactly (the in-memory path's `intersects`)."""
        minx, miny, maxx, maxy = bbox
        alias = column.rsplit(".", 1)[0]
        join = SqlFilter(f" JOIN {table.index} r ON {alias}.fid = r.id AND r.minx <= ? AND r.maxx >= ? AND "
                         "r.miny <= ? AND r.maxy >= ?", [maxx, minx, maxy, miny])
        where = SqlFilter(f"((r.minx >= ? AND r.maxx <= ? AND r.miny >= ? AND r.maxy <= ?) OR "
                          f"{SPATIAL_FUNCTION}('INTERSECTS', {column}, ?))",
                          [minx, maxx, miny, maxy, shapely.to_wkb(shapely.box(*bbox))])
        return join, where

    def geometry_out(self, column: str) -> str:
        return column

    def geometries(self, blobs: Sequence[bytes | None]) -> np.ndarray:
        return geometries(blobs)
