"""Real clients against the real server: GDAL's OAPIF driver (ogrinfo, ogr2ogr), OWSLib, and the OpenAPI
document validated and exercised path by path."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyogrio
import pytest
from openapi_spec_validator import validate
from owslib.ogcapi.features import Features

ROOT = Path(__file__).resolve().parent.parent
needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin not installed (make apt-test)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(data_dir):
    """`python server.py` on a free port, serving the session's built data."""
    port = _free_port()
    env = {**os.environ, "YIWU_DATA_DIR": str(data_dir), "YIWU_BUILD_ON_START": "0"}
    proc = subprocess.Popen([sys.executable, "server.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _expected_counts(gpkg: Path, server_url: str) -> dict[str, int]:
    with urllib.request.urlopen(server_url + "/healthz") as resp:
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
    documented = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            generic = {"/collections/{collection_id}": "/collections/{collectionId}",
                       "/collections/{collection_id}/queryables": "/collections/{collectionId}/queryables",
                       "/collections/{collection_id}/items": "/collections/{collectionId}/items",
                       "/collections/{collection_id}/items/{feature_id}":
                           "/collections/{collectionId}/items/{featureId}"}
            assert generic.get(path, path) in documented


SAMPLES = {"collectionId": "corridors", "featureId": "corridors.yxo_madrid", "corridor_id": "yxo_madrid"}
SAMPLE_QUERY = {"ids": "world_capital_of_light.suxi,green_power_town.kaifaqu", "lon": "2.35", "lat": "48.85"}
SAMPLE_BODY = {"type": "Point", "coordinates": [120.032, 29.3447]}


def _call(client, method: str, path: str, operation: dict):
    required = [p for p in operation.get("parameters", []) if p.get("in") == "query" and p.get("required")]
    query = "&".join(f"{p['name']}={SAMPLE_QUERY[p['name']]}" for p in required)
    url = path.format(**SAMPLES) + (f"?{query}" if query else "")
    if method == "post":
        return url, client.post(url, json=SAMPLE_BODY, headers={"Accept": "application/json"})
    return url, client.get(url, headers={"Accept": "application/json"})


def test_every_described_path_answers_as_documented(client):
    doc = client.get("/openapi").get_json()
    checked = 0
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if operation.get("x-generated"):
                continue  # routes of other parts of the app, described generically
            response = operation["responses"]["200"]
            if "$ref" in response:
                response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            url, resp = _call(client, method, path, operation)
            assert resp.status_code == 200, url
            assert resp.content_type.split(";")[0] in {m.split(";")[0] for m in response["content"]}, url
            checked += 1
    assert checked >= 15


def test_every_documented_format_answers_with_a_documented_media_type(client):
    doc = client.get("/openapi").get_json()
    params = doc["components"]["parameters"]
    for path in ("/collections", "/collections/{collectionId}", "/collections/{collectionId}/items",
                 "/collections/{collectionId}/items/{featureId}", "/conformance", "/openapi"):
        operation = doc["paths"][path]["get"]
        refs = [params[p["$ref"].rsplit("/", 1)[1]] for p in operation["parameters"] if "$ref" in p]
        formats = next(p["schema"]["enum"] for p in refs if p["name"] == "f")
        response = doc["components"]["responses"].get(operation["responses"]["200"].get("$ref", "").rsplit("/", 1)[-1],
                                                      operation["responses"]["200"])
        documented = {m.split(";")[0] for m in response["content"]}
        for fmt in formats:
            resp = client.get(path.format(**SAMPLES) + f"?f={fmt}")
            assert resp.status_code == 200 and resp.content_type.split(";")[0] in documented, (path, fmt)
