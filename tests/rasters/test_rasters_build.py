"""Built rasters checked against independent computations (pyproj geodesics, shapely point-in-polygon)."""

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
import yaml
from pyproj import Geod, Transformer
from rio_cogeo.cogeo import cog_validate

from geo.__main__ import main as geo_command
from geo.build.pipeline import build, stored_fingerprint
from geo.core.settings import load_settings
from geo.rasters.build import build_rasters
from layers import CatalogError, load_catalog
from layers.raster_loader import DEFAULT_RASTER_DIR, load_raster_catalog, parse_raster_entry

GEOD = Geod(ellps="WGS84")
TO_GK = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)
ROOT = Path(__file__).resolve().parents[2]
RASTERS = ("hub_access", "plan_zones", "terrain_cn")


def read(data_dir, raster_id):
    with rasterio.open(data_dir / "build" / f"{raster_id}.tif") as src:
        return src.read(1), src.transform, src.nodata, src.crs, src.tags()


def centres(transform, shape):
    """Cell-centre coordinates from the affine coefficients, by plain numpy."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    a, b, c, d, e, f = transform.a, transform.b, transform.c, transform.d, transform.e, transform.f
    return a * (cols + 0.5) + b * (rows + 0.5) + c, d * (cols + 0.5) + e * (rows + 0.5) + f


def gk_geometry(gpkg, layer_id):
    geom = shapely.union_all(pyogrio.read_dataframe(gpkg, layer=layer_id).geometry.array)
    return shapely.transform(geom, lambda xy: np.column_stack(TO_GK.transform(xy[:, 0], xy[:, 1])))


@pytest.mark.parametrize("raster_id", RASTERS)
def test_rasters_are_valid_cogs_with_overviews(data_dir, raster_id):
    path = data_dir / "build" / f"{raster_id}.tif"
    valid, errors, _ = cog_validate(path, quiet=True)
    assert valid and not errors
    with rasterio.open(path) as src:
        assert src.overviews(1) and src.block_shapes[0] == (256, 256) and src.nodata is not None


def test_hub_access_is_zero_at_hubs_and_the_nearest_geodesic_distance_elsewhere(data_dir, gpkg):
    data, transform, nodata, crs, tags = read(data_dir, "hub_access")
    assert crs.to_epsg() == 4549 and transform.a == 100 and transform.e == -100 and tags["unit"] == "km"
    hubs = pyogrio.read_dataframe(gpkg, layer="logistics_hubs")
    hx, hy = hubs.geometry.x.to_numpy(), hubs.geometry.y.to_numpy()
    gx, gy = TO_GK.transform(hx, hy)
    cols = np.floor((gx - transform.c) / 100).astype(int)
    rows = np.floor((transform.f - gy) / 100).astype(int)
    inside = (rows >= 0) & (rows < data.shape[0]) & (cols >= 0) & (cols < data.shape[1])
    assert inside.sum() >= 7
    at_hubs = data[rows[inside], cols[inside]]
    assert (at_hubs != nodata).all() and at_hubs.max() <= 0.0708  # half the diagonal of a 100 m cell
    xs, ys = centres(transform, data.shape)
    valid = np.argwhere(data != nodata)
    sample = valid[np.random.default_rng(4).choice(len(valid), 300, replace=False)]
    lon, lat = TO_LONLAT.transform(xs[sample[:, 0], sample[:, 1]], ys[sample[:, 0], sample[:, 1]])
    expected = np.array([min(GEOD.inv(np.full(len(hx), lo), np.full(len(hx), la), hx, hy)[2]) / 1000
                         for lo, la in zip(lon, lat, strict=True)])
    np.testing.assert_allclose(data[sample[:, 0], sample[:, 1]], expected, atol=0.002)


def test_hub_access_nodata_exactly_outside_the_yiwu_boundary(data_dir, gpkg):
    data, transform, nodata, _, _ = read(data_dir, "hub_access")
    xs, ys = centres(transform, data.shape)
    inside = shapely.contains_xy(gk_geometry(gpkg, "yiwu_boundary"), xs, ys)
    agree = (inside == (data != nodata)).mean()
    assert agree > 0.9995 and inside.sum() * 0.01 == pytest.approx(1105, rel=0.02)


def zone_classes() -> list[tuple[int, str]]:
    """(code, layer) of the class map, worked out from the catalog files: polygon layers of the roles the raster
    entry names, codes from 1 in catalog order (`order`, then id)."""
    entry = yaml.safe_load((DEFAULT_RASTER_DIR / "plan_zones.yaml").read_text(encoding="utf-8"))
    vectors = [yaml.safe_load(f.read_text(encoding="utf-8")) for f in (ROOT / "layers" / "catalog").glob("*.yaml")]
    chosen = sorted((v for v in vectors if v["role"] in entry["classes_from_roles"] and v["geometry"] == "polygon"),
                    key=lambda v: (v.get("order", 100), v["id"]))
    return [(code, v["id"]) for code, v in enumerate(chosen, 1)]


def test_plan_zones_paint_every_zone_and_park_smaller_over_larger(data_dir, gpkg):
    data, transform, nodata, _, _ = read(data_dir, "plan_zones")
    xs, ys = centres(transform, data.shape)
    expected = np.where(shapely.contains_xy(gk_geometry(gpkg, "yiwu_boundary"), xs, ys), 0, 255)
    classes = sorted(zone_classes(), key=lambda cl: -gk_geometry(gpkg, cl[1]).area)
    for code, layer in classes:
        hit = shapely.contains_xy(gk_geometry(gpkg, layer), xs, ys) & (expected != 255)
        expected[hit] = code
    assert nodata == 255 and (data == expected).mean() > 0.9995
    assert set(np.unique(data)) == {0, 255} | {code for code, _ in classes}


def test_terrain_cn_keeps_the_dem_values_and_says_its_crs_was_assigned(data_dir):
    data, transform, nodata, crs, tags = read(data_dir, "terrain_cn")
    assert crs.to_epsg() == 4326 and tags["crs_assigned"] == "yes" and "no CRS" in tags["crs_note"]
    with rasterio.open(data_dir / "sources" / "cnmaps" / "china-dem.nc") as src:
        source = src.read(1)
        assert src.crs is None and transform.almost_equals(src.transform)
    valid = np.abs(source) < 1e30
    np.testing.assert_array_equal(data[valid], source[valid].astype("float32"))
    assert (data[~valid] == nodata).all() and valid.sum() > 50_000


def test_raster_build_is_skipped_when_inputs_are_unchanged_and_redone_when_the_entry_changes(data_dir, gpkg, tmp_path):
    again = build(load_settings({"data_dir": data_dir}))
    assert not again.rebuilt and [r.rebuilt for r in again.rasters] == [False, False, False]
    raster_dir = tmp_path / "rasters"
    shutil.copytree(DEFAULT_RASTER_DIR, raster_dir)
    entry = yaml.safe_load((raster_dir / "hub_access.yaml").read_text(encoding="utf-8"))
    entry["rescale"] = [0, 20]
    (raster_dir / "hub_access.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "build" / "yiwu.gpkg"
    out.parent.mkdir()
    shutil.copy(gpkg, out)
    first = build_rasters(data_dir, out, stored_fingerprint(out), raster_dir=raster_dir, vectors=load_catalog())
    second = build_rasters(data_dir, out, stored_fingerprint(out), raster_dir=raster_dir, vectors=load_catalog())
    assert all(r.rebuilt for r in first) and not any(r.rebuilt for r in second)
    assert not list(out.parent.glob(".*tmp*"))


def test_raster_catalog_errors_name_the_file_and_the_field():
    catalog = load_raster_catalog(vectors=load_catalog())
    assert list(catalog) == list(RASTERS) and catalog["terrain_cn"].file_crs == "EPSG:4326"
    good = yaml.safe_load((DEFAULT_RASTER_DIR / "hub_access.yaml").read_text(encoding="utf-8"))
    for field, value, where in (("rescale", [5, 1], "rescale"), ("audiences", ["nobody"], "audiences"),
                                ("grid", {"crs": "EPSG:3857", "resolution": 100, "extent_layer": "x"}, "grid.crs"),
                                ("builder", "magic", "builder")):
        with pytest.raises(CatalogError) as err:
            parse_raster_entry("layers/rasters/bad.yaml", {**good, field: value})
        assert err.value.file == "layers/rasters/bad.yaml" and err.value.field == where


@pytest.mark.slow
def test_a_dropped_geotiff_with_a_catalog_entry_becomes_a_cog_and_is_tiled_in_web_mercator(data_dir, gpkg, tmp_path):
    from server import create_app

    sources = tmp_path / "data" / "sources"
    shutil.copytree(data_dir / "sources", sources)  # the vector catalog's sources, checked by create_app
    values = np.arange(200 * 300, dtype="float32").reshape(200, 300)
    values[:20, :20] = -1
    transform = rasterio.transform.from_origin(480000, 3270000, 250, 250)
    with rasterio.open(sources / "user.tif", "w", driver="GTiff", width=300, height=200, count=1, dtype="float32",
                       crs="EPSG:4549", transform=transform, nodata=-1) as dst:
        dst.write(values, 1)
    raster_dir = tmp_path / "rasters"
    raster_dir.mkdir()
    entry = {"id": "user_surface", "kind": "raster", "builder": "file", "file": "sources/user.tif",
             "title": {"zh": "用户栅格", "en": "User raster"}, "band": {"zh": "值", "en": "value"}, "unit": "1",
             "colormap": "viridis", "rescale": [0, 60000], "legend": {"zh": "值", "en": "Value"},
             "audiences": ["planner"], "source": {"name": "test", "licence": "test"}}
    (raster_dir / "user_surface.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    # the documented command builds a raster catalog kept in a directory of its own
    assert geo_command(["build", "--data-dir", str(tmp_path / "data"), "--raster-catalog-dir", str(raster_dir)]) == 0
    result = SimpleNamespace(rebuilt=True, path=tmp_path / "data" / "build" / "user_surface.tif")
    assert result.rebuilt and cog_validate(result.path, quiet=True)[0]
    with rasterio.open(result.path) as src:
        built = src.read(1, masked=True)
        assert src.crs.to_epsg() == 4549 and src.tags()["crs_assigned"] == "no"
    np.testing.assert_array_equal(built.filled(-1), values)
    assert built.mask[:20, :20].all() and built.count() == values.size - 400
    app = create_app({"DATA_DIR": tmp_path / "data", "RASTER_CATALOG_DIR": raster_dir})
    lon, lat = TO_LONLAT.transform(480000 + 30 * 250 + 125, 3270000 - 40 * 250 - 125)
    with app.test_client() as client:
        assert client.get(f"/rasters/user_surface/point?lon={lon}&lat={lat}").get_json()["value"] == values[40, 30]
        n = 2**12
        x, y = int((lon + 180) / 360 * n), int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n)
        tile = client.get(f"/rasters/user_surface/tiles/12/{x}/{y}.png")
        assert tile.status_code == 200 and tile.content_type == "image/png"
