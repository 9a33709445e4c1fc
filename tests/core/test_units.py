"""Unit tests of geo/ on small fixtures built here with an explicit CRS; every expected number is computed
independently (pyproj.Geod, plain arithmetic, numpy over a hand-made grid), never by the code under test."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer

from geo.analysis.parks import VenueInputs, venue_summaries
from geo.analysis.site import SiteContext, site_report, zone_overlaps
from geo.build.pipeline import write_geopackage
from geo.core.errors import CRSMismatchError, InvalidGeometryError, InvalidParameterError, NotFoundError, TooLargeError
from geo.core.geojson import parse_features
from geo.query.cql2 import filter_mask, parse_filter
from geo.rasters.stats import Band, statistics, zonal_statistics, zones_from_geojson
from geo.store.base import ItemsQuery
from geo.store.gpkg import GeoPackageReader

GEOD = Geod(ellps="WGS84")
TO_GK = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)


def gk_square(cx: float, cy: float, side_m: float) -> shapely.Polygon:
    """A square of `side_m` metres in EPSG:4549 around (cx, cy), as WGS84 lon/lat."""
    h = side_m / 2
    corners = [(cx - h, cy - h), (cx + h, cy - h), (cx + h, cy + h), (cx - h, cy + h)]
    return shapely.Polygon([TO_LONLAT.transform(x, y) for x, y in corners])


def frame(rows: list[dict], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    base = {"name_zh": "名", "name_en": "name", "plan_ref": "§5", "accuracy": "schematic"}
    return gpd.GeoDataFrame([base | r for r in rows], geometry="geometry", crs=crs)


# ---- geo.analysis.site --------------------------------------------------------------------------------------------------


def test_zone_overlap_is_the_planar_area_in_cgcs2000_gauss_kruger():
    zone = gk_square(500_000, 3_240_000, 2_000)  # 4 km²
    site = gk_square(500_500, 3_240_000, 2_000)  # shifted 500 m east: overlap 1.5 km × 2 km = 3 km²
    [hit] = zone_overlaps(site, {"z": frame([{"feature_id": "z.1", "geometry": zone}])})
    assert hit.overlap_km2 == pytest.approx(3.0, rel=1e-3) and hit.overlap_pct == pytest.approx(75.0, abs=0.1)


def test_zone_overlap_refuses_another_crs():
    zone = frame([{"feature_id": "z.1", "geometry": shapely.box(500_000, 3_240_000, 501_000, 3_241_000)}], "EPSG:4549")
    with pytest.raises(CRSMismatchError):
        zone_overlaps(gk_square(500_500, 3_240_500, 100), {"z": zone})


def test_site_report_distances_are_geodesic_and_sorted():
    site = shapely.Point(120.0, 29.3)
    hubs = frame([{"feature_id": "h.far", "port_type": "sea_port", "status": "existing",
                   "geometry": shapely.Point(121.8, 29.9)},
                  {"feature_id": "h.near", "port_type": "air_port", "status": "existing",
                   "geometry": shapely.Point(120.1, 29.35)}])
    city = frame([{"feature_id": "c.1", "geometry": shapely.box(119.5, 29.0, 120.5, 29.6)}])
    report = site_report(site, SiteContext(areas={}, hubs={"h": hubs}, corridors={}, city=city))
    assert [h.id for h in report.hubs] == ["h.near", "h.far"]
    for hub in report.hubs:
        point = hubs.loc[hubs["feature_id"] == hub.id, "geometry"].iloc[0]
        assert hub.distance_km == pytest.approx(GEOD.inv(120.0, 29.3, point.x, point.y)[2] / 1000, rel=1e-4)
    assert report.inside_yiwu is True and report.nearest_corridor is None and report.plan_clauses == ["§5"]


def test_self_intersecting_site_is_repaired_with_the_reason():
    bowtie = shapely.Polygon([(120.0, 29.3), (120.02, 29.32), (120.02, 29.3), (120.0, 29.32)])
    report = site_report(bowtie, SiteContext(areas={}, hubs={}, corridors={}))
    assert "Self-intersection" in report.note and report.area_km2 > 0 and report.inside_yiwu is None


# ---- geo.analysis.parks ---------------------------------------------------------------------------------------------------


def test_site_summary_measures_the_nearest_hub_of_each_type():
    park = gk_square(500_000, 3_240_000, 1_000)
    parks = frame([{"feature_id": "p.1", "industries_zh": "光伏", "area_km2": 1.0, "geometry": park}])
    hubs = frame([{"feature_id": "h.a", "port_type": "air_port", "geometry": shapely.Point(120.2, 29.3)},
                  {"feature_id": "h.b", "port_type": "air_port", "geometry": shapely.Point(120.05, 29.28)}])
    inputs = VenueInputs({"h": hubs}, {"airport": "air_port", "sea_port": "sea_port"}, {}, {})
    [summary] = venue_summaries([("p", "park", ["industries_zh"], parks)], inputs).values()
    assert summary.fields["industries_zh"] == "光伏" and summary.distance_km["sea_port"] is None
    expected = min(GEOD.inv(*shapely.ops.nearest_points(park, hub)[0].coords[0], hub.x, hub.y)[2] / 1000
                   for hub in hubs.geometry)  # the nearer of the two airports, from the park's nearest point
    assert summary.distance_km["airport"] == pytest.approx(expected, rel=0.01)


# ---- geo.rasters.stats --------------------------------------------------------------------------------------------


def small_band() -> Band:
    """A 4×5 grid of 100 m cells in EPSG:4549, values 0..19, the last cell nodata."""
    values = np.arange(20, dtype="float32").reshape(4, 5)
    valid = np.ones_like(values, dtype=bool)
    valid[3, 4] = False
    return Band(values, valid, Affine(100, 0, 500_000, 0, -100, 3_240_400), CRS.from_epsg(4549))


def test_statistics_of_the_valid_cells():
    stats = statistics(small_band())
    expected = np.arange(19, dtype=float)
    assert stats["count"] == 19 and stats["mean"] == pytest.approx(expected.mean())
    assert stats["std"] == pytest.approx(expected.std()) and stats["area_km2"] == pytest.approx(0.19)


def test_zonal_statistics_count_cells_whose_centre_is_inside():
    # cells with centres x in {500050, 500150}, y in {3240350, 3240250}: the top-left 2×2 cells
    zone = shapely.Polygon([TO_LONLAT.transform(x, y) for x, y in
                            [(500_001, 3_240_201), (500_199, 3_240_201), (500_199, 3_240_399), (500_001, 3_240_399)]])
    [result] = zonal_statistics(small_band(), zones_from_geojson(shapely.geometry.mapping(zone)))
    assert result["statistics"]["count"] == 4 and result["statistics"]["mean"] == pytest.approx((0 + 1 + 5 + 6) / 4)


def test_zones_far_outside_the_raster_cost_nothing_and_count_nothing():
    world = shapely.box(-179, -80, 179, 80)
    [result] = zonal_statistics(small_band(), zones_from_geojson(shapely.geometry.mapping(world)))
    assert result["statistics"]["count"] == 19  # the whole raster lies inside; clipping keeps every cell
    [none] = zonal_statistics(small_band(), zones_from_geojson(shapely.geometry.mapping(shapely.box(0, 0, 1, 1))))
    assert none["statistics"]["count"] == 0


# ---- geo.core.geojson ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("doc", "error", "fragment"), [
    ({"type": "MultiPoint", "coordinates": [[0, 0]] * 11}, TooLargeError, "vertices"),
    ({"type": "Point", "coordinates": [91, 200]}, InvalidGeometryError, "lon first"),
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": []},
     InvalidGeometryError, "properties"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]}, InvalidGeometryError,
     "features[0].geometry")])
def test_geojson_input_is_checked_before_shapely_sees_it(doc, error, fragment):
    with pytest.raises(error, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        parse_features(doc, max_vertices=10)


# ---- geo.query.cql2 ------------------------------------------------------------------------------------------------------


def test_cql2_evaluates_like_an_independent_selection():
    rows = frame([{"feature_id": f"f.{i}", "name_en": name, "year": year, "geometry": shapely.Point(i, i)}
                  for i, (name, year) in enumerate([("Madrid", 2020), ("Minsk", 2025), ("Paris", None)])])
    for text, expected in [("name_en LIKE 'M%'", [True, True, False]), ("year >= 2021", [False, True, False]),
                           ("NOT (year < 2021) AND name_en <> 'Paris'", [False, True, False]),
                           ("year IS NULL OR S_INTERSECTS(geometry, BBOX(-0.5, -0.5, 0.5, 0.5))", [True, False, True]),
                           ("name_en IN ('Paris', 'Rome')", [False, False, True])]:
        assert filter_mask(rows, parse_filter(text, None)).tolist() == expected, text
    with pytest.raises(InvalidParameterError, match="filter:"):
        filter_mask(rows, parse_filter("name_en > 3", None))


# ---- geo.store.gpkg -----------------------------------------------------------------------------------------------------


def test_store_reads_pages_by_bbox_and_id(tmp_path):
    points = frame([{"feature_id": f"pts.{i:02d}", "year": 2000 + i, "geometry": shapely.Point(120 + i * 0.01, 29.3)}
                    for i in range(20)])
    path = tmp_path / "t.gpkg"
    write_geopackage(path, {"pts": points}, pd.DataFrame([{"layer": "pts"}]), "stamp")
    store = GeoPackageReader(path, ["pts"])
    result = store.query("pts", ItemsQuery(bbox=(120.045, 29.0, 120.105, 29.5), limit=3, offset=1))
    assert result.number_matched == 6 and list(result.features["feature_id"]) == ["pts.06", "pts.07", "pts.08"]
    assert store.feature("pts", "pts.13")["year"].iloc[0] == 2013
    assert store.info("pts").bbox == pytest.approx((120.0, 29.3, 120.19, 29.3))
    with pytest.raises(NotFoundError):
        store.feature("pts", "pts.99")
    with pytest.raises(NotFoundError):
        store.frame("nope")
