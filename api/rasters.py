"""Raster API: catalog, metadata, TileJSON, PNG tiles (ETag, Cache-Control, LRU keyed by the file's stamp), point
values and (zonal) statistics of the COGs the data build writes next to the GeoPackage."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, request

from api.core.body import read_json_body
from api.core.declare import LANG, Body, Param, choice, number, number_list, ok, operation
from api.core.media import JSON, PNG
from api.core.services import services
from api.core.tiles import tile_address, tile_params, tile_response
from api.core.urls import absolute_url
from geo.core.errors import InvalidParameterError
from geo.core.geojson import POLYGONAL, body_schema
from geo.core.limits import MAX_BODY_BYTES, MAX_PERCENTILES, MAX_VERTICES, MAX_ZONES
from geo.rasters.stats import DEFAULT_PERCENTILES, Zone, read_band, statistics, zonal_statistics, zones_from_geojson
from geo.rasters.tiles import COLORMAPS, TileStyle, describe, point_value, render_tile
from layers.raster_model import RasterLayer

bp = Blueprint("rasters", __name__)
TILE_CACHE_CONTROL = "public, max-age=3600"
MAX_ZOOM = 24
DATUMS = ("wgs84", "gcj02")
RASTER_ID = Param("raster_id", "raster id (see /rasters)", lambda: {"type": "string",
                                                                    "enum": list(services().rasters.catalog)},
                  str, where="path")
COLORMAP = choice("colormap", "rio-tiler colormap name (continuous rasters only)", tuple(sorted(COLORMAPS)))


RESCALE = number_list("rescale", "the values at the two ends of the colour ramp, start,end (continuous rasters only): "
                      "start above end runs the ramp backwards, start equal to end makes a step there", 2, 2,
                      check=lambda values: (values[0], values[1]))
PERCENTILES = number_list("percentiles", f"up to {MAX_PERCENTILES} percentiles within [0, 100] (default "
                          f"{','.join(f'{p:g}' for p in DEFAULT_PERCENTILES)})", 1, MAX_PERCENTILES, 0, 100)
ZONES_BODY = Body(f"a GeoJSON Polygon/MultiPolygon, Feature or FeatureCollection in WGS84 lon/lat (at most "
                  f"{MAX_BODY_BYTES:,} bytes, {MAX_VERTICES:,} vertices and {MAX_ZONES:,} features)",
                  body_schema(POLYGONAL))


def polygon_layers() -> tuple[str, ...]:
    return tuple(layer.id for layer in services().catalog.values() if layer.geometry == "polygon")


def legend(raster: RasterLayer, lang: str) -> dict:
    out = {"title": raster.legend(lang), "unit": raster.unit}
    if raster.is_class:
        out["classes"] = [{"code": c.code, "title": c.title(lang), "color": c.color, "opacity": c.opacity}
                          for c in raster.classes]
    else:
        out.update(colormap=raster.colormap, rescale=list(raster.rescale) if raster.rescale else None)
    return out


def raster_summary(raster: RasterLayer, lang: str) -> dict:
    link = absolute_url(".raster", raster_id=raster.id)
    return {"id": raster.id, "title": raster.title(lang), "titles": {"zh": raster.title_zh, "en": raster.title_en},
            "kind": "class" if raster.is_class else "continuous", "role": raster.role, "unit": raster.unit,
            "band": {"zh": raster.band_zh, "en": raster.band_en}, "audiences": list(raster.audiences),
            "source": raster.source, "licence": raster.licence, "crs_note": raster.crs_note or None,
            "legend": legend(raster, lang),
            "links": [{"rel": "self", "type": JSON, "href": link},
                      {"rel": "tilejson", "type": JSON, "href": f"{link}/tilejson.json"},
                      {"rel": "statistics", "type": JSON, "href": f"{link}/statistics"}]}


def _codes(raster: RasterLayer) -> tuple[int, ...]:
    return tuple(c.code for c in raster.classes)


@bp.get("/rasters")
@operation("raster surfaces (COGs) that are built", "rasters", LANG, responses=ok("the rasters"))
def rasters(q):
    docs = [raster_summary(r, q.lang) for r in services().rasters.built()]
    return jsonify({"rasters": docs, "links": [{"rel": "self", "href": absolute_url(".rasters")}]})


@bp.get("/rasters/<raster_id>")
@operation("a raster: bounds, CRS, resolution, band statistics, legend", "rasters", RASTER_ID, LANG,
           responses=ok("the raster"))
def raster(q, raster_id: str):
    layer, path = services().rasters.resolve(raster_id)
    body = raster_summary(layer, q.lang) | describe(path)
    body["statistics"] = statistics(read_band(path), class_codes=_codes(layer))
    return jsonify(body)


@bp.get("/rasters/<raster_id>/tilejson.json")
@operation("TileJSON 3.0 of the raster's tiles", "rasters", RASTER_ID, COLORMAP, RESCALE, LANG,
           responses=ok("TileJSON"))
def tilejson(q, raster_id: str):
    layer, path = services().rasters.resolve(raster_id)
    info = describe(path)
    query = urlencode({k: v for k, v in request.args.items() if k in ("colormap", "rescale")})
    base = absolute_url(".raster", raster_id=raster_id)
    west, south, east, north = info["bounds_wgs84"]
    return jsonify({"tilejson": "3.0.0", "name": layer.title(q.lang), "scheme": "xyz",
                    "tiles": [f"{base}/tiles/{{z}}/{{x}}/{{y}}.png" + (f"?{query}" if query else "")],
                    "minzoom": info["minzoom"], "maxzoom": max(info["maxzoom"], 18), "bounds": info["bounds_wgs84"],
                    "center": [(west + east) / 2, (south + north) / 2, info["minzoom"]],
                    "attribution": layer.source})


@bp.get("/rasters/<raster_id>/tiles/<z>/<x>/<y>.png")
@operation("a 256 px Web Mercator PNG tile (nodata transparent; outside the raster 404)", "rasters", RASTER_ID,
           *tile_params(max_zoom=MAX_ZOOM), COLORMAP, RESCALE,
           choice("datum", "gcj02: the tile of a map drawn in GCJ-02 (the AMap basemap)", DATUMS, default="wgs84"),
           responses=ok("the tile", PNG))
def tile(q, raster_id: str, z: str, x: str, y: str):
    svc = services()
    layer, path = svc.rasters.resolve(raster_id)
    address = tile_address(q)
    style = TileStyle(q.colormap, q.rescale)
    key = ("tile", raster_id, svc.rasters.stamp(layer), address, style, q.datum)
    png = svc.tiles.get_or_compute(key, lambda: render_tile(path, layer, address.z, address.x, address.y, style,
                                                            q.datum))
    return tile_response(png, PNG, TILE_CACHE_CONTROL)


@bp.get("/rasters/<raster_id>/point")
@operation("the cell value at a WGS84 point", "rasters", RASTER_ID,
           number("lon", "longitude", -180, 180, required=True), number("lat", "latitude", -90, 90, required=True),
           LANG, responses=ok("the value"))
def point(q, raster_id: str):
    layer, path = services().rasters.resolve(raster_id)
    value = point_value(path, raster_id, q.lon, q.lat)
    body = {"raster": raster_id, "lon": q.lon, "lat": q.lat, "value": value, "unit": layer.unit}
    if layer.is_class and value is not None:
        match = next((c for c in layer.classes if c.code == int(value)), None)
        body["class"] = {"code": int(value), "title": match.title(q.lang) if match else None}
    return jsonify(body)


def layer_zones(layer_id: str) -> list[Zone]:
    """The polygons of a catalog layer as zones, within the zone limit."""
    frame = services().engine.frame(layer_id)
    if len(frame) > MAX_ZONES:
        raise InvalidParameterError("layer", f"'{layer_id}' has {len(frame):,} features; zonal statistics take at "
                                    f"most {MAX_ZONES:,} zones")
    keep = [c for c in ("name_zh", "name_en") if c in frame.columns]
    return [Zone(str(fid), {k: row[k] for k in keep}, geom)
            for fid, geom, (_, row) in zip(frame["feature_id"], frame.geometry, frame[keep].iterrows(), strict=True)]


@bp.get("/rasters/<raster_id>/statistics")
@operation("statistics of the whole raster, or per polygon of a catalog layer (computed once per data version)",
           "rasters", RASTER_ID, PERCENTILES,
           choice("layer", f"a polygon layer: statistics per feature (at most {MAX_ZONES:,})", polygon_layers),
           responses=ok("the statistics"))
def raster_statistics(q, raster_id: str):
    svc = services()
    layer, path = svc.rasters.resolve(raster_id)
    percentiles = q.percentiles or DEFAULT_PERCENTILES
    body = {"raster": raster_id, "unit": layer.unit}
    if q.layer is None:
        body["statistics"] = statistics(read_band(path), None, _codes(layer), percentiles)
        return jsonify(body)
    key = ("zonal", raster_id, svc.rasters.stamp(layer), svc.data_version(), q.layer, percentiles)
    body["layer"] = q.layer
    body["zones"] = svc.stats.get_or_compute(
        key, lambda: zonal_statistics(read_band(path), layer_zones(q.layer), _codes(layer), percentiles))
    return jsonify(body)


@bp.post("/rasters/<raster_id>/statistics")
@operation("zonal statistics per posted polygon (cells whose centre is inside)", "rasters", RASTER_ID, PERCENTILES,
           body=ZONES_BODY, responses=ok("the statistics per zone"))
def raster_zonal_statistics(q, raster_id: str):
    layer, path = services().rasters.resolve(raster_id)
    zones = zones_from_geojson(read_json_body(request))
    body = {"raster": raster_id, "unit": layer.unit,
            "zones": zonal_statistics(read_band(path), zones, _codes(layer), q.percentiles or DEFAULT_PERCENTILES)}
    return jsonify(body)
