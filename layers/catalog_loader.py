"""Read and validate layers/catalog/*.yaml; every error names the file and the field."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from layers.model import (
    ACCESS,
    ACCURACIES,
    AUDIENCES,
    BOUNDARY_LEVELS,
    BUILDERS,
    FIGURE_MEASURES,
    GEOMETRIES,
    GROUPS,
    LAYER_ROLES,
    SITED_MEASURES,
    Layer,
    PlanFigure,
    PlanRef,
    SourceFile,
)
from layers.palettes import PALETTES
from layers.registry import Catalog
from layers.style import BREAK_METHODS, MAX_CLASSES, MAX_ZOOM, STYLE_KINDS, SYMBOL_KEYS, Style, StyleClass

LOGGER = logging.getLogger(__name__)
DEFAULT_CATALOG_DIR = Path(__file__).parent / "catalog"
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_CLAUSE_RE = re.compile(r"^(§\d{1,2}|clause 3)$")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_LEGACY_SYMBOL_KEYS = {"fillOpacity": "fill_opacity"}  # imports made before the style model wrote this
_KNOWN_CRS = ("EPSG:4326", "OGC:CRS84", "EPSG:4490", "EPSG:4549", "GCJ-02")


class CatalogError(ValueError):
    """A catalog entry is invalid."""

    def __init__(self, file: str, field: str, why: str):
        super().__init__(f"{file}: field '{field}': {why}")
        self.file, self.field, self.why = file, field, why


class _Entry:
    """Typed accessors over one YAML mapping that raise CatalogError naming file and field."""

    def __init__(self, file: str, data: Any, prefix: str = ""):
        if not isinstance(data, dict):
            raise CatalogError(file, prefix or "(top level)", "must be a mapping")
        self.file, self.data, self.prefix = file, data, prefix

    def fail(self, name: str, why: str) -> CatalogError:
        return CatalogError(self.file, f"{self.prefix}{name}", why)

    def get(self, name: str, kind: type | tuple, default: Any = ...) -> Any:
        if name not in self.data or self.data[name] is None:
            if default is ...:
                raise self.fail(name, "is required")
            return default
        value = self.data[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise self.fail(name, f"must be {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
        return value

    def text(self, name: str, default: Any = ...) -> str:
        value = self.get(name, str, default)
        if value is not None and value is not default and not value.strip():
            raise self.fail(name, "must not be empty")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(name, str, default)
        if value not in allowed:
            raise self.fail(name, f"'{value}' is not one of {', '.join(allowed)}")
        return value

    def child(self, name: str, data: Any) -> _Entry:
        return _Entry(self.file, data, f"{self.prefix}{name}.")

    def items(self, name: str, default: Any = ...) -> list:
        value = self.get(name, list, default)
        return list(value or [])


def _plan_refs(entry: _Entry, imported: bool = False) -> tuple[PlanRef, ...]:
    """The clauses a layer serves; an imported layer names its clause, the quote is optional."""
    refs = []
    for i, raw in enumerate(entry.items("plan_refs")):
        ref = entry.child(f"plan_refs[{i}]", raw)
        clause = ref.text("clause")
        if not _CLAUSE_RE.match(clause):
            raise ref.fail("clause", f"'{clause}' is not of the form §N")
        refs.append(PlanRef(clause=clause, quote=ref.get("quote", str, "") if imported else ref.text("quote")))
    if not refs:
        raise entry.fail("plan_refs", "needs at least one clause")
    return tuple(refs)


def _figures(entry: _Entry) -> tuple[PlanFigure, ...]:
    figures = []
    for i, raw in enumerate(entry.items("figures", [])):
        fig = entry.child(f"figures[{i}]", raw)
        measure = fig.choice("measure", FIGURE_MEASURES)
        tolerance = fig.get("tolerance_pct", float, None)
        if measure == "area_km2" and tolerance is None:
            raise fig.fail("tolerance_pct", "is required for a measured area")
        item = fig.text("item") if measure in SITED_MEASURES else fig.text("item", None)
        figures.append(PlanFigure(
            key=fig.text("key"), value=fig.get("value", float), unit=fig.text("unit"),
            label_zh=fig.text("label_zh"), label_en=fig.text("label_en"), clause=fig.text("clause"),
            measure=measure, tolerance_pct=tolerance, target_year=fig.get("target_year", int, None),
            comparison=fig.choice("comparison", ("=", ">=", ">"), "="), item=item, note=fig.text("note", ""),
        ))
    return tuple(figures)


def _files(entry: _Entry, data_dir: Path | None) -> tuple[SourceFile, ...]:
    if entry.get("builder", str, "file") == "import":  # stored in the workspace, not in data/
        return ()
    files = []
    for i, raw in enumerate(entry.items("files")):
        src = entry.child(f"files[{i}]", raw)
        path, crs = src.text("path"), src.choice("crs", _KNOWN_CRS)
        if Path(path).is_absolute() or ".." in Path(path).parts:
            raise src.fail("path", "must be relative to the data directory, without '..'")
        if data_dir is not None and not (data_dir / path).is_file():
            raise src.fail("path", f"file not found: {data_dir / path}")
        files.append(SourceFile(path=path, crs=crs))
    if not files:
        raise entry.fail("files", "needs at least one file")
    return tuple(files)


def _audiences(entry: _Entry) -> tuple[str, ...]:
    values = entry.items("audiences")
    for value in values:
        if value not in AUDIENCES:
            raise entry.fail("audiences", f"'{value}' is not one of {', '.join(AUDIENCES)}")
    if not values:
        raise entry.fail("audiences", "needs at least one audience")
    return tuple(values)


def _boundary_level(entry: _Entry, role: str) -> str | None:
    if role != "boundary":
        if entry.data.get("boundary_level") is not None:
            raise entry.fail("boundary_level", "is only for role boundary")
        return None
    return entry.choice("boundary_level", BOUNDARY_LEVELS)


def _summary_distances(entry: _Entry, role: str) -> MappingProxyType:
    raw = entry.get("summary_distances", dict, {})
    if raw and role != "hub":
        raise entry.fail("summary_distances", "is only for role hub")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise entry.fail("summary_distances", "must map names to port_type values (text)")
    return MappingProxyType(dict(raw))


def _color(entry: _Entry, name: str, default: Any = ...) -> str:
    value = entry.get(name, str, default)
    if value is not None and not _COLOR_RE.match(value):
        raise entry.fail(name, f"'{value}' is not a colour #rrggbb")
    return value if value is None else value.lower()


def _symbol(entry: _Entry) -> MappingProxyType:
    """The base symbol: colour, fill, line weight and dashes, point radius."""
    out: dict[str, Any] = {}
    for legacy, name in _LEGACY_SYMBOL_KEYS.items():
        if legacy in entry.data and name not in entry.data:
            entry.data[name] = entry.data.pop(legacy)
    for name, kind in SYMBOL_KEYS.items():
        if name in ("color", "fill_color"):
            value = _color(entry, name, None)
        else:
            value = entry.get(name, kind, None)
        if isinstance(value, float) and (value < 0 or name == "fill_opacity" and value > 1):
            raise entry.fail(name, f"{value} is out of range")
        if value is not None:
            out[name] = value
    return MappingProxyType(out)


def _style_class(entry: _Entry, name: str, raw: Any, value: bool) -> StyleClass:
    cls = entry.child(name, raw)
    code = cls.get("value", (str, int), ...) if value else None
    return StyleClass(_color(cls, "color"), cls.text("label_zh", ""), cls.text("label_en", ""),
                      None if code is None else str(code))


def _categories(entry: _Entry) -> tuple[tuple[StyleClass, ...], StyleClass | None, str | None]:
    classes = tuple(_style_class(entry, f"classes[{i}]", raw, True) for i, raw in enumerate(entry.items("classes", [])))
    if len({c.value for c in classes}) != len(classes):
        raise entry.fail("classes", "class values must be unique")
    name = entry.choice("palette", PALETTES, None) if entry.data.get("palette") is not None else None
    if not classes and name is None:
        raise entry.fail("classes", "a categorized style needs classes or a palette")
    other = _style_class(entry, "other", entry.data["other"], False) if entry.data.get("other") else None
    return classes, other, name


def _graduation(entry: _Entry) -> dict[str, Any]:
    method = entry.choice("method", BREAK_METHODS)
    breaks = tuple(entry.get("breaks", list, []) if method == "breaks" else ())
    if method == "breaks":
        if not breaks or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in breaks):
            raise entry.fail("breaks", "needs a list of numbers for method breaks")
        if list(breaks) != sorted(set(breaks)) or len(breaks) >= MAX_CLASSES:
            raise entry.fail("breaks", f"must increase, at most {MAX_CLASSES - 1} breaks")
    count = entry.get("count", int, 5)
    if not 2 <= count <= MAX_CLASSES:
        raise entry.fail("count", f"must be 2 to {MAX_CLASSES}, got {count}")
    ramp = tuple(entry.items("ramp"))
    if len(ramp) < 2 or not all(isinstance(c, str) and _COLOR_RE.match(c) for c in ramp):
        raise entry.fail("ramp", "needs two or more colours #rrggbb")
    return {"method": method, "breaks": tuple(float(b) for b in breaks), "count": count,
            "ramp": tuple(c.lower() for c in ramp)}


def _zoom(entry: _Entry, name: str) -> int | None:
    value = entry.get(name, int, None)
    if value is not None and not 0 <= value <= MAX_ZOOM:
        raise entry.fail(name, f"must be 0 to {MAX_ZOOM}, got {value}")
    return value


def parse_style(entry: _Entry) -> Style:
    """A layer's `style:` mapping, validated (errors name the file and the field, e.g. style.classes[2].color)."""
    kind = entry.choice("kind", STYLE_KINDS, "single")
    extra: dict[str, Any] = {}
    if kind != "single":
        extra["field"] = entry.text("field")
    if kind == "categorized":
        extra["classes"], extra["other"], extra["palette"] = _categories(entry)
    elif kind == "graduated":
        extra |= _graduation(entry)
    minzoom, maxzoom = _zoom(entry, "minzoom"), _zoom(entry, "maxzoom")
    if minzoom is not None and maxzoom is not None and minzoom > maxzoom:
        raise entry.fail("maxzoom", f"{maxzoom} is below minzoom {minzoom}")
    known = {"kind", "field", "classes", "other", "palette", "method", "breaks", "count", "ramp", "label_field",
             "minzoom", "maxzoom", *SYMBOL_KEYS}
    unknown = sorted(set(entry.data) - known)
    if unknown:
        raise entry.fail(unknown[0], "is not a style key")
    return Style(kind=kind, symbol=_symbol(entry), label_field=entry.text("label_field", None), minzoom=minzoom,
                 maxzoom=maxzoom, **extra)


def style_from_mapping(source: str, data: Any) -> Style:
    """A style mapping from elsewhere than a catalog file (the styles API), validated the same way; CatalogError
    names `source` and the field."""
    return parse_style(_Entry(source, dict(data) if isinstance(data, dict) else data, "style."))


def parse_entry(file: str, data: Any, data_dir: Path | None = None) -> Layer:
    """Validate one catalog mapping and return its Layer."""
    entry = _Entry(file, data)
    layer_id = entry.text("id")
    if not _ID_RE.match(layer_id):
        raise entry.fail("id", f"'{layer_id}' must be lower-case letters, digits and _")
    title = entry.child("title", entry.get("title", dict))
    source = entry.child("source", entry.get("source", dict))
    style = parse_style(entry.child("style", dict(entry.get("style", dict, {}))))
    role = entry.choice("role", LAYER_ROLES)
    builder = source.choice("builder", BUILDERS, "file")
    editable = entry.get("editable", bool, False)
    if editable and builder != "import":
        raise entry.fail("editable", "only imported layers are editable (a built layer is rebuilt from its sources)")
    return Layer(
        id=layer_id, title_zh=title.text("zh"), title_en=title.text("en"),
        group=entry.choice("group", GROUPS), role=role, boundary_level=_boundary_level(entry, role), kind=entry.choice("kind", ("vector",), "vector"),
        geometry=entry.choice("geometry", GEOMETRIES), builder=builder,
        files=_files(source, data_dir), source=source.text("name"), licence=source.text("licence"),
        accuracy=entry.choice("accuracy", ACCURACIES), audiences=_audiences(entry),
        plan_refs=_plan_refs(entry, builder == "import"), figures=_figures(entry), editable=editable,
        popup_fields=tuple(str(f) for f in entry.items("popup_fields", [])),
        style=style, order=entry.get("order", int, 100), catalog_file=file,
        summary_distances=_summary_distances(entry, role), access=entry.choice("access", ACCESS, "public"),
    )


def load_entries(directory: Path | str, parse: Callable[[str, Any, Path | None], Any],
                 data_dir: Path | str | None = None, required: bool = True) -> dict[str, Any]:
    """Parse every *.yaml of a catalog directory with `parse`, ordered by `order` then id; ids must be unique."""
    directory = Path(directory)
    entries: dict[str, Any] = {}
    files = sorted(directory.glob("*.yaml"))
    if required and not files:
        raise CatalogError(str(directory), "(directory)", "no *.yaml catalog entries found")
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CatalogError(str(path), "(syntax)", str(exc).replace("\n", " ")) from exc
        entry = parse(str(path), data, Path(data_dir) if data_dir else None)
        if entry.id in entries:
            raise CatalogError(str(path), "id", f"'{entry.id}' also defined in {entries[entry.id].catalog_file}")
        entries[entry.id] = entry
    LOGGER.info("catalog: %d entries from %s", len(entries), directory)
    return dict(sorted(entries.items(), key=lambda kv: (kv[1].order, kv[0])))


def load_catalog(catalog_dir: Path | str = DEFAULT_CATALOG_DIR, data_dir: Path | str | None = None) -> Catalog:
    """Load every vector layer entry of the catalog directory (at least one)."""
    return Catalog(load_entries(catalog_dir, parse_entry, data_dir))
