"""An import from start to end, the same for the command line and the upload endpoint: read and check the file
(geo/imports/reader.py, with the plan's own boundaries as the expected extents), then publish it into the workspace all
or nothing (geo/workspace/layers.py); a layer of many features gets its tile pyramid (geo/tiles/pyramid.py). Returns the
new layer and its QC report."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from geo.core.errors import SourceError
from geo.imports.reader import ImportOptions, read_import
from geo.store.base import Engine
from geo.store.layerinfo import layer_info
from geo.tiles.fields import tile_fields
from geo.workspace.layers import ImportRequest, catalog_entry, publish_layer, typed_columns, with_provenance
from layers.model import Layer

LOGGER = logging.getLogger(__name__)
EXTENT_LEVELS = ("city", "province")  # the boundary levels an imported layer is expected to lie within


def boundary_extents(catalog, engine: Engine) -> dict[str, BaseGeometry]:
    """The city's and the province's outlines (WGS84), from the catalog's boundary layers of those levels."""
    extents = {}
    for level in EXTENT_LEVELS:
        layer = catalog.boundary(level)
        if layer is not None:
            extents[level] = shapely.union_all(engine.frame(layer.id).geometry.values)
    return extents


def import_file(engine: Engine, path: Path, options: ImportOptions, request: ImportRequest, actor: str,
                client: str | None, extents: dict[str, BaseGeometry], taken: set[str]) -> tuple[Layer, dict]:
    """Check and publish one file; ImportRefusedError (with its report) or ConflictError leave nothing behind."""
    result = read_import(Path(path), options, extents)
    report = result.report.to_dict()
    entry = catalog_entry(request, result.frame, report.get("style"))
    layer = publish_layer(engine, entry, result.frame, report, actor, client, taken)
    if engine.pyramids.wanted(len(result.frame)):
        make_pyramid(engine, layer, result.frame)
    return layer, report


def make_pyramid(engine: Engine, layer: Layer, frame) -> None:
    """The new layer's tile pyramid; when tippecanoe fails the layer is published all the same (its tiles encoded
    live) and the failure logged."""
    fields = tile_fields(layer, layer_info(layer.id, frame).large)
    published = with_provenance(typed_columns(frame), layer)  # the features as publish_layer wrote them
    try:
        engine.make_pyramid(layer.id, published, fields, engine.audit_seq(layer.id))
    except (SourceError, OSError, subprocess.SubprocessError):
        LOGGER.exception("no tile pyramid for %s: its tiles are encoded live", layer.id)
