"""Compliance review by rules (issue 24): an office imports its control line (a polygon layer) through POST /imports
and adds a "must not overlap" rule for it in its rules file. A site over the line fails with the overlap area computed
here independently (pyproj to EPSG:4549, shapely), a site beside it passes, and without the rule the finding is gone —
on both engines. Every review leaves an audit row naming the data version and the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
import yaml
from conftest import workspace_settings
from import_fixtures import GK, centre_gk
from pyproj import Transformer

from layers import CatalogError
from layers.rules import DEFAULT_RULES_FILE, load_rules
from server import create_app

pytestmark = pytest.mark.engines  # the control line is stored and read by each engine

CONTROL = "control_line_t"
TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)
TO_GK = Transformer.from_crs(4326, GK, always_xy=True)
NO_OVERLAP = {"id": "outside_control_line", "title": {"zh": "不得占用控制线", "en": "Must not overlap the control line"},
              "cites": "控制线管理办法 第5条", "applies_to": {"layers": [CONTROL]}, "predicate": "not_overlapping",
              "severity": "must"}
FORM = {"id": CONTROL, "title_zh": "生态控制线（测试）", "title_en": "Ecological control line (test)",
        "role": "context", "plan_ref": "§5"}


def gk_box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle given in metres from Yiwu's centre (EPSG:4549), as WGS84 lon/lat."""
    cx, cy = centre_gk()
    return shapely.Polygon([TO_WGS84.transform(cx + x, cy + y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))])


CONTROL_WGS = gk_box(0, 0, 400, 300)
OVER = gk_box(300, 100, 600, 250)  # 100 m x 150 m of it inside the control line
BESIDE = gk_box(420, 0, 700, 300)  # 20 m east of it


def rules_file(path: Path, with_control: bool) -> Path:
    shipped = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))["rules"]
    path.write_text(yaml.safe_dump({"rules": [*shipped, *([NO_OVERLAP] if with_control else [])]},
                                   allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def review_service(request, tmp_path_factory, data_dir, backend):
    """An app with its own workspace, the control line imported by an editor, and the rule in its rules file."""
    tmp = tmp_path_factory.mktemp(f"review_{backend}")
    settings = workspace_settings(request, tmp, data_dir, backend, "ws_review")
    settings["rules_path"] = rules_file(tmp / "rules.yaml", True)
    app = create_app(settings)
    accounts = app.extensions["yiwu"].accounts
    auth = {role: {"Authorization": f"Bearer {accounts.add_user(f'rv_{role}', role, actor='test')}"}
            for role in ("editor", "admin")}
    upload = tmp / "控制线.geojson"
    upload.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "CL-1", "name_zh": "生态控制线一号"},
         "geometry": shapely.geometry.mapping(CONTROL_WGS)}]}, ensure_ascii=False), encoding="utf-8")
    with upload.open("rb") as fh:
        resp = app.test_client().post("/imports", headers=auth["editor"], content_type="multipart/form-data",
                                      data={**FORM, "id_field": "id", "file": (fh, upload.name)})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return app, auth, settings


def site_review(app, headers, geom) -> dict:
    resp = app.test_client().post("/analysis/site", headers=headers,
                                  json={"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geom)})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def finding(report: dict, rule_id: str) -> dict | None:
    return next((f for f in report["rules"] if f["rule"] == rule_id), None)


def gk(geom) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: list(zip(*TO_GK.transform(xy[:, 0], xy[:, 1]), strict=True)))


def test_a_site_over_the_control_line_fails_with_the_overlap_area(review_service):
    app, auth, _ = review_service
    report = site_review(app, auth["editor"], OVER)
    found = finding(report, "outside_control_line")
    expected = gk(OVER).intersection(gk(CONTROL_WGS)).area  # pyproj + shapely, here
    assert found["outcome"] == "fail" and found["unit"] == "m2" and found["severity"] == "must"
    assert found["measured"] == pytest.approx(expected, abs=0.5)
    assert expected == pytest.approx(100 * 150, rel=1e-3)  # the fixture's own metres
    assert [d["id"] for d in found["features"]] == ["CL-1"] and found["cites"] == "控制线管理办法 第5条"
    assert finding(report, "inside_yiwu")["outcome"] == "pass"
    assert report["review"]["fail"] >= 1


def test_a_site_beside_it_passes(review_service):
    app, auth, _ = review_service
    found = finding(site_review(app, auth["editor"], BESIDE), "outside_control_line")
    assert found["outcome"] == "pass" and found["measured"] == 0.0 and found["features"] == []


def test_anonymous_users_do_not_see_the_internal_line_so_the_rule_is_not_applicable(review_service):
    app, _, _ = review_service
    found = finding(site_review(app, {}, OVER), "outside_control_line")
    assert found["outcome"] == "not_applicable" and found["reason"] == "no_layers"


def test_removing_the_rule_removes_the_finding(review_service, tmp_path):
    app, auth, settings = review_service
    without = create_app({**settings, "rules_path": rules_file(tmp_path / "rules.yaml", False)})
    report = site_review(without, auth["editor"], OVER)
    assert finding(report, "outside_control_line") is None
    assert finding(report, "inside_yiwu")["outcome"] == "pass"


def test_each_review_leaves_an_audit_row_with_the_data_version_and_rules(review_service):
    app, auth, _ = review_service
    report = site_review(app, auth["editor"], OVER)
    rows = app.test_client().get("/audit?action=review&limit=1", headers=auth["admin"]).get_json()
    entry = rows["entries"][0] if "entries" in rows else rows["items"][0]
    assert entry["actor"] == "rv_editor"
    assert entry["detail"]["data_version"] == report["data_version"]
    assert "outside_control_line" in [r["id"] for r in entry["detail"]["rules"]]


def test_the_report_page_draws_the_failing_overlap_and_lists_the_rule(review_service):
    app, auth, _ = review_service
    resp = app.test_client().post("/analysis/site?f=html", headers=auth["editor"],
                                  json={"type": "Feature", "properties": {},
                                        "geometry": shapely.geometry.mapping(OVER)})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "不得占用控制线" in page and "不符合" in page
    assert "#e03131" in page  # the failing overlap's fill in the static map


def test_a_rule_error_names_the_file_and_the_field(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(yaml.safe_dump({"rules": [{**NO_OVERLAP, "predicate": "overlap_at_most"}]}), encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_rules(bad)
    assert err.value.file == str(bad) and err.value.field == "rules[0].max_m2"
