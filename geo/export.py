"""Feature downloads: CSV (WKT geometry), GeoPackage, zipped Shapefile (.prj, .cpg UTF-8, field names
shortened to 10 characters without collisions) and FlatGeobuf. Files are written into a private
temporary directory and returned as bytes; nothing is left behind."""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.ogccrs import CRS84_URI, SUPPORTED

SHP_FIELD_LENGTH = 10
SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


@dataclass(frozen=True)
class Download:
    media_type: str
    extension: str
    label: str
    name: str  # short name for link texts


DOWNLOADS: dict[str, Download] = {
    "csv": Download("text/csv", "csv", "CSV, WKT geometry", "CSV"),
    "gpkg": Download("application/geopackage+sqlite3", "gpkg", "GeoPackage", "GeoPackage"),
    "shp": Download("application/zip", "zip", "zipped Shapefile, UTF-8", "Shapefile"),
    "fgb": Download("application/flatgeobuf", "fgb", "FlatGeobuf", "FlatGeobuf"),
}


def shapefile_names(names: list[str], length: int = SHP_FIELD_LENGTH) -> dict[str, str]:
    """Each column name → a unique name of at most `length` characters (dBASE limit), case-insensitively."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        short = name[:length]
        counter = 1
        while short.lower() in taken:
            suffix = f"_{counter}"
            short = name[: length - len(suffix)] + suffix
            counter += 1
        taken.add(short.lower())
        out[name] = short
    return out


def file_frame(frame: gpd.GeoDataFrame, crs_uri: str) -> gpd.GeoDataFrame:
    """The frame in the requested CRS with files' traditional x/y (lon/lat, easting/northing) order."""
    target = "EPSG:4326" if crs_uri == CRS84_URI else SUPPORTED[crs_uri]
    return frame.to_crs(target)


def _csv(frame: gpd.GeoDataFrame) -> bytes:
    table = frame.drop(columns=frame.geometry.name).copy()
    table["wkt"] = frame.geometry.to_wkt()
    return table.to_csv(index=False).encode("utf-8-sig")


def _written(frame: gpd.GeoDataFrame, layer: str, driver: str, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="yiwu-export-") as tmp:
        path = Path(tmp) / f"{layer}{suffix}"
        pyogrio.write_dataframe(frame, path, layer=layer, driver=driver)
        return path.read_bytes()


def _shapefile_zip(frame: gpd.GeoDataFrame, layer: str) -> bytes:
    renamed = frame.rename(columns=shapefile_names([c for c in frame.columns if c != frame.geometry.name]))
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="yiwu-export-") as tmp:
        path = Path(tmp) / f"{layer}.shp"
        pyogrio.write_dataframe(renamed, path, driver="ESRI Shapefile", encoding="UTF-8")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for suffix in SHP_PARTS:
                part = path.with_suffix(suffix)
                if part.is_file():
                    archive.write(part, part.name)
    return buffer.getvalue()


def export_frame(frame: gpd.GeoDataFrame, fmt: str, layer: str, crs_uri: str = CRS84_URI) -> bytes:
    """The features as a file of format `fmt` (a key of DOWNLOADS) in the CRS of `crs_uri`."""
    frame = file_frame(frame, crs_uri)
    if fmt == "csv":
        return _csv(frame)
    if fmt == "shp":
        return _shapefile_zip(frame, layer)
    driver = {"gpkg": "GPKG", "fgb": "FlatGeobuf"}[fmt]
    return _written(frame, layer, driver, "." + DOWNLOADS[fmt].extension)
