"""Real-size layers (issue "Real-size layers"): 100,000 and 1,000,000 synthetic parcels added through the catalog, this
service beside pygeoapi (its OGR provider on the same GeoPackage): small bbox (~50 parcels), `limit=100` on
world_countries and feature by id at concurrency 1 (interleaved medians) and 16 (wrk); vector tiles z12–z16 cold and
warm; server memory, first request, map page render and build time. Ratios are peer time / our time (>1: faster)."""

from __future__ import annotations

import math
import random
import sqlite3
import statistics
import time
import urllib.request
from pathlib import Path

import morecantile

from bench.load import median_ms, sequential_ms, wrk
from bench.servers import build_seconds, ours, parcel_data, pygeoapi, rss_mb

SIZES = (100_000, 1_000_000)
ROUNDS = 5  # interleaved rounds of each case; the medians of the rounds' medians are reported
REQUESTS = 30  # requests per round and case
YIWU = (119.95, 29.2, 120.2, 29.42)  # where the bboxes and tiles are drawn from (inside the city)
TMS = morecantile.tms.get("WebMercatorQuad")


def case_paths(gpkg: Path, count: int, rng: random.Random) -> dict[str, list[str]]:
    side_m = math.sqrt(1105e6 / count) * 7  # ~7 x 7 parcels
    dlat, dlon = side_m / 111_320, side_m / (111_320 * math.cos(math.radians(29.3)))
    boxes = [(rng.uniform(YIWU[0], YIWU[2]), rng.uniform(YIWU[1], YIWU[3])) for _ in range(REQUESTS)]
    with sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True) as con:
        ids = [r[0] for r in con.execute("SELECT feature_id FROM parcels ORDER BY random() LIMIT ?", (REQUESTS,))]
    return {
        "small bbox (~50 parcels)": [f"/collections/parcels/items?bbox={x:.5f},{y:.5f},{x + dlon:.5f},{y + dlat:.5f}"
                                     f"&limit=100" for x, y in boxes],
        "feature by id": [f"/collections/parcels/items/{i}" for i in ids],
        "world_countries limit=100": [f"/collections/world_countries/items?limit=100&offset={o}"
                                      for o in rng.choices([0, 50, 100, 150], k=REQUESTS)],
    }


def interleaved(base_ours: str, base_peer: str, paths: list[str]) -> tuple[float, float]:
    mine, theirs = [], []
    for round_ in range(ROUNDS):
        order = [(base_ours, mine), (base_peer, theirs)]
        for base, out in (order if round_ % 2 == 0 else order[::-1]):
            out.append(median_ms(base, paths))
    return statistics.median(mine), statistics.median(theirs)


def tile_rows(base: str, count: int) -> list[dict]:
    rows = []
    for z in range(12, 17):
        centre = TMS.tile(120.07, 29.31, z)
        paths = [f"/collections/parcels/tiles/WebMercatorQuad/{z}/{centre.y + dy}/{centre.x + dx}"
                 for dx in range(-2, 3) for dy in range(-1, 1)]
        try:
            cold = sequential_ms(base, paths)  # each tile once: rendered
            warm = sequential_ms(base, paths * 3)  # again: from the cache
            rows.append({"parcels": count, "case": f"vector tile z{z}", "cold_median_ms": round(statistics.median(cold), 1),
                         "warm_median_ms": round(statistics.median(warm), 2)})
        except RuntimeError as exc:  # below the layer's minimum zoom: 404 saying so
            rows.append({"parcels": count, "case": f"vector tile z{z}", "note": str(exc)[-60:]})
    return rows


def first_request_ms(base: str, path: str) -> float:
    started = time.perf_counter()
    urllib.request.urlopen(base + path).read()
    return (time.perf_counter() - started) * 1000


def size_rows(count: int) -> list[dict]:
    data, catalog = parcel_data(count)
    rows = [{"parcels": count, "case": "build (python -m geo build --force)", "seconds": round(build_seconds(data, catalog), 1)}]
    gpkg = data / "build" / "yiwu.gpkg"
    paths = case_paths(gpkg, count, random.Random(count))
    with ours(data, catalog) as (base, proc), pygeoapi(gpkg, ["parcels", "world_countries"]) as (peer, _):
        rows.append({"parcels": count, "case": "server memory after start (MB)", "ours": round(rss_mb(proc))})
        rows.append({"parcels": count, "case": "first request (small bbox)",
                     "ours_ms": round(first_request_ms(base, paths["small bbox (~50 parcels)"][0]), 1)})
        for name, case in paths.items():
            mine, theirs = interleaved(base, peer, case)
            rows.append({"parcels": count, "case": f"{name}, c=1 median", "ours_ms": round(mine, 2),
                         "pygeoapi_ms": round(theirs, 2), "ratio": round(theirs / mine, 2)})
            a, b = wrk(base, case), wrk(peer, case)
            rows.append({"parcels": count, "case": f"{name}, c=16", "ours_rps": a["rps"], "pygeoapi_rps": b["rps"],
                         "ours_p50_ms": a["p50_ms"], "pygeoapi_p50_ms": b["p50_ms"], "ratio": round(a["rps"] / b["rps"], 2),
                         "errors": a["errors"] + b["errors"]})
        rows += tile_rows(base, count)
        render = first_request_ms(base, "/map/planner")
        rows.append({"parcels": count, "case": "map page /map/planner, first render", "ours_ms": round(render, 1),
                     "server_memory_after_pages_mb": round(rss_mb(proc))})
    return rows


def run(data_dir: Path) -> list[dict]:
    return [row for count in SIZES for row in size_rows(count)]
