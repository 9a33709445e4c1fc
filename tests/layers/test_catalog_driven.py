"""The catalog is the one source of truth: a zone and a park added through a temporary catalog directory and their
data files only (no code) appear in the site report, /plan/figures, /parks, /parks/compare, the raster class map,
the investor and planner maps; and no layer id of the catalog is written in the code of api/, webmap/ or geo/."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import shapely
import yaml
from pyproj import Transformer

from geo.build.pipeline import build
from geo.core.settings import load_settings
from server import create_app

ROOT = Path(__file__).resolve().parents[2]
TO_LONLAT = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)
ZONE_KM2, PARK_KM2 = 6.0, 1.5
CENTRE_GK = (510_000.0, 3_245_000.0)  # EPSG:4549, inside Yiwu (east of the city centre)


def square_lonlat(half_side_m: float, dx: float = 0.0) -> shapely.Polygon:
    cx, cy = CENTRE_GK[0] + dx, CENTRE_GK[1]
    ring = [(cx - half_side_m, cy - half_side_m), (cx + half_side_m, cy - half_side_m),
            (cx + half_side_m, cy + half_side_m), (cx - half_side_m, cy + half_side_m)]
    return shapely.Polygon([TO_LONLAT.transform(x, y) for x, y in ring])


def entry(layer_id: str, role: str, group: str, title: str, area: float, path: str) -> dict:
    return {"id": layer_id, "title": {"zh": title, "en": title}, "group": group, "role": role, "geometry": "polygon",
            "order": 35, "accuracy": "schematic", "audiences": ["planner", "investor"],
            "source": {"builder": "file", "name": "test outline", "licence": "test",
                       "files": [{"path": path, "crs": "EPSG:4326"}]},
            "plan_refs": [{"clause": "§9", "quote": "测试"}],
            "figures": [{"key": "area_km2", "value": area, "unit": "km²", "measure": "area_km2", "tolerance_pct": 1,
                         "clause": "§9", "label_zh": title, "label_en": title}],
            "style": {"color": "#123456", "fill_color": "#abcdef"},
            "popup_fields": ["name_zh", "name_en", "industries_zh", "area_km2"]}


def write_layer(data: Path, catalog: Path, spec: dict, geom: shapely.Polygon, props: dict) -> None:
    path = data / spec["source"]["files"][0]["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": props,
                                                      "geometry": json.loads(shapely.to_geojson(geom))}]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (catalog / f"{spec['id']}.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def grown(tmp_path_factory, data_dir):
    """A copy of the data and the catalog with one more zone and one more park, built by the build command."""
    root = tmp_path_factory.mktemp("grown")
    data, catalog = root / "data", root / "catalog"
    shutil.copytree(data_dir / "sources", data / "sources")
    shutil.copytree(ROOT / "layers" / "catalog", catalog)
    zone = square_lonlat((ZONE_KM2 * 1e6) ** 0.5 / 2)
    park = square_lonlat((PARK_KM2 * 1e6) ** 0.5 / 2)
    write_layer(data, catalog, entry("test_zone", "zone", "zones", "测试分区", ZONE_KM2, "sources/test/zone.geojson"),
                zone, {"id": "a", "name_zh": "测试分区", "name_en": "Test zone"})
    write_layer(data, catalog, entry("test_park", "park", "parks", "测试园区", PARK_KM2, "sources/test/park.geojson"),
                park, {"id": "b", "name_zh": "测试园区", "name_en": "Test park", "industries_zh": "测试产业"})
    build(load_settings({"data_dir": data, "catalog_dir": catalog}))
    app = create_app({"TESTING": True, "DATA_DIR": data, "CATALOG_DIR": catalog})
    return app.test_client(), zone, park


def test_the_new_zone_and_park_are_in_the_site_report(grown):
    client, zone, park = grown
    report = client.post("/analysis/site", json=json.loads(shapely.to_geojson(zone))).get_json()
    overlaps = {z["layer"]: z for z in report["zones"]}
    assert overlaps["test_zone"]["overlap_pct"] == pytest.approx(100, abs=0.01)
    assert overlaps["test_park"]["overlap_pct"] == pytest.approx(PARK_KM2 / ZONE_KM2 * 100, rel=0.01)
    assert report["nearest_venues"]["park"]["id"] == "test_park.b"


def test_the_new_area_figures_are_reconciled(grown):
    client, _, _ = grown
    rows = {r["layer"]: r for r in client.get("/plan/figures").get_json()["figures"] if r["measure"] == "area_km2"}
    assert rows["test_zone"]["measured"] == pytest.approx(ZONE_KM2, rel=0.001) and rows["test_zone"]["status"] == "ok"
    assert rows["test_park"]["measured"] == pytest.approx(PARK_KM2, rel=0.001)


def test_the_new_park_is_summarised_compared_and_in_the_class_map(grown):
    client, _, _ = grown
    parks = {p["id"]: p for p in client.get("/parks").get_json()["parks"]}
    assert parks["test_park.b"]["industries_zh"] == "测试产业" and parks["test_park.b"]["distance_km"]["airport"] > 0
    assert "test_zone" in {z["layer"] for z in parks["test_park.b"]["zones"]}
    pair = client.get("/parks/compare?ids=test_park.b,world_capital_of_light.suxi").get_json()["parks"]
    assert [p["id"] for p in pair] == ["test_park.b", "world_capital_of_light.suxi"]
    classes = client.get("/rasters/plan_zones?lang=en").get_json()["legend"]["classes"]
    code = next(c["code"] for c in classes if c["title"] == "测试园区")
    lon, lat = TO_LONLAT.transform(*CENTRE_GK)
    assert client.get(f"/rasters/plan_zones/point?lon={lon}&lat={lat}").get_json()["value"] == code


@pytest.mark.parametrize("path", ["/map/planner", "/map/investor"])
def test_the_new_layers_are_on_the_maps(grown, path):
    client, _, _ = grown
    html = client.get(path).get_data(as_text=True)
    assert '"id": "test_zone"' in html and '"id": "test_park"' in html


def test_no_layer_id_of_the_catalog_is_written_in_the_code():
    ids = [yaml.safe_load(f.read_text(encoding="utf-8"))["id"] for f in (ROOT / "layers" / "catalog").glob("*.yaml")]
    ids += [yaml.safe_load(f.read_text(encoding="utf-8"))["id"] for f in (ROOT / "layers" / "rasters").glob("*.yaml")]
    # a string literal that is a layer id or starts a feature id ("corridors", 'yixi_84.x'), or a JS lookup of one
    pattern = re.compile(r"""(["'`])(%s)(["'`]|\.[a-z0-9_])|layers(\.|\[["'])(%s)\b""" % (("|".join(ids),) * 2))
    found = []
    for folder in ("api", "webmap", "geo"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".js", ".html") or "node_modules" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)
