"""Raster API: catalog, metadata, TileJSON, PNG tiles (ETag, Cache-Control, in-memory LRU), point values and
(zonal) statistics of the COGs the data build writes next to the GeoPackage."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from api.params import parse_lang
from api.raster_params import parse_lonlat, parse_percentiles, parse_tile_request
from api.services import services
from geo.errors import InvalidGeometryError, InvalidParameterError, NotFoundError
from geo.raster_stats import Zone, parse_zones, read_band, statistics, zonal_statistics
from geo.raster_tiles import describe, point_value, render_tile
from layers.raster_model import RasterLayer

bp = Blueprint("rasters", __name__)
PNG = "image/png"
TILE_CACHE_CONTROL = "public, max-age=3600"
TILE_CACHE_SIZE = 512


class TileCache:
    """A thread-safe LRU of rendered tiles keyed by (raster file stamp, z, x, y, style)."""

    def __init__(self, size: int = TILE_CACHE_SIZE):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

    def put(self, key: tuple, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass
class RasterService:
    catalog: dict[str, RasterLayer]
    directory: Path
    tiles: TileCache = field(default_factory=TileCache)

    def raster(self, raster_id: str) -> tuple[RasterLayer, Path]:
        """The catalog entry and built file of a raster; NotFoundError when either is missing."""
        if raster_id not in self.catalog:
            raise NotFoundError(f"raster '{raster_id}' does not exist")
        path = self.directory / self.catalog[raster_id].output_name
        if not path.is_file():
            raise NotFoundError(f"raster '{raster_id}' has not been built (run `make data`)")
        return self.catalog[raster_id], path


def raster_service() -> RasterService:
    """Created on first use from the raster catalog loaded at start-up; the COGs lie beside the GeoPackage."""
    ext = current_app.extensions
    if "yiwu_rasters" not in ext:
        ext["yiwu_rasters"] = RasterService(services().rasters, services().store.path.parent)
    return ext["yiwu_rasters"]


def legend(raster: RasterLayer, lang: str) -> dict:
    out = {"title": raster.legend(lang), "unit": raster.unit}
    if raster.is_class:
        out["classes"] = [{"code": c.code, "title": c.title(lang), "color": c.color, "opacity": c.opacity}
                          for c in raster.classes]
    else:
        out.update(colormap=raster.colormap, rescale=list(raster.rescale) if raster.rescale else None)
    return out


def raster_summary(raster: RasterLayer, lang: str) -> dict:
    link = url_for(".raster", raster_id=raster.id, _external=True)
    return {"id": raster.id, "title": raster.title(lang), "titles": {"zh": raster.title_zh, "en": raster.title_en},
            "kind": "class" if raster.is_class else "continuous", "unit": raster.unit,
            "band": {"zh": raster.band_zh, "en": raster.band_en}, "audiences": list(raster.audiences),
            "source": raster.source, "licence": raster.licence, "crs_note": raster.crs_note or None,
            "legend": legend(raster, lang),
            "links": [{"rel": "self", "type": "application/json", "href": link},
                      {"rel": "tilejson", "type": "application/json", "href": f"{link}/tilejson.json"},
                      {"rel": "statistics", "type": "application/json", "href": f"{link}/statistics"}]}


def _codes(raster: RasterLayer) -> tuple[int, ...]:
    return tuple(c.code for c in raster.classes)


@bp.get("/rasters")
def rasters():
    lang = parse_lang(request.args)
    svc = raster_service()
    docs = [raster_summary(r, lang) for r in svc.catalog.values() if (svc.directory / r.output_name).is_file()]
    return jsonify({"rasters": docs, "links": [{"rel": "self", "href": url_for(".rasters", _external=True)}]})


@bp.get("/rasters/<raster_id>")
def raster(raster_id: str):
    lang = parse_lang(request.args)
    layer, path = raster_service().raster(raster_id)
    body = raster_summary(layer, lang) | describe(path)
    body["statistics"] = statistics(read_band(path), class_codes=_codes(layer))
    return jsonify(body)


@bp.get("/rasters/<raster_id>/tilejson.json")
def tilejson(raster_id: str):
    layer, path = raster_service().raster(raster_id)
    info = describe(path)
    query = urlencode({k: v for k, v in request.args.items() if k in ("colormap", "rescale")})
    base = url_for(".raster", raster_id=raster_id, _external=True)
    west, south, east, north = info["bounds_wgs84"]
    return jsonify({"tilejson": "3.0.0", "name": layer.title(parse_lang(request.args)), "scheme": "xyz",
                    "tiles": [f"{base}/tiles/{{z}}/{{x}}/{{y}}.png" + (f"?{query}" if query else "")],
                    "minzoom": info["minzoom"], "maxzoom": max(info["maxzoom"], 18), "bounds": info["bounds_wgs84"],
                    "center": [(west + east) / 2, (south + north) / 2, info["minzoom"]],
                    "attribution": layer.source})


@bp.get("/rasters/<raster_id>/tiles/<z>/<x>/<y>.png")
def tile(raster_id: str, z: str, x: str, y: str):
    layer, path = raster_service().raster(raster_id)
    req = parse_tile_request(z, x, y, request.args)
    cache = raster_service().tiles
    key = (raster_id, path.stat().st_mtime_ns, req)
    png = cache.get(key)
    if png is None:
        png = render_tile(path, layer, req.z, req.x, req.y, req.style, req.datum)
        cache.put(key, png)
    response = Response(png, mimetype=PNG, headers={"Cache-Control": TILE_CACHE_CONTROL})
    response.set_etag(hashlib.sha1(png, usedforsecurity=False).hexdigest())
    return response.make_conditional(request)


@bp.get("/rasters/<raster_id>/point")
def point(raster_id: str):
    layer, path = raster_service().raster(raster_id)
    where = parse_lonlat(request.args)
    value = point_value(path, raster_id, where.lon, where.lat)
    body = {"raster": raster_id, "lon": where.lon, "lat": where.lat, "value": value, "unit": layer.unit}
    if layer.is_class and value is not None:
        match = next((c for c in layer.classes if c.code == int(value)), None)
        body["class"] = {"code": int(value), "title": match.title(parse_lang(request.args)) if match else None}
    return jsonify(body)


def _layer_zones(layer_id: str) -> list[Zone]:
    frame = services().store.frame(layer_id)  # NotFoundError for an unknown layer
    kinds = set(frame.geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InvalidParameterError("layer", f"'{layer_id}' has {', '.join(sorted(kinds))} features; zonal statistics need polygons")
    keep = [c for c in ("name_zh", "name_en") if c in frame.columns]
    return [Zone(str(fid), {k: row[k] for k in keep}, geom)
            for fid, geom, (_, row) in zip(frame["feature_id"], frame.geometry, frame[keep].iterrows(), strict=True)]


@bp.route("/rasters/<raster_id>/statistics", methods=["GET", "POST"])
def raster_statistics(raster_id: str):
    layer, path = raster_service().raster(raster_id)
    percentiles = parse_percentiles(request.args.get("percentiles"))
    band, codes = read_band(path), _codes(layer)
    body = {"raster": raster_id, "unit": layer.unit}
    if request.method == "POST":
        payload = request.get_json(silent=True)
        if payload is None:
            raise InvalidGeometryError("body: expected a GeoJSON geometry, Feature or FeatureCollection (application/json)")
        body["zones"] = zonal_statistics(band, parse_zones(payload), codes, percentiles)
    elif request.args.get("layer"):
        body["layer"] = request.args["layer"]
        body["zones"] = zonal_statistics(band, _layer_zones(request.args["layer"]), codes, percentiles)
    else:
        body["statistics"] = statistics(band, None, codes, percentiles)
    return jsonify(body)
