"""A job outlives the process that ran it (issue 24): a batch review runs as a job in `python server.py`; the server
is killed with SIGKILL (kill -9) while the job says running; the job then says failed — read by another process
before any restart, and after a restart — never running forever (geo/workspace/jobs.py reap_orphans)."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request

import pytest
from conftest import serving
from review_fixtures import generated_sites

from server import create_app

pytestmark = pytest.mark.slow  # a server process, killed


def call(url: str, token: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), json.load(response)


def test_kill_9_mid_job_leaves_a_failed_job_not_a_running_one(tmp_path, data_dir, gpkg):
    settings = {"TESTING": True, "data_dir": data_dir, "workspace_path": tmp_path / "workspace.gpkg"}
    reader = create_app(settings)  # another process's view of the same workspace (this test's)
    token = reader.extensions["yiwu"].accounts.add_user("kill_owner", "viewer", actor="test")
    env = {**os.environ, "YIWU_DATA_DIR": str(data_dir), "YIWU_WORKSPACE_PATH": str(tmp_path / "workspace.gpkg")}
    with serving(["server.py", "--port", "{port}"], env) as (base, proc):
        status, headers, job = call(f"{base}/processes/batch-review/execution", token,
                                    {"inputs": {"sites": generated_sites(gpkg, 1000)}}, {"Prefer": "respond-async"})
        assert status == 201 and job["status"] in ("accepted", "running")
        while job["status"] != "running" or job["progress"] < 5:
            assert job["status"] in ("accepted", "running"), job
            time.sleep(0.2)  # a client polling; the job runs for several seconds
            job = call(headers["Location"], token)[2]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    client = reader.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    seen = client.get(f"/jobs/{job['jobID']}", headers=auth).get_json()  # no restart yet: read by another process
    assert seen["status"] == "failed" and "stopped" in seen["message"] and 5 <= seen["progress"] < 100
    restarted = create_app(settings).test_client()
    assert restarted.get(f"/jobs/{job['jobID']}", headers=auth).get_json()["status"] == "failed"
    assert restarted.get(f"/jobs/{job['jobID']}/results", headers=auth).status_code == 404
