"""Layers users imported, kept in the workspace: published atomically (the feature table, its facts, its catalog
entry and the audit row of the import commit together, or nothing is there), listed as catalog entries validated
like the YAML ones, and dropped. Where the engine writes the table before the registering transaction (GDAL on the
embedded engine), a table nobody registered (an import killed half-way) is invisible and removed by the next
import."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import orjson
import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from geo.core.errors import ConflictError, NotFoundError
from geo.store.base import Engine
from geo.store.layerinfo import layer_info
from geo.store.workspace import LAYER_FACTS, LAYERS, AuditEntry, json_text, now_iso
from layers.catalog_loader import parse_entry
from layers.model import ROLE_GROUPS, Layer

LOGGER = logging.getLogger(__name__)
GEOMETRY_FAMILIES = {"Polygon": "polygon", "MultiPolygon": "polygon", "LineString": "line",
                     "MultiLineString": "line", "Point": "point", "MultiPoint": "point"}
PROVENANCE = ("source", "accuracy", "plan_ref")
MAX_POPUP_FIELDS = 12


@dataclass(frozen=True)
class ImportRequest:
    """What the importer says of the new layer (the catalog entry is made from it)."""

    layer_id: str
    title_zh: str
    title_en: str
    role: str
    plan_ref: str
    source_name: str
    licence: str = "office data"
    accuracy: str | None = None  # default: official_boundary for lines and polygons, dataset_point for points
    group: str | None = None  # default from the role
    access: str = "internal"
    audiences: tuple[str, ...] = ("planner", "investor", "logistics")
    editable: bool = True
    color: str = "#7048e8"
    proposed_style: bool = True  # draw the layer in the style its QC report proposes (a classification's palette)


def geometry_family(frame: gpd.GeoDataFrame) -> str:
    families = {GEOMETRY_FAMILIES.get(t, t) for t in frame.geom_type.dropna().unique()}
    if len(families) != 1:
        raise ValueError(f"the features mix geometry families: {', '.join(sorted(families))}")
    return families.pop()


PALETTE_SYMBOL = {"color": "#495057", "weight": 1, "fill_opacity": 0.75}  # parcels: grey outlines, coloured fills


def layer_style(request: ImportRequest, proposed: dict | None) -> dict:
    """The imported layer's style: the QC report's proposal (a classification's colours) unless declined, else one
    colour."""
    if proposed and request.proposed_style:
        return {**proposed, **PALETTE_SYMBOL}
    return {"color": request.color, "weight": 2, "fill_opacity": 0.25}


def catalog_entry(request: ImportRequest, frame: gpd.GeoDataFrame, proposed_style: dict | None = None) -> dict:
    """The catalog mapping of an imported layer (validated by the same loader as layers/catalog/*.yaml)."""
    geometry = geometry_family(frame)
    accuracy = request.accuracy or ("dataset_point" if geometry == "point" else "official_boundary")
    fields = [c for c in frame.columns if c not in ("feature_id", frame.geometry.name, *PROVENANCE)]
    return {"id": request.layer_id, "title": {"zh": request.title_zh, "en": request.title_en},
            "group": request.group or ROLE_GROUPS.get(request.role, "context"), "role": request.role,
            "geometry": geometry, "order": 200, "accuracy": accuracy, "audiences": list(request.audiences),
            "access": request.access, "editable": request.editable,
            "source": {"builder": "import", "name": request.source_name, "licence": request.licence},
            "plan_refs": [{"clause": request.plan_ref}],
            "style": layer_style(request, proposed_style),
            "popup_fields": [*fields[:MAX_POPUP_FIELDS], *PROVENANCE]}


def typed_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Attribute columns typed by their values (the importer hands plain objects): integers, numbers, booleans
    (nullable) or text, so the layer's schema says what a column holds and edits are checked against it."""
    out = frame.copy()
    for name in frame.columns:
        if name in ("feature_id", frame.geometry.name):
            continue
        values = frame[name].dropna()
        kind = pd.api.types.infer_dtype(values, skipna=True) if len(values) else "empty"
        if kind == "boolean":
            out[name] = frame[name].astype("boolean")
        elif kind == "integer" and values.map(lambda v: abs(v) < 2**63).all():
            out[name] = frame[name].astype("Int64")
        elif kind in ("floating", "mixed-integer-float", "integer"):
            out[name] = frame[name].astype("float64")
        else:
            out[name] = frame[name].map(lambda v: None if v is None or v is pd.NA else str(v), na_action=None)
    return out


def with_provenance(frame: gpd.GeoDataFrame, layer: Layer) -> gpd.GeoDataFrame:
    """Every feature carries its source, accuracy and plan clause, as the built layers' do."""
    out = frame.copy()
    out["source"], out["accuracy"], out["plan_ref"] = layer.source, layer.accuracy, layer.plan_ref
    return out


def entry_layer(entry: dict) -> Layer:
    return parse_entry(f"workspace:{entry.get('id')}", entry)


def publish_layer(engine: Engine, entry: dict, frame: gpd.GeoDataFrame, qc_report: dict, actor: str,
                  client: str | None, taken: set[str]) -> Layer:
    """Add an imported layer (WGS84, `feature_id` unique) to the workspace, all or nothing; ConflictError when its
    id is taken (by a built layer: `taken`, or an import)."""
    layer = entry_layer(entry)
    frame = with_provenance(typed_columns(frame), layer).sort_values("feature_id", ignore_index=True)
    with engine.import_lock():
        registered = set(imported_ids(engine))
        if layer.id in taken or layer.id in registered:
            raise ConflictError(f"a collection '{layer.id}' already exists; choose another id or delete it first")
        engine.drop_unregistered(registered)
        engine.write_table(layer.id, frame)
        with engine.begin() as con:
            engine.finish_table(con, layer.id, frame)
            _register(con, engine, layer, entry, frame, qc_report, actor, client)
    LOGGER.info("imported %s: %d features by %s", layer.id, len(frame), actor)
    return layer


def _register(con: Connection, engine: Engine, layer: Layer, entry: dict, frame: gpd.GeoDataFrame,
              qc_report: dict, actor: str, client: str | None) -> None:
    info = layer_info(layer.id, frame)
    con.execute(insert(LAYER_FACTS).values(**info.row()))
    con.execute(insert(LAYERS).values(id=layer.id, entry=json_text(entry), qc_report=json_text(qc_report),
                                      created_at=now_iso(), created_by=actor))
    engine.record(con, AuditEntry("import", actor, client, collection=layer.id,
                                  detail={"features": len(frame), "qc": _qc_summary(qc_report),
                                          "source": layer.source}))


def _qc_summary(report: dict) -> dict:
    keys = ("format", "feature_count", "crs", "encoding", "geometry_type", "repairs", "warnings")
    return {k: report[k] for k in keys if k in report}


def imported_ids(engine: Engine) -> list[str]:
    with engine.read() as con:
        return [row[0] for row in con.execute(select(LAYERS.c.id).order_by(LAYERS.c.id))]


def imported_entries(engine: Engine) -> list[dict]:
    """The catalog entries of the imported layers (JSON mappings, as stored)."""
    with engine.read() as con:
        return [orjson.loads(row[0]) for row in con.execute(select(LAYERS.c.entry).order_by(LAYERS.c.id))]


def qc_report_of(engine: Engine, layer_id: str) -> dict:
    with engine.read() as con:
        row = con.execute(select(LAYERS.c.qc_report, LAYERS.c.created_at, LAYERS.c.created_by)
                          .where(LAYERS.c.id == layer_id)).first()
    if row is None:
        raise NotFoundError(f"no import '{layer_id}'")
    return {**orjson.loads(row[0]), "imported_at": row[1], "imported_by": row[2]}


def drop_layer(engine: Engine, layer_id: str, actor: str, client: str | None) -> None:
    """Remove an imported layer: unregistered, its table dropped and its audit row written in one transaction."""
    with engine.import_lock(), engine.begin() as con:
        if con.execute(delete(LAYERS).where(LAYERS.c.id == layer_id)).rowcount == 0:
            raise NotFoundError(f"no imported collection '{layer_id}'")
        con.execute(delete(LAYER_FACTS).where(LAYER_FACTS.c.layer_id == layer_id))
        engine.record(con, AuditEntry("drop_layer", actor, client, collection=layer_id))
        engine.drop_table(con, layer_id)
