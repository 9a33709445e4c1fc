"""OGC API – Processes (issue 24): the process list, descriptions, job status and job list validate against the
standard's JSON schemas (/work/shared/ogc/processes-1.0, OGC 18-062r2 1.0: processList.yaml, process.yaml,
statusInfo.yaml, jobList.yaml, confClasses.yaml, and execute.yaml for the bodies sent; Draft 4 validator, each file
registered under its own name); a batch of 300 generated sites run as a job equals 300 single reviews; jobs are
visible to their owner and admins only; a job survives in the workspace (both engines)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jsonschema
import pytest
import shapely
import yaml
from conftest import workspace_settings
from import_fixtures import centre_gk
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from review_fixtures import generated_sites, square

from api.core.review import review
from api.core.services import services
from server import create_app

pytestmark = pytest.mark.engines  # jobs are written and read by each engine
SCHEMAS = Path("/work/shared/ogc/processes-1.0/schemas")


def registry() -> Registry:
    resources = [(p.name, Resource.from_contents(yaml.safe_load(p.read_text()), default_specification=DRAFT4))
                 for p in SCHEMAS.glob("*.yaml")]
    return Registry().with_resources(resources)


def validate(body: dict, schema_file: str) -> None:
    """Hold a body to one of the standard's schemas (Draft 4: OpenAPI 3.0's boolean exclusiveMinimum); the error
    names the path, not the whole (large) body."""
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft4Validator({"$ref": schema_file}, registry=registry()).iter_errors(body))
    assert error is None, f"{schema_file}: {list(error.absolute_path)[:6]}: {error.message[:300]}"


@pytest.fixture(scope="module")
def jobs_app(request, tmp_path_factory, data_dir, backend):
    tmp = tmp_path_factory.mktemp(f"processes_{backend}")
    settings = workspace_settings(request, tmp, data_dir, backend, "ws_jobs")
    app = create_app(settings)
    accounts = app.extensions["yiwu"].accounts
    auth = {name: {"Authorization": f"Bearer {accounts.add_user(name, role, actor='test')}"}
            for name, role in (("pj_owner", "viewer"), ("pj_other", "viewer"), ("pj_admin", "admin"))}
    return app, auth, settings


def wait_done(client, job_url: str, headers: dict, seconds: float = 120.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(job_url, headers=headers).get_json()
        if status["status"] not in ("accepted", "running"):
            return status
        time.sleep(0.5)  # polling the job as a client does (the page: 1.5 s); the bound is the deadline above
    raise AssertionError(f"job still {status['status']} after {seconds} s")


def test_process_list_descriptions_and_conformance_validate(jobs_app):
    app, _, _ = jobs_app
    client = app.test_client()
    listed = client.get("/processes").get_json()
    validate(listed, "processList.yaml")
    ids = [p["id"] for p in listed["processes"]]
    assert ids == ["site-review", "batch-review", "zonal-statistics", "corridor-metrics"]
    for process_id in ids:
        validate(client.get(f"/processes/{process_id}").get_json(), "process.yaml")
    conformance = client.get("/conformance").get_json()
    validate(conformance, "confClasses.yaml")
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core" in conformance["conformsTo"]
    assert {"/processes", "/processes/{process_id}", "/processes/{process_id}/execution", "/jobs", "/jobs/{job_id}",
            "/jobs/{job_id}/results"} <= set(client.get("/openapi").get_json()["paths"])


def test_a_300_site_batch_job_equals_300_single_reviews(jobs_app, gpkg, backend):
    if backend == "postgis":
        pytest.skip("the 300 single reviews run once (GeoPackage); the job table on PostGIS is the next test's")
    app, auth, _ = jobs_app
    client = app.test_client()
    sites = generated_sites(gpkg, 300)
    body = {"inputs": {"sites": {"value": sites, "mediaType": "application/geo+json"}}}  # a qualified input value
    validate(body, "execute.yaml")
    resp = client.post("/processes/batch-review/execution", json=body,
                       headers={**auth["pj_owner"], "Prefer": "respond-async"})
    assert resp.status_code == 201 and resp.headers["Location"].endswith(f"/jobs/{resp.get_json()['jobID']}")
    validate(resp.get_json(), "statusInfo.yaml")
    status = wait_done(client, resp.headers["Location"], auth["pj_owner"])
    validate(status, "statusInfo.yaml")
    assert status["status"] == "successful" and status["progress"] == 100
    result = client.get(f"/jobs/{status['jobID']}/results", headers=auth["pj_owner"]).get_json()["result"]
    assert result["count"] == 300
    outcomes = {o for s in result["sites"] for f in s["findings"] for o in [f["outcome"]]}
    assert outcomes == {"pass", "fail", "not_applicable"}  # the generated sites exercise every outcome
    with app.test_request_context("/analysis/site", method="POST"):  # the review POST /analysis/site makes, per site
        singles = [[f.to_dict() for f in review(services(), shapely.geometry.shape(f["geometry"]), f["properties"])[0]]
                   for f in sites["features"]]
    for site, feature, single in zip(result["sites"], sites["features"], singles, strict=True):
        assert site["id"] == feature["id"] and site["findings"] == single, site["id"]
    for feature in sites["features"][::15]:  # and through the endpoint itself, for 20 of them (0.13 s each)
        answer = client.post("/analysis/site", headers=auth["pj_owner"], json=feature).get_json()
        assert answer["rules"] == singles[int(feature["id"][1:])], feature["id"]


def test_jobs_are_seen_by_their_owner_and_admins_only(jobs_app, gpkg):
    app, auth, settings = jobs_app
    client = app.test_client()
    resp = client.post("/processes/batch-review/execution", json={"inputs": {"sites": generated_sites(gpkg, 12)}},
                       headers={**auth["pj_owner"], "Prefer": "respond-async"})
    url = resp.headers["Location"]
    job_id = resp.get_json()["jobID"]
    assert wait_done(client, url, auth["pj_owner"])["status"] == "successful"
    assert client.get(url, headers=auth["pj_other"]).status_code == 404
    assert client.get(f"{url}/results", headers=auth["pj_other"]).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth["pj_admin"]).status_code == 200
    listed = client.get("/jobs", headers=auth["pj_other"]).get_json()
    validate(listed, "jobList.yaml")
    assert job_id not in [j["jobID"] for j in listed["jobs"]]
    assert job_id in [j["jobID"] for j in client.get("/jobs", headers=auth["pj_admin"]).get_json()["jobs"]]
    page = client.get(f"{url}?f=html", headers=auth["pj_owner"]).get_data(as_text=True)
    assert "批量合规性审查" in page and "下载 CSV" in page
    csv = client.get(f"{url}/results?f=csv", headers=auth["pj_owner"])
    assert csv.status_code == 200 and len(csv.get_data(as_text=True).strip().splitlines()) == 13
    again = create_app(settings)  # a restart: the job is still there, as it was
    assert again.test_client().get(url, headers=auth["pj_owner"]).get_json()["status"] == "successful"


def test_sync_execution_and_bad_inputs(jobs_app):
    app, auth, _ = jobs_app
    client = app.test_client()
    site = square(*centre_gk())
    report = client.post("/processes/site-review/execution", json={"inputs": {"site": site}}).get_json()
    assert {f["rule"] for f in report["rules"]} >= {"inside_yiwu"}
    assert client.post("/processes/site-review/execution", json={"inputs": {}}).status_code == 400
    assert client.post("/processes/site-review/execution", json={"inputs": {"x": 1, "site": site}}).status_code == 400
    assert client.post("/processes/nope/execution", json={"inputs": {}}).status_code == 404
    assert client.post("/processes/site-review/execution", json={"inputs": {"site": site}},
                       headers={"Prefer": "respond-async"}).status_code == 401
    assert client.get(f"/jobs/{uuid.uuid4().hex}", headers=auth["pj_owner"]).status_code == 404
