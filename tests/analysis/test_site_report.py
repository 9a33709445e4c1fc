"""The site report a planner hands in (POST /analysis/site?f=html|pdf): position and areas checked against
independent computations (pyproj, the exact area of a lon/lat rectangle on a sphere), the static SVG map, the
page's facts (date, data version, build, sources, legend colours from the catalog), A4 print rules, and the PDF:
application/pdf with Content-Disposition whose text (pypdf when installed, else poppler's pdftotext — apt-test
installs poppler-utils; no Python dependency is added for this test) carries the title, area, coordinates and zones."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import numpy as np
import pyogrio
import pytest
import shapely
import yaml
from markupsafe import escape
from pyproj import Geod, Transformer

from geo.analysis.site_sheet import SPHERE_RADIUS_M, site_position, sphere_area_km2
from geo.core.bilingual import halves
from webmap.svgmap import Frame, SvgLayer, SvgStyle, nice_length, svg_map

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def site(gpkg) -> dict:
    c = pyogrio.read_dataframe(gpkg, layer="yixi_84").geometry[0].centroid
    return json.loads(shapely.to_geojson(shapely.box(c.x - 0.026, c.y - 0.022, c.x + 0.026, c.y + 0.022)))


def styles() -> dict[str, dict]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "layers" / "catalog"
    return {e["id"]: e.get("style", {}) for e in (yaml.safe_load(f.read_text(encoding="utf-8")) for f in root.glob("*.yaml"))}


def pdf_text(data: bytes, tmp_path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:
        PdfReader = None
    if PdfReader is not None:
        import io

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if shutil.which("pdftotext") is None:
        pytest.skip("neither pypdf nor pdftotext (apt poppler-utils, make apt-test) is installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_position_and_areas_agree_with_independent_computations():
    box = shapely.box(120.0, 29.25, 120.05, 29.29)
    pos = site_position(box)
    # the drawing tool's sphere: a lon/lat rectangle's area is exactly R² Δλ (sin φ2 - sin φ1)
    exact = SPHERE_RADIUS_M ** 2 * math.radians(0.05) * (math.sin(math.radians(29.29)) - math.sin(math.radians(29.25)))
    assert pos.sphere_km2 == pytest.approx(exact / 1e6, rel=1e-9) == pytest.approx(sphere_area_km2(box), rel=1e-12)
    assert pos.geodesic_km2 == pytest.approx(abs(GEOD.geometry_area_perimeter(box)[0]) / 1e6, rel=1e-9)
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    gk = shapely.transform(box, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))
    assert pos.planar_km2 == pytest.approx(gk.area / 1e6, rel=1e-9)
    lon, lat = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True).transform(gk.centroid.x, gk.centroid.y)
    assert pos.centroid == pytest.approx((lon, lat), abs=1e-9)
    assert pos.bbox == (120.0, 29.25, 120.05, 29.29)
    # the sphere reads ~0.35 % more than the ellipsoid at Yiwu's latitude (the 25.771 against 25.681 km²)
    assert 0.3 < pos.difference_pct(pos.sphere_km2) < 0.4 and abs(pos.difference_pct(pos.geodesic_km2)) < 0.01


def test_svg_map_projects_in_web_mercator_with_a_true_scale_bar():
    extent = (119.9, 29.2, 120.1, 29.4)
    frame = Frame.fit(extent, 0, 0, 400, 400)
    merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x0, y0), (x1, y1) = merc.transform(119.9, 29.2), merc.transform(120.1, 29.4)
    corners = frame.to_px(np.array([[119.9, 29.2], [120.1, 29.4]]))
    assert corners[1][0] - corners[0][0] == pytest.approx((x1 - x0) / frame.metres_per_px)
    assert corners[0][1] - corners[1][1] == pytest.approx((y1 - y0) / frame.metres_per_px)
    assert max(corners[1][0] - corners[0][0], corners[0][1] - corners[1][1]) == pytest.approx(400)
    assert corners[0][1] > corners[1][1]  # north is up
    # the scale bar is true at the centre latitude: ground metres per pixel from the geodesic between two pixels
    lat = frame.lat_at_center()
    lon_a, lon_b = 120.0, 120.0 + frame.metres_per_px / 6378137.0 * 180 / math.pi  # one pixel east
    assert frame.ground_metres_per_px() == pytest.approx(GEOD.inv(lon_a, lat, lon_b, lat)[2], rel=0.005)
    assert [nice_length(v) for v in (7300, 1999, 450, 10)] == [5000, 1000, 200, 10]
    svg = svg_map([SvgLayer([shapely.box(119.95, 29.25, 120.05, 29.35)], SvgStyle("#d9480f", fill="#fd7e14",
                                                                              fill_opacity=0.25))],
                  extent, 400, 400, north="北")
    assert svg.startswith("<svg") and 'stroke="#d9480f"' in svg and ">北<" in svg and " km<" in svg


def test_report_page_has_position_date_version_sources_and_catalog_colours(client, site):
    report = client.post("/analysis/site", json=site).get_json()
    page = client.post("/analysis/site?f=html", json=site).get_data(as_text=True)
    pos = site_position(shapely.geometry.shape(site))
    assert f"{pos.centroid[0]:.6f}, {pos.centroid[1]:.6f}" in page
    assert ", ".join(f"{v:.6f}" for v in pos.bbox) in page
    assert f"{report['area_km2']:.4f} km²" in page and f"{pos.geodesic_km2:.4f} km²" in page
    assert "EPSG:4549" in page and "pyproj.Geod" in page and "6378137" in page
    health = client.get("/readyz").get_json()
    assert health["built_at"] and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d（北京时间）", page)
    svg = page[page.index("<svg"):page.index("</svg>")]
    style = styles()
    zone_layers = {z["layer"] for z in report["zones"]}
    assert {"yixi_84", "second_ring_266"} <= zone_layers
    for layer_id in zone_layers:  # one colour per zone layer, from the catalog, on the map and in the legend
        assert style[layer_id]["color"] in svg and style[layer_id]["color"] in page[page.index('class="legend"'):]
    assert style["yiwu_boundary"]["color"] in svg or "inset" in svg  # the city outline (or its locator)
    for layer_id in zone_layers | {"logistics_hubs", "corridors", "yiwu_boundary", "jinhua_counties"}:
        source_zh = halves(client.get(f"/collections/{layer_id}").get_json()["source"])[0]  # the Chinese page's half
        assert source_zh.split("（")[0] in page
    assert "@page { size: A4" in page and "break-inside: avoid" in page and "@media print" in page
    hub_rows = re.findall(r'<tr><td>[^<]*</td><td class="nowrap">([^<]*)</td><td class="nowrap">([^<]*)</td>', page)
    assert len(hub_rows) == len(report["hubs"])  # type and status cells never wrap, one word each
    assert ("综合保税区", "现状") in hub_rows and not any("_" in t for row in hub_rows for t in row)


def test_pdf_report_carries_title_area_coordinates_and_zones(client, site, tmp_path):
    resp = client.post("/analysis/site?f=pdf", json=site)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    assert re.fullmatch(r'attachment; filename="yiwu-site-report-\d{8}-\d{6}\.pdf"', resp.headers["Content-Disposition"])
    report = client.post("/analysis/site", json=site).get_json()
    pos = site_position(shapely.geometry.shape(site))
    text = " ".join(pdf_text(resp.data, tmp_path).split())
    assert "选址合规检查报告" in text and f"{report['area_km2']:.4f} km²" in text
    assert f"{pos.centroid[0]:.6f}, {pos.centroid[1]:.6f}" in text
    for zone in report["zones"]:
        assert zone["name_zh"] in text, zone["name_zh"]
    en = " ".join(pdf_text(client.post("/analysis/site?f=pdf&lang=en", json=site).data, tmp_path).split())
    assert "Site compliance report" in en and all(z["name_en"] in en for z in report["zones"])


def test_openapi_declares_the_pdf(client):
    op = client.get("/openapi").get_json()["paths"]["/analysis/site"]["post"]
    f = next(p for p in op["parameters"] if p["name"] == "f")
    assert f["schema"]["enum"] == ["json", "html", "pdf"]
    assert "application/pdf" in op["responses"]["200"]["content"]
    assert "Content-Disposition" in op["responses"]["200"]["headers"]
    assert client.post("/analysis/site", json={"type": "Point", "coordinates": [120.0, 29.3]},
                       headers={"Accept": "application/pdf"}).mimetype == "application/pdf"


def test_plan_figures_page_lists_every_figure(client):
    rows = client.get("/plan/figures").get_json()["figures"]
    for lang in ("zh", "en"):
        resp = client.get(f"/plan/figures?f=html&lang={lang}")
        assert resp.status_code == 200 and resp.mimetype == "text/html"
        page = resp.get_data(as_text=True)
        body = page[page.index('id="figures"'):]
        assert body.count("<tr><td>") == len(rows)
        for r in rows:
            assert str(escape(r["label_en" if lang == "en" else "label_zh"])) in body, r["key"]
    zh = client.get("/plan/figures?f=html").get_data(as_text=True)
    assert "一致（在允许偏差内）" in zh and "未上图（未找到公布的场址）" in zh and ">=" not in zh and "≥3 个" in zh
    op = client.get("/openapi").get_json()["paths"]["/plan/figures"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"f", "lang"}
