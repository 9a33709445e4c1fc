"""Editing in the workspace, below HTTP, on both engines: imports all or nothing, ETag/If-Match, history and
restore, the audit trail append-only, and kill -9 in the middle of edits losing nothing committed. Expected values
come from the inputs (the states the test wrote), not from the code under test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import geopandas as gpd
import orjson
import pytest
import shapely
from sqlalchemy import select

from geo.core.errors import (
    ConflictError,
    InvalidGeometryError,
    InvalidParameterError,
    PreconditionFailedError,
    PreconditionRequiredError,
)
from geo.core.settings import load_settings
from geo.store import open_engine
from geo.store.workspace import AUDIT
from geo.workspace.editing import FeatureEditor, feature_etag, feature_history, parse_feature_body
from geo.workspace.layers import ImportRequest, catalog_entry, drop_layer, imported_ids, publish_layer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOXES = [shapely.box(120.07 + i * 0.01, 29.30, 120.075 + i * 0.01, 29.305) for i in range(3)]


def parcels() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"feature_id": ["1", "2", "3"], "用地性质": ["商业", "居住", "工业"],
                             "容积率": [2.5, 1.8, None], "地块编号": [101, 102, 103]},
                            geometry=BOXES, crs="EPSG:4326")


def workspace_settings(tmp_path, url: str | None) -> dict:
    """The settings of an engine whose workspace is the test's own (no build needed: only the workspace is used)."""
    if url is None:
        return {"data_dir": str(tmp_path), "workspace_path": str(tmp_path / "ws.gpkg")}
    return {"data_dir": str(tmp_path), "database_url": url, "workspace_schema": f"ws_{uuid.uuid4().hex[:8]}"}


@pytest.fixture(params=("gpkg", "postgis"))
def workspace(request, tmp_path):
    url = None if request.param == "gpkg" else request.getfixturevalue("postgres_url")
    settings = workspace_settings(tmp_path, url)
    engine = open_engine(load_settings(settings), [])
    yield engine, settings
    engine.close()


class FreshReader:
    """The imported layers as a new request reads them: each call takes the workspace's version now."""

    def __init__(self, engine, layer_ids):
        self.engine = engine
        engine.set_imported(layer_ids)

    def __getattr__(self, name):
        reader = self.engine.imported
        reader.refresh(reader.read_version())
        return getattr(reader, name)

    def schema(self, layer_id):
        return self.info(layer_id).schema

    def count(self, layer_id):
        return self.info(layer_id).count

    def geometry_name(self, layer_id):
        return self.table(layer_id).geometry


def reader(engine, layer_ids):
    return FreshReader(engine, layer_ids)


@pytest.fixture
def imported(workspace):
    ws, _ = workspace
    entry = catalog_entry(ImportRequest("kg_parcels", "控规地块", "Regulatory parcels", "zone", "§5", "kg.zip"),
                          parcels())
    layer = publish_layer(ws, entry, parcels(), {"feature_count": 3}, "alice", "10.1.2.3", set())
    store = reader(ws, [layer.id])
    editor = FeatureEditor(ws, layer, store.schema(layer.id), store.geometry_name(layer.id))
    return ws, store, layer, editor


def body(props, geometry=None):
    out = {"type": "Feature", "properties": props}
    if geometry is not None:
        out["geometry"] = shapely.geometry.mapping(geometry)
    return out


def current_etag(store, layer_id, fid):
    row = store.feature(layer_id, fid)
    record = row.drop(columns=[row.geometry.name, "feature_id"]).iloc[0].to_dict()
    return feature_etag(record, row.geometry.iloc[0], store.schema(layer_id))


def test_import_publishes_the_layer_with_provenance(imported):
    ws, store, layer, _ = imported
    assert imported_ids(ws) == ["kg_parcels"]
    frame = store.frame(layer.id)
    assert list(frame["用地性质"]) == ["商业", "居住", "工业"]
    assert set(frame["source"]) == {"kg.zip"} and set(frame["plan_ref"]) == {"§5"}
    assert set(frame["accuracy"]) == {"official_boundary"}
    assert store.info(layer.id).bbox == pytest.approx(tuple(shapely.MultiPolygon(BOXES).bounds))


def test_a_taken_id_is_refused_and_changes_nothing(imported):
    ws, store, layer, _ = imported
    entry = catalog_entry(ImportRequest("kg_parcels", "x", "x", "zone", "§5", "other.zip"), parcels().iloc[:1])
    with pytest.raises(ConflictError):
        publish_layer(ws, entry, parcels().iloc[:1], {}, "bob", None, set())
    with pytest.raises(ConflictError):
        publish_layer(ws, {**entry, "id": "yiwu_boundary"}, parcels(), {}, "bob", None, {"yiwu_boundary"})
    assert store.count(layer.id) == 3 and imported_ids(ws) == ["kg_parcels"]


def test_etag_is_the_same_from_the_store_and_the_editor(imported):
    ws, store, layer, editor = imported
    with ws.read() as con:
        state = editor._read(con, "2")
    assert editor._etag(state) == current_etag(store, layer.id, "2")


def test_update_needs_the_current_etag(imported):
    ws, store, layer, editor = imported
    schema = store.schema(layer.id)
    change = parse_feature_body(body({"容积率": 3.0}), layer, schema, partial=True)
    with pytest.raises(PreconditionRequiredError):
        editor.update("1", change, None, "bob", None)
    etag = current_etag(store, layer.id, "1")
    first = editor.update("1", change, f'"{etag}"', "bob", "10.0.0.7")
    with pytest.raises(PreconditionFailedError):
        editor.update("1", change, f'"{etag}"', "carol", None)  # stale: bob changed it
    assert first.version == 2 and current_etag(store, layer.id, "1") == first.etag
    assert store.feature(layer.id, "1")["容积率"].iloc[0] == 3.0


@pytest.mark.parametrize("props, geometry, error", [
    ({"unknown": 1}, None, InvalidParameterError),
    ({"容积率": "high"}, None, InvalidParameterError),
    ({"地块编号": 1.5}, None, InvalidParameterError),
    ({"source": "my own"}, None, InvalidParameterError),
    ({}, shapely.Point(120.07, 29.3), InvalidGeometryError),
    ({}, shapely.Polygon([(120, 29), (120.1, 29.1), (120.1, 29), (120, 29.1), (120, 29)]), InvalidGeometryError),
])
def test_bad_input_is_refused_naming_it(imported, props, geometry, error):
    _, store, layer, editor = imported
    with pytest.raises(error):
        data = parse_feature_body(body(props, geometry), layer, store.schema(layer.id), partial=True)
        editor.update("1", data, "*", "bob", None)


def test_a_feature_edited_three_times_has_four_versions_and_restores(imported):
    ws, store, layer, editor = imported
    schema = store.schema(layer.id)
    etag = current_etag(store, layer.id, "2")
    for i, value in enumerate((2.0, 2.2, 2.4)):
        geometry = shapely.box(120.08, 29.30, 120.085 + i * 0.001, 29.305)
        change = editor.update("2", parse_feature_body(body({"容积率": value}, geometry), layer, schema, True),
                               f'"{etag}"', f"editor{i}", f"10.0.0.{i}")
        etag = change.etag
    versions = feature_history(editor, "2")
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    assert [v["state"]["properties"]["容积率"] for v in versions] == [1.8, 2.0, 2.2, 2.4]
    assert [v["actor"] for v in versions] == ["alice", "editor0", "editor1", "editor2"]
    restored = editor.restore("2", 1, f'"{etag}"', "admin", None)
    assert restored.version == 5 and store.feature(layer.id, "2")["容积率"].iloc[0] == 1.8
    assert shapely.equals(store.feature(layer.id, "2").geometry.iloc[0], BOXES[1])


def test_delete_then_restore_recreates_the_feature(imported):
    ws, store, layer, editor = imported
    gone = editor.delete("3", f'"{current_etag(store, layer.id, "3")}"', "bob", None)
    assert gone.etag is None and store.count(layer.id) == 2
    back = editor.restore("3", 1, None, "bob", None)
    assert back.version == 3 and store.count(layer.id) == 3
    assert store.feature(layer.id, "3")["用地性质"].iloc[0] == "工业"


def test_create_takes_the_next_id_and_is_audited(imported):
    ws, store, layer, editor = imported
    data = parse_feature_body(body({"用地性质": "绿地", "地块编号": 104}, shapely.box(120.1, 29.3, 120.105, 29.305)),
                              layer, store.schema(layer.id), partial=False)
    change = editor.create(data, "bob", "10.9.9.9")
    assert change.feature_id == "4" and store.count(layer.id) == 4
    with ws.read() as con:
        row = con.execute(select(AUDIT).where(AUDIT.c.action == "create")).mappings().one()
    assert row["actor"] == "bob" and row["client"] == "10.9.9.9" and row["before"] is None
    assert orjson.loads(row["after"])["properties"]["用地性质"] == "绿地"


def test_the_audit_trail_refuses_update_and_delete(imported):
    ws, *_ = imported
    for statement in ("UPDATE ws_audit SET actor = 'mallory'", "DELETE FROM ws_audit"):
        with pytest.raises(Exception, match="append-only"), ws.begin() as con:
            con.execute(AUDIT.update().values(actor="mallory") if "UPDATE" in statement else AUDIT.delete())
    with ws.read() as con:
        assert con.execute(select(AUDIT.c.actor)).scalars().first() == "alice"


def test_drop_layer_is_audited_and_removes_the_table(imported):
    ws, store, layer, _ = imported
    drop_layer(ws, layer.id, "admin", None)
    assert imported_ids(ws) == []
    with ws.read() as con:
        assert con.execute(select(AUDIT.c.action).order_by(AUDIT.c.seq.desc())).scalars().first() == "drop_layer"


EDIT_LOOP = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from geo.core.settings import load_settings
    from geo.store import open_engine
    from geo.workspace.editing import FeatureEditor, parse_feature_body
    from geo.workspace.layers import entry_layer, imported_entries
    ws = open_engine(load_settings({settings!r}), [])
    layer = entry_layer(imported_entries(ws)[0])
    schema = {schema!r}
    editor = FeatureEditor(ws, layer, schema, {geometry!r})
    i = 0
    while True:
        i += 1
        data = parse_feature_body({{"type": "Feature", "properties": {{"地块编号": i}}}}, layer, schema, True)
        editor.update("1", data, "*", "loop", None)
        print(i, flush=True)
""")


@pytest.mark.slow
def test_kill_9_during_edits_loses_nothing_committed(imported, workspace):
    ws, store, layer, _ = imported
    script = EDIT_LOOP.format(root=ROOT, settings=workspace[1], schema=store.schema(layer.id),
                              geometry=store.geometry_name(layer.id))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    committed = 0
    deadline = time.monotonic() + 60
    while committed < 40 and time.monotonic() < deadline:
        committed = int(proc.stdout.readline().split()[0])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    value = int(store.feature(layer.id, "1")["地块编号"].iloc[0])
    with ws.read() as con:
        last = con.execute(select(AUDIT).where(AUDIT.c.feature_id == "1").order_by(AUDIT.c.seq.desc())
                           .limit(1)).mappings().one()
    assert value >= committed  # every edit it reported as committed is there (one more may have committed)
    assert orjson.loads(last["after"])["properties"]["地块编号"] == value  # the trail agrees with the data
    assert last["version"] == value + 1


IMPORT_LOOP = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    import geopandas as gpd
    import shapely
    from geo.core.settings import load_settings
    from geo.store import open_engine
    from geo.workspace.layers import ImportRequest, catalog_entry, publish_layer
    ws = open_engine(load_settings({settings!r}), [])
    boxes = [shapely.box(120.0 + (i % 200) * 1e-3, 29.2 + (i // 200) * 1e-3, 120.0005 + (i % 200) * 1e-3,
                         29.2005 + (i // 200) * 1e-3) for i in range({count})]
    frame = gpd.GeoDataFrame({{"feature_id": [str(i + 1) for i in range({count})], "名称": ["地块"] * {count}}},
                             geometry=boxes, crs="EPSG:4326")
    i = 0
    while True:
        i += 1
        entry = catalog_entry(ImportRequest(f"killed_{{i}}", "中断测试", "Kill test", "zone", "§5", "k.gpkg"), frame)
        publish_layer(ws, entry, frame, {{"feature_count": {count}}}, "loop", None, set())
        print(i, flush=True)
""")
KILL_FEATURES = 4000


def feature_tables(ws) -> set[str]:
    """The feature tables the workspace holds, registered or not."""
    return {name for name in ws.feature_tables() if name.startswith("killed_")}


@pytest.mark.slow
def test_kill_9_during_imports_leaves_whole_layers_or_none(workspace):
    ws, settings = workspace
    script = IMPORT_LOOP.format(root=ROOT, settings=settings, count=KILL_FEATURES)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    started, done = time.monotonic(), 0
    while done < 3 and time.monotonic() - started < 120:
        done = int(proc.stdout.readline().split()[0])
    per_import = (time.monotonic() - started) / done
    time.sleep(per_import / 2)  # in the middle of the next import
    os.kill(proc.pid, signal.SIGKILL)
    done = max([done, *(int(line.split()[0]) for line in proc.stdout.read().split("\n") if line.strip())])
    proc.wait()
    ids = imported_ids(ws)
    assert {f"killed_{i}" for i in range(1, done + 1)} <= set(ids) <= {f"killed_{i}" for i in range(1, done + 2)}
    store = reader(ws, ids)
    for layer_id in ids:  # every registered layer is whole
        assert len(store.frame(layer_id)) == KILL_FEATURES
    with ws.read() as con:
        trail = [r[0] for r in con.execute(select(AUDIT.c.collection).where(AUDIT.c.action == "import"))]
    assert sorted(trail) == sorted(ids)  # the trail agrees with the data
    entry = catalog_entry(ImportRequest("after_kill", "中断后", "After the kill", "zone", "§5", "kg.zip"), parcels())
    publish_layer(ws, entry, parcels(), {"feature_count": 3}, "alice", None, set())  # the next import works
    assert feature_tables(ws) == set(ids)  # and no half-written table is left
