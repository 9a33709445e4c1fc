"""Batch review (issue 24): a CSV of sites with WKT in EPSG:4549 (read by the import readers with their CRS rules)
reviewed against every rule equals the single reviews of the same sites; the table downloads as CSV and GeoPackage;
the limits bound it (413) and a refused file answers 422."""

from __future__ import annotations

import io

import pyogrio
import pytest
import shapely
from import_fixtures import centre_gk

from server import create_app

SIDE = 200.0


@pytest.fixture(scope="module")
def batch_app(tmp_path_factory, data_dir):
    tmp = tmp_path_factory.mktemp("batch")
    app = create_app({"TESTING": True, "data_dir": data_dir, "workspace_path": tmp / "workspace.gpkg"})
    token = app.extensions["yiwu"].accounts.add_user("batch_viewer", "viewer", actor="test")
    return app, {"Authorization": f"Bearer {token}"}


def sites_csv(n: int, spacing: float = 1500.0, far: bool = False) -> bytes:
    """n squares (SIDE m) in EPSG:4549 WKT around Yiwu's centre; `far`: one more 300 km away (outside Yiwu)."""
    cx, cy = centre_gk()
    lines = ["编号,project,wkt"]
    for i in range(n):
        x, y = cx + (i % 20) * spacing - 15000, cy + (i // 20) * spacing - 10000
        box = shapely.box(x, y, x + SIDE, y + SIDE)
        lines.append(f"S{i:03d},{'光电' if i % 3 == 0 else 'logistics'},\"{box.wkt}\"")
    if far:
        lines.append(f"FAR,logistics,\"{shapely.box(cx + 300000, cy, cx + 300200, cy + 200).wkt}\"")
    return ("\n".join(lines) + "\n").encode("utf-8")


def post_batch(app, headers, body: bytes, fmt: str = "json", name: str = "sites.csv"):
    return app.test_client().post(f"/analysis/batch?f={fmt}", headers=headers, content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(body), name), "crs": "EPSG:4549", "wkt_field": "wkt",
                                        "id_field": "编号"})


def single(app, headers, site: dict) -> list[dict]:
    resp = app.test_client().post("/analysis/site", headers=headers, json={
        "type": "Feature", "properties": site["properties"], "geometry": site["geometry"]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["rules"]


def test_a_batch_equals_single_reviews_and_reads_the_crs(batch_app):
    app, headers = batch_app
    resp = post_batch(app, headers, sites_csv(6, far=True))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    result = resp.get_json()
    assert result["count"] == 7 and result["qc"]["crs"]["epsg"] == 4549
    by_id = {s["id"]: s for s in result["sites"]}
    assert "inside_yiwu" in by_id["FAR"]["failed"] and "inside_yiwu" not in by_id["S001"]["failed"]
    assert by_id["S001"]["findings"][[f["rule"] for f in by_id["S001"]["findings"]].index(
        "light_project_in_park")]["outcome"] == "not_applicable"  # a logistics project
    for site in result["sites"]:
        assert site["findings"] == single(app, headers, site), site["id"]


def test_downloads_csv_and_geopackage(batch_app, tmp_path):
    app, headers = batch_app
    csv = post_batch(app, headers, sites_csv(3), "csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "inside_yiwu" in csv.get_data(as_text=True).splitlines()[0]
    gpkg = post_batch(app, headers, sites_csv(3), "gpkg")
    path = tmp_path / "out.gpkg"
    path.write_bytes(gpkg.get_data())
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 3 and set(frame["inside_yiwu"]) == {"pass"} and frame.crs.to_epsg() == 4326
    page = post_batch(app, headers, sites_csv(3), "html")
    assert page.status_code == 200 and "批量合规性审查" in page.get_data(as_text=True)


def test_limits_and_refusals(batch_app, monkeypatch):
    app, headers = batch_app
    monkeypatch.setattr("api.core.review.MAX_BATCH_SITES", 5)
    assert post_batch(app, headers, sites_csv(6)).status_code == 413
    assert post_batch(app, headers, b"not,a\nsites,file\n").status_code in (400, 422)
    assert app.test_client().post("/analysis/batch", content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(sites_csv(1)), "s.csv")}).status_code == 401
