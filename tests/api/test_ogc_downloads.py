"""Downloads: CSV (WKT), GeoPackage, zipped Shapefile (.prj, .cpg UTF-8, short unique field names) and
FlatGeobuf, read back with GDAL and compared with the built data; the same filters apply."""

import csv
import io
import zipfile
from urllib.parse import quote

import pyogrio
import pytest
import shapely
from pyproj import CRS

from geo.query.downloads import shapefile_names

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines

LAYER = "logistics_hubs"


@pytest.fixture(scope="module")
def frame(gpkg):
    return pyogrio.read_dataframe(gpkg, layer=LAYER).sort_values("feature_id", ignore_index=True)


def _download(client, fmt: str, query: str = ""):
    resp = client.get(f"/collections/{LAYER}/items?f={fmt}{query}")
    assert resp.status_code == 200
    return resp


@pytest.mark.parametrize(("fmt", "media", "name"), [
    ("csv", "text/csv", f"{LAYER}.csv"), ("gpkg", "application/geopackage+sqlite3", f"{LAYER}.gpkg"),
    ("shp", "application/zip", f"{LAYER}.zip"), ("fgb", "application/flatgeobuf", f"{LAYER}.fgb")])
def test_download_media_type_and_file_name(client, fmt, media, name):
    resp = _download(client, fmt)
    assert resp.mimetype == media
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{name}"'


@pytest.mark.parametrize("fmt", ["gpkg", "fgb"])
def test_gpkg_and_fgb_hold_every_feature(client, frame, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(_download(client, fmt).data)
    got = pyogrio.read_dataframe(path).sort_values("feature_id", ignore_index=True)
    assert list(got["feature_id"]) == list(frame["feature_id"]) and list(got["name_zh"]) == list(frame["name_zh"])
    assert got.crs.to_epsg() == 4326
    assert all(a.equals_exact(b, 1e-9) for a, b in zip(got.geometry, frame.geometry, strict=True))


def test_csv_has_wkt_and_chinese_names(client, frame):
    text = _download(client, "csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["feature_id"] for r in rows] == list(frame["feature_id"])
    assert [r["name_zh"] for r in rows] == list(frame["name_zh"])
    assert all(shapely.from_wkt(r["wkt"]).equals_exact(g, 1e-9) for r, g in zip(rows, frame.geometry, strict=True))


def test_shapefile_zip_has_prj_and_utf8_cpg(client, frame, tmp_path):
    data = _download(client, "shp").data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert {f"{LAYER}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
        assert archive.read(f"{LAYER}.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
        assert CRS.from_wkt(archive.read(f"{LAYER}.prj").decode()).equals(CRS.from_epsg(4326), ignore_axis_order=True)
    path = tmp_path / "out.zip"
    path.write_bytes(data)
    got = pyogrio.read_dataframe(f"/vsizip/{path}/{LAYER}.shp")
    assert sorted(got["name_zh"]) == sorted(frame["name_zh"])  # Chinese survives the dBASE file
    assert all(len(c) <= 10 for c in got.columns if c != "geometry")


def test_shapefile_names_are_short_and_unique():
    names = ["plan_quote", "plan_figures", "plan_figures_2", "published_length_km", "published_length_note", "id"]
    short = shapefile_names(names)
    assert all(len(v) <= 10 for v in short.values())
    assert len({v.lower() for v in short.values()}) == len(names)
    assert short["plan_quote"] == "plan_quote" and short["id"] == "id"


def test_downloads_apply_filters_and_crs(client, frame, tmp_path):
    expected = sorted(frame.loc[frame["status"] == frame["status"].iloc[0], "feature_id"])
    path = tmp_path / "filtered.gpkg"
    resp = _download(client, "gpkg", "&filter=" + quote(f"status = '{frame['status'].iloc[0]}'") + "&crs=EPSG:4490")
    assert resp.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    path.write_bytes(resp.data)
    got = pyogrio.read_dataframe(path)
    assert sorted(got["feature_id"]) == expected and got.crs.to_epsg() == 4490


def test_download_format_appears_in_alternate_links(client):
    links = client.get(f"/collections/{LAYER}/items").get_json()["links"]
    hrefs = {link["type"]: link["href"] for link in links if link["rel"] == "alternate"}
    assert hrefs["application/zip"].endswith("f=shp") and hrefs["application/flatgeobuf"].endswith("f=fgb")


def test_shapefile_has_field_mapping_and_splits_long_text_instead_of_cutting(client, tmp_path):
    data = client.get("/collections/corridors/items?f=shp&limit=10000").data
    path = tmp_path / "corridors.zip"
    path.write_bytes(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        mapping = list(csv.DictReader(io.StringIO(archive.read("corridors.fields.csv").decode("utf-8"))))
    got = pyogrio.read_dataframe(f"/vsizip/{path}/corridors.shp").set_index("feature_id")
    full = {f["id"]: f["properties"] for f in client.get("/collections/corridors/items?limit=10000").get_json()["features"]}
    fields = {m["field"] for m in mapping if m["field"]}
    assert fields == {c for c in got.columns if c != "geometry"} | {"feature_id"}
    split = {}
    for m in mapping:
        if m["part"]:
            split.setdefault(m["column"], []).append(m["field"])
    assert "source" in split and len(split["source"]) >= 2
    for column, parts in split.items():
        for fid, props in full.items():
            joined = "".join(str(got.loc[fid, f]) for f in parts if isinstance(got.loc[fid, f], str))
            assert joined == (props[column] or ""), (column, fid)
    for _, row in got.iterrows():
        for value in row.drop("geometry"):
            assert not isinstance(value, str) or len(value.encode("utf-8")) <= 254
    left_out = [m for m in mapping if m["note"].startswith("left out")]
    assert all(not m["field"] for m in left_out)


def test_over_long_text_is_left_out_with_a_note():
    import geopandas as gpd

    from geo.query.downloads import SHP_MAX_PARTS, SHP_TEXT_BYTES, shapefile_table, split_utf8

    text = "义" * (SHP_TEXT_BYTES * SHP_MAX_PARTS)  # 3 bytes a character: three times too long
    frame = gpd.GeoDataFrame({"long_text": [text], "short": ["ok"]}, geometry=[shapely.Point(0, 0)], crs="EPSG:4326")
    table, mapping = shapefile_table(frame)
    assert "long_text" not in "".join(table.columns) and "short" in table.columns
    note = next(m for m in mapping if m["column"] == "long_text")
    assert note["field"] == "" and note["note"].startswith("left out")
    assert "".join(split_utf8("义乌a" * 200, 10)) == "义乌a" * 200
    assert all(len(p.encode("utf-8")) <= 10 for p in split_utf8("义乌a" * 200, 10))
