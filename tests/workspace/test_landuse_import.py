"""A GeoPackage of parcels coded by the 用地用海分类指南, imported through POST /imports: its QC report proposes the
land-use palette, the layer is drawn in the classification's colours (the planner map's overlay and legend: the classes
present, the unknown code in the other class; the site report's map), and its vector tiles carry the class field (GDAL's MVT driver)."""

from __future__ import annotations

import json
import re

import morecantile
import pyogrio
import pytest
import shapely
from import_fixtures import GK, import_by_editor
from landuse_fixtures import CODE_FIELD, LANDUSE_PARCELS, hex_of, landuse_gpkg, parcel_square
from pyproj import Transformer

from server import create_app

LAYER = "landuse_parcels"
FORM = {"id": LAYER, "title_zh": "用地用海现状（测试）", "title_en": "Land use (test)", "role": "zone",
        "plan_ref": "§5", "id_field": "地块编号", "access": "public"}
TMS = morecantile.tms.get("WebMercatorQuad")
TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)


@pytest.fixture(scope="module")
def landuse(tmp_path_factory, data_dir):
    """The app with its own workspace and the parcels imported by an editor (the import's answer)."""
    tmp = tmp_path_factory.mktemp("landuse")
    app = create_app({"TESTING": True, "data_dir": data_dir, "workspace_path": tmp / "workspace.gpkg"})
    _, resp = import_by_editor(app, "lu_editor", landuse_gpkg(tmp), FORM)
    return app, resp.get_json()


def _legend(html: str) -> dict:
    match = re.search(r"YiwuMap\.legend\([^,{]+, ", html)
    return {e["id"]: e for e in json.JSONDecoder().raw_decode(html, match.end())[0]["entries"]}


def test_the_qc_report_proposes_the_landuse_palette(landuse):
    _, body = landuse
    report = body["report"]
    assert report["style"] == {"kind": "categorized", "field": CODE_FIELD, "palette": "landuse"}
    message = next(m for m in report["messages"] if m["code"] == "palette_style")
    assert "附录B" in message["zh"] and CODE_FIELD in message["en"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_planner_map_draws_the_classes_present_in_their_colours(landuse, lang):
    app, _ = landuse
    html = app.test_client().get("/map/planner" + ("?lang=en" if lang == "en" else "")).get_data(as_text=True)
    rows = _legend(html)[LAYER]["classes"]
    coded = [p for p in LANDUSE_PARCELS if p[3] is not None]
    assert {r["value"]: r["color"] for r in rows if r["value"]} == {code: hex_of(rgb) for _, code, _, rgb, _ in coded}
    assert rows[-1]["value"] is None and rows[-1]["title"] == ("其他" if lang == "zh" else "Other")
    titles = {r["value"]: r["title"] for r in rows}
    assert titles["0701"] == ("0701 城镇住宅用地" if lang == "zh" else "0701 Urban residential land")
    overlays = [json.JSONDecoder().raw_decode(html, m.end())[0] for m in re.finditer(r"YiwuMap\.geojsonLayer\(", html)]
    style = next(o for o in overlays if o["id"] == LAYER)["style"]
    assert style["class_field"] == CODE_FIELD and style["class_fill"]
    assert style["classes"]["1001"] == hex_of((187, 150, 116)) and style["other_color"] == style["color"]


def test_the_tiles_carry_the_class_field(landuse, tmp_path):
    app, _ = landuse
    z = 12  # one tile holds every parcel (about 10 km across)
    tile = TMS.tile(120.085, 29.307, z)
    resp = app.test_client().get(f"/collections/{LAYER}/tiles/WebMercatorQuad/{z}/{tile.y}/{tile.x}")
    assert resp.status_code == 200
    path = tmp_path / str(z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(resp.data)
    decoded = pyogrio.read_dataframe(path, layer=None)
    codes = {pid: code for pid, code, *_ in LANDUSE_PARCELS}
    assert len(decoded) == len(LANDUSE_PARCELS)
    for fid, code in zip(decoded["feature_id"], decoded[CODE_FIELD], strict=True):
        assert codes[fid] == code


def test_the_importer_may_decline_the_palette(landuse, tmp_path):
    app, _ = landuse
    _, resp = import_by_editor(app, "lu_editor2", landuse_gpkg(tmp_path),
                               {**FORM, "id": "landuse_plain", "no_palette_style": "on"})
    assert resp.get_json()["report"]["style"]["palette"] == "landuse"  # still proposed in the report
    style = app.test_client().get("/collections/landuse_plain/styles/default?f=json").get_json()
    assert style["kind"] == "single"
    assert app.test_client().get(f"/collections/{LAYER}/styles/default?f=json").get_json()["palette"] == "landuse"


def test_the_site_report_map_draws_the_parcels_in_their_class_colours(landuse):
    app, _ = landuse
    corners = [TO_WGS84.transform(x, y) for i in range(3) for x, y in parcel_square(i).exterior.coords]
    lons, lats = zip(*corners, strict=True)
    site = json.loads(shapely.to_geojson(shapely.box(min(lons) - 0.001, min(lats) - 0.001, max(lons) + 0.001,
                                                     max(lats) + 0.001)))
    page = app.test_client().post("/analysis/site?f=html", json=site).get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>")]
    for _pid, _code, _name, rgb, _row in LANDUSE_PARCELS[:3]:
        assert f'fill="{hex_of(rgb)}"' in svg, rgb
