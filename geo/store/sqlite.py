"""Reading a built GeoPackage with SQLite itself (no extension needed): read-only connections per thread and data
version, the R-tree spatial index, GeoPackage geometry blobs decoded to shapely in one vectorised call, and a time
budget on every statement so no query can hold a worker for long."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from geo.core.errors import InvalidParameterError

LOGGER = logging.getLogger(__name__)
STATEMENT_SECONDS = 5.0  # a statement running longer is interrupted: the request answers 400 naming the filter


def sqlite_stamp(path: Path) -> str:
    """The file's identity and mtime and SQLite's file change counter (header bytes 24–27, bumped by every commit
    in rollback-journal mode): a version that changes with a rebuild (a new file) and with every committed write,
    even two in the same clock tick."""
    with open(path, "rb") as handle:
        header = handle.read(28)
        stat = os.fstat(handle.fileno())
    return f"{stat.st_ino}:{stat.st_mtime_ns}:{int.from_bytes(header[24:28], 'big')}"


class GeoPackage:
    """Read-only SQL access to one GeoPackage file; connections are per thread and per snapshot stamp (a rebuild
    replaces the file: the snapshot that sees the new stamp makes the next statement open the new one). Between
    snapshots no statement looks at the file's stamp again."""

    def __init__(self, path: Path, functions: dict[str, tuple[int, Callable]] | None = None):
        self.path = Path(path)
        self.functions = dict(functions or {})  # name -> (arity, Python function) callable from SQL
        self._local = threading.local()
        self._stamp: str | None = None

    def stamp(self) -> str:
        """The file's stamp now (a read of the file)."""
        return sqlite_stamp(self.path)

    def use(self, stamp: str) -> None:
        """The stamp of the snapshot that statements read from now on."""
        self._stamp = stamp

    def _connection(self) -> sqlite3.Connection:
        stamp = self._stamp if self._stamp is not None else self.stamp()
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

    def geometry_column(self, name: str) -> str:
        found = self.rows("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (name,))
        if not found:
            raise KeyError(name)
        return found[0][0]
