"""Files a planner would bring, built in code with an explicit CRS, for the importer's tests and the endpoint tests
that use it (`gbk_shapefile_zip(tmp_path)` is the shared one).

The parcels lie around Yiwu's centre (120.075°E, 29.306°N), whose CGCS2000 / 3° Gauss-Krüger CM 120°E (EPSG:4549)
coordinates pyproj computes; each parcel is given in metres from that point. Parcel YW-003 is a bow-tie (a
self-intersecting ring, invalid): make_valid splits it into two triangles of 10,000 m² each.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import CRS, Transformer
from pyproj.enums import WktVersion

YIWU_CENTRE = (120.075, 29.306)  # lon, lat
GK = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E

# id, name, land use, planned floor-area ratio, storeys, exterior ring (m from the centre), holes
PARCELS = (
    ("YW-001", "国际商贸城一区地块", "商业用地", 2.5, 12, [(0, 0), (300, 0), (300, 200), (0, 200)], []),
    ("YW-002", "稠城街道居住地块", "居住用地", 1.8, 18, [(400, 0), (800, 0), (800, 300), (400, 300)],
     [[(500, 100), (600, 100), (600, 200), (500, 200)]]),
    ("YW-003", "义乌江滨绿地（蝶形）", "绿地与广场用地", 0.0, 0, [(0, 400), (200, 600), (200, 400), (0, 600)], []),
    ("YW-004", "江东工业地块", "工业用地", 1.2, 4, [(-500, -300), (-100, -300), (-300, 0)], []),
)
# what make_valid makes of the bow-tie: its two triangles, meeting where the edges cross (100, 500)
BOWTIE_TRIANGLES = ([(0, 400), (100, 500), (0, 600)], [(100, 500), (200, 600), (200, 400)])
PARCEL_AREAS_M2 = {"YW-001": 60_000.0, "YW-002": 110_000.0, "YW-003": 20_000.0, "YW-004": 60_000.0}
FIELDS = ("地块编号", "名称", "用地性质", "容积率", "层数")


def centre_gk(epsg: int = GK) -> tuple[float, float]:
    """Yiwu's centre in a projected CRS, whole metres (pyproj)."""
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(*YIWU_CENTRE)
    return round(x), round(y)


def shifted(points, origin: tuple[float, float]) -> list[tuple[float, float]]:
    return [(origin[0] + dx, origin[1] + dy) for dx, dy in points]


def parcel_frame(epsg: int = GK) -> gpd.GeoDataFrame:
    """The parcels as polygons in `epsg` (a projected CRS), the bow-tie left invalid."""
    origin = centre_gk(epsg)
    rows = [{"地块编号": pid, "名称": name, "用地性质": use, "容积率": far, "层数": floors,
             "geometry": shapely.Polygon(shifted(ring, origin), [shifted(h, origin) for h in holes])}
            for pid, name, use, far, floors, ring, holes in PARCELS]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=epsg)


def esri_prj(epsg: int) -> str:
    """The .prj Chinese GIS software writes: ESRI WKT1, a name such as CGCS2000_3_Degree_GK_CM_120E, no EPSG code."""
    return CRS.from_epsg(epsg).to_wkt(WktVersion.WKT1_ESRI)


def write_shapefile(frame: gpd.GeoDataFrame, directory: Path, name: str, encoding: str, cpg: str | None,
                    prj: str | None) -> list[Path]:
    """A Shapefile with attributes in `encoding`; the .cpg holds `cpg` (or is absent), the .prj `prj` (or is absent)."""
    directory.mkdir(parents=True, exist_ok=True)
    shp = directory / f"{name}.shp"
    with warnings.catch_warnings():  # GDAL says when it cuts a field name to the .dbf's 10 bytes
        warnings.simplefilter("ignore", RuntimeWarning)
        frame.to_file(shp, driver="ESRI Shapefile", encoding=encoding)
    for suffix, text in ((".cpg", cpg), (".prj", prj)):
        sidecar = shp.with_suffix(suffix)
        sidecar.unlink(missing_ok=True)
        if text is not None:
            sidecar.write_text(text, encoding="utf-8")
    return sorted(p for p in directory.iterdir() if p.stem == name)


def zip_files(files: list[Path], target: Path, arcdir: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, f"{arcdir}{path.name}")
    return target


def gbk_shapefile_zip(tmp_path: Path, name: str = "义乌地块", cpg: str | None = None, encoding: str = "GBK",
                      epsg: int = GK) -> Path:
    """A zipped Shapefile of the four parcels in EPSG:4549 (ESRI-only .prj), Chinese attributes encoded GBK and
    no .cpg (unless `cpg` is given); YW-003 is an invalid bow-tie. Returns the .zip path."""
    files = write_shapefile(parcel_frame(epsg), tmp_path / f"{name}-shp", name, encoding, cpg, esri_prj(epsg))
    return zip_files(files, tmp_path / f"{name}.zip")


def yiwu_box(margin_deg: float = 0.2) -> shapely.Polygon:
    """A WGS84 box around Yiwu's centre (an expected extent)."""
    lon, lat = YIWU_CENTRE
    return shapely.box(lon - margin_deg, lat - margin_deg, lon + margin_deg, lat + margin_deg)


def import_by_editor(app, user: str, path: Path, form: dict):
    """`path` imported through POST /imports by a new editor named `user` (201 checked): the editor's token and the
    answer."""
    token = app.extensions["yiwu"].accounts.add_user(user, "editor", actor="test")
    with path.open("rb") as fh:
        resp = app.test_client().post("/imports", headers={"Authorization": f"Bearer {token}"},
                                      data={**form, "file": (fh, path.name)}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return token, resp
