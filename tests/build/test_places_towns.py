"""Yiwu's towns and subdistricts (layer `yiwu_towns`, role place): every built point inside the Yiwu boundary, at the
GeoNames coordinates its data records (parsed here from the page text, measured with pyproj.Geod, and checked against
reference_places.yaml where that file holds the same record), named in both languages, and as many as the division
list has minus the divisions no source located — which this test names.

The tests that read the build are in a class named for the GeoPackage, so `pytest -k gpkg` selects them."""

from __future__ import annotations

import re
from pathlib import Path

import pyogrio
import pytest
import yaml
from pyproj import Geod

from geo.build.places import resolve_reference
from geo.build.references import References
from geo.core.errors import SourceError
from layers import LAYER_ROLES, load_catalog

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "sources" / "places" / "yiwu_towns.yaml"
REFERENCE_PLACES = ROOT / "data" / "sources" / "reference_places.yaml"
PLAN = ROOT.parent / "shared" / "plan" / "yiwu-14th-five-year-plan-excerpt.paragraphs.zh.txt"
GEOD = Geod(ellps="WGS84")
LAYER = "yiwu_towns"

# The division list as of 2022-10-31 (8 subdistricts, 6 towns; sources in the data file's header).
SUBDISTRICTS = ["稠城街道", "北苑街道", "稠江街道", "江东街道", "后宅街道", "城西街道", "廿三里街道", "福田街道"]
TOWNS = ["佛堂镇", "赤岸镇", "义亭镇", "上溪镇", "大陈镇", "苏溪镇"]
# Not located from any source found (no GeoNames record in the copy searched, no document with coordinates):
NOT_LOCATED = ["稠城街道", "北苑街道", "稠江街道", "江东街道", "后宅街道", "城西街道", "廿三里街道", "福田街道",
               "赤岸镇", "义亭镇", "上溪镇", "大陈镇"]
KINDS = {"town": ("镇", "town"), "subdistrict": ("街道", "subdistrict")}


def data() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def page_lonlat(text: str) -> tuple[float, float]:
    """'29.20528, 120.01361' (lat, lon, as a geonames.org page prints them) → (lon, lat), parsed here."""
    lat, lon = (float(v) for v in re.fullmatch(r"\s*(-?\d+\.\d+),\s*(-?\d+\.\d+)\s*", text).groups())
    return lon, lat


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def plan_clause_of(text: str, quote: str) -> str | None:
    at = text.find(quote)
    if at < 0:
        return None
    last = [m for m in re.finditer(r"(?m)^(\d+)\.|^([一二三四五六七八九十]+)、", text[:at])][-1]
    return f"§{last.group(1)}" if last.group(1) else f"section {last.group(2)}"


def test_place_role_and_catalog_entry():
    assert "place" in LAYER_ROLES
    assert "| `place` | map labels of the offline basemap and place search |" in (ROOT / "README.md").read_text()
    catalog = load_catalog(data_dir=ROOT / "data")
    layer = catalog[LAYER]
    assert (layer.role, layer.group, layer.geometry, layer.builder) == ("place", "context", "point", "places")
    assert set(layer.audiences) == {"planner", "investor", "logistics"}
    assert layer.order > catalog["yiwu_boundary"].order  # drawn after (over) the boundaries
    assert layer.popup_fields == ("name_zh", "name_en", "kind", "source")
    assert layer.style.get("color") == "#495057" and layer.style.get("radius") == 3
    assert "GeoNames CC BY 4.0" in layer.licence
    assert [(r.clause, r.quote) for r in layer.plan_refs] == [("§5", "“一个市”理念规划全域")]


def test_the_data_file_lists_the_divisions_and_what_was_not_located():
    doc = data()
    assert doc["division_list"]["subdistricts"] == SUBDISTRICTS
    assert doc["division_list"]["towns"] == TOWNS
    assert doc["division_list"]["as_of"] == "2022-10-31"
    assert [p["name_zh"] for p in doc["not_located"]] == NOT_LOCATED
    assert all(p["why"] and p["name_en"] and p["kind"] in KINDS for p in doc["not_located"])
    located = [p["name_zh"] for p in doc["places"]]
    assert not set(located) & set(NOT_LOCATED)
    assert sorted(located + NOT_LOCATED) == sorted(SUBDISTRICTS + TOWNS)


def test_a_geonames_record_needs_its_page_and_the_page_must_be_its_own():
    spec = {"geonameid": 1811098, "lonlat": [120.01361, 29.20528]}
    with pytest.raises(SourceError, match="geonames_page lacks"):
        resolve_reference(spec, References(), "test")
    page = {"url": "https://www.geonames.org/1793755/suxi.html", "name": "Fotang", "feature_code": "PPL",
            "coordinates": "29.20528, 120.01361", "consulted": "2026-11-27"}
    with pytest.raises(SourceError, match="not the page of geonameid 1811098"):
        resolve_reference({**spec, "geonames_page": page}, References(), "test")


class TestYiwuTownsInTheBuiltGpkg:
    @pytest.fixture()
    def frame(self, gpkg):
        return pyogrio.read_dataframe(gpkg, layer=LAYER).set_index("feature_id")

    def test_every_point_lies_inside_the_yiwu_boundary(self, gpkg, frame):
        boundary = pyogrio.read_dataframe(gpkg, layer="yiwu_boundary").geometry[0]
        outside = [fid for fid, geom in frame.geometry.items() if not boundary.contains(geom)]
        assert not outside

    def test_each_point_is_at_its_recorded_geonames_coordinates(self, frame):
        references = {r["geonameid"]: (r["lon"], r["lat"]) for r in yaml.safe_load(REFERENCE_PLACES.read_text())
                      if r.get("geonameid")}
        for spec in data()["places"]:
            loc, row = spec["location"], frame.loc[f"{LAYER}.{spec['id']}"]
            page = loc["geonames_page"]
            assert f"geonames.org/{loc['geonameid']}/" in page["url"]
            recorded = page_lonlat(page["coordinates"])  # the page's own text, not the builder's lonlat
            assert distance_m((row.geometry.x, row.geometry.y), recorded) < 1.0, spec["id"]
            assert distance_m(tuple(loc["lonlat"]), recorded) < 1.0, spec["id"]
            if loc["geonameid"] in references:  # the same GeoNames record as another layer's reference place
                assert distance_m((row.geometry.x, row.geometry.y), references[loc["geonameid"]]) < 1.0, spec["id"]
            assert row["geonameid"] == loc["geonameid"]
            assert row["accuracy"] == "dataset_point"
            assert f"GeoNames {loc['geonameid']}" in row["source"] and page["url"] in row["source"]

    def test_names_in_both_languages_and_kind(self, frame):
        for spec in data()["places"]:
            row = frame.loc[f"{LAYER}.{spec['id']}"]
            kind_zh, kind_en = KINDS[row["kind"]]
            assert (row["kind_zh"], row["kind_en"]) == (kind_zh, kind_en)
            assert re.fullmatch(r"[\u4e00-\u9fff]+", row["name_zh"]) and row["name_zh"].endswith(kind_zh)
            assert re.fullmatch(r"[A-Z][a-z’']+", row["name_en"])  # pinyin as GeoNames writes it
            assert row["name_en"] == spec["location"]["geonames_page"]["name"]
            assert row["name_zh"] in (TOWNS if row["kind"] == "town" else SUBDISTRICTS)

    def test_count_is_the_division_list_minus_the_divisions_not_located(self, frame):
        assert len(frame) == len(SUBDISTRICTS) + len(TOWNS) - len(NOT_LOCATED)
        assert sorted(frame["name_zh"]) == sorted(set(SUBDISTRICTS + TOWNS) - set(NOT_LOCATED)) == ["佛堂镇", "苏溪镇"]

    def test_plan_quote_is_verbatim_under_clause_5(self, frame):
        if not PLAN.is_file():
            pytest.skip(f"plan text not found at {PLAN}")
        text = PLAN.read_text(encoding="utf-8")
        assert set(frame["plan_ref"]) == {"§5"}
        assert all(plan_clause_of(text, quote) == "§5" for quote in frame["plan_quote"])


def test_search_finds_the_towns_by_chinese_and_english_name(client):
    """The map search matches a substring of name_zh or name_en of the features on the page."""
    features = client.get(f"/collections/{LAYER}/items?limit=100").get_json()["features"]
    names = {(f["properties"]["name_zh"], f["properties"]["name_en"]) for f in features}
    assert names == {("佛堂镇", "Fotang"), ("苏溪镇", "Suxi")}
