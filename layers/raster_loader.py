"""Read and validate layers/rasters/*.yaml into RasterLayer objects; every error names the file and the field."""

from __future__ import annotations

import logging
import re
from functools import partial
from pathlib import Path
from typing import Any

from layers.catalog_loader import _Entry, load_entries
from layers.raster_model import RASTER_AUDIENCES, RASTER_BUILDERS, RASTER_ROLES, RasterClass, RasterGrid, RasterLayer
from layers.registry import Catalog

LOGGER = logging.getLogger(__name__)
DEFAULT_RASTER_DIR = Path(__file__).parent / "rasters"
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_GRID_CRS = ("EPSG:4549", "EPSG:4326")
_FILE_CRS = ("EPSG:4326", "EPSG:4490", "EPSG:4549", "EPSG:3857")


def _titles(entry: _Entry, name: str) -> tuple[str, str]:
    child = entry.child(name, entry.get(name, dict))
    return child.text("zh"), child.text("en")


def _audiences(entry: _Entry) -> tuple[str, ...]:
    values = entry.items("audiences")
    bad = [v for v in values if v not in RASTER_AUDIENCES]
    if bad or not values:
        raise entry.fail("audiences", f"needs one or more of {', '.join(RASTER_AUDIENCES)}, got {values}")
    return tuple(values)


def _rescale(entry: _Entry) -> tuple[float, float] | None:
    raw = entry.get("rescale", list, None)
    if raw is None:
        return None
    if len(raw) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw):
        raise entry.fail("rescale", "must be [min, max] numbers")
    if raw[0] >= raw[1]:
        raise entry.fail("rescale", f"min {raw[0]} must be below max {raw[1]}")
    return float(raw[0]), float(raw[1])


def _classes(entry: _Entry) -> tuple[RasterClass, ...]:
    out = []
    for i, raw in enumerate(entry.items("classes", [])):
        cls = entry.child(f"classes[{i}]", raw)
        code = cls.get("code", int)
        if not 0 <= code <= 254:
            raise cls.fail("code", f"{code} must be within 0..254 (255 is nodata)")
        color = cls.text("color")
        if not _COLOR_RE.match(color):
            raise cls.fail("color", f"'{color}' is not #rrggbb")
        opacity = cls.get("opacity", float, 0.7)
        if not 0 <= opacity <= 1:
            raise cls.fail("opacity", f"{opacity} must be within 0..1")
        title = cls.child("title", cls.get("title", dict))
        out.append(RasterClass(code, cls.get("layer", str, None), title.text("zh"), title.text("en"), color, opacity))
    if len({c.code for c in out}) != len(out):
        raise entry.fail("classes", "class codes must be unique")
    return tuple(out)


def _role_classes(entry: _Entry, vectors: Catalog | None, first_code: int) -> tuple[RasterClass, ...]:
    """One class per polygon layer of the roles `classes_from_roles` names, in catalog order, coloured with the
    layer's fill colour: a zone or park added to the catalog joins the class map with nothing else to edit."""
    roles = entry.items("classes_from_roles", [])
    if not roles:
        return ()
    if vectors is None:
        raise entry.fail("classes_from_roles", "needs the vector catalog to be loaded first")
    layers = [lay for lay in vectors.with_role(*roles) if lay.geometry == "polygon"]
    return tuple(RasterClass(first_code + i, lay.id, lay.title_zh, lay.title_en,
                             str(lay.style.get("fill_color") or lay.style.get("color") or "#868e96"), 0.7)
                 for i, lay in enumerate(layers))


def _grid(entry: _Entry) -> RasterGrid:
    grid = entry.child("grid", entry.get("grid", dict))
    resolution = grid.get("resolution", float)
    if not resolution > 0:
        raise grid.fail("resolution", f"must be positive, got {resolution}")
    return RasterGrid(grid.choice("crs", _GRID_CRS), resolution, grid.text("extent_layer"))


def _file(entry: _Entry, data_dir: Path | None) -> tuple[str, str | None]:
    path = entry.text("file")
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise entry.fail("file", "must be relative to the data directory, without '..'")
    if data_dir is not None and not (data_dir / path).is_file():
        raise entry.fail("file", f"file not found: {data_dir / path}")
    crs = entry.choice("crs", _FILE_CRS, None) if entry.data.get("crs") is not None else None
    return path, crs


def _inputs(entry: _Entry, vectors: Catalog | None) -> tuple[str, ...]:
    """`inputs` (layer ids) or `inputs_from_roles` (every point layer of those roles in the vector catalog)."""
    roles = entry.items("inputs_from_roles", [])
    if roles and vectors is None:
        raise entry.fail("inputs_from_roles", "needs the vector catalog to be loaded first")
    by_role = tuple(lay.id for lay in vectors.with_role(*roles) if lay.geometry == "point") if roles else ()
    inputs = tuple(dict.fromkeys([*(str(v) for v in entry.items("inputs", [])), *by_role]))
    if not inputs:
        raise entry.fail("inputs", "a distance raster needs one or more point layers (inputs or inputs_from_roles)")
    return inputs


def _builder_fields(entry: _Entry, builder: str, data_dir: Path | None, vectors: Catalog | None) -> dict:
    if builder == "file":
        path, crs = _file(entry, data_dir)
        return {"file": path, "file_crs": crs}
    if builder == "class_map":
        return {"grid": _grid(entry), "inputs": ()}
    return {"grid": _grid(entry), "inputs": _inputs(entry, vectors)}


def _check_kind(entry: _Entry, builder: str, classes: tuple, colormap: str | None) -> None:
    if builder == "class_map" and not classes:
        raise entry.fail("classes", "a class_map raster needs classes")
    if not classes and not colormap:
        raise entry.fail("colormap", "a continuous raster needs a colormap")


def _refuse_internal(entry: _Entry, vectors: Catalog | None, raster: RasterLayer) -> None:
    """A raster is shown to everyone, so no layer it is made of may be internal (README "Accounts, roles and
    access"); those chosen by role are taken from the public layers only."""
    if vectors is None:
        return
    named = {"classes": [c.layer for c in raster.classes], "inputs": list(raster.inputs),
             "grid.extent_layer": [raster.grid.extent_layer] if raster.grid else []}
    for name, ids in named.items():
        internal = [i for i in ids if i in vectors and vectors[i].access != "public"]
        if internal:
            raise entry.fail(name, f"names internal layer(s) {', '.join(internal)}; rasters are public, so they "
                             "are made from public layers only")


def parse_raster_entry(file: str, data: Any, data_dir: Path | None = None, vectors: Catalog | None = None) -> RasterLayer:
    """Validate one raster catalog mapping and return its RasterLayer."""
    entry = _Entry(file, data)
    raster_id = entry.text("id")
    if not _ID_RE.match(raster_id):
        raise entry.fail("id", f"'{raster_id}' must be lower-case letters, digits and _")
    entry.choice("kind", ("raster",))
    builder = entry.choice("builder", RASTER_BUILDERS)
    source = entry.child("source", entry.get("source", dict))
    title, band, legend = _titles(entry, "title"), _titles(entry, "band"), _titles(entry, "legend")
    public = vectors.public() if vectors is not None else None  # rasters are public: made from public layers
    classes, colormap = _classes(entry), entry.text("colormap", None)
    classes += _role_classes(entry, public, max((c.code for c in classes), default=0) + 1)
    _check_kind(entry, builder, classes, colormap)
    raster = RasterLayer(
        id=raster_id, title_zh=title[0], title_en=title[1], builder=builder,
        role=entry.choice("role", RASTER_ROLES, "surface"), source=source.text("name"),
        licence=source.text("licence"), band_zh=band[0], band_en=band[1], unit=entry.text("unit"),
        legend_zh=legend[0], legend_en=legend[1], audiences=_audiences(entry), colormap=colormap,
        rescale=_rescale(entry), classes=classes, crs_note=entry.text("crs_note", ""),
        order=entry.get("order", int, 100), catalog_file=file, **_builder_fields(entry, builder, data_dir, public),
    )
    _refuse_internal(entry, vectors, raster)
    return raster


def load_raster_catalog(raster_dir: Path | str = DEFAULT_RASTER_DIR, data_dir: Path | str | None = None,
                        vectors: Catalog | None = None) -> dict[str, RasterLayer]:
    """Every *.yaml of the raster catalog directory, ordered by `order` then id; ids must be unique. Classes and
    inputs given by role are resolved against the vector catalog."""
    return load_entries(raster_dir, partial(parse_raster_entry, vectors=vectors), data_dir, required=False)
