"""geo.imports.reader: a planner's file read into WGS84 with a QC report; every expected number computed independently
(pyproj transforms, shoelace areas of the hand-made input, geo.core.crs's forward GCJ-02 formula)."""

from __future__ import annotations

import json
import stat
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from import_fixtures import (
    BOWTIE_TRIANGLES,
    FIELDS,
    GK,
    PARCEL_AREAS_M2,
    PARCELS,
    YIWU_CENTRE,
    centre_gk,
    esri_prj,
    gbk_shapefile_zip,
    parcel_frame,
    shifted,
    write_shapefile,
    yiwu_box,
    zip_files,
)
from pyproj import CRS, Geod, Transformer

from geo.core.crs import wgs84_to_gcj02
from geo.core.errors import GeoError, TooLargeError
from geo.imports import archive as import_zip
from geo.imports import formats as import_formats
from geo.imports.qc.messages import MESSAGES, PHRASES, placeholders
from geo.imports.qc.report import ImportRefusedError, ImportTooLargeError
from geo.imports.reader import ImportOptions, read_import

GEOD = Geod(ellps="WGS84")


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path, monkeypatch) -> Path:
    """The importer's temp directories go under the test's own directory, so their removal can be checked."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    yield scratch
    assert list(scratch.iterdir()) == [], "the importer left temp files"


def refused(path: Path, options: ImportOptions | None = None, **kwargs) -> ImportRefusedError:
    with pytest.raises(ImportRefusedError) as info:
        read_import(path, options or ImportOptions(), **kwargs)
    assert isinstance(info.value, GeoError) and not info.value.report.ok
    return info.value


def shoelace(points) -> float:
    pts = list(points) + [points[0]]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False))) / 2


def to_lonlat(points, epsg: int) -> np.ndarray:
    xs, ys = zip(*points, strict=True)
    lon, lat = Transformer.from_crs(epsg, 4326, always_xy=True).transform(xs, ys)
    return np.column_stack([lon, lat])


def same_vertices(geom, expected: np.ndarray, tol: float = 1e-9) -> bool:
    """Every vertex of `geom` is one of `expected` and every expected vertex is in `geom` (order-free)."""
    got = np.unique(shapely.get_coordinates(geom).round(10), axis=0)
    want = np.unique(expected.round(10), axis=0)
    return len(got) == len(want) and all(np.abs(want - g).max(axis=1).min() < tol for g in got)


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def square(lon: float, lat: float, d: float = 0.001) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d],
                                                 [lon, lat]]]}


# --- the shared fixture: a GBK Shapefile in EPSG:4549 with an ESRI-only .prj and no .cpg ---------------------------

def test_gbk_shapefile_zip_read_into_wgs84_with_qc(tmp_path):
    path = gbk_shapefile_zip(tmp_path)
    assert "AUTHORITY" not in esri_prj(GK) and "CGCS2000_3_Degree_GK_CM_120E" in esri_prj(GK)
    with zipfile.ZipFile(path) as archive:
        assert not [n for n in archive.namelist() if n.lower().endswith(".cpg")]
    result = read_import(path, ImportOptions(id_field="地块编号"), extents={"city": yiwu_box()})
    frame, report = result.frame, result.report
    assert frame.crs.equals(CRS.from_epsg(4326))
    assert list(frame.columns) == ["feature_id", *FIELDS, "geometry"]
    assert frame["feature_id"].tolist() == [p[0] for p in PARCELS]
    origin = centre_gk()
    for (pid, name, use, far, floors, ring, holes), (_, row) in zip(PARCELS, frame.iterrows(), strict=True):
        assert (row["名称"], row["用地性质"], row["容积率"], row["层数"]) == (name, use, far, floors)
        parts = BOWTIE_TRIANGLES if pid == "YW-003" else [ring, *holes]
        expected = np.vstack([to_lonlat(shifted(p, origin), GK) for p in parts])
        assert same_vertices(row.geometry, expected), pid
        assert row.geometry.is_valid
    assert report.ok and report.format == "shapefile" and report.archive and report.layer == "义乌地块"
    assert (report.crs.epsg, report.crs.source, report.crs.declared) == (GK, "file", "CGCS2000_3_Degree_GK_CM_120E")
    assert report.crs.name == CRS.from_epsg(GK).name
    assert report.encoding.name in ("GBK", "GB18030") and report.encoding.source == "detected"
    assert (report.feature_count, report.imported_count, report.geometry_type) == (4, 4, "polygon")
    [repair] = report.repairs
    assert (repair.feature_id, repair.action, repair.before, repair.after) == ("YW-003", "repaired", "Polygon",
                                                                            "MultiPolygon")
    assert repair.reason.startswith("Self-intersection")
    assert [w.code for w in report.warnings] == ["invalid_repaired"]
    assert report.outside["city"].outside == 0 and report.outside["city"].partly_outside == 0


def test_gbk_shapefile_areas_match_shoelace_in_epsg4549(tmp_path):
    report = read_import(gbk_shapefile_zip(tmp_path)).report
    bowtie = sum(shoelace(t) for t in BOWTIE_TRIANGLES)
    assert bowtie == PARCEL_AREAS_M2["YW-003"]
    independent = {pid: shoelace(ring) - sum(shoelace(h) for h in holes) if pid != "YW-003" else bowtie
                   for pid, _, _, _, _, ring, holes in PARCELS}
    assert independent == PARCEL_AREAS_M2
    shapely_areas = [shapely.Polygon(shifted(r, centre_gk()), [shifted(h, centre_gk()) for h in hs]).area
                     for pid, *_, r, hs in PARCELS if pid != "YW-003"]
    assert sorted(shapely_areas) == sorted(v for k, v in PARCEL_AREAS_M2.items() if k != "YW-003")
    m = report.measures
    km2 = np.array(list(independent.values())) / 1e6
    assert (m.kind, m.unit, m.count, m.method) == ("area", "km2", 4, "planar EPSG:4549")
    assert m.total == pytest.approx(km2.sum(), rel=1e-9)
    assert (m.min, m.max, m.mean) == (pytest.approx(km2.min(), rel=1e-9), pytest.approx(km2.max(), rel=1e-9),
                                      pytest.approx(km2.mean(), rel=1e-9))
    corners = np.vstack([to_lonlat(shifted(p[5], centre_gk()), GK) for p in PARCELS])
    expected_bbox = (*corners.min(axis=0), *corners.max(axis=0))
    assert report.bbox == pytest.approx(expected_bbox, abs=1e-9)


def test_report_to_dict_is_json_with_messages_in_both_languages(tmp_path):
    report = read_import(gbk_shapefile_zip(tmp_path), ImportOptions(id_field="地块编号")).report
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["ok"] is True and data["crs"]["epsg"] == GK and data["encoding"]["source"] == "detected"
    assert data["repairs"][0]["feature_id"] == "YW-003" and data["repairs"][0]["action"] == "repaired"
    for message in data["messages"]:
        assert message["zh"] and message["en"] and message["level"] in ("info", "warning", "error")
    assert any("GBK" in m["zh"] for m in data["messages"] if m["code"] == "encoding")
    assert data["warnings"][0]["code"] == "invalid_repaired" and "YW-003" in data["warnings"][0]["zh"]


def test_message_catalog_has_both_languages_with_the_same_placeholders():
    for code, (level, en, zh) in MESSAGES.items():
        assert level in ("info", "warning", "error") and en and zh, code
        assert placeholders(en) == placeholders(zh), code
    for code, (en, zh) in PHRASES.items():
        assert code.startswith("@") and placeholders(en) == placeholders(zh), code


# --- encodings --------------------------------------------------------------------------------------------------

def test_cpg_is_honoured(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["Café Yiwu", "Zoë"]}, geometry=[shapely.Point(120.07, 29.3)] * 2, crs=4490)
    files = write_shapefile(frame, tmp_path / "cp", "cafes", "cp1252", "1252", esri_prj(4490))
    report_cpg = read_import(zip_files(files, tmp_path / "cafes.zip"))
    assert report_cpg.frame["name"].tolist() == ["Café Yiwu", "Zoë"]
    assert (report_cpg.report.encoding.name, report_cpg.report.encoding.source) == ("CP1252", "cpg")
    assert report_cpg.report.encoding.declared == "1252"
    (tmp_path / "cp" / "cafes.cpg").unlink()  # without it the text is neither UTF-8 nor GBK: fallback, warned
    fallback = read_import(tmp_path / "cp" / "cafes.shp").report
    assert fallback.encoding.source == "fallback" and "encoding_fallback" in [w.code for w in fallback.warnings]


def test_utf8_cpg_and_a_wrong_cpg(tmp_path):
    utf8 = read_import(gbk_shapefile_zip(tmp_path / "a", cpg="UTF-8", encoding="UTF-8"))
    assert (utf8.report.encoding.name, utf8.report.encoding.source) == ("UTF-8", "cpg")
    assert utf8.frame["名称"].tolist() == [p[1] for p in PARCELS]
    # in UTF-8 "地块编号" is 12 bytes: the .dbf keeps 10, cutting "号" in half; the half character is dropped
    assert list(utf8.frame.columns[:4]) == ["feature_id", "地块编", "名称", "用地性"]
    wrong = read_import(gbk_shapefile_zip(tmp_path / "b", cpg="UTF-8", encoding="GBK"))
    assert wrong.frame["名称"].tolist() == [p[1] for p in PARCELS]
    assert wrong.report.encoding.source == "detected" and "cpg_mismatch" in [w.code for w in wrong.report.warnings]


def test_encoding_option_wins(tmp_path):
    result = read_import(gbk_shapefile_zip(tmp_path), ImportOptions(encoding="GB18030"))
    assert (result.report.encoding.name, result.report.encoding.source) == ("GB18030", "option")
    assert result.frame["用地性质"].tolist() == [p[2] for p in PARCELS]


# --- the other formats -------------------------------------------------------------------------------------------

def test_geopackage_with_dates_and_booleans(tmp_path):
    frame = parcel_frame()
    frame["批复时间"] = pd.to_datetime(["2021-03-01T09:30:00", "2022-07-15T00:00:00", None, "2023-01-02T08:00:00"])
    frame["已供地"] = [True, False, True, False]
    path = tmp_path / "规划地块.gpkg"
    frame.to_file(path, layer="地块", driver="GPKG")
    result = read_import(path, ImportOptions(id_field="地块编号"))
    assert result.report.format == "geopackage" and result.report.crs.epsg == GK
    assert result.report.crs.identified_by == "code"
    assert (result.report.encoding.name, result.report.encoding.source) == ("UTF-8", "format")
    assert result.frame["批复时间"].tolist()[:3] == ["2021-03-01T09:30:00", "2022-07-15T00:00:00", None]
    assert result.frame["已供地"].tolist() == [True, False, True, False]
    assert all(type(v) is bool for v in result.frame["已供地"])
    assert result.report.measures.total == pytest.approx(sum(PARCEL_AREAS_M2.values()) / 1e6, rel=1e-9)


def test_geojson_is_wgs84_by_format(tmp_path):
    lon, lat = YIWU_CENTRE
    path = write_geojson(tmp_path / "sites.geojson", [feature(point(lon, lat), 名称="义乌站", 编号=1),
                                                       feature(point(lon + 0.01, lat), 名称="商城", 编号=2)])
    result = read_import(path)
    assert (result.report.crs.epsg, result.report.crs.source) == (4326, "format")
    assert result.frame.geometry.iloc[0].equals(shapely.Point(lon, lat))
    assert result.frame["名称"].tolist() == ["义乌站", "商城"] and result.frame["编号"].tolist() == [1, 2]
    assert result.report.measures is None and result.report.geometry_type == "point"


def test_epsg4490_flatgeobuf(tmp_path):
    lon, lat = YIWU_CENTRE
    geoms = [shapely.LineString([(lon, lat), (lon + 0.05, lat + 0.02)]), shapely.LineString([(lon, lat),
                                                                                          (lon, lat + 0.1)])]
    path = tmp_path / "roads.fgb"
    gpd.GeoDataFrame({"道路": ["稠州路", "工人路"]}, geometry=geoms, crs=4490).to_file(path)
    result = read_import(path)
    assert result.report.crs.epsg == 4490 and result.report.format == "flatgeobuf"
    by_name = dict(zip(result.frame["道路"], result.frame.geometry, strict=True))  # FlatGeobuf orders by its index
    for name, want in zip(["稠州路", "工人路"], geoms, strict=True):
        assert np.allclose(shapely.get_coordinates(by_name[name]), shapely.get_coordinates(want), atol=1e-12)
    lengths = [GEOD.line_length(*np.array(g.coords).T) / 1000 for g in geoms]
    assert (result.report.measures.kind, result.report.measures.unit) == ("length", "km")
    assert result.report.measures.total == pytest.approx(sum(lengths), rel=1e-12)
    assert result.report.measures.max == pytest.approx(max(lengths), rel=1e-12)


def test_kml_and_kmz(tmp_path):
    lon, lat = YIWU_CENTRE
    frame = gpd.GeoDataFrame({"名称": ["义乌国际商贸城", "义乌站"]},
                             geometry=[shapely.Point(lon, lat), shapely.Point(lon + 0.02, lat - 0.01)], crs=4326)
    kml = tmp_path / "doc.kml"
    frame.to_file(kml, driver="KML")
    for path in (kml, zip_files([kml], tmp_path / "places.kmz")):
        result = read_import(path)
        assert result.report.format == "kml" and result.report.crs.source == "format"
        assert result.frame["名称"].tolist() == ["义乌国际商贸城", "义乌站"]
        assert result.frame.geometry.iloc[1].equals(shapely.Point(lon + 0.02, lat - 0.01))
        assert "visibility" not in result.frame.columns  # LIBKML's unused style columns
    assert read_import(tmp_path / "places.kmz").report.archive


def test_csv_lon_lat_assumed_wgs84(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes("\ufeffname,lon,lat,code,count\nmarket,120.075,29.306,0579,3\nstation,120.09,29.32,0580,\n"
                     .encode())
    result = read_import(path)
    assert (result.report.crs.epsg, result.report.crs.source) == (4326, "assumed")
    assert "crs_assumed" in [w.code for w in result.report.warnings]
    assert result.frame["code"].tolist() == ["0579", "0580"] and result.frame["count"].tolist() == [3, None]
    assert result.frame.geometry.iloc[1].equals(shapely.Point(120.09, 29.32))


def test_csv_chinese_headers_gbk(tmp_path):
    path = tmp_path / "项目.csv"
    path.write_bytes("项目名称,经度,纬度\n义乌国际陆港,120.1234,29.3456\n双江湖科教园,120.0301,29.2712\n".encode("gbk"))
    result = read_import(path)
    assert result.report.encoding.name == "GBK" and result.report.encoding.source == "detected"
    assert result.frame["项目名称"].tolist() == ["义乌国际陆港", "双江湖科教园"]
    assert result.frame.geometry.iloc[0].equals(shapely.Point(120.1234, 29.3456))


def test_csv_gauss_kruger_xy_needs_crs(tmp_path):
    x0, y0 = centre_gk()
    path = tmp_path / "survey.csv"
    path.write_text(f"点号,x,y\nP1,{x0},{y0}\nP2,{x0 + 1000},{y0 + 500}\n", encoding="utf-8")
    error = refused(path)
    assert error.code == "no_crs" and "--crs EPSG:4549" in str(error)
    result = read_import(path, ImportOptions(crs="EPSG:4549"))
    expected = to_lonlat([(x0, y0), (x0 + 1000, y0 + 500)], GK)
    assert np.allclose(shapely.get_coordinates(result.frame.geometry.to_numpy()), expected, atol=1e-9)
    assert (result.report.crs.epsg, result.report.crs.source) == (GK, "option")


def test_csv_surveying_order_xy_swapped(tmp_path):
    x0, y0 = centre_gk()
    path = tmp_path / "cass.csv"
    path.write_text(f"name,X,Y\nA,{y0},{x0}\n", encoding="utf-8")  # X north, Y east, as Chinese surveyors write
    result = read_import(path, ImportOptions(crs="EPSG:4549"))
    assert "xy_swapped" in [w.code for w in result.report.warnings]
    assert np.allclose(shapely.get_coordinates(result.frame.geometry.to_numpy()), to_lonlat([(x0, y0)], GK),
                       atol=1e-9)


def test_csv_wkt_column(tmp_path):
    x0, y0 = centre_gk()
    polygon = shapely.box(x0, y0, x0 + 100, y0 + 100)
    path = tmp_path / "wkt.csv"
    path.write_text(f'名称,WKT\n"地块",\"{polygon.wkt}\"\n', encoding="utf-8")
    result = read_import(path, ImportOptions(crs="EPSG:4549"))
    assert list(result.frame.columns) == ["feature_id", "名称", "geometry"]
    assert result.report.measures.total == pytest.approx(0.01, rel=1e-9)


def test_cgcs2000_6_degree_zone(tmp_path):
    path = gbk_shapefile_zip(tmp_path, epsg=4499)  # CGCS2000 / Gauss-Kruger zone 21 (6°, zone number in x)
    assert "CGCS2000_GK_Zone_21" in esri_prj(4499)
    result = read_import(path, ImportOptions(id_field="地块编号"))
    assert (result.report.crs.epsg, result.report.crs.declared) == (4499, "CGCS2000_GK_Zone_21")
    origin = centre_gk(4499)
    assert origin[0] > 21_000_000
    first = PARCELS[0][5]
    assert same_vertices(result.frame.geometry.iloc[0], to_lonlat(shifted(first, origin), 4499))
    lonlat = to_lonlat(shifted(first, origin), 4499)
    in_4549 = Transformer.from_crs(4326, GK, always_xy=True).transform(lonlat[:, 0], lonlat[:, 1])
    assert result.report.measures.max == pytest.approx(shoelace(list(zip(*in_4549, strict=True))) / 1e6 * 110 / 60,
                                                       rel=1e-3)


def test_crs_matched_by_parameters(tmp_path):
    prj = esri_prj(GK).replace("GCS_China_Geodetic_Coordinate_System_2000", "GCS_CGCS2000") \
        .replace("D_China_2000", "D_CGCS_2000_custom").replace("CGCS2000_3_Degree_GK_CM_120E", "义乌独立坐标")
    files = write_shapefile(parcel_frame(), tmp_path / "p", "p", "UTF-8", "UTF-8", prj)
    result = read_import(zip_files(files, tmp_path / "p.zip"))
    assert result.report.crs.epsg == GK and result.report.crs.declared == "义乌独立坐标"
    assert CRS.from_wkt(prj).to_epsg() is None  # pyproj alone does not know it
    assert result.report.crs.identified_by == "parameters"
    assert "crs_by_parameters" in [w.code for w in result.report.warnings]
    origin = centre_gk()
    assert same_vertices(result.frame.geometry.iloc[0], to_lonlat(shifted(PARCELS[0][5], origin), GK))


# --- CRS: GCJ-02, missing, wrong ---------------------------------------------------------------------------------

def test_gcj02_option_converts_to_wgs84(tmp_path):
    lon, lat = YIWU_CENTRE
    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    _, _, shift = GEOD.inv(lon, lat, glon, glat)
    assert shift > 100  # GCJ-02 moves Yiwu by hundreds of metres
    path = write_geojson(tmp_path / "amap.geojson", [feature(point(glon, glat), 名称="高德坐标点")])
    for options in (ImportOptions(gcj02=True), ImportOptions(crs="GCJ-02")):
        result = read_import(path, options)
        got = result.frame.geometry.iloc[0]
        _, _, error = GEOD.inv(lon, lat, got.x, got.y)
        assert error < 1.0
        assert (result.report.crs.name, result.report.crs.source, result.report.crs.epsg) == ("GCJ-02", "option", None)
    assert refused(gbk_shapefile_zip(tmp_path), ImportOptions(gcj02=True)).code == "gcj02_needs_lonlat"


def test_no_crs_refused_with_a_clear_message(tmp_path):
    files = write_shapefile(parcel_frame(), tmp_path / "n", "noprj", "GBK", None, None)
    path = zip_files(files, tmp_path / "noprj.zip")
    error = refused(path)
    assert error.code == "no_crs"
    assert str(error).startswith("no CRS: the Shapefile has no .prj; give one with --crs EPSG:4549")
    assert error.report.crs is None and error.report.encoding.name == "GBK"  # the partial report
    assert "缺少坐标系" in error.report.errors[-1].text("zh")
    result = read_import(path, ImportOptions(crs="EPSG:4549"))
    assert (result.report.crs.epsg, result.report.crs.source) == (GK, "option")


def test_crs_option_overrides_and_out_of_range(tmp_path):
    path = gbk_shapefile_zip(tmp_path)
    error = refused(path, ImportOptions(crs="EPSG:4326"))
    assert error.code == "out_of_range"
    assert "crs_overridden" in [m.code for m in error.report.messages]
    assert refused(path, ImportOptions(crs="EPSG:99999999")).code == "bad_crs"


def test_other_datums_warned(tmp_path):
    x0, y0 = centre_gk(2385)  # Xian 1980 / 3-degree Gauss-Kruger CM 120E: PROJ knows no datum shift to WGS84
    path = tmp_path / "xian80.csv"
    path.write_text(f"name,x,y\nA,{x0},{y0}\n", encoding="utf-8")
    report = read_import(path, ImportOptions(crs="EPSG:2385")).report
    assert report.crs.epsg == 2385 and "datum_ballpark" in [w.code for w in report.warnings]
    assert "datum_ballpark" not in [m.code for m in read_import(path, ImportOptions(crs="EPSG:4549")).report.messages]


# --- refusals and warnings of the checks -------------------------------------------------------------------------

def test_mixed_geometries_refused(tmp_path):
    lon, lat = YIWU_CENTRE
    path = write_geojson(tmp_path / "mixed.geojson", [feature(point(lon, lat)), feature(square(lon, lat))])
    error = refused(path)
    assert error.code == "mixed_geometry" and "Point" in str(error) and "Polygon" in str(error)


def test_duplicate_ids_refused_naming_them(tmp_path):
    lon, lat = YIWU_CENTRE
    path = write_geojson(tmp_path / "dups.geojson", [feature(square(lon, lat, 0.001 * (i + 1)), 编号=code)
                                                     for i, code in enumerate(["A1", "B2", "A1", "C3", "B2"])])
    error = refused(path, ImportOptions(id_field="编号"))
    assert error.code == "duplicate_ids" and "A1, B2" in str(error)
    assert refused(path, ImportOptions(id_field="nope")).code == "no_field"
    assert read_import(path).frame["feature_id"].tolist() == ["1", "2", "3", "4", "5"]


def test_empty_and_duplicate_geometries_warned(tmp_path):
    lon, lat = YIWU_CENTRE
    same = square(lon, lat)
    rotated = {"type": "Polygon", "coordinates": [same["coordinates"][0][1:] + [same["coordinates"][0][1]]]}
    path = write_geojson(tmp_path / "qc.geojson", [feature(same, n=1), feature(None, n=2), feature(rotated, n=3),
                                                   feature(square(lon + 0.01, lat), n=4)])
    result = read_import(path)
    report = result.report
    assert (report.feature_count, report.imported_count, report.empty_count, report.empty_ids) == (4, 3, 1, ("2",))
    assert report.duplicate_geometry_count == 1 and report.duplicate_geometries == (("1", "3"),)
    assert {w.code for w in report.warnings} == {"empty_geometries", "duplicate_geometries"}
    assert result.frame["feature_id"].tolist() == ["1", "3", "4"]


def test_outside_extent_warned(tmp_path):
    lon, lat = YIWU_CENTRE
    box = yiwu_box(0.2)
    path = write_geojson(tmp_path / "far.geojson", [feature(square(lon, lat)), feature(square(120.155, 30.274)),
                                                    feature(square(lon + 0.199, lat, 0.01))])
    report = read_import(path, extents={"city": box, "world": shapely.box(-180, -90, 180, 90)}).report
    assert (report.outside["city"].outside, report.outside["city"].outside_ids) == (1, ("2",))
    assert (report.outside["city"].partly_outside, report.outside["city"].partly_outside_ids) == (1, ("3",))
    assert report.outside["world"].outside == 0 and report.ok
    assert {w.code for w in report.warnings} == {"outside_extent", "partly_outside_extent"}


def test_invalid_geometry_refused_when_repair_is_off_or_impossible(tmp_path):
    path = gbk_shapefile_zip(tmp_path)
    error = refused(path, ImportOptions(repair=False, id_field="地块编号"))
    assert error.code == "invalid_no_repair" and "YW-003: Self-intersection" in str(error)
    assert error.report.repairs[0].action == "refused"
    lon, lat = YIWU_CENTRE
    collapsed = {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.01, lat], [lon + 0.02, lat], [lon, lat]]]}
    error = refused(write_geojson(tmp_path / "line.geojson", [feature(collapsed), feature(square(lon, lat))]))
    assert error.code == "unrepairable" and error.report.repairs[0].after is None


def test_z_dropped_and_reserved_column_renamed(tmp_path):
    lon, lat = YIWU_CENTRE
    path = write_geojson(tmp_path / "z.geojson", [feature({"type": "Point", "coordinates": [lon, lat, 55.0]},
                                                          feature_id="x-1", 名称="高点")])
    result = read_import(path)
    assert not result.frame.geometry.has_z.any() and result.report.z_dropped == 1
    assert result.frame["feature_id"].tolist() == ["1"] and result.frame["feature_id_original"].tolist() == ["x-1"]
    assert {w.code for w in result.report.warnings} == {"z_dropped", "column_renamed"}
    assert read_import(path, ImportOptions(id_field="feature_id")).frame["feature_id"].tolist() == ["x-1"]


def test_multi_layer_geopackage_needs_a_layer(tmp_path):
    path = tmp_path / "two.gpkg"
    parcel_frame().to_file(path, layer="地块")
    lon, lat = YIWU_CENTRE
    gpd.GeoDataFrame({"名称": ["站"]}, geometry=[shapely.Point(lon, lat)], crs=4490).to_file(path, layer="站点")
    error = refused(path)
    assert error.code == "ambiguous_layer" and "地块" in str(error) and "站点" in str(error)
    assert error.report.errors[-1].text("zh").startswith("共有 2 个图层")
    assert refused(path, ImportOptions(layer="道路")).code == "no_layer"
    result = read_import(path, ImportOptions(layer="站点"))
    assert result.report.layer == "站点" and result.report.crs.epsg == 4490 and len(result.frame) == 1


# --- upload safety -----------------------------------------------------------------------------------------------

def shapefile_entries(tmp_path: Path) -> list[tuple[str, bytes]]:
    files = write_shapefile(parcel_frame(), tmp_path / "ok", "ok", "UTF-8", "UTF-8", esri_prj(GK))
    return [(p.name, p.read_bytes()) for p in files]


@pytest.mark.parametrize("name", ["../evil.shp", "/tmp/evil.shp", "a/../../evil.shp", "C:\\evil.shp",
                                  "..\\evil.shp"])
def test_zip_slip_refused(tmp_path, name):
    path = tmp_path / "slip.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for entry, data in shapefile_entries(tmp_path):
            archive.writestr(entry, data)
        archive.writestr(name, b"x")
    error = refused(path)
    assert error.code == "zip_unsafe_path" and "evil.shp" in str(error)
    assert not (tmp_path / "evil.shp").exists() and not Path("/tmp/evil.shp").exists()


def test_zip_symlink_ignored(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for entry, data in shapefile_entries(tmp_path):
            archive.writestr(entry, data)
        link = zipfile.ZipInfo("passwd.csv")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    result = read_import(path)
    assert "symlinks_ignored" in [w.code for w in result.report.warnings] and len(result.frame) == 4


def test_zip_bomb_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.csv", b"0" * (20 * 1024 * 1024))
    error = refused(path)
    assert error.code == "zip_bomb" and isinstance(error, ImportTooLargeError) and isinstance(error, TooLargeError)


def test_zip_bomb_with_lying_sizes_refused(tmp_path):
    """Headers declaring 1,000 bytes for 20 MB of zeros: never more than the declared bytes are written."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("liar.csv", b"0" * (20 * 1024 * 1024))
    data = bytearray(path.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 22:local + 26] = (1000).to_bytes(4, "little")
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    error = refused(path)
    assert error.code == "unreadable" and "CRC" in str(error)


def test_zip_limits(tmp_path, monkeypatch):
    path = tmp_path / "readme.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("说明.txt", "见附件")
    error = refused(path)
    assert error.code == "zip_no_dataset" and "说明.txt" in str(error)
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for entry, data in shapefile_entries(tmp_path):
            archive.writestr(entry, data)
            archive.writestr(f"copy/{entry}", data)
    assert refused(path).code == "zip_many_datasets"
    monkeypatch.setattr(import_zip, "MAX_ZIP_ENTRIES", 3)
    assert refused(path).code == "zip_too_many_entries"
    monkeypatch.setattr(import_zip, "MAX_ZIP_ENTRIES", 1000)
    monkeypatch.setattr(import_zip, "MAX_UNZIPPED_BYTES", 1000)
    assert refused(path).code == "zip_too_large"


def test_size_and_feature_limits(tmp_path, monkeypatch):
    path = gbk_shapefile_zip(tmp_path)
    monkeypatch.setattr(import_formats, "MAX_FEATURES", 3)
    error = refused(path)
    assert error.code == "too_many_features" and isinstance(error, ImportTooLargeError)
    monkeypatch.setattr(import_formats, "MAX_FILE_BYTES", 100)
    assert refused(path).code == "too_large"


def test_format_from_content_not_name(tmp_path):
    lon, lat = YIWU_CENTRE
    disguised = write_geojson(tmp_path / "photo.png", [feature(point(lon, lat))])
    result = read_import(disguised)
    assert result.report.format == "geojson" and "format_not_extension" in [w.code for w in result.report.warnings]
    fake = tmp_path / "data.gpkg"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert refused(fake).code == "unsupported_format"
    lone = tmp_path / "upload"
    lone.write_bytes(dict(shapefile_entries(tmp_path))["ok.shp"])
    error = refused(lone)
    assert error.code == "shapefile_incomplete" and "zipped" in str(error)
    assert refused(tmp_path / "missing.gpkg").code == "unreadable"


def test_zip_with_gbk_entry_names(tmp_path):
    """Chinese Windows zips store GBK names without the UTF-8 flag; the layer keeps its Chinese name."""

    class GBKInfo(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
            return self.filename.encode("gbk"), self.flag_bits & ~0x800

    path = tmp_path / "gbk-names.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for entry, data in shapefile_entries(tmp_path):
            archive.writestr(GBKInfo(entry.replace("ok", "规划用地")), data)
    with zipfile.ZipFile(path) as archive:
        assert not archive.infolist()[0].flag_bits & 0x800 and "规划用地" not in archive.namelist()[0]
    report = read_import(path).report
    assert (report.dataset, report.layer) == ("规划用地.shp", "规划用地")


@pytest.mark.filterwarnings("ignore:GPKG")
def test_zero_features_and_broken_files_refused(tmp_path):
    assert refused(write_geojson(tmp_path / "none.geojson", [])).code == "no_features"
    broken = tmp_path / "broken.gpkg"
    head = bytearray(b"SQLite format 3\x00" + bytes(200))
    head[68:72] = b"GPKG"
    broken.write_bytes(bytes(head))
    assert refused(broken).code == "unreadable"


def test_gauss_kruger_codes_from_parameters():
    """Every CGCS2000 GK code is found from its own parameters; a 6° CM code gives the 3° code of the same CM,
    whose definition is the same (pyproj agrees they are equal)."""
    from geo.imports.crs import _by_parameters

    for code in range(4491, 4555):
        found = _by_parameters(CRS.from_epsg(code))
        assert found == code or (4502 <= code <= 4512 and CRS.from_epsg(found).equals(CRS.from_epsg(code),
                                                                                      ignore_axis_order=True)), code
    assert _by_parameters(CRS.from_epsg(4490)) == 4490 and _by_parameters(CRS.from_epsg(32650)) is None


def test_pyogrio_sees_the_fixture_as_written(tmp_path):
    """The fixture is what it says: GBK bytes in the .dbf, an ESRI .prj, no .cpg (read raw, not by the importer)."""
    path = gbk_shapefile_zip(tmp_path)
    with zipfile.ZipFile(path) as archive:
        dbf = archive.read("义乌地块.dbf")
        prj = archive.read("义乌地块.prj").decode()
    assert "国际商贸城一区地块".encode("gbk") in dbf and "地块编号".encode("gbk") in dbf
    assert prj.startswith('PROJCS["CGCS2000_3_Degree_GK_CM_120E"') and "EPSG" not in prj
    assert pyogrio.__gdal_version__ >= (3, 0, 0)
