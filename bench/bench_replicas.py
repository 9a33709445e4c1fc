"""Past one machine (issue 26): 1 vs 2 app servers (separate gunicorn masters, one sync worker each, on two ports;
one wrk per server, the connections split between them) × the primary alone vs the primary and a streaming replica
sharing the reads (YIWU_DATABASE_REPLICAS=replica,primary), on 100,000 synthetic parcels in a throw-away
PostgreSQL 15 + PostGIS 3 pair (tools/pgcluster.replicated). Two mixes: small bbox items (~50 parcels), and vector
tiles z14–z16 around the centre through the shared tile cache (YIWU_CACHE_DIR, emptied before each run: the first
request of a tile draws it, the rest of the run reads the directory). Reports req/s, p50 and p99 (ms; for two
servers: the request-weighted p50, the worse p99), errors (non-2xx and socket errors) and the CPU milliseconds
per request of the app processes, the primary and the replica (from /proc: what sizes hosts, whatever else the
machine runs): medians of three interleaved rounds, each on freshly started servers.

Everything — wrk, the app servers, both PostgreSQL servers — shares this machine's cores (`os.cpu_count()` is
reported), so the rows measure contention on one host, not capacity added by hosts."""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import morecantile
import psycopg

from bench.bench_large import case_paths
from bench.load import LUA
from bench.servers import free_port, parcel_data, serving
from geo.build.pipeline import build
from geo.core.settings import load_settings
from tools.pgcluster import replicated

COUNT = 100_000
CONNECTIONS, SECONDS, ROUNDS = 16, 6, 3
TMS = morecantile.tms.get("WebMercatorQuad")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@contextmanager
def gunicorn(env: dict) -> Iterator[tuple[str, int]]:
    port = free_port()
    with serving([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                  "server:create_app()"], port, env) as (url, proc):
        yield url, proc.pid


def process_table() -> dict[int, tuple[int, float]]:
    """Every process: its parent and the CPU seconds it used (user + system), from /proc."""
    table, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return table


def cpu_seconds(table: dict[int, tuple[int, float]], root: int) -> float:
    """CPU seconds of a process and its children (a gunicorn master and its worker; a postmaster and its backends)."""
    return table.get(root, (0, 0.0))[1] + sum(cpu for ppid, cpu in table.values() if ppid == root)


def postmaster(server) -> int:
    return int((server.data / "postmaster.pid").read_text().split()[0])


def tile_paths() -> list[str]:
    """Distinct tiles z14–z16 around Yiwu's centre, shuffled (the same list for every configuration)."""
    paths = []
    for z, reach in ((14, 4), (15, 6), (16, 8)):
        centre = TMS.tile(120.07, 29.31, z)
        paths += [f"/collections/parcels/tiles/WebMercatorQuad/{z}/{centre.y + dy}/{centre.x + dx}"
                  for dx in range(-reach, reach) for dy in range(-reach // 2, reach // 2)]
    random.Random(5).shuffle(paths)
    return paths


def latency_ms(text: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


def parse(text: str) -> dict:
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)), "requests": requests,
            "p50": latency_ms(text, "50"), "p99": latency_ms(text, "99"), "errors": errors}


def load(bases: list[str], paths: list[str]) -> dict:
    """wrk on every server at once (the connections split between them); the rows merged."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(LUA % ", ".join('"' + p + '"' for p in paths))
    try:
        runs = [subprocess.Popen(["wrk", "-t1", f"-c{CONNECTIONS // len(bases)}", f"-d{SECONDS}s", "--latency",
                                  "-s", handle.name, base], stdout=subprocess.PIPE, text=True) for base in bases]
        results = [parse(run.communicate(timeout=SECONDS + 60)[0]) for run in runs]
    finally:
        Path(handle.name).unlink(missing_ok=True)
    total = sum(r["requests"] for r in results)
    return {"rps": round(sum(r["rps"] for r in results), 1), "requests": total,
            "p50_ms": round(sum(r["p50"] * r["requests"] for r in results) / max(total, 1), 1),
            "p99_ms": round(max(r["p99"] for r in results), 1), "errors": sum(r["errors"] for r in results)}


def replayed(primary: str, replica: str) -> None:
    with psycopg.connect(primary, autocommit=True) as con:
        target = con.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    with psycopg.connect(replica, autocommit=True) as con:
        while not con.execute("SELECT pg_last_wal_replay_lsn() >= %s", (target,)).fetchone()[0]:
            time.sleep(0.1)


def run(data_dir: Path) -> list[dict]:
    data, catalog = parcel_data(COUNT)
    gpkg = data / "build" / "yiwu.gpkg"
    mixes = {"small bbox (~50 parcels)": case_paths(gpkg, COUNT, random.Random(9))["small bbox (~50 parcels)"],
             "tiles z14-16 (shared cache, cold at start)": tile_paths()}
    rows = []
    with replicated() as (primary, replica), tempfile.TemporaryDirectory(prefix="yiwu-cache-") as cache:
        build(load_settings({"data_dir": data, "catalog_dir": catalog, "database_url": primary.url}))
        replayed(primary.url, replica.url)
        base = {"YIWU_DATA_DIR": str(data), "YIWU_CATALOG_DIR": str(catalog), "YIWU_DATABASE_URL": primary.url,
                "YIWU_CACHE_DIR": cache}
        databases = {"primary only": base,
                     "primary + replica": {**base, "YIWU_DATABASE_REPLICAS": f"{replica.url},{primary.url}"}}
        configurations = [(mix, database, servers) for mix in mixes for database in databases for servers in (1, 2)]
        runs: dict[tuple, list[dict]] = {c: [] for c in configurations}
        for round_ in range(ROUNDS):  # interleaved: a load change on the machine touches every configuration
            for mix, database, servers in configurations[round_:] + configurations[:round_]:
                postmasters = {"primary": postmaster(primary), "replica": postmaster(replica)}
                runs[(mix, database, servers)].append(measure(databases[database], servers, mixes[mix], cache,
                                                              postmasters))
        for (mix, database, servers), results in runs.items():
            rows.append({"mix": mix, "database": database, "app_servers": servers, "connections": CONNECTIONS,
                         "seconds": SECONDS, "rounds": ROUNDS, "cores": os.cpu_count(),
                         **{k: statistics.median(r[k] for r in results) for k in results[0] if k != "errors"},
                         "errors": sum(r["errors"] for r in results), "rps_each": [r["rps"] for r in results]})
    return rows


def measure(env: dict, servers: int, paths: list[str], cache: str, databases: dict[str, int]) -> dict:
    """Fresh servers (nothing in their memory) over an emptied shared cache, loaded by wrk; with the CPU time per
    request of the app processes and of each database server (what sizes hosts, whatever else the machine runs)."""
    shutil.rmtree(cache, ignore_errors=True)
    os.makedirs(cache)
    with ExitStack() as stack:
        started = [stack.enter_context(gunicorn(env)) for _ in range(servers)]
        roots = {"app": [pid for _, pid in started], **{name: [pid] for name, pid in databases.items()}}
        before = process_table()
        result = load([url for url, _ in started], paths)
        after = process_table()
    requests = max(result.pop("requests"), 1)
    for name, pids in roots.items():
        used = sum(cpu_seconds(after, pid) - cpu_seconds(before, pid) for pid in pids)
        result[f"{name}_cpu_ms_per_request"] = round(used * 1000 / requests, 2)
    return result
