"""Fixtures: the data built once into a temp copy of data/, and an app + client on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.build import build
from geo.settings import load_settings
from server import create_app

ROOT = Path(__file__).resolve().parent.parent


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
def app(data_dir):
    app = create_app({"TESTING": True, "DATA_DIR": data_dir})
    return app


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
