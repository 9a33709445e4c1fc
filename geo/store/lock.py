"""One build at a time per build directory: an exclusive lock on `.build.lock` held for the whole build. While it
is held nobody else writes there, so temp files found then were left by a build that was killed: they are
removed. The kernel releases the lock when its holder dies (kill -9 included)."""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOGGER = logging.getLogger(__name__)
LOCK_NAME = ".build.lock"
# .<stem>.<pid>.tmp<suffix>, and SQLite's companions of a temp GeoPackage (-journal, -wal, -shm)
TEMP_RE = re.compile(r"^\..+\.\d+\.tmp(\.[A-Za-z0-9]+)?(-journal|-wal|-shm)?$")


def temp_name(path: Path) -> Path:
    """The temp file a build writes before renaming it to `path`."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


def stale_temp_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and TEMP_RE.match(p.name))


@contextmanager
def build_lock(directory: Path) -> Iterator[list[Path]]:
    """Hold the directory's build lock; yields the stale temp files it removed."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_NAME, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            removed = stale_temp_files(directory)
            for path in removed:
                path.unlink(missing_ok=True)
                LOGGER.warning("removed %s, left by an interrupted build", path.name)
            yield removed
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
