"""Draw the schematic outlines that no dataset provides (run by `make schematics`; output committed).

The plan gives the 义西 area (§9, 84 km²) and the area inside the second ring (§5, 266 km²) but no
outlines; the parks (§16) have no published outlines either. Each shape here is a rounded rectangle
(superellipse) in CGCS2000 / GK CM 120°E (EPSG:4549), centred where the plan and the city's layout
put it, and scaled so its planar area equals the plan figure. Park sizes are illustrative (the plan
gives no area). The data build measures the written shapes independently and checks them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import shapely
from pyproj import Transformer

SHAPES = [
    {
        "file": "yixi_84.geojson", "id": "yixi_84", "name_zh": "义西板块", "name_en": "Yixi area (west Yiwu)",
        "centre": (119.972, 29.303), "aspect": 1.35, "rotation_deg": 0.0, "area_km2": 84.0,
        "plan_ref": "§9", "placement": "western Yiwu around the rail port, land port and new import market",
        "extra": {"plan_quote": "带动义西板块84平方公里大建设大开发", "year": 2025},
    },
    {
        "file": "second_ring_266.geojson", "id": "second_ring_266", "name_zh": "城市二环内",
        "name_en": "Inside the second ring road", "centre": (120.060, 29.318), "aspect": 0.9,
        "rotation_deg": -30.0, "area_km2": 266.0, "plan_ref": "§5",
        "placement": "centred on the city core (稠城, 北苑, 江东, 稠江)",
        "extra": {"plan_quote": "城市二环内266平方公里加快大建设大开发", "year": 2025},
    },
    {
        "file": "world_capital_of_light.geojson", "id": "world_capital_of_light.suxi",
        "name_zh": "世界光明之都（信息光电高新区）", "name_en": "World Capital of Light (optoelectronics high-tech zone)",
        "centre": (120.118, 29.392), "aspect": 1.4, "rotation_deg": 20.0, "area_km2": 12.0,
        "plan_ref": "§16", "placement": "Suxi / high-tech zone north of the city; size illustrative",
        "extra": {"plan_quote": "世界光明之都全力打造国家光伏产品智造基地，加快形成智能显示产业集聚高地。到 2025 年核心企业实现产值 1000 亿元，其中半导体产业总产值突破200 亿元",
                  "industries_zh": "光伏、智能显示、半导体", "industries_en": "photovoltaics, smart displays, semiconductors",
                  "target_output_2025_yi_yuan": 1000, "target_semiconductor_2025_yi_yuan": 200, "year": 2025},
    },
    {
        "file": "green_power_town.geojson", "id": "green_power_town.kaifaqu", "name_zh": "绿色动力小镇",
        "name_en": "Green Power Town", "centre": (120.052, 29.238), "aspect": 1.3,
        "rotation_deg": -15.0, "area_km2": 3.5, "plan_ref": "§16",
        "placement": "Yiwu economic and technological development zone, south of the city; size illustrative",
        "extra": {"plan_quote": "绿色动力小镇积极招引汽车零部件企业，力争再引入高质量的新能源整车企业……到 2025 年绿色动力小镇实现产值 300 亿元",
                  "industries_zh": "汽车零部件、新能源整车", "industries_en": "auto parts, new-energy vehicles",
                  "target_output_2025_yi_yuan": 300, "year": 2025},
    },
]
TO_GK = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)


def superellipse(cx: float, cy: float, a: float, b: float, rot_deg: float, n: int = 96, p: float = 3.0):
    """Rounded rectangle |x/a|^p + |y/b|^p = 1, rotated, as a shapely polygon in metres."""
    pts, rot = [], math.radians(rot_deg)
    for i in range(n):
        t = 2 * math.pi * i / n
        c, s = math.cos(t), math.sin(t)
        x = a * math.copysign(abs(c) ** (2 / p), c)
        y = b * math.copysign(abs(s) ** (2 / p), s)
        pts.append((cx + x * math.cos(rot) - y * math.sin(rot), cy + x * math.sin(rot) + y * math.cos(rot)))
    return shapely.Polygon(pts)


def draw(spec: dict) -> dict:
    cx, cy = TO_GK.transform(*spec["centre"])
    unit = superellipse(cx, cy, spec["aspect"], 1.0, spec["rotation_deg"])
    scale = math.sqrt(spec["area_km2"] * 1e6 / unit.area)
    shape = superellipse(cx, cy, spec["aspect"] * scale, scale, spec["rotation_deg"])
    lonlat = shapely.transform(shape, lambda xy: list(zip(*TO_LONLAT.transform(xy[:, 0], xy[:, 1]), strict=False)))
    lonlat = shapely.set_precision(lonlat, 1e-6)
    props = {k: spec[k] for k in ("id", "name_zh", "name_en", "plan_ref", "placement")}
    props.update(spec.get("extra", {}))
    props["drawn_area_km2"] = spec["area_km2"]
    return {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(lonlat))}


def main() -> None:
    out = Path("data/sources/schematic")
    out.mkdir(parents=True, exist_ok=True)
    for spec in SHAPES:
        doc = {"type": "FeatureCollection", "features": [draw(spec)]}
        tmp = out / (spec["file"] + ".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(out / spec["file"])
        print(out / spec["file"])


if __name__ == "__main__":
    main()
