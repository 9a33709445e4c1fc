"""QGIS 3.22 (Debian python3-qgis, headless) as the desktop client: land-use parcels imported with `python -m geo
import` are served by `python server.py`; QGIS loads them with its OAPIF provider, applies the SLD it is given by
/collections/{id}/styles/default?f=sld, renders them to a PNG, and the pixel at each parcel's centre is the
classification's colour (附录B RGB written in tests/landuse_fixtures.py, over white at the style's fill opacity).
The same is checked for the counties' graduated style (breaks from numpy on the served areas). Skipped only when
/usr/bin/python3 cannot import qgis (make apt-test installs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import serving
from import_fixtures import GK
from landuse_fixtures import LANDUSE_PARCELS, landuse_gpkg, parcel_square
from pyproj import Transformer

pytestmark = [pytest.mark.contract, pytest.mark.slow]  # a desktop OGC client against the live server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SYSTEM_PYTHON = "/usr/bin/python3"
LAYER = "landuse_qgis"
FILL_OPACITY = 0.75  # geo/workspace/layers.py PALETTE_SYMBOL: what the import's palette style fills with
TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)


def _has_qgis() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).returncode == 0


needs_qgis = pytest.mark.skipif(not _has_qgis(), reason="/usr/bin/python3 cannot import qgis (make apt-test)")


@pytest.fixture(scope="module")
def qgis_server(tmp_path_factory, data_dir):
    """`python server.py` over the built data and a workspace where the parcels were imported by the command line."""
    tmp = tmp_path_factory.mktemp("qgis")
    env = {**os.environ, "YIWU_DATA_DIR": str(data_dir), "YIWU_WORKSPACE_PATH": str(tmp / "workspace.gpkg")}
    subprocess.run([sys.executable, "-m", "geo", "import", str(landuse_gpkg(tmp)), "--id", LAYER,
                    "--title-zh", "用地现状（QGIS 测试）", "--title-en", "Land use (QGIS test)", "--role", "zone",
                    "--plan-ref", "§5", "--access", "public", "--id-field", "地块编号"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    with serving(["server.py", "--port", "{port}"], env) as (url, _):
        yield url, tmp


def _render(server: str, tmp: Path, collection: str, bbox, points: dict[str, tuple[float, float]]) -> dict:
    sld = tmp / f"{collection}.sld"
    with urllib.request.urlopen(f"{server}/collections/{collection}/styles/default?f=sld") as resp:
        sld.write_bytes(resp.read())
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / f"qgis_{collection}.png"
    args = [str(v) for v in bbox] + [f"{name}:{lon}:{lat}" for name, (lon, lat) in points.items()]
    run = subprocess.run([SYSTEM_PYTHON, str(ROOT / "tests" / "qgis_render.py"), server, collection, str(sld),
                          str(png), *args], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _over_white(rgb, opacity: float) -> np.ndarray:
    return np.array(rgb) * opacity + 255 * (1 - opacity)


@needs_qgis
def test_qgis_draws_the_parcels_in_the_classification_colours(qgis_server):
    server, tmp = qgis_server
    centres = {pid: TO_WGS84.transform(*parcel_square(i).centroid.coords[0])
               for i, (pid, *_rest) in enumerate(LANDUSE_PARCELS)}
    corners = [TO_WGS84.transform(x, y) for i in range(len(LANDUSE_PARCELS))
               for x, y in parcel_square(i).exterior.coords]
    lons, lats = zip(*corners, strict=True)
    pad = 0.002
    result = _render(server, tmp, LAYER, (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad), centres)
    assert result["valid"] and result["count"] == len(LANDUSE_PARCELS)
    assert result["renderer"] == "RuleRenderer"
    for pid, _code, _name, rgb, _row in LANDUSE_PARCELS:
        if rgb is None:
            continue
        assert np.abs(np.array(result["pixels"][pid]) - _over_white(rgb, FILL_OPACITY)).max() <= 3, pid


@needs_qgis
def test_qgis_draws_the_counties_graduated_by_area(qgis_server):
    server, tmp = qgis_server
    with urllib.request.urlopen(f"{server}/collections/jinhua_counties/items?limit=100") as resp:
        features = json.load(resp)["features"]
    with urllib.request.urlopen(f"{server}/collections/jinhua_counties/styles/default?f=json") as resp:
        declared = json.load(resp)
    areas = np.array([f["properties"]["area_km2"] for f in features])
    breaks = np.quantile(areas, [1 / 3, 2 / 3])
    ramp = [np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in declared["ramp"]]
    colours = [ramp[0], (ramp[0] + ramp[1]) / 2, ramp[1]]
    import shapely

    points = {f["id"]: shapely.geometry.shape(f["geometry"]).representative_point().coords[0] for f in features}
    result = _render(server, tmp, "jinhua_counties", (118.9, 28.5, 120.8, 29.7), points)
    assert result["renderer"] == "RuleRenderer" and result["count"] == len(features)
    for f in features:
        expected = _over_white(colours[int(np.searchsorted(breaks, f["properties"]["area_km2"], side="right"))],
                               declared["fill_opacity"])
        assert np.abs(np.array(result["pixels"][f["id"]]) - expected).max() <= 3, f["properties"]["name_zh"]
