"""Fixtures: the data built once into a temp copy of data/, a throw-away PostgreSQL/PostGIS cluster, and the app on
the embedded GeoPackage (`app`, `client`). A module that tests what may differ between the engines says
`pytestmark = pytest.mark.engines`: its tests that take `app`, `client` or `backend` run on the GeoPackage and on
PostGIS (the cluster started and removed by the tests themselves); every other test runs once.

Markers (pyproject.toml): browser (tests/browser/), postgis (a test on PostGIS), contract (the OpenAPI document as
the contract: Schemathesis, OGC clients), slow (kill -9, rebuilds, several processes), engines (both engines).
The fast loop (CONTRIBUTING): `pytest -m "not browser and not slow and not contract and not postgis"`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from geo.build.pipeline import build
from geo.core.settings import load_settings
from server import create_app

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
BACKENDS = ("gpkg", "postgis")


def pytest_generate_tests(metafunc):
    """Modules marked `engines` run their engine-taking tests on both engines."""
    if metafunc.definition.get_closest_marker("engines") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="session")


def pytest_collection_modifyitems(items):
    """browser: the tests under tests/browser/; postgis: every test that runs on PostgreSQL."""
    for item in items:
        if TESTS / "browser" in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("backend") == "postgis" or {"postgres_url", "postgis_data"} & set(item.fixturenames):
            item.add_marker(pytest.mark.postgis)


def workspace_settings(request, tmp: Path, data_dir: Path, backend: str, schema_prefix: str) -> dict:
    """App settings over the session's build with a workspace of the test's own: a GeoPackage in `tmp`, or on
    PostGIS a fresh schema named after `schema_prefix`."""
    settings = {"TESTING": True, "data_dir": data_dir, "workspace_path": tmp / "workspace.gpkg"}
    if backend == "postgis":
        settings |= {"database_url": request.getfixturevalue("postgis_data"),
                     "workspace_schema": f"{schema_prefix}_{uuid.uuid4().hex[:8]}"}
    return settings


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """A temp copy of data/sources with the GeoPackage built in it."""
    target = tmp_path_factory.mktemp("data")
    shutil.copytree(ROOT / "data" / "sources", target / "sources")
    build(load_settings({"data_dir": target}))
    return target


@pytest.fixture(scope="session")
def gpkg(data_dir) -> Path:
    return data_dir / "build" / "yiwu.gpkg"


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL 15 + PostGIS 3 cluster of the test session (tools/pgcluster.py), removed at the end."""
    from tools import pgcluster

    if not pgcluster.available():
        pytest.fail("PostgreSQL 15 + PostGIS 3 are not installed (make apt-test installs postgresql-15-postgis-3)")
    with pgcluster.cluster() as url:
        yield url


@pytest.fixture(scope="session")
def postgis_data(data_dir, postgres_url) -> str:
    """The session's build loaded into PostGIS (the build command's path); yields the database URL."""
    build(load_settings({"data_dir": data_dir, "database_url": postgres_url}))
    return postgres_url


@pytest.fixture(scope="session")
def backend(request) -> str:
    """The engine under test: the GeoPackage, or each engine in a module marked `engines`."""
    return getattr(request, "param", "gpkg")


@pytest.fixture(scope="session")
def engine_config(request, data_dir, backend) -> dict:
    """The settings of the engine under test."""
    if backend == "postgis":
        return {"DATA_DIR": data_dir, "DATABASE_URL": request.getfixturevalue("postgis_data")}
    return {"DATA_DIR": data_dir}


@pytest.fixture(scope="session")
def app(engine_config):
    return create_app({"TESTING": True, **engine_config})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def base_url(app):
    """The app on a free 127.0.0.1 port, one server per browser test module (tests/browser_support.py)."""
    from browser_support import serve

    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url):
    """One headless Chromium per browser test module, every outside request blocked (tests/browser_support.py)."""
    from browser_support import chromium

    with chromium() as driver:
        yield driver


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(args: list[str], env: dict, seconds: float = 60):
    """A server process (`args` after the interpreter, with --port/--bind left to `{port}`) on a free port, once its
    /healthz answers (bounded: an AssertionError if it does not start); (url, process), stopped afterwards."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, *(a.format(port=port) for a in args)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, f"{args} did not start"
                time.sleep(0.1)  # the server starting; bounded by the deadline
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def live_server(engine_config):
    """`python server.py` (waitress, as `make run` serves it) on a free port over the session's built data."""
    env = {**os.environ, **{f"YIWU_{k}": str(v) for k, v in engine_config.items()}}
    with serving(["server.py", "--port", "{port}"], env) as (url, _):
        yield url
