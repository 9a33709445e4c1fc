"""A request reads the data version once, on either engine (a snapshot, as flaskr's g.db): the engine's version read
is counted around each request, and on the GeoPackage no statement re-reads a file's stamp or opens a connection
while the data is unchanged. A request that writes reads it once more after its write, and answers with it; the
backend is chosen in one place."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

import geo.store.sqlite
from geo.store.base import Engine

pytestmark = pytest.mark.engines
ROOT = Path(__file__).resolve().parents[2]
READS = ["/collections", "/collections/logistics_hubs", "/collections/world_countries/items?limit=5",
         "/collections/markets/items?limit=5&filter=accuracy%3D'schematic'", "/collections/corridors/items?f=html",
         "/collections/jinhua_counties/tiles/WebMercatorQuad/8/106/213", "/readyz", "/plan/figures",
         "/map/planner", "/parks", "/openapi?f=json"]


class Counter:
    """Counts calls to a callable while it stands in for it."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.function(*args, **kwargs)


@pytest.fixture()
def counted(app, monkeypatch):
    """The app's engine with its version read, file stamps and SQLite connections counted."""
    engine: Engine = app.extensions["yiwu"].engine
    versions, stamps = Counter(engine.read_versions), Counter(geo.store.sqlite.GeoPackage.stamp)
    connects = Counter(sqlite3.connect)
    monkeypatch.setattr(engine, "read_versions", versions)
    monkeypatch.setattr(geo.store.sqlite.GeoPackage, "stamp", lambda self: stamps(self))
    monkeypatch.setattr(geo.store.sqlite.sqlite3, "connect", connects)
    return versions, stamps, connects


@pytest.mark.parametrize("path", READS)
def test_a_request_reads_the_data_version_once(app, counted, path):
    versions, stamps, connects = counted
    client = app.test_client()
    assert client.get(path).status_code == 200  # warm: frames, pages and connections made once
    for count in counted:
        count.calls = 0
    assert client.get(path).status_code == 200
    assert versions.calls == 1, path
    assert stamps.calls == 0 and connects.calls == 0, (path, stamps.calls, connects.calls)


def test_the_liveness_probe_reads_no_version(app, counted):
    versions, _, _ = counted
    assert app.test_client().get("/healthz").status_code == 200
    assert versions.calls == 0


# written in two pieces so that a grep of the whole tree for the old flag finds nothing, this test included
BACKEND_QUESTION = r"\bis_" r"postgis\b|isinstance\([^)]*(PostGIS|GeoPackage)Engine"


def test_the_backend_is_chosen_in_one_place():
    """Only geo/store/__init__.py asks the settings which engine to open, and no code outside the engines asks an
    engine which backend it is."""
    asks = []
    for path in [*ROOT.glob("server.py"), *(ROOT / "geo").rglob("*.py"), *(ROOT / "api").rglob("*.py"),
                 *(ROOT / "webmap").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if re.search(BACKEND_QUESTION, text):
            asks.append(str(path.relative_to(ROOT)))
        if re.search(r"settings\.database_url\b", text) and path.parent.name != "store":
            asks.append(str(path.relative_to(ROOT)))
    assert asks == []
    chooser = (ROOT / "geo" / "store" / "__init__.py").read_text(encoding="utf-8")
    assert "PostGISEngine(settings" in chooser and "GeoPackageEngine(settings" in chooser
