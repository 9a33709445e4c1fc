"""Synthetic land parcels over Yiwu, the size of a county's real survey data (三调 / 控规地块): an irregular
quadrilateral grid in CGCS2000 / GK CM 120°E (EPSG:4549) clipped to the city boundary, each parcel with a
land-use class of 《国土空间调查、规划、用途管制用地用海分类指南》 (自然资源部, 2023), its area, a name and a year.

`python -m bench.parcels --count 100000 --out data/sources/parcels.gpkg [--catalog-dir DIR]` writes the parcels
(EPSG:4549, as a planning office delivers them) and, with --catalog-dir, the catalog entry that adds them as a
layer through the documented path (README "Adding a layer")."""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
import yaml

from geo.core.crs import gcj02_frame_to_wgs84

LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
# 一级类 of the 2023 classification (code, name) with a rough share of Yiwu's land
LAND_USE = [("01", "耕地", 0.16), ("02", "园地", 0.05), ("03", "林地", 0.33), ("04", "草地", 0.01), ("05", "湿地", 0.01),
            ("06", "农业设施建设用地", 0.02), ("07", "居住用地", 0.12), ("08", "公共管理与公共服务用地", 0.03),
            ("09", "商业服务业用地", 0.04), ("10", "工矿用地", 0.08), ("11", "仓储用地", 0.03), ("12", "交通运输用地", 0.06),
            ("13", "公用设施用地", 0.01), ("14", "绿地与开敞空间用地", 0.02), ("16", "留白用地", 0.01), ("17", "陆地水域", 0.02)]


def city_boundary() -> shapely.Geometry:
    """Yiwu's boundary, in EPSG:4549: from the committed cnmaps extract (GCJ-02, shifted to WGS84 as the build does),
    so the parcels are the same whether or not `make data` has run."""
    frame = gpd.read_file(ROOT / "data" / "sources" / "cnmaps" / "330782.geojson").set_crs(4326, allow_override=True)
    return gcj02_frame_to_wgs84(frame).to_crs(4549).geometry.union_all()


def parcels(count: int, seed: int = 14) -> gpd.GeoDataFrame:
    """About `count` parcels inside the boundary: a jittered grid (shared corners, so they tile without gaps)."""
    boundary = city_boundary()
    rng = np.random.default_rng(seed)
    side = math.sqrt(boundary.area / count)
    minx, miny, maxx, maxy = boundary.bounds
    nx, ny = int((maxx - minx) / side) + 2, int((maxy - miny) / side) + 2
    gx, gy = np.meshgrid(minx + side * np.arange(nx + 1), miny + side * np.arange(ny + 1))
    gx = gx + rng.uniform(-0.3, 0.3, gx.shape) * side
    gy = gy + rng.uniform(-0.3, 0.3, gy.shape) * side
    corners = np.stack([np.stack([gx[:-1, :-1], gy[:-1, :-1]], -1), np.stack([gx[:-1, 1:], gy[:-1, 1:]], -1),
                        np.stack([gx[1:, 1:], gy[1:, 1:]], -1), np.stack([gx[1:, :-1], gy[1:, :-1]], -1)], axis=2)
    rings = corners.reshape(-1, 4, 2)
    centres = rings.mean(axis=1)
    keep = shapely.contains_xy(boundary, centres[:, 0], centres[:, 1])
    geoms = shapely.polygons(np.concatenate([rings[keep], rings[keep][:, :1]], axis=1))
    return attributes(geoms, rng)


def attributes(geoms: np.ndarray, rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = len(geoms)
    classes = rng.choice(len(LAND_USE), size=n, p=[c[2] / sum(c[2] for c in LAND_USE) for c in LAND_USE])
    codes = np.array([c[0] for c in LAND_USE])[classes]
    names = np.array([c[1] for c in LAND_USE])[classes]
    ids = np.array([f"YW{i:07d}" for i in range(n)])
    return gpd.GeoDataFrame({"id": ids, "landuse_code": codes, "landuse_zh": names,
                             "name_zh": np.char.add(names, np.char.add("地块", ids)),
                             "name_en": np.char.add("Parcel ", ids),
                             "area_m2": np.round(shapely.area(geoms), 1),
                             "year": rng.integers(2015, 2026, size=n).astype("int32")},
                            geometry=geoms, crs="EPSG:4549")


def catalog_entry(layer_id: str, path: str) -> dict:
    return {"id": layer_id, "title": {"zh": "地块（合成测试数据）", "en": "Parcels (synthetic test data)"},
            "group": "context", "role": "context", "geometry": "polygon", "order": 90, "accuracy": "schematic",
            "audiences": ["planner"],
            "source": {"builder": "file", "name": "bench/parcels.py synthetic parcels (not real data)",
                       "licence": "test data", "files": [{"path": path, "crs": "EPSG:4549"}]},
            "plan_refs": [{"clause": "§5", "quote": "城市二环内266平方公里加快大建设大开发"}],
            # classed by land use as an office's parcels are drawn: the tiles and the pyramid carry the class field
            "style": {"kind": "categorized", "field": "landuse_code", "palette": "landuse", "color": "#495057",
                      "fill_opacity": 0.6, "weight": 0.5},
            "popup_fields": ["name_zh", "name_en", "landuse_code", "landuse_zh", "area_m2", "year"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parcels")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True, help="a .gpkg under the data directory's sources/")
    parser.add_argument("--catalog-dir", type=Path, help="also write <layer id>.yaml here")
    parser.add_argument("--layer-id", default="parcels")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    frame = parcels(args.count)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(frame, args.out, layer=args.layer_id, driver="GPKG")
    LOGGER.info("%d parcels written to %s", len(frame), args.out)
    if args.catalog_dir:
        relative = Path(*args.out.resolve().parts[args.out.resolve().parts.index("sources"):]).as_posix()
        entry = catalog_entry(args.layer_id, relative)
        (args.catalog_dir / f"{args.layer_id}.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True),
                                                                encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
