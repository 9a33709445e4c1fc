"""A throw-away PostgreSQL 15 + PostGIS 3 cluster for the tests and benchmarks: `initdb` into a temporary
directory, `pg_ctl` on a free 127.0.0.1 port (no system service), a database with PostGIS, removed at the end;
`replicated()`: a primary and streaming replicas (`pg_basebackup -R`) that tests stop, restart and promote.
As root the server runs as the `postgres` user the Debian package creates (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # throw-away data: no durability needed
# what a failover test needs: a commit is answered once its WAL is written to the OS, so it survives the server's
# crash (`stop("immediate")`); production adds fsync=on for the machine's crash, which no test here simulates
DURABLE = "-c synchronous_commit=on -c fsync=off -c full_page_writes=off"


@dataclass
class Server:
    """One PostgreSQL server of a throw-away cluster: its data directory, port and how it is run."""

    root: Path
    name: str
    port: int
    owner: str | None
    durability: str = FAST

    @property
    def data(self) -> Path:
        return self.root / self.name

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _pg_ctl(self, *args: str) -> None:
        _run([str(BIN / "pg_ctl"), "-D", str(self.data), *args], self.owner)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {self.durability} " \
                  "-c max_connections=200 -c hot_standby_feedback=on"
        self._pg_ctl("-o", options, "-l", str(self.root / f"{self.name}.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop it: `fast` (sessions ended, a clean shutdown), or `immediate` (as a crash: recovery at the next start)."""
        self._pg_ctl("-m", mode, "-w", "stop")

    def crash(self) -> None:
        """SIGQUIT to the postmaster at once (what `stop -m immediate` sends, without starting pg_ctl first): every
        session dies mid-statement; the next start recovers from the WAL."""
        pidfile = self.data / "postmaster.pid"
        os.kill(int(pidfile.read_text().split()[0]), signal.SIGQUIT)
        while pidfile.exists():  # removed as the postmaster exits
            time.sleep(0.01)

    def running(self) -> bool:
        return subprocess.run(_as_owner([str(BIN / "pg_ctl"), "-D", str(self.data), "status"], self.owner),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    def promote(self) -> None:
        """A standby becomes a primary (accepts writes), waiting until it does."""
        self._pg_ctl("-w", "promote")

    def psql(self, command: str, database: str = DATABASE) -> None:
        _run([str(BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-q", "-d", database, "-c",
              command], self.owner)


def _scratch() -> tuple[Path, str | None]:
    """A temporary directory the server's user owns (as root: the `postgres` user; PostgreSQL refuses root)."""
    owner = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="yiwu-pg-"))
    if owner:
        user = pwd.getpwnam(owner)
        os.chown(root, user.pw_uid, user.pw_gid)
    return root, owner


def _primary(root: Path, owner: str | None, durability: str) -> Server:
    server = Server(root, "data", _free_port(), owner, durability)
    _run([str(BIN / "initdb"), "-D", str(server.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C",
          "--no-sync"], owner)
    server.start()
    server.psql(f"CREATE DATABASE {DATABASE}", "postgres")
    server.psql("CREATE EXTENSION postgis")
    return server


def _stop_all(servers: list[Server]) -> None:
    for server in servers:
        if server.running():
            server.stop()


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster with a PostGIS database; yields its URL (postgresql://yiwu@127.0.0.1:PORT/yiwu)."""
    root, owner = _scratch()
    servers: list[Server] = []
    try:
        servers.append(_primary(root, owner, FAST))
        yield servers[0].url
    finally:
        _stop_all(servers)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def replicated(replicas: int = 1) -> Iterator[list[Server]]:
    """A durable primary with a PostGIS database and `replicas` hot standbys streaming from it (each made by
    `pg_basebackup -R`, which writes standby.signal and primary_conninfo); yields [primary, *replicas]."""
    root, owner = _scratch()
    servers: list[Server] = []
    try:
        primary = _primary(root, owner, DURABLE)
        servers.append(primary)
        for number in range(1, replicas + 1):
            standby = Server(root, f"replica{number}", _free_port(), owner, DURABLE)
            _run([str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", USER, "-D",
                  str(standby.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"], owner)
            standby.start()
            servers.append(standby)
        yield servers
    finally:
        _stop_all(servers)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":  # python -m tools.pgcluster: start one and wait (for a manual check)
    with cluster() as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
