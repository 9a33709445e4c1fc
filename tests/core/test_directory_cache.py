"""The shared cache (YIWU_CACHE_DIR, geo/core/cache.DirectoryCache): what one process or app puts another one
reads — a separate Python process included; entries are whole files (no temporary left); the directory stays within
its bound, the least recently used entries dropped first; a tile one app drew is answered by a second app from the
directory without drawing it again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import morecantile
import pytest

from geo.core.cache import TRIM_FRACTION, DirectoryCache
from server import create_app

ROOT = Path(__file__).resolve().parents[2]
KIB = 1024


def files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_what_one_process_puts_another_reads(tmp_path):
    writer = DirectoryCache(tmp_path, "tiles", 2**20, memory=4)
    writer.put(("mvt", "layer", "v1", 3), b"\x1a\x02tile")
    writer.put(("stats", "v1"), {"area_m2": 12.5, "names": ["义乌"]})
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from geo.core.cache import DirectoryCache; "
              f"c = DirectoryCache({str(tmp_path)!r}, 'tiles', 2**20, memory=4); "
              "print(c.get(('mvt', 'layer', 'v1', 3)), c.get(('stats', 'v1')), c.get(('mvt', 'layer', 'v2', 3)))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "b'\\x1a\\x02tile' {'area_m2': 12.5, 'names': ['义乌']} None"
    assert not [p for p in files(tmp_path) if p.name.endswith(".tmp")]  # written under a temporary name, renamed


def test_the_directory_stays_within_its_bound_dropping_the_least_recently_used(tmp_path):
    bound = 64 * KIB
    cache = DirectoryCache(tmp_path, "tiles", bound, memory=1)
    entry = 4 * KIB
    for i in range(40):  # 160 KiB written in all
        cache.put(("tile", i), bytes([i]) * entry)
        if i == 4:
            os.utime(cache.path(("tile", 0)), (0, 0))  # entry 0 the oldest by far, entry 1 next
        if i >= 5:
            assert cache.get(("tile", 2)) is not None  # entry 2 used all along: kept
    on_disk = sum(p.stat().st_size for p in files(tmp_path))
    assert on_disk <= bound + bound // TRIM_FRACTION + entry + 1  # one scan per 1/16 of the bound written
    kept = {i for i in range(40) if cache.path(("tile", i)).is_file()}
    assert 2 in kept and 39 in kept and 0 not in kept and 1 not in kept
    assert DirectoryCache(tmp_path, "tiles", bound, memory=1).get(("tile", 0)) is None  # gone for every process


@pytest.fixture(scope="module")
def two_apps(data_dir, tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared_cache")
    return [create_app({"TESTING": True, "data_dir": data_dir, "cache_dir": shared}) for _ in range(2)], shared


def test_a_tile_one_app_drew_the_other_answers_from_the_directory(two_apps):
    (first, second), shared = two_apps
    tilejson = first.test_client().get("/collections/yixi_84/tiles/WebMercatorQuad/tilejson.json").get_json()
    zoom = max(tilejson["minzoom"], 12)
    tile = morecantile.tms.get("WebMercatorQuad").tile(*tilejson["center"][:2], zoom)
    path = f"/collections/yixi_84/tiles/WebMercatorQuad/{zoom}/{tile.y}/{tile.x}"
    drawn = first.test_client().get(path)
    assert drawn.status_code == 200 and drawn.data
    assert len(files(shared / "tiles")) == 1
    tiles = second.extensions["yiwu"].tiles
    hits = tiles.hits
    again = second.test_client().get(path)
    assert again.status_code == 200 and again.data == drawn.data and tiles.hits == hits + 1
