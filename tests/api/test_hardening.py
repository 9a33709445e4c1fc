"""The hostile corpus: requests that once stalled the service or answered 500, each asserting the status, a JSON
problem body naming what is wrong, and a time bound; plus the edge's headers, host handling and build temp files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from geo.core.limits import MAX_BODY_BYTES
from geo.query.cql2 import MAX_FILTER_PREDICATES, compile_like
from geo.store.lock import build_lock
from server import create_app

pytestmark = pytest.mark.engines  # the filters and limits are evaluated by each engine
ROOT = Path(__file__).resolve().parents[2]
# every hostile request below answers well within this on the 2-core CI machine: the slowest, cold, took 0.43 s quiet
# (bench/hostile.py) and the file passes 3 runs with both cores busy (tools/flakes.py --busy)
SLOW_S = 3.0
LAYER = "world_countries"


def timed(call):
    started = time.perf_counter()
    resp = call()
    return resp, time.perf_counter() - started


def assert_problem(resp, status: int, fragment: str) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.content_type == "application/json"
    body = resp.get_json()
    assert set(body) == {"code", "description"} and fragment in body["description"], body
    for internal in ("Traceback", "object has no attribute", "maximum recursion", "Error(", "lark"):
        assert internal not in body["description"], body
    return body


# ---- 1-3: filters and properties -----------------------------------------------------------------------


def test_like_with_many_wildcards_is_linear(client):
    names = [f["properties"]["name_en"] for f in
             client.get(f"/collections/{LAYER}/items?limit=1000&properties=name_en").get_json()["features"]]
    for stars in (8, 70, 4000):
        resp, seconds = timed(lambda s=stars: client.get(
            f"/collections/{LAYER}/items?limit=1000&filter=" + quote(f"name_en LIKE '{'%' * s}a'")))
        assert resp.status_code == 200 and seconds < SLOW_S, (stars, seconds)
        assert resp.get_json()["numberMatched"] == sum(n.endswith("a") for n in names)
    pattern = "%" + "a%" * 500 + "b"
    resp, seconds = timed(lambda: client.get(f"/collections/{LAYER}/items?filter=" + quote(f"name_en LIKE '{pattern}'")))
    assert resp.status_code == 200 and seconds < SLOW_S and resp.get_json()["numberMatched"] == 0


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("%a", "banana", True), ("b%n_", "banana", True), ("b%n_", "bananas", False), ("_a%", "xa", True),
    ("%%%%%%%a", "a", True), ("a\\%b", "a%b", True), ("a\\%b", "axb", False), ("%an%an%", "banana", True),
    ("%an%an%an%", "banana", False), ("", "", True), ("_", "", False), ("%", "", True)])
def test_like_matcher_agrees_with_the_sql_semantics(pattern, text, expected):
    assert compile_like(pattern).matches(text) is expected


def test_properties_repeated_are_deduplicated_or_refused(client):
    resp, seconds = timed(lambda: client.get(f"/collections/{LAYER}/items?limit=5&properties=" + ",".join(["name_en"] * 150)))
    assert resp.status_code == 200 and seconds < SLOW_S
    assert all(list(f["properties"]) == ["name_en"] for f in resp.get_json()["features"])
    resp, seconds = timed(lambda: client.get(f"/collections/{LAYER}/items?properties=" + ",".join(["name_en"] * 2000)))
    assert_problem(resp, 400, "properties:")
    assert seconds < SLOW_S


def test_long_and_chains_and_deep_nesting_are_refused_with_400(client):
    for terms, fragment in ((300, f"at most {MAX_FILTER_PREDICATES} are allowed"), (1000, "characters long")):
        chain = " AND ".join(["iso3 <> 'x'"] * terms)
        resp, seconds = timed(lambda c=chain: client.get(f"/collections/{LAYER}/items?filter=" + quote(c)))
        assert_problem(resp, 400, fragment)
        assert seconds < SLOW_S
    short = " OR ".join(["name_en = 'China'"] * 200)
    assert client.get(f"/collections/{LAYER}/items?filter=" + quote(short)).get_json()["numberMatched"] == 1
    deep = "(" * 30 + "name_en = 'China'" + ")" * 30
    assert_problem(client.get(f"/collections/{LAYER}/items?filter=" + quote(deep)), 400, "nests")
    nested = {"op": "not", "args": [{"op": "=", "args": [{"property": "name_en"}, "x"]}]}
    for _ in range(30):
        nested = {"op": "not", "args": [nested]}
    assert_problem(client.get(f"/collections/{LAYER}/items?filter-lang=cql2-json&filter=" + quote(json.dumps(nested))),
                   400, "nests")


def test_filter_errors_speak_to_the_client(client):
    bad = json.dumps({"op": "=", "args": [1]})
    body = assert_problem(client.get(f"/collections/{LAYER}/items?filter-lang=cql2-json&filter=" + quote(bad)),
                          400, "filter:")
    assert "cql2-json" in body["description"]
    assert_problem(client.get(f"/collections/{LAYER}/items?filter=" + quote("name_en = = 'x'")), 400,
                   "unexpected input at character")


# ---- 4-5: POST bodies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/analysis/site", "/rasters/hub_access/statistics"])
@pytest.mark.parametrize(("body", "fragment"), [
    ({"type": "FeatureCollection", "features": [1, 2]}, "body.features[0]: not a GeoJSON Feature"),
    ({"type": "FeatureCollection", "features": "abc"}, "body.features: a FeatureCollection needs an array"),
    ({"type": "Polygon", "coordinates": [[["a", 1]]]}, "a position must be"),
    ({"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}, "do not form a Polygon"),
    ({"type": "GeometryCollection", "geometries": []}, "is not one of"),
    ([1, 2, 3], "must be a GeoJSON object")])
def test_malformed_geojson_bodies_are_400(client, path, body, fragment):
    assert_problem(client.post(path, json=body), 400, fragment)


@pytest.mark.parametrize("path", ["/analysis/site", "/rasters/hub_access/statistics"])
def test_deeply_nested_and_oversized_bodies(client, path):
    deep = "[" * 200_000 + "]" * 200_000
    resp, seconds = timed(lambda: client.post(path, data=deep, content_type="application/json"))
    assert_problem(resp, 400, "nests arrays/objects")
    assert seconds < SLOW_S
    big = b'{"type": "Point", "coordinates": [120, 29], "pad": "' + b"x" * (50 * 2**20) + b'"}'
    resp, seconds = timed(lambda: client.post(path, data=big, content_type="application/json"))
    assert_problem(resp, 413, f"{MAX_BODY_BYTES:,} bytes")
    assert seconds < SLOW_S
    points = {"type": "MultiPoint", "coordinates": [[0, 0]] * 100_001}  # under 1 MB, over 100,000 vertices
    assert_problem(client.post(path, json=points), 413, "vertices")
    assert_problem(client.post(path, data="{}", content_type="text/plain"), 400, "media type")


def test_zonal_statistics_over_a_world_layer_is_bounded_and_cached(client, app):
    resp, first = timed(lambda: client.get(f"/rasters/hub_access/statistics?layer={LAYER}"))
    assert resp.status_code == 200 and first < SLOW_S
    zones = resp.get_json()["zones"]
    china = next(z for z in zones if z["id"] == f"{LAYER}.CHN")["statistics"]
    whole = client.get("/rasters/hub_access/statistics").get_json()["statistics"]
    assert china["count"] == whole["count"]  # Yiwu's raster lies wholly in China; clipping loses no cell
    assert all(z["statistics"]["count"] == 0 for z in zones if z["id"] != f"{LAYER}.CHN")
    hits = app.extensions["yiwu"].stats.hits
    assert client.get(f"/rasters/hub_access/statistics?layer={LAYER}").get_json()["zones"] == zones
    assert app.extensions["yiwu"].stats.hits == hits + 1


# ---- 6, 8-10: the edge ---------------------------------------------------------------------------------


def test_405_says_which_methods_are_allowed(client):
    resp = client.delete("/collections")
    assert_problem(resp, 405, "not allowed")
    assert {"GET", "HEAD", "OPTIONS"} <= {m.strip() for m in resp.headers["Allow"].split(",")}
    resp = client.put("/rasters/hub_access/statistics", json={})
    assert {"GET", "POST"} <= {m.strip() for m in resp.headers["Allow"].split(",")}


def test_odd_paths_answer_json(client):
    assert_problem(client.get("/nope"), 404, "")
    resp = client.get("/collections/")
    assert resp.status_code in (308, 404) and resp.content_type == "application/json"


def test_host_header_never_reaches_links(client, data_dir):
    assert_problem(client.get("/collections", headers={"Host": "evil.example"}), 400, "")
    app = create_app({"DATA_DIR": data_dir, "BASE_URL": "https://maps.example.gov.cn/yiwu"})
    body = app.test_client().get("/collections", headers={"Host": "evil.example"}).get_json()
    hrefs = [link["href"] for c in body["collections"] for link in c["links"]] + [x["href"] for x in body["links"]]
    assert hrefs and all(h.startswith("https://maps.example.gov.cn/yiwu/collections") for h in hrefs)


def test_security_headers_and_a_strict_script_policy(client):
    for path in ("/collections", "/map/planner", "/collections/yixi_84/items?f=html", "/rasters"):
        resp = client.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        assert resp.headers["Referrer-Policy"] and resp.headers["X-Frame-Options"] == "SAMEORIGIN", path
    page = client.get("/map/planner")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert "'unsafe-inline'" not in policy["script-src"] and "'sha256-" in policy["script-src"]
    assert "https://tile.openstreetmap.org" in policy["img-src"] and policy["connect-src"] == "'self'"
    assert "frame-ancestors" in policy and "http:" not in policy["script-src"]


@pytest.mark.parametrize(("query", "status", "param"), [
    ("datetime=", 200, None), ("f=", 400, "f:"), ("lang=", 400, "lang:"), ("limit=%D9%A3", 400, "limit:"),
    ("bbox=1_0,20,30,40", 400, "bbox:"), ("limit=", 400, "limit:"), ("offset=1e3", 400, "offset:"),
    ("properties=", 400, "properties:")])
def test_parameters_are_read_as_the_openapi_document_declares(client, query, status, param):
    resp = client.get(f"/collections/{LAYER}/items?{query}")
    if status == 200:
        assert resp.status_code == 200
    else:
        assert_problem(resp, status, param)


def test_openapi_declares_what_the_server_requires(client):
    doc = client.get("/openapi").get_json()
    point = {p["name"]: p for p in doc["paths"]["/rasters/{raster_id}/point"]["get"]["parameters"]}
    assert point["lon"]["required"] and point["lat"]["required"]
    speed = next(p for p in doc["paths"]["/corridors/{corridor_id}/metrics"]["get"]["parameters"]
                 if p["name"] == "speed_kmh")["schema"]
    assert speed["minimum"] == 0 and speed["exclusiveMinimum"] is True
    assert client.get("/corridors/yxo_madrid/metrics?speed_kmh=0").status_code == 400
    assert client.get("/corridors/yxo_madrid/metrics?speed_kmh=0.001").status_code == 200
    assert "post" in doc["paths"]["/rasters/{raster_id}/statistics"]
    assert "413" in doc["paths"]["/rasters/{raster_id}/statistics"]["post"]["responses"]
    assert "1,000,000 bytes" in doc["info"]["description"]


# ---- 7: build temp files ---------------------------------------------------------------------------------


HOLDER = """
import sys, time
from pathlib import Path
from geo.store.lock import build_lock
build = Path(sys.argv[1])
with build_lock(build):
    tmp = build / ".yiwu.{pid}.tmp.gpkg".format(pid=12345678)
    tmp.write_text("being written")
    (build / "holder.ready").write_text("1")
    time.sleep(2)
    assert tmp.exists(), "a running build's temp file was removed"
    tmp.unlink()
    (build / "holder.done").write_text("1")  # the last thing it does holding the lock
"""


def test_a_later_build_removes_what_a_killed_build_left_and_never_a_running_builds(tmp_path):
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    left = [".yiwu.4242.tmp.gpkg", ".yiwu.4242.tmp.gpkg-journal", ".hub_access.4242.tmp.tif"]
    for name in left:
        (build_dir / name).write_text("partial")
    (build_dir / "yiwu.gpkg").write_text("the served file")
    with build_lock(build_dir) as removed:
        assert sorted(p.name for p in removed) == sorted(left)
    assert sorted(p.name for p in build_dir.iterdir()) == [".build.lock", "yiwu.gpkg"]
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(build_dir)], cwd=ROOT)
    deadline = time.monotonic() + 120  # starting Python and importing geo takes seconds on a busy machine
    while not (build_dir / "holder.ready").exists():
        assert holder.poll() is None and time.monotonic() < deadline, "the holding build never started"
        time.sleep(0.05)
    with build_lock(build_dir) as removed:  # waits for the running build, which then has nothing left over
        released = (build_dir / "holder.done").exists()
    assert holder.wait(timeout=120) == 0 and released and removed == []
    assert (build_dir / "yiwu.gpkg").read_text() == "the served file"


@pytest.mark.slow
def test_kill_9_during_a_build_leaves_the_old_file_and_nothing_behind(data_dir, tmp_path):
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(data_dir / "sources", copy / "sources")
    shutil.copytree(data_dir / "build", copy / "build")
    gpkg = copy / "build" / "yiwu.gpkg"
    before = gpkg.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "geo", "build", "--force", "--data-dir", str(copy)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        if list((copy / "build").glob(".yiwu.*.tmp.gpkg")):
            break
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    assert gpkg.read_bytes() == before
    rerun = subprocess.run([sys.executable, "-m", "geo", "build", "--data-dir", str(copy)], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-500:]
    assert not [p.name for p in (copy / "build").iterdir() if re.search(r"\.tmp", p.name)]


# ---- /healthz while the worst requests run -----------------------------------------------------------------


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.slow
def test_healthz_answers_within_a_second_while_worst_case_requests_run(live_server):
    worst = [f"/collections/{LAYER}/items?limit=1000&filter=" + quote("name_en LIKE '" + "%" * 4000 + "a'"),
             f"/collections/{LAYER}/items?limit=1000&properties=" + ",".join(["name_en"] * 200),
             f"/rasters/plan_zones/statistics?percentiles=7&layer={LAYER}",
             f"/rasters/terrain_cn/statistics?percentiles=9&layer={LAYER}",
             f"/collections/{LAYER}/items?limit=10000&filter=" + quote(" OR ".join(["name_en LIKE '%a%e%i%'"] * 250))]
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda u=u: statuses.append(_get(live_server + u))) for u in worst * 2]
    for thread in threads:
        thread.start()
    latencies = []
    while any(t.is_alive() for t in threads):
        started = time.perf_counter()
        assert _get(live_server + "/healthz") == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    assert statuses and all(s == 200 for s in statuses), statuses
    # measured: at most 0.21 s quiet and 0.18 s with both cores busy (stress-ng), on either engine
    assert latencies and max(latencies) < 1.0, latencies


def test_a_request_waits_for_a_work_slot_and_the_liveness_probe_never_does(data_dir):
    """With every work slot taken, a data request waits its bounded turn and then answers 503 with Retry-After;
    /healthz answers at once; a slot given back admits the next request."""
    app = create_app({"TESTING": True, "DATA_DIR": data_dir, "WORK_SLOTS": 1, "WORK_WAIT_SECONDS": 0.2})
    hold, release = threading.Event(), threading.Event()

    @app.get("/test/hold")
    def held():
        hold.set()
        release.wait(10)
        return "held"

    holder = threading.Thread(target=lambda: app.test_client().get("/test/hold"))
    holder.start()
    try:
        assert hold.wait(10)
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        resp, seconds = timed(lambda: client.get(f"/collections/{LAYER}"))
        assert_problem(resp, 503, "busy")
        assert resp.headers["Retry-After"] == "1" and seconds >= 0.2
    finally:
        release.set()
        holder.join(10)
    assert app.test_client().get(f"/collections/{LAYER}").status_code == 200
