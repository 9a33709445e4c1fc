"""Reading a built GeoPackage with SQLite itself (no extension needed): read-only connections per thread and data
version, the R-tree spatial index, GeoPackage geometry blobs decoded to shapely in one vectorised call, and a time
budget on every statement so no query can hold a worker for long."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geo.errors import InvalidParameterError

LOGGER = logging.getLogger(__name__)
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}  # GeoPackage geometry header: envelope indicator -> size
STATEMENT_SECONDS = 5.0  # a statement running longer is interrupted: the request answers 400 naming the filter


def wkb_of(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob (after the 'GP' header and its envelope)."""
    return blob[8 + ENVELOPE_BYTES[(blob[3] >> 1) & 7]:]


def geometries(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries of GeoPackage blobs (None stays None), decoded in one call."""
    return shapely.from_wkb([None if b is None else wkb_of(b) for b in blobs])


def sqlite_stamp(path: Path) -> str:
    """The file's identity and mtime and SQLite's file change counter (header bytes 24–27, bumped by every commit
    in rollback-journal mode): a version that changes with a rebuild (a new file) and with every committed write,
    even two in the same clock tick."""
    with open(path, "rb") as handle:
        header = handle.read(28)
        stat = os.fstat(handle.fileno())
    return f"{stat.st_ino}:{stat.st_mtime_ns}:{int.from_bytes(header[24:28], 'big')}"


def quote(name: str) -> str:
    """An SQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class TableInfo:
    """A feature table's geometry column and R-tree."""

    table: str
    geometry: str

    @property
    def rtree(self) -> str:
        return quote(f"rtree_{self.table}_{self.geometry}")


class GeoPackage:
    """Read-only SQL access to one GeoPackage file; connections are per thread and per file stamp (a rebuild
    replaces the file, and the next statement reads the new one)."""

    def __init__(self, path: Path, functions: dict[str, tuple[int, Callable]] | None = None):
        self.path = Path(path)
        self.functions = dict(functions or {})  # name -> (arity, Python function) callable from SQL
        self._local = threading.local()

    def stamp(self) -> str:
        return sqlite_stamp(self.path)

    def _connection(self) -> sqlite3.Connection:
        stamp = self.stamp()
        cached = getattr(self._local, "connection", None)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if cached is not None:
            cached[1].close()
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        con.execute("PRAGMA case_sensitive_like = ON")  # CQL2 LIKE is case-sensitive
        for name, (arity, function) in self.functions.items():
            con.create_function(name, arity, function, deterministic=True)
        self._local.connection = (stamp, con)
        return con

    @contextmanager
    def _budget(self, con: sqlite3.Connection, seconds: float):
        deadline = time.monotonic() + seconds
        con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise InvalidParameterError("filter", f"the query ran over its {seconds:g} s budget; narrow it "
                                            "with bbox or a more selective filter") from None
            raise
        finally:
            con.set_progress_handler(None, 0)

    def rows(self, sql: str, params: Iterable = (), seconds: float = STATEMENT_SECONDS) -> list[tuple]:
        con = self._connection()
        with self._budget(con, seconds):
            return con.execute(sql, tuple(params)).fetchall()

    def columns(self, sql: str, params: Iterable = ()) -> tuple[list[str], list[tuple]]:
        """Column names and rows of a statement."""
        con = self._connection()
        with self._budget(con, STATEMENT_SECONDS):
            cursor = con.execute(sql, tuple(params))
            return [d[0] for d in cursor.description], cursor.fetchall()

    def table(self, name: str) -> TableInfo:
        found = self.rows("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (name,))
        if not found:
            raise KeyError(name)
        return TableInfo(name, found[0][0])
