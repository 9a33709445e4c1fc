"""A GeoPackage of land-use parcels a planner would bring: squares of 300 m in EPSG:4549 east of Yiwu's centre, each
coded by the 用地用海分类指南 (field 用地用海代码), with one code outside the classification. The expected colours are
the RGB values of 附录B of 《市级国土空间总体规划制图规范（试行）》 as the research transcribed them (written here, not
read from data/palettes/), and a second-level code without a row of its own takes its parent's."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from import_fixtures import GK, centre_gk

CODE_FIELD = "用地用海代码"
SIDE_M, STEP_M = 300, 400
# id, code, name, expected fill (附录B RGB), the 附录B row it comes from
LANDUSE_PARCELS = (
    ("LU-1", "0701", "城镇住宅地块", (255, 255, 45), "城镇住宅用地"),
    ("LU-2", "1001", "工业地块", (187, 150, 116), "工业用地"),
    ("LU-3", "1401", "公园绿地地块", (0, 255, 0), "公园绿地"),
    ("LU-4", "0101", "水田地块", (245, 248, 220), "耕地 (parent of 0101 水田)"),
    ("LU-5", "X99", "未知代码地块", None, "not a code: the other class"),
)


def parcel_square(index: int) -> shapely.Polygon:
    """Parcel `index` (0-based): a 300 m square, its south-west corner 400 m per index east of the centre."""
    x0, y0 = centre_gk()
    west = x0 + index * STEP_M
    return shapely.box(west, y0, west + SIDE_M, y0 + SIDE_M)


def landuse_gpkg(folder: Path) -> Path:
    """The parcels as a GeoPackage in EPSG:4549."""
    rows = [{"地块编号": pid, CODE_FIELD: code, "名称": name, "geometry": parcel_square(i)}
            for i, (pid, code, name, _rgb, _row) in enumerate(LANDUSE_PARCELS)]
    path = Path(folder) / "landuse_parcels.gpkg"
    gpd.GeoDataFrame(rows, geometry="geometry", crs=GK).to_file(path, driver="GPKG", layer="parcels")
    return path


def hex_of(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{v:02x}" for v in rgb)
