"""Feature-store bbox queries: the STR-tree path against a full scan of the same frame (baseline)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import shapely

from geo.store.base import ItemsQuery
from geo.store.gpkg import GeoPackageReader
from layers import load_catalog

REPEATS = 20


def _median_ms(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(data_dir: Path) -> list[dict]:
    catalog = load_catalog(data_dir=data_dir)
    store = GeoPackageReader(data_dir / "build" / "yiwu.gpkg", list(catalog))
    rng = np.random.default_rng(42)
    return [_bbox_case(store, layer_id, size, rng)
            for layer_id, size in (("world_countries", 10.0), ("overseas_warehouses", 20.0), ("corridors", 5.0))]


def _bbox_case(store: GeoPackageReader, layer_id: str, size: float, rng: np.random.Generator) -> dict:
    frame = store.frame(layer_id)
    corners = zip(rng.uniform(-170, 150, 50), rng.uniform(-60, 60, 50), strict=True)
    boxes = [(x, y, x + size, y + size) for x, y in corners]
    indexed = _median_ms(lambda: [store.query(layer_id, ItemsQuery(bbox=b, limit=10_000)) for b in boxes])
    scanned = _median_ms(lambda: [frame[frame.intersects(shapely.box(*b))] for b in boxes])
    return {"case": f"bbox x50 {layer_id} ({len(frame)} features)", "indexed_ms": round(indexed, 3),
            "full_scan_ms": round(scanned, 3), "speedup_vs_scan": round(scanned / indexed, 2)}
