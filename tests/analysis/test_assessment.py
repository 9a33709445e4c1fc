"""The end-of-period assessment (issue 22): the final-status rule on edge cases (≥ vs >, 力争, stock vs annual vs
cumulative vs each year vs yearly average, bounds), a sample of reported values against the numbers the cited
documents print (as recorded in their quotes), and no reported value without its source."""

import re

import pytest
import yaml

from geo.analysis.assessment import final_status


def target(**kw):
    base = {"id": "t", "value": 100, "comparison": ">=", "basis": "annual", "target_year": 2025, "aim": False,
            "unit": "亿元", "reported": []}
    return {**base, **kw}


def value(v, as_of, comparable=True, **kw):
    return {"value": v, "as_of": as_of, "comparable": comparable, **kw}


def test_at_the_target_ge_meets_and_gt_does_not():
    at = [value(100, "2025-12-31")]
    assert final_status(target(comparison=">=", reported=at)).status == "met"
    assert final_status(target(comparison=">", reported=at)).status == "not met"
    assert final_status(target(comparison="=", reported=at)).status == "met"  # a bare figure: reached at N
    assert final_status(target(comparison="<=", value=1, basis="rank", reported=[value(1, "2025-12-31")])).status == "met"
    assert final_status(target(comparison="<", value=1, basis="rank", reported=[value(1, "2025-12-31")])).status == "not met"


def test_an_aim_is_judged_on_the_same_figure_and_says_so():
    missed = final_status(target(aim=True, reported=[value(99.9, "2025-12-31")]))
    assert missed.status == "not met" and missed.aim
    assert final_status(target(aim=True, reported=[value(100, "2025-12-31")])).status == "met"


def test_a_stock_reached_once_is_met_an_annual_flow_needs_its_year():
    early = [value(120, "2023-12-31"), value(90, "2024-12-31")]
    assert final_status(target(basis="stock", reported=early)).status == "met"
    assert final_status(target(basis="cumulative", reported=early)).status == "met"
    annual = final_status(target(basis="annual", reported=early))
    assert annual.status == "partly" and annual.rule == "met_earlier"
    assert final_status(target(basis="annual", reported=[value(90, "2024-12-31")])).status == "no public data"
    short = final_status(target(basis="stock", reported=[value(90, "2025-12-31")]))
    assert short.status == "not met" and short.rule == "short_at_end"
    assert final_status(target(basis="stock", reported=[value(90, "2024-06-30")])).status == "no public data"


def test_each_year_and_yearly_average():
    years = {y: value(v, f"{y}-12-31") for y, v in zip(range(2021, 2026), (20, 12, 16, 14, 15), strict=True)}
    growth = target(basis="annual_average", value=15, unit="%", reported=list(years.values()))
    product = 1.20 * 1.12 * 1.16 * 1.14 * 1.15
    assert (product ** 0.2 - 1) * 100 > 15  # compound 15.4%, an independent computation
    assert final_status(growth).status == "met"
    assert final_status({**growth, "reported": list(years.values())[:4]}).status == "no public data"
    each = target(basis="each_year", value=13, reported=list(years.values()))
    assert final_status(each).status == "not met"  # 12 in 2022
    some = target(basis="each_year", value=10, reported=list(years.values())[:3])
    assert final_status(some).status == "partly"
    assert final_status({**some, "reported": list(years.values())}).status == "met"


def test_a_bound_can_show_a_target_met_never_missed():
    part = value(120, "2025-08-31", comparable=False, bound="lower")
    assert final_status(target(reported=[part])).status == "met"
    low = value(80, "2025-08-31", comparable=False, bound="lower")
    assert final_status(target(reported=[low])).status == "no public data"
    assert final_status(target(comparison="<=", reported=[part])).status == "no public data"  # wrong direction
    context = value(500, "2025-12-31", comparable=False)
    assert final_status(target(reported=[context])).status == "no public data"


def test_a_later_target_year_is_not_due():
    assert final_status(target(target_year=2035, reported=[value(500, "2025-12-31")])).status == "not due"


@pytest.fixture(scope="module")
def raw(data_dir):
    return {i["id"]: i for i in yaml.safe_load((data_dir / "sources/plan_indicators.yaml").read_text(encoding="utf-8"))}


def numbers(text: str) -> set[float]:
    """Every figure of a text: 1,569 as 1569, and a decimal comma (105,8 in Italian) as 105.8 too."""
    found = set()
    for n in re.findall(r"\d+(?:[.,]\d+)*", text):
        found.add(float(n.replace(",", "")))
        if n.count(",") == 1 and "." not in n:
            found.add(float(n.replace(",", ".")))
    return found


# (target, as_of, the figure the document prints, its factor to the target's unit: billion yuan x 10 = 亿元)
SAMPLE = [("gdp_2025", "2023-12-31", 2055.62, 1), ("gdp_2025", "2023-12-31", 205.56, 10),
          ("gdp_2025", "2020-12-31", 148.56, 10), ("imports_2025", "2025-12-31", 105.8, 10),
          ("yixinou_return_share", "2022-12-31", 42.9, 1), ("yixinou_return_share", "2020-12-31", 8.5, 1),
          ("yixinou_trains", "2022-12-31", 1569, 1), ("yixinou_trains", "2024-12-31", 1300, 1),
          ("overseas_warehouses", "2023-09-05", 210, 1), ("ecommerce_sales", "2021-12-31", 371.51, 10),
          ("industrial_value_added_growth", "2023-12-31", 6.8, 1)]


def test_a_sample_of_values_matches_the_cited_numbers(raw):
    """Each sampled value is the figure its document prints (as quoted), times the stated unit factor."""
    for iid, as_of, printed, factor in SAMPLE:
        entries = [r for r in raw[iid]["reported"] if r["as_of"] == as_of and r["comparable"]]
        match = [r for r in entries if printed in numbers(r["quote"])]
        assert match, (iid, as_of, [r["quote"] for r in entries])
        assert any(r["value"] == pytest.approx(printed * factor) for r in match), (iid, as_of)
        if factor != 1:
            assert all("derivation" in r for r in match if r["value"] != printed), iid


def test_derived_values_say_how(raw):
    share = next(r for r in raw["yixinou_return_share"]["reported"] if r["as_of"] == "2022-06-30")
    assert "338 / 808" in share["derivation"] and share["value"] == pytest.approx(round(338 / 808 * 100, 1))
    imports = next(r for r in raw["imports_2025"]["reported"] if r["as_of"] == "2023-12-31")
    assert imports["value"] == pytest.approx((566.05 - 500.57) * 10, abs=0.05) and "500.57" in imports["derivation"]


def test_no_reported_value_lacks_a_source_and_twenty_targets_have_one(raw):
    with_values = [iid for iid, item in raw.items() if item["reported"]]
    assert len(with_values) >= 20, len(with_values)
    for iid, item in raw.items():
        for r in item["reported"]:
            src = r["source"]
            assert src["title"] and src["publisher"] and src["publisher_zh"] and re.match(r"https?://\S+$", src["url"]), iid
            assert src["published"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(src["published"])), iid
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(r["as_of"])), iid
        if not any(r["comparable"] for r in item["reported"]) and item["target_year"] <= 2025:
            assert item.get("no_data_zh") and item.get("no_data_en"), iid  # "no data" says why


def test_the_endpoint_gives_every_target_a_final_status(client):
    doc = client.get("/assessment").get_json()
    targets = [t for s in doc["sections"] for t in s["targets"]]
    assert doc["count"] == len(targets) == 76 and sum(doc["statuses"].values()) == 76
    by_id = {t["id"]: t["final"] for t in targets}
    assert by_id["gdp_2025"]["status"] == "met" and by_id["imports_2025"]["rule"] == "year_met"
    assert by_id["market_procurement_trade"]["rule"] == "bound_reached"
    assert by_id["gdp_2035"]["status"] == "not due"
    page = client.get("/assessment?f=html&lang=en").get_data(as_text=True)
    assert page.count("<svg class=\"series\"") >= 20 and "Counts by status" in page
    pdf = client.get("/assessment?f=pdf&period=territorial-2021-2035")  # two pages: the PDF path, quickly
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data[:5] == b"%PDF-"
    assert 'filename="yiwu-assessment-territorial-2021-2035-zh.pdf"' in pdf.headers["Content-Disposition"]


@pytest.mark.slow
def test_the_pdf_report_has_the_summary_charts_and_sources(client, tmp_path):
    """The A4 report of the 14th plan: summary first, then every section with its charts' labels and sources."""
    from tests.analysis.test_site_report import pdf_text

    pdf = client.get("/assessment?f=pdf")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    text = pdf_text(pdf.data, tmp_path)
    summary = text[:text.index("二〇三五年远景目标", text.index("合计"))]  # the summary table comes before section one
    assert "按状态统计" in summary and "七、打好城市大脑为先导的数字牌" in summary
    assert "2055.62" in text and "1058" in text and "Yiwu leads in R&D investment" in text  # chart labels, sources
    assert client.get("/assessment?f=pdf").data == pdf.data  # made once per data version (it takes seconds)


def test_later_plans_are_periods_the_pages_choose(client):
    """The territorial plan's targets (found in its public summary) are their own period; the 15th plan, not found,
    is said so; the 14th plan stays the default of /indicators and /assessment."""
    assert {i["plan_period"] for i in client.get("/indicators").get_json()["indicators"]} == {"14th-fyp"}
    territorial = client.get("/assessment?period=territorial-2021-2035").get_json()
    targets = [t for s in territorial["sections"] for t in s["targets"]]
    assert {t["id"] for t in targets} == {"resident_population_2035", "urbanisation_2035"}
    assert all(t["quote_source"]["url"].startswith("https://") for t in targets)
    assert territorial["statuses"]["not due"] == 2 and territorial["period"]["approval"]["date"] == "2024-06-28"
    fifteenth = client.get("/assessment?period=15th-fyp").get_json()
    assert fifteenth["count"] == 0 and fifteenth["period"]["found"] is False and fifteenth["period"]["searched"]
    page = client.get("/assessment?f=html&period=15th-fyp").get_data(as_text=True)
    assert "未在公开来源中找到" in page
    bad = client.get("/assessment?period=16th")
    assert bad.status_code == 400 and "period" in bad.get_json()["description"]


def test_the_language_check_fails_an_english_note_on_the_chinese_page(client):
    """The data's notes are checked like page words: an English note left on the zh page is found."""
    from tests.api.test_page_language import problems

    page = client.get("/assessment?f=html").get_data(as_text=True)
    assert not problems(page, "zh", set())
    note = "2020年为规划基期。"
    assert note in page
    found = problems(page.replace(note, "Base year 2020 (plan base year).", 1), "zh", set())
    assert any("English in the Chinese page" in f for f in found), found


def test_a_value_without_its_source_is_refused_at_load(tmp_path):
    from geo.analysis.indicators import load_indicators
    from geo.core.errors import SourceError

    good = {"value": 1, "as_of": "2024-12-31", "comparable": True, "quote": "q", "note_zh": "说明", "note_en": "note",
            "source": {"title": "T", "publisher": "P", "publisher_zh": "发布者", "published": None,
                       "url": "https://example.org/a"}}
    base = {"id": "t", "clause": "§5", "theme": "economy", "value": 1, "unit": "个", "target_year": 2025,
            "label_zh": "测试", "label_en": "test", "quote": "q"}
    path = tmp_path / "ind.yaml"
    path.write_text(yaml.safe_dump([{**base, "reported": [good]}], allow_unicode=True), encoding="utf-8")
    assert load_indicators(path, set())[0]["reported"][0]["source"]["url"] == "https://example.org/a"
    broken = [{**good, "source": {**good["source"], "url": ""}}, {k: v for k, v in good.items() if k != "source"},
              {**good, "source": {k: v for k, v in good["source"].items() if k != "published"}},
              {**good, "source": {**good["source"], "url": "example.org/a"}}, {**good, "note_zh": ""},
              {**good, "source": {k: v for k, v in good["source"].items() if k != "publisher_zh"}},
              {**good, "unit": "亿元"}, {**good, "comparable": False, "bound": "lower", "unit": "亿元"}]
    for entry in broken:
        path.write_text(yaml.safe_dump([{**base, "reported": [entry]}], allow_unicode=True), encoding="utf-8")
        with pytest.raises(SourceError):
            load_indicators(path, set())
