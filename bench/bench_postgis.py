"""PostGIS beside the embedded GeoPackage (issue "PostGIS"): 1,000,000 synthetic parcels loaded by the build into a
throw-away PostgreSQL 15 + PostGIS 3 cluster, both engines served by gunicorn: small bbox (~50 parcels), `limit=1000`
pages and vector tiles at z14 (cold) at concurrency 1 (interleaved medians), and the small-bbox throughput (wrk,
16 connections) with 1, 2 and 4 gunicorn workers."""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import morecantile

from bench.bench_large import case_paths
from bench.load import median_ms, sequential_ms, wrk
from bench.servers import free_port, parcel_data, serving
from geo.build.pipeline import build
from geo.core.settings import load_settings
from tools.pgcluster import cluster

COUNT = 1_000_000
ROUNDS = 5
TMS = morecantile.tms.get("WebMercatorQuad")


@contextmanager
def gunicorn(env: dict, workers: int) -> Iterator[str]:
    port = free_port()
    with serving([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                  "server:create_app()"], port, env) as (url, _proc):
        yield url


def tiles(z: int, shift: int) -> list[str]:
    centre = TMS.tile(120.07, 29.31, z)
    return [f"/collections/parcels/tiles/WebMercatorQuad/{z}/{centre.y + dy}/{centre.x + dx + shift}"
            for dx in range(-2, 3) for dy in range(-1, 1)]


def engine_rows(engines: dict[str, dict], gpkg: Path) -> list[dict]:
    rng = random.Random(7)
    paths = case_paths(gpkg, COUNT, rng)
    cases = {"small bbox (~50 parcels)": paths["small bbox (~50 parcels)"],
             "limit=1000": [f"/collections/parcels/items?limit=1000&offset={o}" for o in rng.sample(range(0, 900_000), 10)]}
    rows = []
    with gunicorn(engines["gpkg"], 1) as a, gunicorn(engines["postgis"], 1) as b:
        for name, case in cases.items():
            times = {"gpkg": [], "postgis": []}
            for round_ in range(ROUNDS):
                for engine, base in ((("gpkg", a), ("postgis", b)) if round_ % 2 == 0 else (("postgis", b), ("gpkg", a))):
                    times[engine].append(median_ms(base, case))
            rows.append({"parcels": COUNT, "case": f"{name}, c=1 median (1 worker)",
                         **{f"{e}_ms": round(statistics.median(t), 2) for e, t in times.items()}})
        cold = {engine: statistics.median(sequential_ms(base, tiles(14, shift))) for shift, (engine, base)
                in enumerate((("gpkg", a), ("postgis", b)))}
        rows.append({"parcels": COUNT, "case": "vector tile z14 cold median", **{f"{e}_ms": round(v, 1) for e, v in cold.items()}})
    return rows


def throughput_rows(engines: dict[str, dict], gpkg: Path) -> list[dict]:
    case = case_paths(gpkg, COUNT, random.Random(9))["small bbox (~50 parcels)"]
    rows = []
    for workers in (1, 2, 4):
        row = {"parcels": COUNT, "case": f"small bbox, c=16, {workers} gunicorn worker(s)"}
        for engine, env in engines.items():
            with gunicorn(env, workers) as base:
                result = wrk(base, case, connections=16, seconds=8)
            row |= {f"{engine}_rps": result["rps"], f"{engine}_p50_ms": result["p50_ms"], f"{engine}_errors": result["errors"]}
        rows.append(row)
    return rows


def run(data_dir: Path) -> list[dict]:
    data, catalog = parcel_data(COUNT)
    with cluster() as url:
        started = time.perf_counter()
        build(load_settings({"data_dir": data, "catalog_dir": catalog, "database_url": url}), force=False)
        loaded = time.perf_counter() - started
        base_env = {"YIWU_DATA_DIR": str(data), "YIWU_CATALOG_DIR": str(catalog)}
        engines = {"gpkg": base_env, "postgis": {**base_env, "YIWU_DATABASE_URL": url}}
        gpkg = data / "build" / "yiwu.gpkg"
        rows = [{"parcels": COUNT, "case": "build with the PostGIS load (GeoPackage up to date)", "seconds": round(loaded, 1)}]
        return rows + engine_rows(engines, gpkg) + throughput_rows(engines, gpkg)
