"""Bringing data in and editing it through HTTP, on both engines: a zipped Shapefile in EPSG:4549 with GBK-encoded
Chinese attributes and a bow-tie polygon is uploaded to POST /imports by an editor; the layer answers in WGS84 where
pyproj puts the parcels, with its Chinese text intact and the repair in the QC report; anonymous, viewer and editor
requests get 401/403/201; a stale If-Match 412; the internal layer stays out of every anonymous listing, items,
tiles and downloads; each change is in /audit and in the feature's history with before and after; the tiles show an
edit at once. Expected values come from the fixture's inputs (pyproj on the parcel corners), not from the code
under test."""

from __future__ import annotations

import re

import morecantile
import pyogrio
import pytest
import shapely
from conftest import workspace_settings
from import_fixtures import GK, PARCELS, centre_gk, gbk_shapefile_zip, shifted
from pyproj import Transformer

from api.core.params import DOWNLOAD_FORMATS
from server import create_app

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines

LAYER = "kg_parcels_api"  # internal (the default of an import)
PUBLIC = "kg_parcels_public"
FORM = {"id": LAYER, "title_zh": "控规地块（测试）", "title_en": "Regulatory parcels (test)", "role": "zone",
        "plan_ref": "§5", "id_field": "地块编号"}
TMS = morecantile.tms.get("WebMercatorQuad")
TO_WGS84 = Transformer.from_crs(GK, 4326, always_xy=True)


def parcel_wgs84(pid: str) -> shapely.Polygon:
    """The parcel's outer ring computed here from the fixture's metres (independent of the importer)."""
    ring = next(r for p, *_, r, _holes in PARCELS if p == pid)
    return shapely.Polygon([TO_WGS84.transform(x, y) for x, y in shifted(ring, centre_gk())])


@pytest.fixture(scope="module")
def service(request, tmp_path_factory, data_dir, backend):
    """The app over the built data with its own workspace (a temporary GeoPackage, or a fresh PostGIS schema),
    three users and the GBK Shapefile imported by the editor through POST /imports."""
    tmp = tmp_path_factory.mktemp(f"edit_api_{backend}")
    settings = workspace_settings(request, tmp, data_dir, backend, "ws_api")
    app = create_app(settings)
    accounts = app.extensions["yiwu"].accounts
    tokens = {role: accounts.add_user(f"api_{role}", role, actor="test") for role in ("viewer", "editor", "admin")}
    auth = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    upload = gbk_shapefile_zip(tmp)
    with upload.open("rb") as fh:
        resp = app.test_client().post("/imports", headers=auth["editor"],
                                      data={**FORM, "file": (fh, upload.name)}, content_type="multipart/form-data")
    with upload.open("rb") as fh:  # the same parcels as a public layer (anonymous readers see it)
        public = app.test_client().post("/imports", headers=auth["editor"], content_type="multipart/form-data",
                                        data={**FORM, "id": PUBLIC, "access": "public", "file": (fh, upload.name)})
    assert public.status_code == 201, public.get_data(as_text=True)
    return app, auth, resp


def get(service, path, role=None, **kwargs):
    app, auth, _ = service
    return app.test_client().get(path, headers=auth[role] if role else {}, **kwargs)


def send(service, method, path, role=None, headers=None, **kwargs):
    app, auth, _ = service
    return app.test_client().open(path, method=method, headers={**(auth[role] if role else {}), **(headers or {})},
                                  **kwargs)


def item(service, fid):
    return get(service, f"/collections/{LAYER}/items/{fid}", "editor")


def patch(service, fid, props, etag, role="editor"):
    return send(service, "PATCH", f"/collections/{LAYER}/items/{fid}", role, json={"properties": props},
                headers={"If-Match": etag} if etag else None)


def test_import_answers_201_with_the_qc_report(service):
    resp = service[2]
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.headers["Location"].endswith(f"/collections/{LAYER}")
    report = resp.get_json()["report"]
    assert report["crs"]["epsg"] == GK and report["encoding"]["name"].upper() in ("GBK", "GB18030")
    assert report["feature_count"] == report["imported_count"] == 4
    assert [(r["feature_id"], r["action"]) for r in report["repairs"]] == [("YW-003", "repaired")]
    assert "Self-intersection" in report["repairs"][0]["reason"]


def test_the_imported_layer_is_in_wgs84_where_the_parcels_are_with_chinese_intact(service):
    resp = get(service, f"/collections/{LAYER}/items?limit=10", "editor")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/geo+json")
    features = {f["id"]: f for f in resp.get_json()["features"]}
    assert set(features) == {p[0] for p in PARCELS}
    for pid, name, use, *_ in PARCELS:
        props = features[pid]["properties"]
        assert (props["名称"], props["用地性质"]) == (name, use)
        assert props["plan_ref"] == "§5" and props["source"] == "义乌地块.zip"
    got = shapely.geometry.shape(features["YW-001"]["geometry"])
    assert shapely.hausdorff_distance(got, parcel_wgs84("YW-001")) < 1e-7  # degrees: about 1 cm
    assert shapely.geometry.shape(features["YW-003"]["geometry"]).is_valid


def test_the_qc_report_is_a_page_in_both_languages(service):
    zh = get(service, f"/imports/{LAYER}?f=html", "editor")
    en = get(service, f"/imports/{LAYER}?f=html&lang=en", "editor")
    assert zh.status_code == en.status_code == 200 and zh.headers["Content-Type"].startswith("text/html")
    assert "导入质检报告" in zh.get_data(as_text=True) and "YW-003" in zh.get_data(as_text=True)
    assert "Geometry repairs" in en.get_data(as_text=True) and 'lang="en"' in en.get_data(as_text=True)
    assert get(service, f"/imports/{LAYER}?f=html", "viewer").status_code == 403


@pytest.mark.parametrize("role, status", [(None, 401), ("viewer", 403)])
def test_import_needs_an_editor(service, tmp_path, role, status):
    upload = gbk_shapefile_zip(tmp_path)
    with upload.open("rb") as fh:
        resp = send(service, "POST", "/imports", role, data={**FORM, "id": "other_layer", "file": (fh, upload.name)},
                    content_type="multipart/form-data")
    assert resp.status_code == status and resp.is_json and resp.get_json()["code"]
    assert get(service, "/collections/other_layer", "admin").status_code == 404


def test_a_file_without_a_crs_is_refused_with_its_report_and_changes_nothing(service, tmp_path):
    upload = gbk_shapefile_zip(tmp_path)
    import zipfile

    stripped = tmp_path / "no_prj.zip"
    with zipfile.ZipFile(upload) as src, zipfile.ZipFile(stripped, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith(".prj"):
                dst.writestr(info, src.read(info))
    before = get(service, "/audit?limit=1", "admin").get_json()["numberMatched"]
    with stripped.open("rb") as fh:
        resp = send(service, "POST", "/imports", "editor", data={**FORM, "id": "no_crs", "file": (fh, "no_prj.zip")},
                    content_type="multipart/form-data")
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "ImportRefused" and "CRS" in body["description"] and body["report"]["ok"] is False
    assert get(service, "/collections/no_crs", "admin").status_code == 404
    assert get(service, "/audit?limit=1", "admin").get_json()["numberMatched"] == before


def test_an_internal_layer_is_invisible_to_anonymous_users(service):
    listing = get(service, "/collections").get_json()
    assert LAYER not in {c["id"] for c in listing["collections"]}
    assert LAYER in {c["id"] for c in get(service, "/collections", "viewer").get_json()["collections"]}
    lon, lat = parcel_wgs84("YW-001").centroid.coords[0]
    tile = TMS.tile(lon, lat, 14)
    paths = [f"/collections/{LAYER}", f"/collections/{LAYER}/items", f"/collections/{LAYER}/items/YW-001",
             f"/collections/{LAYER}/queryables", f"/collections/{LAYER}/tiles",
             f"/collections/{LAYER}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}",
             *[f"/collections/{LAYER}/items?f={fmt}" for fmt in DOWNLOAD_FORMATS]]
    for path in paths:
        anon = get(service, path)
        assert anon.status_code == 404, path
        assert get(service, path, "viewer").status_code == 200, path
    assert LAYER not in get(service, "/openapi").get_data(as_text=True)
    private = get(service, f"/collections/{LAYER}/items", "viewer")
    assert private.headers["Cache-Control"].startswith("private")


@pytest.mark.parametrize("role, status", [(None, 401), ("viewer", 403), ("editor", 201)])
def test_create_needs_an_editor(service, role, status):
    geometry = shapely.geometry.mapping(parcel_wgs84("YW-004").buffer(-1e-4))
    resp = send(service, "POST", f"/collections/{PUBLIC}/items", role, headers={"Content-Type": "application/geo+json"},
                json={"type": "Feature", "geometry": geometry, "properties": {"名称": f"新地块 {role}", "容积率": 1.1}})
    assert resp.status_code == status, resp.get_data(as_text=True)
    if status == 201:
        assert resp.headers["ETag"] and f"/collections/{PUBLIC}/items/" in resp.headers["Location"]
        assert resp.get_json()["properties"]["名称"] == "新地块 editor"
    else:
        assert resp.is_json and resp.get_json()["code"]


def test_an_internal_layer_is_not_there_for_anonymous_writes(service):
    for method, path in (("POST", f"/collections/{LAYER}/items"), ("PATCH", f"/collections/{LAYER}/items/YW-001"),
                         ("DELETE", f"/collections/{LAYER}/items/YW-001")):
        resp = send(service, method, path, json={"properties": {}}, headers={"If-Match": "*"})
        assert resp.status_code == 404, (method, path)
    assert item(service, "YW-001").status_code == 200  # and nothing happened to it


def test_writes_need_the_current_etag(service):
    etag = item(service, "YW-002").headers["ETag"]
    assert patch(service, "YW-002", {"层数": 20}, None).status_code == 428
    assert patch(service, "YW-002", {"层数": 20}, etag).status_code == 200
    stale = patch(service, "YW-002", {"层数": 21}, etag)
    assert stale.status_code == 412 and stale.get_json()["code"] == "PreconditionFailed"
    assert item(service, "YW-002").get_json()["properties"]["层数"] == 20


def test_the_etag_of_a_compressed_answer_is_accepted_and_a_stale_one_still_refused(service):
    """A browser reads the item compressed (the response compression appends the coding to its ETag) and sends that
    ETag back: the same version of the feature."""
    read = send(service, "GET", f"/collections/{LAYER}/items/YW-003", "editor", headers={"Accept-Encoding": "gzip"})
    assert read.headers["Content-Encoding"] == "gzip" and read.headers["ETag"].endswith(':gzip"')
    assert patch(service, "YW-003", {"层数": 1}, read.headers["ETag"]).status_code == 200
    stale = patch(service, "YW-003", {"层数": 2}, read.headers["ETag"])
    assert stale.status_code == 412 and item(service, "YW-003").get_json()["properties"]["层数"] == 1


def test_a_built_in_layer_is_not_editable(service):
    resp = send(service, "PATCH", "/collections/yixi_84/items/1", "admin", json={"properties": {}},
                headers={"If-Match": "*"})
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]


def test_three_edits_leave_four_versions_in_the_history_and_the_trail(service):
    names = ["国际商贸城一区（一改）", "国际商贸城一区（二改）", "国际商贸城一区（三改）"]
    moved = shapely.affinity.translate(parcel_wgs84("YW-001"), 0.0005, 0.0)
    for i, name in enumerate(names):
        etag = item(service, "YW-001").headers["ETag"]
        doc = {"properties": {"名称": name}}
        if i == 2:
            doc["geometry"] = shapely.geometry.mapping(moved)
        resp = send(service, "PATCH", f"/collections/{LAYER}/items/YW-001", "editor", json=doc,
                    headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
    history = get(service, f"/collections/{LAYER}/items/YW-001/history", "editor").get_json()["versions"]
    assert [v["version"] for v in history] == [1, 2, 3, 4]
    assert [v["feature"]["properties"]["名称"] for v in history] == ["国际商贸城一区地块", *names]
    assert {v["actor"] for v in history[1:]} == {"api_editor"}
    last = shapely.geometry.shape(history[-1]["feature"]["geometry"])
    assert last.symmetric_difference(moved).area < 1e-12
    trail = get(service, f"/audit?collection={LAYER}&action=update&limit=50", "admin").get_json()["entries"]
    mine = [e for e in trail if e["feature_id"] == "YW-001"]
    assert [e["version"] for e in mine] == [4, 3, 2]  # newest first
    assert mine[0]["before"]["properties"]["名称"] == names[1] and mine[0]["after"]["properties"]["名称"] == names[2]
    assert mine[0]["client"] and mine[0]["actor"] == "api_editor"


def test_restore_makes_an_old_version_current(service):
    etag = item(service, "YW-004").headers["ETag"]
    assert patch(service, "YW-004", {"用地性质": "物流仓储用地"}, etag).status_code == 200
    etag = item(service, "YW-004").headers["ETag"]
    resp = send(service, "POST", f"/collections/{LAYER}/items/YW-004/history/1/restore", "editor",
                headers={"If-Match": etag})
    assert resp.status_code == 200 and resp.get_json()["properties"]["用地性质"] == "工业用地"
    versions = get(service, f"/collections/{LAYER}/items/YW-004/history", "editor").get_json()["versions"]
    assert [v["action"] for v in versions][-1] == "restore"


def test_an_edit_reaches_the_tiles_at_once(service, tmp_path):
    lon, lat = parcel_wgs84("YW-002").centroid.coords[0]
    tile = TMS.tile(lon, lat, 15)
    url = f"/collections/{LAYER}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"
    assert get(service, url, "viewer").status_code == 200
    etag = item(service, "YW-002").headers["ETag"]
    assert patch(service, "YW-002", {"用地性质": "商住混合用地"}, etag).status_code == 200
    resp = get(service, url, "viewer")
    assert resp.headers["Cache-Control"].startswith("private")
    path = tmp_path / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(resp.data)
    frame = pyogrio.read_dataframe(path)
    assert "商住混合用地" in set(frame["用地性质"])


def test_the_audit_trail_is_for_admins_and_cannot_be_changed(service):
    assert get(service, "/audit").status_code == 401
    assert get(service, "/audit", "editor").status_code == 403
    page = get(service, "/audit?f=html&lang=en", "admin")
    assert page.status_code == 200 and "Audit trail" in page.get_data(as_text=True)
    actions = {e["action"] for e in get(service, "/audit?limit=500", "admin").get_json()["entries"]}
    assert {"import", "create", "update", "user_add"} <= actions
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        assert send(service, method, "/audit", "admin").status_code == 405


def test_a_session_write_needs_the_csrf_token(service):
    app, _, _ = service
    app.extensions["yiwu"].accounts.set_password("api_editor", "correct horse battery", actor="test")
    browser = app.test_client()
    login_page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    assert browser.post("/login", data={"name": "api_editor", "password": "correct horse battery",
                                        "csrf_token": token}).status_code in (302, 303)
    etag = item(service, "YW-002").headers["ETag"]
    url = f"/collections/{LAYER}/items/YW-002"
    assert browser.patch(url, json={"properties": {"层数": 7}}, headers={"If-Match": etag}).status_code == 403
    csrf = browser.get("/me").get_json()["csrf_token"]
    resp = browser.patch(url, json={"properties": {"层数": 7}}, headers={"If-Match": etag, "X-CSRF-Token": csrf})
    assert resp.status_code == 200 and resp.get_json()["properties"]["层数"] == 7


def test_conformance_and_openapi_declare_part_4_on_editable_collections_only(service):
    conforms = get(service, "/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in conforms
    paths = get(service, "/openapi", "editor").get_json()["paths"]
    own = paths[f"/collections/{LAYER}/items/{{feature_id}}"]
    assert set(own) == {"get", "put", "patch", "delete"} and own["patch"]["security"]
    assert set(paths[f"/collections/{LAYER}/items"]) == {"get", "post"}
    assert f"/collections/{LAYER}/items/{{feature_id}}/history" in paths
    assert set(paths["/collections/{collection_id}/items/{feature_id}"]) == {"get"}
    assert set(paths["/collections/yixi_84/items"]) == {"get"}
    assert {p for p in paths if p.endswith("/history")} == {f"/collections/{i}/items/{{feature_id}}/history"
                                                             for i in (LAYER, PUBLIC)}


@pytest.mark.parametrize("path, allow", [
    (f"/collections/{LAYER}/items", "GET, HEAD, POST, OPTIONS"),
    (f"/collections/{LAYER}/items/YW-002", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"),
    ("/collections/yixi_84/items", "GET, HEAD, OPTIONS"),
    ("/collections/yixi_84/items/1", "GET, HEAD, OPTIONS"),
])
def test_allow_says_what_each_collection_answers(service, path, allow):
    assert send(service, "OPTIONS", path, "editor").headers["Allow"] == allow
    refused = send(service, "PUT", path.rsplit("/", 1)[0] + "/items", "editor") if path.endswith("items") else None
    if refused is not None:  # PUT is no method of an items path: 405 naming the same methods
        assert refused.status_code == 405 and refused.headers["Allow"] == allow


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_import_qc_and_audit_pages_speak_the_page_language(service, lang):
    from page_language_support import problems

    suffix = "&lang=en" if lang == "en" else ""
    pages = {f"/imports?f=html{suffix}": "editor", f"/imports/{LAYER}?f=html{suffix}": "editor",
             f"/audit?f=html{suffix}": "admin"}
    ids = set(service[0].extensions["yiwu"].catalog) | {LAYER, PUBLIC}
    found = {}
    for path, role in pages.items():
        resp = get(service, path, role)
        assert resp.status_code == 200, path
        found[path] = problems(resp.get_data(as_text=True), lang, ids)
    assert not any(found.values()), found
