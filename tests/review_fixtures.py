"""Sites for the review tests (issue 24), built in EPSG:4549 metres around Yiwu and given as WGS84 GeoJSON."""

from __future__ import annotations

from pathlib import Path

import pyogrio
from import_fixtures import GK, centre_gk
from pyproj import Transformer

TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)


def square(x: float, y: float, side: float = 120.0) -> dict:
    """A square given in EPSG:4549 metres, as a WGS84 GeoJSON polygon."""
    ring = [TO_WGS84.transform(x + dx, y + dy) for dx, dy in ((0, 0), (side, 0), (side, side), (0, side), (0, 0))]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def generated_sites(gpkg: Path, n: int) -> dict:
    """n sites: most on a grid over Yiwu, some inside the World Capital of Light, some 80 km east (outside Yiwu);
    every third an optoelectronics project."""
    park = pyogrio.read_dataframe(gpkg, layer="world_capital_of_light").to_crs(GK).geometry[0].representative_point()
    cx, cy = centre_gk()
    features = []
    for i in range(n):
        if i % 10 == 0:
            x, y = park.x + (i % 3) * 150 - 150, park.y + (i % 7) * 40 - 120
        elif i % 10 == 1:
            x, y = cx + 80_000 + i * 10, cy
        else:
            x, y = cx - 12_000 + (i % 20) * 1_200, cy - 9_000 + (i // 20) * 1_200
        features.append({"type": "Feature", "id": f"P{i:03d}", "geometry": square(x, y),
                         "properties": {"project": "光电" if i % 3 == 0 else "warehouse"}})
    return {"type": "FeatureCollection", "features": features}
