"""Indicators with progress (issue #14): every quantitative target, operator, basis, reported values with
their sources, and a traffic light recomputed here independently from the raw YAML."""

from datetime import date

import pytest
import yaml
from markupsafe import escape


@pytest.fixture(scope="module")
def raw(data_dir):
    return {i["id"]: i for i in yaml.safe_load((data_dir / "sources/plan_indicators.yaml").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def items(app):
    with app.test_client() as client:
        return {i["id"]: i for i in client.get("/indicators").get_json()["indicators"]}


def satisfied(value, target, op):
    return value >= target if op in ("=", ">=") else value > target if op == ">" else value <= target if op == "<=" else value < target


def test_every_quantitative_target_is_listed_with_operator_basis_and_year(items):
    assert len(items) >= 70
    for iid, item in items.items():
        assert item["comparison"] in ("=", ">=", ">", "<=", "<"), iid
        assert item["basis"] in ("stock", "annual", "cumulative", "annual_average", "each_year", "rank", "milestone", "ratio"), iid
        assert isinstance(item["aim"], bool) and item["target_year"], iid
    for iid in ("new_financial_orgs", "bonded_imports_2025", "foreign_brands", "import_stores", "logistics_firms",
                "truck_trips", "nmb_listings", "industrial_land", "industrial_value_added_growth", "incubators",
                "city_brain_scenarios", "express_rank"):
        assert iid in items, iid
    assert items["rd_share"]["comparison"] == ">="  # 达 = reach
    assert items["yixinou_trains"]["basis"] == "annual" and items["yixinou_trains"]["basis_note"]
    assert items["chinagoods_3yr"]["aim"] is True and items["chinagoods_3yr"]["target_year_note"]
    assert items["import_market_floor_area"]["aim"] is True  # 力争


def test_reported_values_carry_a_date_and_a_source(raw):
    """No reported value without its date and its source (title, publisher, date or null, web address)."""
    for iid, item in raw.items():
        for r in item.get("reported") or []:
            assert r["value"] is not None and date.fromisoformat(str(r["as_of"])), iid
            src = r["source"]
            assert src["title"] and src["publisher"] and "published" in src, iid
            assert src["url"].startswith(("http://", "https://")), iid
            assert r["note_zh"] and r["note_en"] and r["quote"], iid


def test_lights_recomputed_independently(raw, items):
    for iid, item in raw.items():
        if item.get("plan_period", "14th-fyp") != "14th-fyp":  # /indicators lists the 14th plan by default
            continue
        usable = sorted((r for r in item.get("reported") or [] if r.get("comparable", True)), key=lambda r: str(r["as_of"]))
        light = items[iid]["progress"]["light"]
        if not usable:
            assert light == "no data", iid
            continue
        latest = usable[-1]
        if satisfied(float(latest["value"]), float(item["value"]), item["comparison"]):
            assert light == "met", iid
        else:
            assert light in ("on track", "behind", "no data"), iid
    trains = raw["yixinou_trains"]  # the Yiwu platform's series (the brand total 1,399 of 2020 adds Jinhua's)
    start, end, at = date(2020, 12, 31), date(2025, 12, 31), date(2024, 12, 31)
    expected = 974 + (3000 - 974) * (at - start).days / (end - start).days
    assert trains["baseline"]["value"] == 974 and 1300 < expected
    assert items["yixinou_trains"]["progress"]["light"] == "behind"
    assert items["yixinou_trains"]["progress"]["expected_at_latest"] == pytest.approx(expected, abs=0.01)
    assert items["express_rank"]["progress"]["light"] == "behind"  # still 2nd in 2023, 1st by 2025 planned
    assert items["overseas_warehouses"]["progress"]["light"] == "met"  # 210 by Sept 2023 against 200
    assert items["yixinou_return_share"]["progress"]["light"] == "met"


def test_no_reported_value_means_no_data_and_is_said(client, items):
    empty = [i for i in items.values() if not i["reported"]]
    assert empty and all(i["progress"]["light"] == "no data" for i in empty)
    page = client.get("/indicators?f=html&lang=en").get_data(as_text=True)
    assert "no reported value found" in page and "light-on-track" in page and "light-behind" in page
    assert str(escape(items["express_rank"]["label_en"])) in page
    summary = client.get("/indicators").get_json()["lights"]
    assert sum(summary.values()) == len(items) and summary["met"] >= 4
