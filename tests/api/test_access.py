"""Per-layer access on both engines: a temporary catalog adds copies of a built-in zone and park with `access:
internal` under new ids and titles; anonymous requests never see them — listings, the collection and its items,
features, queryables, tiles, TileJSON, every download, the OpenAPI document, the map pages (and so their search),
/plan/figures, /parks, the site check, /readyz — and get the 404 of a layer that does not exist, while a signed-in
viewer sees them with `Cache-Control: private`. Public answers to anonymous users keep their caching; anything a
user may see differently varies on Authorization and Cookie. Rasters are made from public layers only."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest
import shapely
import yaml

from api.core.params import DOWNLOAD_FORMATS
from geo.build.pipeline import build
from geo.core.settings import load_settings
from geo.imports.pipeline import import_file
from geo.imports.reader import ImportOptions
from geo.workspace.layers import ImportRequest
from layers import CatalogError, load_catalog
from layers.catalog_loader import parse_entry
from layers.raster_loader import load_raster_catalog
from server import create_app

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines

ROOT = Path(__file__).resolve().parents[2]
ZONE, PARK, COUNTIES = "secret_zone", "secret_park", "secret_counties"
COPIES = {ZONE: ("yixi_84", "内部测试分区", "Internal test zone", {}),
          PARK: ("world_capital_of_light", "内部测试园区", "Internal test park", {}),
          # the first county boundary in catalog order: the pages' base outlines of a signed-in user
          COUNTIES: ("jinhua_counties", "内部测试县界", "Internal test counties", {"order": 5})}
HIDDEN_WORDS = (ZONE, PARK, COUNTIES, "内部测试", "Internal test")
MAP_PAGES = ("/", "/?lang=en", "/map/planner", "/map/investor", "/map/logistics", "/map/planner?lang=en")


def internal_copies(catalog: Path) -> None:
    for new_id, (source_id, title_zh, title_en, changes) in COPIES.items():
        entry = yaml.safe_load((catalog / f"{source_id}.yaml").read_text(encoding="utf-8"))
        entry.update(id=new_id, access="internal", title={"zh": title_zh, "en": title_en},
                     audiences=["planner", "investor", "logistics"], **changes)
        (catalog / f"{new_id}.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def hidden(request, tmp_path_factory, data_dir, backend):
    """The app over the built catalog plus the two internal copies, on the engine under test; an anonymous client
    and a viewer's Bearer header."""
    root = tmp_path_factory.mktemp(f"access_{backend}")
    data, catalog = root / "data", root / "catalog"
    shutil.copytree(data_dir / "sources", data / "sources")
    shutil.copytree(ROOT / "layers" / "catalog", catalog)
    internal_copies(catalog)
    settings = {"data_dir": data, "catalog_dir": catalog}
    if backend == "postgis":
        settings |= {"database_url": request.getfixturevalue("postgres_url"), "database_schema": "yiwu_access",
                     "workspace_schema": "yiwu_access_workspace"}
    build(load_settings(settings))
    app = create_app({"TESTING": True, **settings})
    token = app.extensions["yiwu"].accounts.add_user("access_viewer", "viewer", actor="test")
    return app, {"Authorization": f"Bearer {token}"}


def anonymous(hidden):
    return hidden[0].test_client()


def as_viewer(hidden, path: str, **kwargs):
    app, auth = hidden
    return app.test_client().get(path, headers=auth, **kwargs)


def absent(text: str) -> bool:
    return not any(word in text for word in HIDDEN_WORDS)


def lonlat_tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2 ** zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture(scope="module")
def addresses(hidden):
    """Every path of the internal zone a viewer can read (the feature, tile and downloads included)."""
    first = as_viewer(hidden, f"/collections/{ZONE}/items?limit=1").get_json()["features"][0]
    tilejson = as_viewer(hidden, f"/collections/{ZONE}/tiles/WebMercatorQuad/tilejson.json").get_json()
    point = shapely.geometry.shape(first["geometry"]).representative_point()
    zoom = max(tilejson["minzoom"], 10)
    x, y = lonlat_tile(point.x, point.y, zoom)
    base = f"/collections/{ZONE}"
    paths = [base, f"{base}?f=html", f"{base}/items", f"{base}/items?f=html", f"{base}/queryables",
             f"{base}/items/{first['id']}", f"{base}/items/{first['id']}?f=html", f"{base}/tiles",
             f"{base}/tiles/WebMercatorQuad", f"{base}/tiles/WebMercatorQuad/tilejson.json",
             f"{base}/tiles/WebMercatorQuad/{zoom}/{y}/{x}"]
    return paths + [f"{base}/items?f={fmt}" for fmt in DOWNLOAD_FORMATS]


def test_a_viewer_reads_every_path_of_an_internal_layer_privately(hidden, addresses):
    for path in addresses:
        response = as_viewer(hidden, path)
        assert response.status_code == 200, path
        assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
        assert {"Authorization", "Cookie"} <= set(response.vary), path


def test_anonymous_users_get_the_404_of_a_layer_that_does_not_exist(hidden, addresses):
    client = anonymous(hidden)
    for path in addresses:
        response = client.get(path)
        missing = client.get(path.replace(ZONE, "no_such_layer"))
        assert response.status_code == missing.status_code == 404, path
        assert response.get_json()["code"] == missing.get_json()["code"] == "NotFound"
        assert response.get_json()["description"] == missing.get_json()["description"].replace("no_such_layer", ZONE)
        assert "private" not in response.headers.get("Cache-Control", "")


def test_the_listings_leave_internal_layers_out_for_anonymous_users(hidden):
    client = anonymous(hidden)
    for path in ("/collections", "/collections?f=html", "/readyz", "/openapi?f=json", "/plan/figures", "/parks",
                 "/indicators", "/rasters", "/rasters/plan_zones?lang=en"):
        response = client.get(path)
        assert response.status_code == 200 and absent(response.get_data(as_text=True)), path
    listed = {c["id"] for c in as_viewer(hidden, "/collections").get_json()["collections"]}
    assert {ZONE, PARK} <= listed
    assert ZONE in as_viewer(hidden, "/readyz").get_json()["layers"]
    assert f"/collections/{ZONE}/items" in as_viewer(hidden, "/openapi?f=json").get_json()["paths"]
    assert ZONE in {r["layer"] for r in as_viewer(hidden, "/plan/figures").get_json()["figures"]}
    assert any(p["id"].startswith(f"{PARK}.") for p in as_viewer(hidden, "/parks").get_json()["parks"])


def test_sites_are_summarised_per_reader_whoever_asks_first(hidden):
    viewer_first = as_viewer(hidden, "/parks").get_json()["parks"]
    park = next(p["id"] for p in viewer_first if p["id"].startswith(f"{PARK}."))
    client = anonymous(hidden)
    assert absent(json.dumps(client.get("/parks").get_json()))
    assert client.get(f"/parks/compare?ids={park},world_capital_of_light.suxi").status_code == 404
    assert as_viewer(hidden, f"/parks/compare?ids={park},world_capital_of_light.suxi").status_code == 200


def test_the_site_check_measures_internal_zones_only_for_signed_in_users(hidden):
    feature = as_viewer(hidden, f"/collections/{ZONE}/items?limit=1").get_json()["features"][0]
    site = shapely.geometry.shape(feature["geometry"]).representative_point().buffer(0.002)
    body = json.loads(shapely.to_geojson(site))
    app, auth = hidden
    public = app.test_client().post("/analysis/site", json=body)
    signed_in = app.test_client().post("/analysis/site", json=body, headers=auth)
    assert public.status_code == signed_in.status_code == 200
    assert absent(public.get_data(as_text=True)) and "private" not in public.headers.get("Cache-Control", "")
    assert ZONE in {z["layer"] for z in signed_in.get_json()["zones"]}
    assert "private" in signed_in.headers["Cache-Control"]
    page = app.test_client().post("/analysis/site?f=html", json=body)
    assert page.status_code == 200 and absent(page.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/collections/yixi_84/items?f=html", "/collections/yixi_84/items?f=html&lang=en"])
def test_the_outlines_under_a_pages_map_are_the_readers_own(hidden, path):
    """The OGC pages draw the city and county outlines (cached): a signed-in user's never reach anyone else."""
    assert COUNTIES in as_viewer(hidden, path).get_data(as_text=True)
    response = anonymous(hidden).get(path)
    assert response.status_code == 200 and absent(response.get_data(as_text=True))


@pytest.mark.parametrize("path", MAP_PAGES)
def test_map_pages_hold_no_trace_of_an_internal_layer_for_anonymous_users(hidden, path):
    app, auth = hidden
    signed_in = app.test_client().get(path, headers={**auth, "Accept": "text/html"})  # cached first, for the viewer
    assert ZONE in signed_in.get_data(as_text=True) and "private" in signed_in.headers["Cache-Control"]
    response = app.test_client().get(path, headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and absent(html), [w for w in HIDDEN_WORDS if w in html]
    assert "private" not in response.headers.get("Cache-Control", "")
    assert {"Authorization", "Cookie"} <= set(response.vary)


def test_anonymous_public_answers_keep_their_caching(hidden):
    client = anonymous(hidden)
    tilejson = client.get("/collections/yixi_84/tiles/WebMercatorQuad/tilejson.json").get_json()
    point = tilejson["center"]
    zoom = max(tilejson["minzoom"], 10)
    x, y = lonlat_tile(point[0], point[1], zoom)
    tile_path = f"/collections/yixi_84/tiles/WebMercatorQuad/{zoom}/{y}/{x}"
    public = client.get(tile_path)
    assert public.status_code == 200 and public.headers["Cache-Control"] == "public, max-age=300"
    assert as_viewer(hidden, tile_path).headers["Cache-Control"] == "private, max-age=300"
    listing = client.get("/collections")
    assert "Cache-Control" not in listing.headers and listing.headers.get("ETag")
    assert {"Authorization", "Cookie", "Accept"} <= set(listing.vary)
    assert "Cookie" not in client.get("/static/js/main.js").vary


def test_the_raster_class_map_is_made_of_public_layers_only(hidden):
    for answer in (anonymous(hidden).get("/rasters/plan_zones?lang=en"), as_viewer(hidden, "/rasters/plan_zones")):
        assert answer.status_code == 200 and absent(answer.get_data(as_text=True))
    refused = anonymous(hidden).get(f"/rasters/hub_access/statistics?layer={ZONE}")
    missing = anonymous(hidden).get("/rasters/hub_access/statistics?layer=no_such_layer")
    assert refused.status_code == missing.status_code == 400
    assert as_viewer(hidden, f"/rasters/hub_access/statistics?layer={ZONE}").status_code == 200


def test_an_imported_layer_is_internal_unless_published_public(hidden, tmp_path):
    """Imports default to `access: internal` (geo/workspace/layers.py): the merged catalog hides them the same way."""
    app, _ = hidden
    svc = app.extensions["yiwu"]
    path = tmp_path / "office_points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "a", "name_zh": "办公点", "name_en": "Office point"},
         "geometry": {"type": "Point", "coordinates": [120.07, 29.31]}}]}), encoding="utf-8")
    for layer_id, access in (("office_internal", "internal"), ("office_public", "public")):
        request = ImportRequest(layer_id, "办公点", "Office points", "context", "§9", "test", access=access)
        import_file(svc.engine, path, ImportOptions(), request, "test", None, {}, set(svc.built_catalog))
    client = anonymous(hidden)
    listed = {c["id"] for c in client.get("/collections").get_json()["collections"]}
    assert "office_public" in listed and "office_internal" not in listed
    assert client.get("/collections/office_internal/items").status_code == 404
    assert client.get("/collections/office_public/items").get_json()["numberReturned"] == 1
    assert as_viewer(hidden, "/collections/office_internal/items").get_json()["numberReturned"] == 1
    assert "office_internal" not in client.get("/map/planner").get_data(as_text=True)
    assert "office_internal" in as_viewer(hidden, "/map/planner").get_data(as_text=True)


# ---- the catalog field ----------------------------------------------------------------------------------------


def test_access_is_validated_naming_the_file_and_field():
    entry = yaml.safe_load((ROOT / "layers" / "catalog" / "yixi_84.yaml").read_text(encoding="utf-8"))
    assert parse_entry("x.yaml", entry).access == "public"
    assert parse_entry("x.yaml", entry | {"access": "internal"}).access == "internal"
    with pytest.raises(CatalogError, match=r"^x\.yaml: field 'access': 'secret' is not one of public, internal$"):
        parse_entry("x.yaml", entry | {"access": "secret"})


def test_a_raster_naming_an_internal_layer_is_refused(tmp_path):
    catalog_dir, raster_dir = tmp_path / "catalog", tmp_path / "rasters"
    shutil.copytree(ROOT / "layers" / "catalog", catalog_dir)
    text = (catalog_dir / "logistics_hubs.yaml").read_text(encoding="utf-8")
    (catalog_dir / "logistics_hubs.yaml").write_text(text + "\naccess: internal\n", encoding="utf-8")
    shutil.copytree(ROOT / "layers" / "rasters", raster_dir)
    vectors = load_catalog(catalog_dir)
    assert "logistics_hubs" not in vectors.public() and "logistics_hubs" in vectors.visible_to(object())
    entry = yaml.safe_load((raster_dir / "hub_access.yaml").read_text(encoding="utf-8"))
    entry.pop("inputs_from_roles", None)
    entry["inputs"] = ["logistics_hubs"]
    (raster_dir / "hub_access.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=re.escape("field 'inputs': names internal layer(s) logistics_hubs")):
        load_raster_catalog(raster_dir, None, vectors)
