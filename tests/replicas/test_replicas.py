"""A primary and a streaming replica (tools/pgcluster.replicated: `pg_basebackup -R`, started and stopped here, one
pair for the module): reads go to the replica and an editor reads their own edit at once even while the replica's
replay is paused; the replica stopped → every read answers 200 from the primary; the primary crashed
(SIGQUIT, as `pg_ctl -m immediate`) during a stream of edits and inside an import's transaction → every edit or import acknowledged with 2xx
is in the database afterwards and every refused one is not, and the audit trail equals the data; the replica
promoted → writes resume once the settings name it. What is checked is read straight from PostgreSQL with psycopg,
not through the code under test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import geopandas as gpd
import orjson
import psycopg
import pyogrio
import pytest
import shapely

from geo.build.pipeline import build
from geo.core.settings import load_settings
from server import create_app

pytestmark = pytest.mark.postgis

WS = "ws_replicas"
LAYER = "rep_parcels"
CENTRE = (120.07, 29.31)  # Yiwu, where an import is expected
FORM = {"title_zh": "复制测试地块", "title_en": "Replica test parcels", "role": "zone", "plan_ref": "§5",
        "id_field": "地块编号", "access": "public"}
IMPORT_FEATURES = 2000


def wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s: {condition.__doc__ or condition}")
        time.sleep(0.02)


def sql(url: str, statement: str, params=None) -> list[tuple]:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as con:
        return con.execute(statement, params).fetchall()


def replayed(primary: str, replica: str) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    target = sql(primary, "SELECT pg_current_wal_insert_lsn()")[0][0]
    wait_until(lambda: sql(replica, "SELECT pg_last_wal_replay_lsn() >= %s", (target,))[0][0])


def parcels_gpkg(path, count: int):
    """`count` 20 m squares near Yiwu's centre in EPSG:4326, ids 1..count (a GeoPackage to upload)."""
    step = 3e-4
    boxes = [shapely.box(CENTRE[0] + (i % 100) * step, CENTRE[1] + (i // 100) * step,
                         CENTRE[0] + (i % 100) * step + 2e-4, CENTRE[1] + (i // 100) * step + 2e-4) for i in range(count)]
    frame = gpd.GeoDataFrame({"地块编号": [str(i + 1) for i in range(count)], "名称": ["地块"] * count},
                             geometry=boxes, crs="EPSG:4326")
    pyogrio.write_dataframe(frame, path, layer="parcels", driver="GPKG")
    return path


@pytest.fixture(scope="module")
def pair(data_dir):
    """[primary, replica] with the session's build loaded into the primary (and streamed to the replica)."""
    from tools import pgcluster

    with pgcluster.replicated() as servers:
        build(load_settings({"data_dir": data_dir, "database_url": servers[0].url}))
        yield servers


def make_app(data_dir, url: str, replicas: tuple[str, ...] = ()):
    return create_app({"TESTING": True, "data_dir": data_dir, "database_url": url, "database_replicas": replicas,
                       "workspace_schema": WS})


@pytest.fixture(scope="module")
def service(pair, data_dir, tmp_path_factory):
    """The app reading the replica and writing the primary; an editor's token; a public editable layer."""
    primary, replica = pair
    app = make_app(data_dir, primary.url, (replica.url,))
    token = app.extensions["yiwu"].accounts.add_user("rep_editor", "editor", actor="test")
    auth = {"Authorization": f"Bearer {token}"}
    upload = parcels_gpkg(tmp_path_factory.mktemp("replicas") / "parcels.gpkg", 4)
    with upload.open("rb") as fh:
        resp = app.test_client().post("/imports", headers=auth, content_type="multipart/form-data",
                                      data={**FORM, "id": LAYER, "file": (fh, upload.name)})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    replayed(primary.url, replica.url)
    return app, auth


def served(app) -> dict[str, int]:
    """Statements each server answered for the app's readers (built and imported layers)."""
    engine = app.extensions["yiwu"].engine
    return {url: engine.built.served[url] + engine.imported.served[url] for url in (engine.url, *engine.replicas.urls)}


def create(client, auth, name: str):
    feature = {"type": "Feature", "properties": {"名称": name},
               "geometry": shapely.geometry.mapping(shapely.box(CENTRE[0], CENTRE[1], CENTRE[0] + 1e-4,
                                                                CENTRE[1] + 1e-4))}
    return client.post(f"/collections/{LAYER}/items", json=feature,
                       headers={**auth, "Content-Type": "application/geo+json"})


def test_reads_go_to_the_replica_and_an_editor_reads_their_own_edit_at_once(service, pair):
    app, auth = service
    primary, replica = pair
    before = served(app)
    assert app.test_client().get(f"/collections/{LAYER}/items?limit=10").status_code == 200
    after = served(app)
    assert after[replica.url] > before[replica.url] and after[primary.url] == before[primary.url]

    sql(replica.url, "SELECT pg_wal_replay_pause()")  # the replica falls behind for as long as the test wants
    try:
        editor = app.test_client()
        resp = create(editor, auth, "read-your-write")
        assert resp.status_code == 201, resp.get_data(as_text=True)
        assert "yiwu_read_after" in resp.headers.get("Set-Cookie", "") and resp.headers["X-Yiwu-Written-LSN"]
        path = resp.headers["Location"].split("://", 1)[-1].split("/", 1)[-1]
        assert editor.get(f"/{path}").status_code == 200  # the editor's next read sees the edit (from the primary)
        assert app.test_client().get(f"/{path}").status_code == 404  # others read the paused replica
        position = resp.headers["X-Yiwu-Written-LSN"]
        assert app.test_client().get(f"/{path}", headers={"X-Yiwu-Read-After": position}).status_code == 200
    finally:
        sql(replica.url, "SELECT pg_wal_replay_resume()")
    wait_until(lambda: sql(replica.url, "SELECT pg_last_wal_replay_lsn() >= %s", (position,))[0][0])
    before = served(app)
    assert editor.get(f"/{path}").status_code == 200  # caught up: the editor reads the replica again
    assert served(app)[replica.url] > before[replica.url]


READS = ("/collections", f"/collections/{LAYER}/items?limit=5", f"/collections/{LAYER}",
         "/collections/{first}/items?limit=2&bbox=119.9,29.2,120.2,29.4", "/?lang=en")


def test_the_replica_stopped_reads_answer_from_the_primary_without_5xx(service, pair):
    app, _ = service
    primary, replica = pair
    first = next(iter(app.extensions["yiwu"].built_catalog))
    client = app.test_client()
    replica.stop()
    try:
        before = served(app)
        statuses = [client.get(path.format(first=first)).status_code for _ in range(3) for path in READS]
        assert statuses == [200] * len(statuses)
        assert served(app)[primary.url] > before[primary.url]
    finally:
        replica.start()
    replayed(primary.url, replica.url)


def edit_stream(app, auth, crash: Callable[[threading.Event], None], count: int = 60) -> dict[str, int]:
    """`count` creates one after another; once a quarter are acknowledged, `crash` runs in a thread, given an event
    set when an edit has been refused. Each name with its HTTP status."""
    client, statuses, refused = app.test_client(), {}, threading.Event()
    crasher = threading.Thread(target=crash, args=(refused,))
    for i in range(count):
        name = f"edit-{i:03d}"
        statuses[name] = create(client, auth, name).status_code
        if statuses[name] != 201:
            refused.set()
        if i == count // 4:
            crasher.start()
    crasher.join()
    return statuses


def trail_and_data(url: str, prefix: str) -> tuple[set[str], set[str]]:
    """The names of the created features the audit trail records, and those in the layer's table."""
    audit = {orjson.loads(after)["properties"]["名称"] for (after,) in sql(
        url, f"SELECT after FROM {WS}.ws_audit WHERE action = 'create' AND collection = %s", (LAYER,))}
    data = {name for (name,) in sql(url, f'SELECT "名称" FROM {WS}.{LAYER}')}
    return {n for n in audit if n.startswith(prefix)}, {n for n in data if n.startswith(prefix)}


def test_the_primary_crashed_during_edits_loses_no_acknowledged_edit(service, pair):
    app, auth = service
    primary, _ = pair

    def crash(refused: threading.Event):
        primary.crash()  # SIGQUIT: the server recovers from its WAL at the next start
        refused.wait(30)  # down until the stream has felt it (an edit between two others would not)
        primary.start()

    statuses = edit_stream(app, auth, crash)
    acknowledged = {n for n, s in statuses.items() if s == 201}
    refused = {n for n, s in statuses.items() if s != 201}
    audit, data = trail_and_data(primary.url, "edit-")
    print(f"\nedits: {len(acknowledged)} acknowledged, {len(refused)} refused {sorted(set(statuses.values()))}, "
          f"{len(data)} found, {len(audit)} audited")
    assert refused and all(statuses[n] == 503 for n in refused)  # the crash was felt, and refused as unavailable
    assert acknowledged <= data and not (refused & data)  # 0 acknowledged edits lost, none refused written
    assert audit == data
    resp = create(app.test_client(), auth, "edit-after")  # and editing goes on
    assert resp.status_code == 201, resp.get_data(as_text=True)


def import_layer(app, auth, upload, layer_id: str) -> int:
    with upload.open("rb") as fh:
        return app.test_client().post("/imports", headers=auth, content_type="multipart/form-data",
                                      data={**FORM, "id": layer_id, "file": (fh, upload.name)}).status_code


def test_the_primary_crashed_during_an_import_leaves_the_whole_layer_or_none(service, pair, tmp_path):
    app, auth = service
    primary, _ = pair
    upload = parcels_gpkg(tmp_path / "many.gpkg", IMPORT_FEATURES)
    held = threading.Event()

    def crash_inside_the_import():
        """Hold the layer registry so the import's transaction waits after its COPY; crash the primary then."""
        con = psycopg.connect(primary.url)
        try:
            con.execute(f"LOCK TABLE {WS}.ws_layers IN EXCLUSIVE MODE")  # reads go on; registering waits
            held.set()
            wait_until(lambda: sql(primary.url, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                                                "'Lock' AND query LIKE 'INSERT INTO%%ws_layers%%'")[0][0] > 0, 60)
            primary.crash()
        finally:
            con.close()  # its server is gone: nothing to roll back
            primary.start()

    crasher = threading.Thread(target=crash_inside_the_import)
    crasher.start()
    held.wait(30)
    statuses = {"bulk_crashed": import_layer(app, auth, upload, "bulk_crashed")}
    crasher.join()
    statuses["bulk_after"] = import_layer(app, auth, upload, "bulk_after")  # imports go on
    registered = {r[0] for r in sql(primary.url, f"SELECT id FROM {WS}.ws_layers WHERE id LIKE 'bulk%%'")}
    tables = {r[0] for r in sql(primary.url, "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename "
                                             "LIKE 'bulk%%'", (WS,))}
    trail = {r[0] for r in sql(primary.url, f"SELECT collection FROM {WS}.ws_audit WHERE action = 'import' AND "
                                            "collection LIKE 'bulk%%'")}
    print(f"\nimports: {statuses}; registered {sorted(registered)}")
    assert statuses == {"bulk_crashed": 503, "bulk_after": 201}
    assert registered == tables == trail == {"bulk_after"}  # nothing of the crashed import is left
    assert sql(primary.url, f"SELECT count(*) FROM {WS}.bulk_after")[0][0] == IMPORT_FEATURES


def test_the_replica_promoted_takes_the_writes_once_the_settings_name_it(service, pair, data_dir):
    app, auth = service
    primary, replica = pair
    replayed(primary.url, replica.url)
    audit, data = trail_and_data(primary.url, "edit-")
    primary.stop()  # the primary lost
    assert create(app.test_client(), auth, "edit-while-down").status_code == 503  # refused, not a 500
    replica.promote()
    promoted = make_app(data_dir, replica.url)  # the settings now name the promoted replica the primary
    resp = create(promoted.test_client(), auth, "edit-promoted")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert trail_and_data(replica.url, "edit-") == (audit | {"edit-promoted"}, data | {"edit-promoted"})
