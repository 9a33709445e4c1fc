"""A large file layer built a chunk at a time (geo/build/chunked.py) gives the GeoPackage a whole read gives: the same
features, columns, dtypes and facts; duplicate ids across chunks still fail the build."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import yaml
from pandas.testing import assert_frame_equal

from geo.build.chunked import chunk_plan, chunkable, file_chunks
from geo.build.pipeline import built_chunks, measure_layer, write_geopackage
from geo.build.sources import build_layer_frame
from geo.core.errors import InvalidGeometryError
from geo.tiles.pyramid import write_features
from layers import load_catalog

SIZE = 400  # features per chunk in these tests
ENTRY = {"id": "plots", "title": {"zh": "地块", "en": "Plots"}, "group": "context", "role": "context",
         "geometry": "polygon", "order": 90, "accuracy": "schematic", "audiences": ["planner"],
         "source": {"builder": "file", "name": "test plots made in code", "licence": "test data",
                    "files": [{"path": "sources/a.gpkg", "crs": "EPSG:4549"}, {"path": "sources/b.gpkg",
                                                                               "crs": "EPSG:4549"}]},
         "plan_refs": [{"clause": "§5", "quote": "城市二环内266平方公里加快大建设大开发"}]}


def plots(start: int, count: int, storeys: bool) -> gpd.GeoDataFrame:
    """`count` 50 m squares in EPSG:4549 near Yiwu, ids P<start>…; `year` missing in the last 100 rows only."""
    index = np.arange(start, start + count)
    x, y = 500_000 + 60 * (index % 100), 3_240_000 + 60 * (index // 100)
    years = np.where(np.arange(count) < count - 100, 2000 + index % 25, np.nan)
    data = {"id": [f"P{i}" for i in index], "landuse_code": np.where(index % 3 == 0, "0701", "1001"), "year": years}
    if storeys:
        data["storeys"] = (index % 7 + 1).astype("int32")
    frame = gpd.GeoDataFrame(data, geometry=shapely.box(x, y, x + 50, y + 50), crs="EPSG:4549")
    frame["year"] = frame["year"].astype("Int64")  # an integer field with nulls in the file
    return frame


@pytest.fixture
def layer_dir(tmp_path):
    """Two source files (the second without `storeys`) and a catalog naming both."""
    (tmp_path / "sources").mkdir()
    pyogrio.write_dataframe(plots(0, 1500, True), tmp_path / "sources" / "a.gpkg")
    pyogrio.write_dataframe(plots(1500, 845, False), tmp_path / "sources" / "b.gpkg")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "plots.yaml").write_text(yaml.safe_dump(ENTRY, allow_unicode=True), encoding="utf-8")
    return tmp_path


def layer_of(layer_dir):
    return load_catalog(layer_dir / "catalog", layer_dir)["plots"]


def read_sorted(path) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(path, layer="plots").sort_values("feature_id", ignore_index=True)


def test_a_chunked_layer_is_written_as_a_whole_read_writes_it(layer_dir, tmp_path):
    layer = layer_of(layer_dir)
    assert chunkable(layer, layer_dir, SIZE) and not chunkable(layer, layer_dir, 2345)
    chunks = list(file_chunks(chunk_plan(layer, layer_dir), layer_dir, SIZE))
    assert [len(c) for c in chunks] == [400, 400, 400, 300, 400, 400, 45]  # one file at a time, never more than SIZE
    figures = pd.DataFrame([{"layer": "plots"}])
    whole = measure_layer(build_layer_frame(layer, layer_dir, None), layer).sort_values("feature_id", ignore_index=True)
    write_geopackage(tmp_path / "whole.gpkg", {"plots": whole}, figures, "s")
    write_geopackage(tmp_path / "chunked.gpkg", {}, figures, "s", {"plots": built_chunks(layer, layer_dir, SIZE)})
    written, expected = read_sorted(tmp_path / "chunked.gpkg"), read_sorted(tmp_path / "whole.gpkg")
    assert_frame_equal(written, expected, check_like=False)
    field_types = [pyogrio.read_info(tmp_path / name, layer="plots")["dtypes"].tolist()
                   for name in ("whole.gpkg", "chunked.gpkg")]
    assert field_types[0] == field_types[1]  # e.g. `year` a real field in both (nulls in the last chunk only)
    assert len(written) == 2345 and written["storeys"].isna().sum() == 845 and written["year"].isna().sum() == 200
    assert set(written["feature_id"]) == {f"plots.P{i}" for i in range(2345)}
    facts = {name: pyogrio.read_dataframe(tmp_path / name, layer="_layers", read_geometry=False).iloc[0].to_dict()
             for name in ("whole.gpkg", "chunked.gpkg")}
    assert facts["chunked.gpkg"] == facts["whole.gpkg"]
    bbox = json.loads(facts["chunked.gpkg"]["bbox"])
    assert bbox == pytest.approx(list(gpd.GeoSeries(written.geometry).total_bounds))


def test_duplicate_ids_in_different_chunks_fail_the_build(layer_dir, tmp_path):
    twice = plots(0, 1500, True)
    twice.loc[1200, "id"] = "P7"  # chunk 4 repeats an id of chunk 1
    pyogrio.write_dataframe(twice, layer_dir / "sources" / "a.gpkg")
    chunked = built_chunks(layer_of(layer_dir), layer_dir, SIZE)
    with pytest.raises(InvalidGeometryError, match=r"plots: duplicate feature ids \['plots.P7'\]"):
        write_geopackage(tmp_path / "dup.gpkg", {}, pd.DataFrame([{"layer": "plots"}]), "s", {"plots": chunked})
    assert not (tmp_path / "dup.gpkg").exists()


def test_a_layer_a_plan_figure_measures_is_never_chunked(layer_dir):
    entry = {**ENTRY, "figures": [{"key": "area_km2", "value": 1.0, "unit": "km²", "measure": "area_km2",
                                   "tolerance_pct": 1, "clause": "§5", "label_zh": "面积", "label_en": "area"}]}
    (layer_dir / "catalog" / "plots.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    assert not chunkable(layer_of(layer_dir), layer_dir, SIZE)


def test_pyramid_features_are_written_chunk_after_chunk(tmp_path):
    chunks = [plots(0, 300, True).to_crs(4326), plots(300, 200, True).to_crs(4326)]
    for i, chunk in enumerate(chunks):
        chunk["feature_id"] = [f"f{i}.{j}" for j in range(len(chunk))]
    count, bbox = write_features(iter(chunks), tmp_path / "f.geojsonl", ("landuse_code",))
    back = pyogrio.read_dataframe(tmp_path / "f.geojsonl")
    assert count == len(back) == 500 and back["feature_id"].tolist()[299:301] == ["f0.299", "f1.0"]
    assert bbox == pytest.approx(tuple(pd.concat(chunks).total_bounds))


def test_a_shapefiles_polygons_are_written_multi_part_as_the_table_declares(layer_dir, tmp_path):
    """A Shapefile declares Polygon though any of its polygons may be multi-part: the chunked table declares
    MultiPolygon and every feature is one (GeoPackage's rule: a table holds its declared type), same shapes."""
    mixed = plots(0, 900, True).rename(columns={"landuse_code": "landuse"})  # a Shapefile keeps 10 characters
    mixed.loc[850, "geometry"] = shapely.MultiPolygon([mixed.geometry[850], mixed.geometry[851].buffer(-5)])
    pyogrio.write_dataframe(mixed, layer_dir / "sources" / "a.shp")
    entry = {**ENTRY, "source": {**ENTRY["source"], "files": [{"path": "sources/a.shp", "crs": "EPSG:4549"}]}}
    (layer_dir / "catalog" / "plots.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    assert pyogrio.read_info(layer_dir / "sources" / "a.shp")["geometry_type"] == "Polygon"
    write_geopackage(tmp_path / "shp.gpkg", {}, pd.DataFrame([{"layer": "plots"}]), "s",
                     {"plots": built_chunks(layer_of(layer_dir), layer_dir, SIZE)})
    written = read_sorted(tmp_path / "shp.gpkg")
    assert pyogrio.read_info(tmp_path / "shp.gpkg", layer="plots")["geometry_type"] == "MultiPolygon"
    assert set(written.geom_type) == {"MultiPolygon"} and len(written) == 900
    source = mixed.to_crs(4326).set_index("id").geometry
    for _, row in written.iterrows():
        assert row.geometry.equals(source[row["id"]])
