"""Basemaps of the layer control: the offline one drawn by the page from the app's own layers (default), the
office's own basemap when the server offers one, and online tiles the user may pick: OpenStreetMap, Tianditu (only
with a key) and AMap (GCJ-02; the page shifts the overlays to GCJ-02 for display while it is active).

The offline basemap (static/js/basemaps.js, labels.js): land — the `country` boundary layers filled on a sea-coloured
background — and the lines of every boundary level, drawn from the layers' vector tiles (nothing is loaded whole),
and name labels at one point inside each feature of the boundary layers and of the layers of role `place` (towns,
subdistricts), which the search also finds. Every layer is chosen by its role, whatever the page's audience."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol
from urllib.parse import unquote

import geopandas as gpd
import shapely
from markupsafe import escape

from geo.store.layerinfo import LayerInfo
from geo.tiles.mvt import TMS_ID, tile_minzoom
from layers import Layer
from webmap.i18n import strings

Link = Callable[..., str]  # link(endpoint, **values) -> the URL path of an endpoint of the app (api/urls.path_url)
BASE_ROLES = ("boundary",)  # the base of the map: its land and lines; drawn low, no hover, clicked only where nothing else is
LABEL_ROLES = ("boundary", "place")  # named in the basemap's labels (and found by the search)
LAND_LEVELS = ("country",)  # boundary levels whose polygons are the land
LAND_MAX_NATIVE_ZOOM = 8  # land is a fill: its tiles above this zoom are the zoom-8 tiles scaled


class BaseSource(Protocol):
    """What the basemap reads of the data: a small layer whole, and any layer's stored facts."""

    def frame(self, layer_id: str) -> gpd.GeoDataFrame: ...

    def info(self, layer_id: str) -> LayerInfo: ...

TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                "&TILECOL={{x}}&tk={key}")
OSM = {"id": "osm", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "max_zoom": 19,
       "attribution": "© OpenStreetMap contributors"}
AMAP_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"


def tianditu(kind: str, key: str, lang: str) -> dict:
    """Tianditu vector (vec + labels) or imagery (img + labels); labels in English for English pages."""
    labels = ("eva" if kind == "vec" else "eia") if lang == "en" else ("cva" if kind == "vec" else "cia")
    return {"id": f"tianditu_{kind}", "url": TIANDITU_URL.format(s="{s}", layer=kind, key=key),
            "labels_url": TIANDITU_URL.format(s="{s}", layer=labels, key=key), "subdomains": "01234567",
            "max_zoom": 18, "attribution": "© 天地图 Tianditu"}


def basemaps(lang: str, tianditu_key: str | None = None, office: dict | None = None) -> list[dict]:
    """The basemap choices in control order, the first on by default, titles escaped (the control writes names as
    HTML): the office's own basemap first when the server has one (`office`: its TileJSON), then the offline one;
    Tianditu only with a key (config TIANDITU_KEY, from the environment variable YIWU_TIANDITU_KEY)."""
    key = tianditu_key
    amap = {"id": "amap", "url": AMAP_URL.format(s="{s}", lang="en" if lang == "en" else "zh_cn"),
            "subdomains": "1234", "max_zoom": 18, "attribution": "© 高德 AMap", "gcj02": True}
    choices = [{"id": "offline"}, OSM, amap]
    if key:
        choices[2:2] = [tianditu("vec", key, lang), tianditu("img", key, lang)]
    titles = strings(lang)["basemaps"]
    listed = [{**choice, "title": str(escape(titles[choice["id"]]))} for choice in choices]
    return ([office_basemap(office, lang)] if office else []) + listed


def tile_origins() -> tuple[str, ...]:
    """The origins of every online basemap's tiles (for the pages' Content-Security-Policy img-src)."""
    templates = (OSM["url"], TIANDITU_URL, AMAP_URL)
    origins = []
    for template in templates:
        host = template.split("/")[2]
        origins.append("https://" + ("*." + host.split(".", 1)[1] if "{s}" in host else host))
    return tuple(dict.fromkeys(origins))


def tile_template(layer_id: str, link: Link) -> str:
    """The {z}/{x}/{y} URL template of a collection's vector tiles (OGC API – Tiles, Mapbox Vector Tiles)."""
    return unquote(link("tiles.tile", collection_id=layer_id, tileMatrixSetId=TMS_ID, tileMatrix="{z}",
                        tileRow="{y}", tileCol="{x}"))


def label_points(layer: Layer, frame: gpd.GeoDataFrame) -> list[dict]:
    """One label per named feature: its names, a point inside it (the point itself for points) and, for ranking,
    its published area when it has one."""
    points = shapely.point_on_surface(frame.geometry.values)
    names_en = frame["name_en"] if "name_en" in frame else [None] * len(frame)
    areas = frame["area_km2"] if "area_km2" in frame else [None] * len(frame)
    out = []
    for fid, zh, en, area, point in zip(frame["feature_id"], frame["name_zh"], names_en, areas, points, strict=True):
        if not zh or point is None or point.is_empty:
            continue
        label = {"id": str(fid), "zh": str(zh), "en": str(en or zh), "lat": round(point.y, 5), "lon": round(point.x, 5)}
        if area is not None and area == area:  # not NaN
            label["area"] = round(float(area))
        out.append(label)
    return out


def offline_basemap(layers: Iterable[Layer], source: BaseSource, link: Link, lang: str) -> dict:
    """What the page draws the offline basemap from (static/js/basemaps.js): the tiles of the land and boundary
    layers with their extent, and the labels of the boundary and place layers, by kind (boundary level or `place`).
    `layers`: the whole catalog — the basemap is the same on every page."""
    boundaries, labels = [], []
    for layer in layers:
        if layer.role not in (*BASE_ROLES, *LABEL_ROLES):
            continue
        info = source.info(layer.id)
        kind = layer.boundary_level if layer.role == "boundary" else layer.role
        if layer.role in BASE_ROLES:
            boundaries.append({"id": layer.id, "kind": kind, "land": kind in LAND_LEVELS,
                               "tiles": tile_template(layer.id, link), "bounds": list(info.bbox),
                               "minzoom": tile_minzoom(info.count, info.bbox),
                               "max_native_zoom": LAND_MAX_NATIVE_ZOOM if kind in LAND_LEVELS else None})
        if layer.role in LABEL_ROLES and not info.large:
            labels.append({"layer": layer.id, "kind": kind, "title": layer.title(lang),
                           "points": label_points(layer, source.frame(layer.id))})
    return {"boundaries": boundaries, "labels": labels, "sea": any(b["land"] for b in boundaries)}


def office_basemap(tilejson: dict, lang: str) -> dict:
    """The office basemap choice: its TileJSON (written into the page: no request to find out whether there is one)
    and its title (escaped: the control writes names as HTML)."""
    return {"id": "office", "tilejson": tilejson, "title": str(escape(strings(lang)["basemaps"]["office"]))}
