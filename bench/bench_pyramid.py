"""Tile pyramids (issue 25): 100,000 and 1,000,000 synthetic parcels added through the catalog, built with their
pyramid (`python -m geo build --force` under /usr/bin/time -v: wall time and peak memory), then the same tiles
z10-z16 from three servers started one after the other on the same data: ours answering from the pyramid, ours with
no pyramid (the live encoder: YIWU_PYRAMID_DIR pointing at an empty directory) and the pyramid's tiles exported as
files and served as static files by the same HTTP server (waitress, 8 threads: the physical floor). Cold: each tile's
first request to a fresh server; warm: the same tiles twice more. Ratios: live / pyramid and pyramid / static (cold
p50). `python -m bench.bench_pyramid [--count N ...] [--out FILE.md]`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import AbstractContextManager, closing
from pathlib import Path

import morecantile

from bench.load import sequential_ms
from bench.report import emit, header, table
from bench.servers import BENCH_DATA, ROOT, free_port, ours, parcel_data, serving
from bench.static_tiles import export_tiles

LOGGER = logging.getLogger(__name__)
SIZES = (100_000, 1_000_000)
ZOOMS = range(10, 17)
COLD_TILES = 100  # distinct tiles per zoom at most (fewer where the layer covers fewer)
WARM_REPEATS = 2
CENTRE = (120.07, 29.31)  # Yiwu's centre: tiles are taken nearest it first
TMS = morecantile.tms.get("WebMercatorQuad")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def time_v(command: list[str]) -> dict:
    """Run a command under /usr/bin/time -v: its wall seconds, CPU seconds (user + system, children included: on a
    shared machine the wall time is mostly waiting), the peak resident memory of its largest process (MB, as time
    reports it) and the peak of all its processes together (MB: python and tippecanoe at once, sampled every 50 ms
    from /proc)."""
    proc = subprocess.Popen(["/usr/bin/time", "-v", *command], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    tree_peak = 0
    while proc.poll() is None:
        tree_peak = max(tree_peak, tree_rss_kb(proc.pid))
        time.sleep(0.05)
    stderr = proc.stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{command} failed: {stderr[-600:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", stderr)
    hours, minutes, seconds = (float(v or 0) for v in wall.groups())
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", stderr).group(1)) for kind in ("User", "System"))
    return {"seconds": round(hours * 3600 + minutes * 60 + seconds, 1), "cpu_seconds": round(cpu, 1),
            "peak_mb": round(rss / 1024), "tree_peak_mb": round(tree_peak / 1024)}


def tree_rss_kb(root: int) -> int:
    """The resident memory of a process and all its descendants now (kB)."""
    parents, rss = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            rss[pid] = int(fields[21]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while being read
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


def timed_build(data: Path, catalog: Path) -> dict:
    """`python -m geo build --force` (every layer, the rasters and the pyramid)."""
    return time_v([sys.executable, "-m", "geo", "build", "--force", "--data-dir", str(data), "--catalog-dir",
                   str(catalog)])


def timed_pyramid(data: Path, catalog: Path) -> dict:
    """The pyramid alone, rebuilt from the built GeoPackage."""
    return time_v([sys.executable, "-m", "bench.bench_pyramid", "--rebuild-pyramid", str(data), str(catalog)])


def rebuild_pyramid(data: Path, catalog: Path) -> list[str]:
    from geo.build.pipeline import build_pyramids, stored_fingerprint
    from geo.core.settings import load_settings
    from layers import load_catalog

    settings = load_settings({"data_dir": data, "catalog_dir": catalog})
    layers = load_catalog(settings.catalog_dir, settings.data_dir)
    return build_pyramids(settings, layers, stored_fingerprint(settings.gpkg), True)  # the build's, as served


def layer_tiles(bbox: tuple[float, float, float, float], z: int, stored: set[tuple[int, int, int]]
                ) -> list[morecantile.Tile]:
    """Up to COLD_TILES tiles of the layer's extent at zoom z that hold parcels (the pyramid's stored tiles, where
    it has the zoom: a static host answers 404 for the others), the nearest Yiwu's centre first."""
    centre = TMS.tile(*CENTRE, z)
    tiles = list(TMS.tiles(*bbox, [z]))
    if any(t[0] == z for t in stored):
        tiles = [t for t in tiles if (t.z, t.x, t.y) in stored]
    tiles.sort(key=lambda t: (t.x - centre.x) ** 2 + (t.y - centre.y) ** 2)
    return tiles[:COLD_TILES]


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return round(statistics.median(values), 2), round(cuts[98], 2)


def measure(base: str, paths: list[str]) -> dict:
    """Cold (each path once) and warm (each twice more) p50/p99 in ms; the HTTP error when a tile is refused."""
    try:
        cold = sequential_ms(base, paths)
        warm = sequential_ms(base, paths * WARM_REPEATS)
    except RuntimeError as exc:
        return {"error": str(exc).rsplit(":", 1)[-1].strip()}
    (c50, c99), (w50, w99) = percentiles(cold), percentiles(warm)
    return {"cold_p50": c50, "cold_p99": c99, "warm_p50": w50, "warm_p99": w99}


def zoom_paths(bbox, z: int, static: bool, stored: set) -> list[str]:
    if static:
        return [f"/tiles/{t.z}/{t.x}/{t.y}.pbf" for t in layer_tiles(bbox, z, stored)]
    return [f"/collections/parcels/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}" for t in layer_tiles(bbox, z, stored)]


def stored_tiles(mbtiles: Path) -> set[tuple[int, int, int]]:
    """The (z, x, y) XYZ addresses of the tiles a pyramid stores."""
    with closing(sqlite3.connect(f"file:{mbtiles}?mode=ro", uri=True)) as con:
        return {(z, x, (1 << z) - 1 - row) for z, x, row in con.execute(
            "SELECT zoom_level, tile_column, tile_row FROM tiles")}


def server_rows(name: str, served: AbstractContextManager, bbox, count: int, stored: set) -> list[dict]:
    rows = []
    with served as (base, _proc):
        for z in ZOOMS:
            paths = zoom_paths(bbox, z, name == "static", stored)
            rows.append({"parcels": count, "server": name, "zoom": z, "tiles": len(paths),
                         **measure(base, paths)})
    return rows


def static_server(directory: Path):
    port = free_port()
    return serving([sys.executable, "-m", "bench.static_tiles", str(directory), "--port", str(port)], port, {})


def size_rows(count: int, build: bool = True) -> list[dict]:
    data, catalog = parcel_data(count)
    rows = [{"parcels": count, "case": "build with pyramid (geo build --force)", **timed_build(data, catalog)}] \
        if build else []
    pyramid = timed_pyramid(data, catalog)
    mbtiles = data / "build" / "pyramids" / "parcels.mbtiles"
    rows.append({"parcels": count, "case": "pyramid alone (tippecanoe from the GeoPackage)", **pyramid,
                 "pyramid_mb": round(mbtiles.stat().st_size / 2**20, 1)})
    static_dir = BENCH_DATA / f"static-{count}"
    shutil.rmtree(static_dir, ignore_errors=True)
    export_tiles(mbtiles, static_dir)
    empty = BENCH_DATA / "no-pyramids"
    empty.mkdir(parents=True, exist_ok=True)
    bbox, stored = layer_bbox(data), stored_tiles(mbtiles)
    rows += server_rows("pyramid", ours(data, catalog), bbox, count, stored)
    rows += server_rows("live", ours(data, catalog, {"YIWU_PYRAMID_DIR": str(empty)}), bbox, count, stored)
    rows += server_rows("static", static_server(static_dir), bbox, count, stored)
    return rows + ratio_rows(rows, count)


def layer_bbox(data: Path) -> tuple[float, float, float, float]:
    import pyogrio

    facts = pyogrio.read_dataframe(data / "build" / "yiwu.gpkg", layer="_layers", read_geometry=False)
    return tuple(json.loads(facts.loc[facts["layer_id"] == "parcels", "bbox"].iloc[0]))


def ratio_rows(rows: list[dict], count: int) -> list[dict]:
    """Per zoom: live / pyramid and pyramid / static, cold and warm p50."""
    by = {(r.get("server"), r.get("zoom")): r for r in rows if "zoom" in r}
    out = []
    for z in ZOOMS:
        pyramid, live, static = by[("pyramid", z)], by[("live", z)], by[("static", z)]
        row = {"parcels": count, "zoom": z}
        for kind in ("cold_p50", "warm_p50"):
            if kind in pyramid and kind in live:
                row[f"live/pyramid {kind}"] = round(live[kind] / pyramid[kind], 1)
            if kind in pyramid and kind in static:
                row[f"pyramid/static {kind}"] = round(pyramid[kind] / static[kind], 1)
        out.append(row)
    return out


def run(data_dir: Path, sizes=SIZES, build: bool = True) -> list[dict]:
    return [row for count in sizes for row in size_rows(count, build)]


def markdown(rows: list[dict]) -> str:
    text = header("Tile pyramids: live encoder, pyramid and static files (bench/bench_pyramid.py)")
    builds = [r for r in rows if "case" in r]
    text += "\n" + table(["parcels", "case", "wall s", "CPU s", "peak MB (largest process)",
                          "peak MB (all processes)", "pyramid MB"],
                         [[r["parcels"], r["case"], r["seconds"], r.get("cpu_seconds", ""), r["peak_mb"],
                           r.get("tree_peak_mb", ""), r.get("pyramid_mb", "")]
                          for r in builds])
    served = [r for r in rows if "server" in r]
    text += "\nmilliseconds per tile\n\n" + table(["parcels", "zoom", "server", "tiles", "cold p50", "cold p99", "warm p50", "warm p99"],
                         [[r["parcels"], r["zoom"], r["server"], r["tiles"],
                           *[r.get(k, r.get("error", "")) for k in ("cold_p50", "cold_p99", "warm_p50", "warm_p99")]]
                          for r in served])
    ratios = [r for r in rows if "zoom" in r and "server" not in r]
    keys = ["live/pyramid cold_p50", "live/pyramid warm_p50", "pyramid/static cold_p50", "pyramid/static warm_p50"]
    text += "\n" + table(["parcels", "zoom", *keys], [[r["parcels"], r["zoom"], *[r.get(k, "") for k in keys]]
                                                             for r in ratios])
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_pyramid")
    parser.add_argument("--count", type=int, action="append", help="parcels (default: 100000 and 1000000)")
    parser.add_argument("--out", help="also write the Markdown report here (a bare name: bench/results/)")
    parser.add_argument("--no-build", action="store_true", help="reuse the built data sets (time the pyramid only)")
    parser.add_argument("--rebuild-pyramid", nargs=2, type=Path, metavar=("DATA", "CATALOG"),
                        help="only rebuild the pyramids of a built data directory (what the pyramid row times)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    if args.rebuild_pyramid:
        print(rebuild_pyramid(*args.rebuild_pyramid))
        return 0
    rows = run(Path("data"), tuple(args.count or SIZES), not args.no_build)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False), flush=True)
    emit(markdown(rows), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
