"""Multi-process serving (`make serve`: gunicorn with several workers) on PostGIS: whichever worker answers, the
ETag of the same content is the same, and a row another client inserts is seen by every worker at once (caches are
keyed by the database's data version, not by anything one process counts)."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import psycopg
import pytest
from conftest import serving

pytestmark = pytest.mark.slow  # gunicorn with several workers on PostGIS

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3


@pytest.fixture(scope="module")
def workers(data_dir, postgis_data):
    env = {**os.environ, "YIWU_DATA_DIR": str(data_dir), "YIWU_DATABASE_URL": postgis_data}
    with serving(["-m", "gunicorn", "--workers", str(WORKERS), "--bind", "127.0.0.1:{port}", "server:create_app()"],
                 env) as served:
        yield served


def fetch(url: str) -> tuple[str, str, bytes]:
    """(ETag, Date, body) of a fresh request (a new connection: the requests spread over the workers)."""
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.headers["ETag"], resp.headers.get("Date", ""), resp.read()


def test_every_worker_gives_the_same_etag_and_sees_a_new_row_at_once(workers, postgis_data):
    base, proc = workers
    path = "/collections/logistics_hubs/items?limit=100&properties=name_en"
    tile = "/collections/jinhua_counties/tiles/WebMercatorQuad/8/106/213"
    before = {fetch(base + path)[0] for _ in range(12)}
    tiles = {fetch(base + tile)[0] for _ in range(12)}
    assert len(before) == 1 and len(tiles) == 1  # twelve requests over three workers: one ETag each
    with psycopg.connect(postgis_data) as con:
        con.execute("INSERT INTO yiwu.logistics_hubs (feature_id, name_zh, name_en, accuracy, plan_ref, source, geom) "
                    "VALUES ('logistics_hubs.mp_test', '测试', 'Multi-process test', 'schematic', '§15', 'test', "
                    "ST_SetSRID(ST_MakePoint(120.1, 29.3), 4326))")
    try:
        after = [fetch(base + path) for _ in range(12)]
        assert all(b"Multi-process test" in body for _, _, body in after)
        assert len({etag for etag, _, _ in after}) == 1 and before.isdisjoint({etag for etag, _, _ in after})
    finally:
        with psycopg.connect(postgis_data) as con:
            con.execute("DELETE FROM yiwu.logistics_hubs WHERE feature_id = 'logistics_hubs.mp_test'")
    assert proc.poll() is None
