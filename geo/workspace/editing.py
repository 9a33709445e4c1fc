"""Editing an imported layer's features (OGC API – Features Part 4 semantics: create, replace, update, delete) and
restoring an earlier version: the input checked against the layer's schema and geometry type, the write guarded by
the feature's ETag (If-Match), and the change and its audit row (before/after, who, when, from where) committed in
one transaction of the engine's workspace. The SQL is written once; the engine gives its table names and how it
stores geometries (geo/store/base.py `Engine`)."""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
import shapely
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from geo.core.errors import (
    InvalidGeometryError,
    InvalidParameterError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
)
from geo.core.geojson import _Counter, parse_geometry
from geo.core.limits import MAX_VERTICES
from geo.query.sql import quote
from geo.store.base import Engine
from geo.store.workspace import AUDIT, AuditEntry
from geo.workspace.layers import GEOMETRY_FAMILIES, PROVENANCE
from layers.model import Layer

LOGGER = logging.getLogger(__name__)
MAX_TEXT = 10_000  # characters of one string property
TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**63,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
    "boolean": lambda v: isinstance(v, bool),
}


# ---- the state of a feature and its ETag ------------------------------------------------------------------------


def canonical_value(kind: str, value):
    """A property value as JSON would carry it, whatever the engine returned (NaN, numpy scalars, 0/1 booleans)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return {"integer": int, "number": float, "boolean": bool}.get(kind, str)(value)


def canonical_state(properties: Mapping, geometry, schema: Mapping[str, str]) -> dict:
    """A feature as a GeoJSON-like mapping with typed properties (in schema order)."""
    props = {name: canonical_value(kind, properties.get(name)) for name, kind in schema.items()}
    return {"properties": props, "geometry": None if geometry is None else shapely.geometry.mapping(geometry)}


def feature_etag(properties: Mapping, geometry, schema: Mapping[str, str]) -> str:
    """The feature's entity tag: a digest of its typed properties and its 2D WKB, the same from any engine and
    any representation of the item."""
    props = canonical_state(properties, None, schema)["properties"]
    wkb = b"" if geometry is None else shapely.to_wkb(geometry, output_dimension=2, byte_order=1)
    digest = hashlib.sha256(orjson.dumps(props, option=orjson.OPT_SORT_KEYS) + wkb).hexdigest()
    return digest[:32]


CODING_SUFFIX = re.compile(r":(?:gzip|deflate|br|zstd)$")  # what flask-compress appends to a compressed answer's ETag


def entity_tag(tag: str) -> str:
    """An If-Match entry as the feature's ETag: without W/, quotes, or the content coding the response compression
    appended (a browser sends back the ETag of the compressed answer it read: the same feature version)."""
    return CODING_SUFFIX.sub("", tag.strip().removeprefix("W/").strip('"'))


def check_if_match(if_match: str | None, current_etag: str | None) -> None:
    """412 when the client's version is not the current one; 428 when it named none."""
    if if_match is None:
        raise PreconditionRequiredError("If-Match is required: send the ETag you read (or * to write over any "
                                        "version)")
    tags = [entity_tag(t) for t in if_match.split(",")]
    if "*" in tags and current_etag is not None:
        return
    if current_etag is None or current_etag not in tags:
        raise PreconditionFailedError("the feature changed since you read it (If-Match does not match its ETag "
                                      f"{current_etag!r}); read it again and redo your change")


# ---- input ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureInput:
    """What a client sent: properties (all of them for create/replace, the changed ones for update) and maybe a
    geometry."""

    properties: dict
    geometry: shapely.Geometry | None


def parse_feature_body(doc: object, layer: Layer, schema: Mapping[str, str], partial: bool) -> FeatureInput:
    """A GeoJSON Feature (update: a partial one, null removing a value) checked against the layer."""
    if not isinstance(doc, dict) or doc.get("type") not in ("Feature", None if partial else "Feature"):
        raise InvalidGeometryError("body: must be a GeoJSON Feature")
    props = doc.get("properties", {} if partial else None)
    if not isinstance(props, dict):
        raise InvalidParameterError("properties", "must be an object")
    geometry = None
    if doc.get("geometry") is not None or not partial:
        geometry = parse_geometry(doc.get("geometry"), "body.geometry", _Counter(MAX_VERTICES))
        _check_geometry(geometry, layer)
    return FeatureInput(_check_properties(props, schema), geometry)


def _check_geometry(geometry: shapely.Geometry, layer: Layer) -> None:
    family = GEOMETRY_FAMILIES.get(geometry.geom_type)
    if family != layer.geometry:
        raise InvalidGeometryError(f"body.geometry: {geometry.geom_type} in a {layer.geometry} layer; send a "
                                   f"{' or '.join(t for t, f in GEOMETRY_FAMILIES.items() if f == layer.geometry)}")
    if not geometry.is_valid:
        raise InvalidGeometryError(f"body.geometry: not valid ({shapely.is_valid_reason(geometry)})")


def _check_properties(props: dict, schema: Mapping[str, str]) -> dict:
    unknown = sorted(set(props) - set(schema))
    if unknown:
        raise InvalidParameterError("properties", f"unknown {', '.join(repr(u[:40]) for u in unknown[:5])}; the "
                                    f"layer has: {', '.join(schema)}")
    for name, value in props.items():
        if value is None:
            continue
        if not TYPE_CHECKS[schema[name]](value):
            raise InvalidParameterError(f"properties.{name}", f"must be a {schema[name]} or null")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise InvalidParameterError(f"properties.{name}", f"longer than {MAX_TEXT:,} characters")
    return dict(props)


# ---- the editor -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The result of a write: the feature's id, its new ETag (None once deleted) and version."""

    feature_id: str
    etag: str | None
    version: int


class FeatureEditor:
    """Writes to one imported layer of the workspace; every method is one transaction with its audit row."""

    def __init__(self, engine: Engine, layer: Layer, schema: Mapping[str, str], geometry_column: str):
        if not layer.editable:
            raise InvalidParameterError("collection", f"'{layer.id}' is not editable")
        self.engine, self.layer, self.geometry_column = engine, layer, geometry_column
        self.schema = dict(schema)
        self.table = engine.feature_table(layer.id)

    # -- reading inside the transaction

    def _read(self, con: Connection, feature_id: str) -> dict | None:
        """The feature's state now, or None."""
        names = list(self.schema)
        geom = self.engine.geometry_read(self.geometry_column)
        sql = (f"SELECT {', '.join(quote(n) for n in names) + ', ' if names else ''}{geom} FROM {self.table} "
               "WHERE feature_id = :fid")
        row = con.execute(text(sql), {"fid": feature_id}).first()
        if row is None:
            return None
        return canonical_state(dict(zip(names, row[:-1], strict=True)), self.engine.decode_geometry(row[-1]),
                               self.schema)

    def _etag(self, state: dict | None) -> str | None:
        if state is None:
            return None
        geometry = shapely.geometry.shape(state["geometry"]) if state["geometry"] else None
        return feature_etag(state["properties"], geometry, self.schema)

    def _version(self, con: Connection, feature_id: str) -> int:
        """The feature's current version: 1 as imported, +1 for every recorded change since."""
        since = import_seq(con, self.layer.id)
        found = con.execute(select(AUDIT.c.version).where(
            AUDIT.c.collection == self.layer.id, AUDIT.c.feature_id == feature_id, AUDIT.c.seq > since,
            AUDIT.c.version.is_not(None)).order_by(AUDIT.c.seq.desc()).limit(1)).scalar()
        return found or 1

    # -- writing

    def _values(self, state: dict) -> dict:
        blob = self.engine.encode_geometry(shapely.geometry.shape(state["geometry"]))
        return {**{f"p{i}": state["properties"].get(n) for i, n in enumerate(self.schema)}, "geom": blob}

    def _geom_param(self) -> str:
        return self.engine.geometry_write("geom")

    def _insert(self, con: Connection, feature_id: str, state: dict) -> None:
        cols = ["feature_id", *self.schema, self.geometry_column]
        params = [":fid", *[f":p{i}" for i in range(len(self.schema))], self._geom_param()]
        con.execute(text(f"INSERT INTO {self.table} ({', '.join(quote(c) for c in cols)}) VALUES "
                         f"({', '.join(params)})"), {"fid": feature_id, **self._values(state)})
        self._facts(con, state, +1)

    def _update(self, con: Connection, feature_id: str, state: dict) -> None:
        sets = [f"{quote(n)} = :p{i}" for i, n in enumerate(self.schema)]
        sets.append(f"{quote(self.geometry_column)} = {self._geom_param()}")
        con.execute(text(f"UPDATE {self.table} SET {', '.join(sets)} WHERE feature_id = :fid"),
                    {"fid": feature_id, **self._values(state)})
        self._facts(con, state, 0)

    def _delete(self, con: Connection, feature_id: str) -> None:
        con.execute(text(f"DELETE FROM {self.table} WHERE feature_id = :fid"), {"fid": feature_id})
        self._facts(con, None, -1)

    def _facts(self, con: Connection, state: dict | None, delta: int) -> None:
        """The layer's count and extent kept with the data, where the engine does not count and measure live."""
        geometry = None if state is None else shapely.geometry.shape(state["geometry"])
        self.engine.keep_facts(con, self.layer.id, geometry, delta)

    # -- the operations (each one transaction with its audit row)

    def _provenance(self, props: dict, current: dict | None) -> dict:
        """Source, accuracy and plan clause stay the layer's: a client may send them unchanged, not change them."""
        fixed = {"source": self.layer.source, "accuracy": self.layer.accuracy, "plan_ref": self.layer.plan_ref}
        if current is not None:
            fixed = {k: current["properties"].get(k, v) for k, v in fixed.items()}
        for name in PROVENANCE:
            if name in props and props[name] != fixed[name] and name in self.schema:
                raise InvalidParameterError(f"properties.{name}", "is the layer's provenance and cannot be edited")
        return {k: v for k, v in fixed.items() if k in self.schema}

    def _record(self, con: Connection, action: str, feature_id: str, version: int, before: dict | None,
                after: dict | None, actor: str, client: str | None, detail: dict | None = None) -> None:
        self.engine.record(con, AuditEntry(action, actor, client, collection=self.layer.id, feature_id=feature_id,
                                              version=version, before=before, after=after, detail=detail))

    def create(self, data: FeatureInput, actor: str, client: str | None) -> Change:
        with self.engine.begin() as con:
            feature_id = self._next_id(con)
            props = {**data.properties, **self._provenance(data.properties, None)}
            state = canonical_state(props, data.geometry, self.schema)
            self._insert(con, feature_id, state)
            self._record(con, "create", feature_id, 1, None, state, actor, client)
        return Change(feature_id, self._etag(state), 1)

    def _next_id(self, con: Connection) -> str:
        """One more than the largest integer id (ids of imported layers are often numbers), as text."""
        found = con.execute(text(f"SELECT max(CAST(feature_id AS BIGINT)) FROM {self.table} WHERE "
                                 f"{self.engine.numeric_ids()}")).scalar()
        candidate = (found or 0) + 1
        while con.execute(text(f"SELECT 1 FROM {self.table} WHERE feature_id = :f"), {"f": str(candidate)}).first():
            candidate += 1  # a deleted id stays retired while its history may be restored
        return str(candidate)

    def _write(self, feature_id: str, if_match: str | None, make_state, action: str, actor: str,
               client: str | None, detail: dict | None = None) -> Change:
        """Replace/update/restore: read, check the ETag, write the new state, record before and after."""
        with self.engine.begin() as con:
            current = self._read(con, feature_id)
            if current is None:
                raise NotFoundError(f"feature '{feature_id[:80]}' does not exist in collection '{self.layer.id}'")
            check_if_match(if_match, self._etag(current))
            state = make_state(current)
            version = self._version(con, feature_id) + 1
            self._update(con, feature_id, state)
            self._record(con, action, feature_id, version, current, state, actor, client, detail)
        return Change(feature_id, self._etag(state), version)

    def replace(self, feature_id: str, data: FeatureInput, if_match: str | None, actor: str,
                client: str | None) -> Change:
        def new_state(current: dict) -> dict:
            props = {**data.properties, **self._provenance(data.properties, current)}
            return canonical_state(props, data.geometry, self.schema)
        return self._write(feature_id, if_match, new_state, "replace", actor, client)

    def update(self, feature_id: str, data: FeatureInput, if_match: str | None, actor: str,
               client: str | None) -> Change:
        """A partial change: the properties sent (null clears one) and the geometry if sent."""
        def new_state(current: dict) -> dict:
            self._provenance(data.properties, current)
            props = {**current["properties"], **data.properties}
            geometry = data.geometry or shapely.geometry.shape(current["geometry"])
            return canonical_state(props, geometry, self.schema)
        return self._write(feature_id, if_match, new_state, "update", actor, client)

    def delete(self, feature_id: str, if_match: str | None, actor: str, client: str | None) -> Change:
        with self.engine.begin() as con:
            current = self._read(con, feature_id)
            if current is None:
                raise NotFoundError(f"feature '{feature_id[:80]}' does not exist in collection '{self.layer.id}'")
            check_if_match(if_match, self._etag(current))
            version = self._version(con, feature_id) + 1
            self._delete(con, feature_id)
            self._record(con, "delete", feature_id, version, current, None, actor, client)
        return Change(feature_id, None, version)

    def restore(self, feature_id: str, version: int, if_match: str | None, actor: str,
                client: str | None) -> Change:
        """Make an earlier version the current one, as a new version (re-creating a deleted feature)."""
        with self.engine.begin() as con:
            versions = history_in(con, self.layer.id, feature_id, self._read(con, feature_id))
            chosen = next((v for v in versions if v["version"] == version), None)
            if chosen is None or chosen["state"] is None:
                raise NotFoundError(f"feature '{feature_id[:80]}' has no version {version} to restore")
            current = self._read(con, feature_id)
            if current is not None:
                check_if_match(if_match, self._etag(current))
            state = canonical_state(chosen["state"]["properties"], shapely.geometry.shape(chosen["state"]["geometry"]),
                                    self.schema)
            new_version = versions[-1]["version"] + 1
            (self._update if current is not None else self._insert)(con, feature_id, state)
            self._record(con, "restore", feature_id, new_version, current, state, actor, client,
                         {"restored_version": version})
        return Change(feature_id, self._etag(state), new_version)


# ---- the trail of one feature -------------------------------------------------------------------------------------


def import_seq(con: Connection, layer_id: str) -> int:
    """The audit sequence number of the layer's (latest) import: history starts there."""
    return con.execute(select(AUDIT.c.seq).where(AUDIT.c.collection == layer_id, AUDIT.c.action == "import")
                       .order_by(AUDIT.c.seq.desc()).limit(1)).scalar() or 0


def history_in(con: Connection, layer_id: str, feature_id: str, current: dict | None) -> list[dict]:
    """Every version of a feature, oldest first: version 1 as imported (or created), then each change with who,
    when, from where and the state after it (None once deleted)."""
    since = import_seq(con, layer_id)
    rows = con.execute(select(AUDIT).where(AUDIT.c.collection == layer_id, AUDIT.c.feature_id == feature_id,
                                           AUDIT.c.seq > since, AUDIT.c.version.is_not(None))
                       .order_by(AUDIT.c.seq)).mappings().all()
    versions = []
    if not rows or rows[0]["action"] != "create":
        imported = orjson.loads(rows[0]["before"]) if rows and rows[0]["before"] else current
        if imported is None:
            return []
        import_row = con.execute(select(AUDIT).where(AUDIT.c.seq == since)).mappings().first()
        versions.append({"version": 1, "action": "import", "at": import_row and import_row["at"],
                         "actor": import_row and import_row["actor"], "client": None, "state": imported})
    for row in rows:
        versions.append({"version": row["version"], "action": row["action"], "at": row["at"], "actor": row["actor"],
                         "client": row["client"], "seq": row["seq"],
                         "state": orjson.loads(row["after"]) if row["after"] else None,
                         "detail": orjson.loads(row["detail"]) if row["detail"] else None})
    return versions


def feature_history(editor: FeatureEditor, feature_id: str) -> list[dict]:
    with editor.engine.read() as con:
        versions = history_in(con, editor.layer.id, feature_id, editor._read(con, feature_id))
    if not versions:
        raise NotFoundError(f"feature '{feature_id[:80]}' has no history in collection '{editor.layer.id}'")
    return versions
