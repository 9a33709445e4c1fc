"""Summaries of the venues investors compare (features of the park, market and science park layers): their
attributes, geodesic distance to the nearest hub of each port type the hub layers name, the zones they lie in,
and statistics of the access rasters over their cells. Pure functions: frames and bands in, dataclasses out."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np

from geo.analysis.corridors import distances_km
from geo.analysis.site import ZoneOverlap, zone_overlaps
from geo.core.serialize import json_value
from geo.rasters.stats import Band, statistics, zone_mask

LOGGER = logging.getLogger(__name__)
CORE_FIELDS = ("name_zh", "name_en", "area_km2", "accuracy", "plan_ref", "plan_quote")


@dataclass(frozen=True)
class VenueSummary:
    id: str
    layer: str
    role: str
    fields: dict  # the core fields and the layer's popup fields
    distance_km: dict[str, float | None]  # summary key (e.g. airport) -> km to the nearest hub of that type
    zones: list[ZoneOverlap]
    statistics: dict[str, dict]  # access raster id -> statistics over the site's cells

    def to_dict(self) -> dict:
        out = asdict(self)
        return {"id": out["id"], "layer": out["layer"], "role": out["role"], **out.pop("fields"),
                "distance_km": out["distance_km"], "zones": out["zones"], "statistics": out["statistics"]}


@dataclass(frozen=True)
class VenueInputs:
    """What the summaries read: hub frames with the port types to measure, zone frames, access bands."""

    hubs: Mapping[str, gpd.GeoDataFrame]
    distances: Mapping[str, str]  # summary key -> port_type
    zones: Mapping[str, gpd.GeoDataFrame]
    bands: Mapping[str, tuple[Band, str]]  # raster id -> (band, unit)


def nearest_by_type(geom, hubs: Mapping[str, gpd.GeoDataFrame], distances: Mapping[str, str]) -> dict:
    """For each summary key, the distance (km) to the nearest hub of its port type (None if there is none)."""
    best: dict[str, float] = {}
    for frame in hubs.values():
        if frame.empty or "port_type" not in frame.columns:
            continue
        for port_type, km in zip(frame["port_type"], distances_km(geom, frame), strict=True):
            best[port_type] = min(best.get(port_type, np.inf), float(km))
    return {key: (round(best[kind], 3) if kind in best else None) for key, kind in distances.items()}


def summarise(layer_id: str, role: str, row, fields: Sequence[str], inputs: VenueInputs) -> VenueSummary:
    """One site's summary."""
    keys = dict.fromkeys([*CORE_FIELDS, *fields])
    values = {k: json_value(row.get(k)) for k in keys}
    stats = {rid: {"unit": unit, **statistics(band, zone_mask(band, [row.geometry]))}
             for rid, (band, unit) in inputs.bands.items()}
    return VenueSummary(row["feature_id"], layer_id, role, values,
                       nearest_by_type(row.geometry, inputs.hubs, inputs.distances),
                       zone_overlaps(row.geometry, inputs.zones), stats)


def venue_summaries(layers: Sequence[tuple[str, str, Sequence[str], gpd.GeoDataFrame]],
                   inputs: VenueInputs) -> dict[str, VenueSummary]:
    """Every site of the given (layer id, role, popup fields, frame) layers, by feature id, in layer order; every
    summary carries the union of the layers' fields (None where a site has no value), so they compare side by side."""
    union = tuple(dict.fromkeys(f for _, _, fields, _ in layers for f in fields))
    return {row["feature_id"]: summarise(layer_id, role, row, union, inputs)
            for layer_id, role, _, frame in layers for _, row in frame.iterrows()}
