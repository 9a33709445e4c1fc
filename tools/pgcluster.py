"""A throw-away PostgreSQL 15 + PostGIS 3 cluster for the tests and benchmarks: `initdb` into a temporary
directory, `pg_ctl` on a free 127.0.0.1 port (no system service), a database with PostGIS, removed at the end.
As root the server runs as the `postgres` user the Debian package creates (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOGGER = logging.getLogger(__name__)
BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE, USER = "yiwu", "yiwu"


def available() -> bool:
    return (BIN / "initdb").is_file() and Path("/usr/share/postgresql/15/extension/postgis.control").is_file()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(args: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *args] if owner else args


def _run(args: list[str], owner: str | None) -> None:
    subprocess.run(_as_owner(args, owner), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   timeout=120)


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster with a PostGIS database; yields its URL (postgresql://yiwu@127.0.0.1:PORT/yiwu)."""
    owner = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="yiwu-pg-"))
    data, port = root / "data", _free_port()
    if owner:
        user = pwd.getpwnam(owner)
        os.chown(root, user.pw_uid, user.pw_gid)
    try:
        _run([str(BIN / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C"], owner)
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " \
                  "-c full_page_writes=off -c max_connections=200"
        _run([str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"], owner)
        try:
            psql = [str(BIN.parent / "bin" / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-q"]
            _run([*psql, "-d", "postgres", "-c", f"CREATE DATABASE {DATABASE}"], owner)
            _run([*psql, "-d", DATABASE, "-c", "CREATE EXTENSION postgis"], owner)
            yield f"postgresql://{USER}@127.0.0.1:{port}/{DATABASE}"
        finally:
            _run([str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], owner)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":  # python -m tools.pgcluster: start one and wait (for a manual check)
    import time

    with cluster() as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
