"""Raster build time, PNG tile latency (cold: rendered by rio-tiler; cached: served from the LRU) and zonal
statistics of hub_access per zone, through the Flask app on the built data."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import morecantile

from geo.build.pipeline import stored_fingerprint
from geo.rasters.build import build_rasters
from layers import load_catalog

TILE_ZOOMS = (11, 12, 13)
MAX_TILES = 150


def _build_row(data_dir: Path) -> dict:
    gpkg = data_dir / "build" / "yiwu.gpkg"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "yiwu.gpkg"
        shutil.copy(gpkg, copy)
        start = time.perf_counter()
        results = build_rasters(data_dir, copy, stored_fingerprint(gpkg), force=True, vectors=load_catalog())
        seconds = time.perf_counter() - start
    return {"case": "build all rasters (forced)", "seconds": round(seconds, 3),
            "per_raster_s": {r.id: round(r.seconds, 3) for r in results}}


def _tiles(client, raster_id: str) -> list[str]:
    west, south, east, north = client.get(f"/rasters/{raster_id}/tilejson.json").get_json()["bounds"]
    tms = morecantile.tms.get("WebMercatorQuad")
    tiles = [t for z in TILE_ZOOMS for t in tms.tiles(west, south, east, north, [z])]
    return [f"/rasters/{raster_id}/tiles/{t.z}/{t.x}/{t.y}.png" for t in tiles[:MAX_TILES]]


def _timed(client, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    resp = client.get(url)
    return (time.perf_counter() - start) * 1000, resp.status_code


def _tile_row(client, raster_id: str) -> dict:
    urls = _tiles(client, raster_id)
    cold = [_timed(client, u) for u in urls]
    cached = [_timed(client, u) for u in urls]
    return {"case": f"tiles {raster_id} z{TILE_ZOOMS[0]}-{TILE_ZOOMS[-1]}", "tiles": len(urls),
            "status_200": sum(s == 200 for _, s in cold), "cold_median_ms": round(statistics.median(t for t, _ in cold), 2),
            "cached_median_ms": round(statistics.median(t for t, _ in cached), 3)}


def _zonal_row(client, zone: str) -> dict:
    body = client.get(f"/rasters/hub_access/statistics?layer={zone}").get_json()["zones"][0]["statistics"]
    return {"case": f"hub_access zonal statistics in {zone}", **{k: body[k] for k in ("count", "area_km2", "min", "max", "mean", "std")},
            "percentiles": body["percentiles"]}


def run(data_dir: Path) -> list[dict]:
    from server import create_app

    rows = [_build_row(data_dir)]
    client = create_app({"TESTING": True, "DATA_DIR": data_dir, "BUILD_ON_START": False}).test_client()
    rows += [_tile_row(client, raster_id) for raster_id in ("hub_access", "plan_zones")]
    rows += [_zonal_row(client, zone) for zone in ("yixi_84", "second_ring_266")]
    return rows
