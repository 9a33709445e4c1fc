"""Real clients against the real server: GDAL's OAPIF driver (ogrinfo, ogr2ogr), OWSLib, and the OpenAPI
document validated and exercised path by path."""

import json
import math
import re
import shutil
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pyogrio
import pytest
from openapi_spec_validator import validate
from owslib.ogcapi.features import Features

from api.core.declare import declared

pytestmark = pytest.mark.contract  # OGC clients (OWSLib, GDAL) against the live server

ROOT = Path(__file__).resolve().parents[2]
needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin not installed (make apt-test)")


@pytest.fixture(scope="module")
def server(live_server):
    return live_server


def _expected_counts(gpkg: Path, server_url: str) -> dict[str, int]:
    with urllib.request.urlopen(server_url + "/readyz") as resp:
        layer_ids = list(json.load(resp)["layers"])
    return {layer_id: len(pyogrio.read_dataframe(gpkg, layer=layer_id, read_geometry=False))
            for layer_id in layer_ids}


@needs_gdal
def test_ogrinfo_lists_every_collection_with_its_count(server, gpkg):
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", f"OAPIF:{server}"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    counts = dict(zip(re.findall(r"^Layer name: (\S+)", out, re.M),
                      map(int, re.findall(r"^Feature Count: (\d+)", out, re.M)), strict=True))
    assert counts == _expected_counts(gpkg, server)


@needs_gdal
def test_ogr2ogr_copies_every_collection(server, gpkg, tmp_path):
    target = tmp_path / "copy.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{server}"], capture_output=True, text=True,
                   timeout=300, check=True)
    for layer_id, count in _expected_counts(gpkg, server).items():
        copied = pyogrio.read_dataframe(target, layer=layer_id)
        source = pyogrio.read_dataframe(gpkg, layer=layer_id)
        assert len(copied) == count
        assert sorted(copied["name_zh"]) == sorted(source["name_zh"])
        assert copied.total_bounds == pytest.approx(source.total_bounds, abs=1e-6)


def test_owslib_reads_every_collection(server, gpkg):
    client = Features(server)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in client.conformance()["conformsTo"]
    expected = _expected_counts(gpkg, server)
    assert sorted(c["id"] for c in client.collections()["collections"]) == sorted(expected)
    for layer_id, count in expected.items():
        items = client.collection_items(layer_id, limit=10000)
        assert items["numberMatched"] == count and len(items["features"]) == count
    assert "status" in client.collection_queryables("overseas_warehouses")["properties"]


def test_openapi_validates_and_lists_every_route(client, app):
    resp = client.get("/openapi")
    assert resp.status_code == 200 and resp.content_type.startswith("application/vnd.oai.openapi+json")
    doc = resp.get_json()
    validate(doc)
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        if declared(app.view_functions[rule.endpoint]).editable_only:
            continue  # listed on each editable collection's own path (tests/workspace/test_edit_api.py); there is none here
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], (method, path)
    for layer_id in app.extensions["yiwu"].catalog:  # one items path per collection, with its queryables
        names = {p["name"] for p in doc["paths"][f"/collections/{layer_id}/items"]["get"]["parameters"]}
        assert {"bbox", "filter", "name_zh"} <= names


def _tile(lon: float, lat: float, z: int) -> dict:
    n = 2**z
    return {"z": z, "x": int((lon + 180) / 360 * n),
            "y": int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)}


SAMPLES = {"collection_id": "corridors", "feature_id": "corridors.yxo_madrid", "corridor_id": "yxo_madrid",
           "raster_id": "hub_access", "view_id": "planner", "asset": "leaflet/dist/leaflet.js",
           "filename": "js/main.js", **_tile(120.07, 29.31, 11), "tileMatrixSetId": "WebMercatorQuad",
           "styleId": "default", "process_id": "site-review",
           **{k: _tile(120.07, 29.31, 8)[v] for k, v in (("tileMatrix", "z"), ("tileRow", "y"), ("tileCol", "x"))}}
SAMPLE_QUERY = {"ids": "world_capital_of_light.suxi,green_power_town.kaifaqu", "lon": "120.07", "lat": "29.31"}
SAMPLE_BODY = {"type": "Polygon", "coordinates": [[[120.03, 29.34], [120.04, 29.34], [120.04, 29.35], [120.03, 29.34]]]}
SAMPLE_BODIES = {"/processes/{process_id}/execution": {"inputs": {"site": SAMPLE_BODY}}}
# operations this walk cannot call with a sample: what they need is made by the tests that name them
ELSEWHERE = {
    "{import_id}": "no import in the session's workspace: tests/workspace/test_edit_api.py reads an import's report",
    "{job_id}": "no job in the session's workspace: tests/api/test_processes.py follows a job to its results",
    "/analysis/batch": "a multipart file of sites: tests/analysis/test_batch.py",
}


def called_elsewhere(path: str, method: str) -> bool:
    """Whether an operation is exercised by another test (ELSEWHERE), or changes data (a PUT: its own tests)."""
    return method == "put" or any(part in path for part in ELSEWHERE)


def _call(client, method: str, path: str, operation: dict, headers: dict | None = None):
    required = [p for p in operation.get("parameters", []) if p.get("in") == "query" and p.get("required")]
    query = "&".join(f"{p['name']}={SAMPLE_QUERY[p['name']]}" for p in required)
    url = path.format(**SAMPLES) + (f"?{query}" if query else "")
    if method == "post":
        return url, client.post(url, json=SAMPLE_BODIES.get(path, SAMPLE_BODY), headers={"Accept": "application/json", **(headers or {})})
    return url, client.get(url, headers={"Accept": "application/json", **(headers or {})})


def test_every_documented_operation_answers_as_documented(client, app):
    doc = client.get("/openapi").get_json()
    admin = app.extensions["yiwu"].accounts.add_user(f"clients_{uuid.uuid4().hex[:8]}", "admin", actor="test")
    checked = 0
    for path, item in doc["paths"].items():
        if path.startswith("/basemap/") and app.extensions["yiwu"].basemap is None:
            continue  # 404 until YIWU_BASEMAP names a file (tests/tiles/test_basemap.py)
        for method, operation in item.items():
            if called_elsewhere(path, method):
                continue
            # operations that need a role are called by an admin (with the token, as API clients do)
            auth = {"Authorization": f"Bearer {admin}"} if operation.get("security") else {}
            url, resp = _call(client, method, path, operation, auth)
            if "200" not in operation["responses"]:  # a form post answered by a redirect (POST /login, /logout)
                assert str(resp.status_code) in operation["responses"], (url, resp.status_code)
                checked += 1
                continue
            assert resp.status_code == 200, (url, resp.get_data(as_text=True)[:300])
            documented = {m.split(";")[0] for m in operation["responses"]["200"]["content"]}
            assert resp.content_type.split(";")[0] in documented or "application/octet-stream" in documented, url
            checked += 1
    assert checked >= 30


def test_every_documented_format_answers_with_a_documented_media_type(client, app):
    doc = client.get("/openapi").get_json()
    admin = app.extensions["yiwu"].accounts.add_user(f"formats_{uuid.uuid4().hex[:8]}", "admin", actor="test")
    for path, item in doc["paths"].items():
        operation = item.get("get")
        f_param = next((p for p in (operation or {}).get("parameters", []) if p["name"] == "f"), None)
        if f_param is None or called_elsewhere(path, "get"):
            continue
        auth = {"Authorization": f"Bearer {admin}"} if operation.get("security") else {}
        documented = {m.split(";")[0] for m in operation["responses"]["200"]["content"]}
        for fmt in f_param["schema"]["enum"]:
            url, _ = _call(client, "get", path, operation, auth)
            resp = client.get(url + ("&" if "?" in url else "?") + f"f={fmt}", headers=auth)
            assert resp.status_code == 200 and resp.content_type.split(";")[0] in documented, (path, fmt)
