"""A layer's declared style (catalog `style:`): one symbol, classes of a field's values (categorized, with an
"other" class) or of a number's ranges (graduated: equal intervals, quantiles or given breaks, coloured along a ramp),
optional labels by a field and a zoom range. `resolve(values)` turns it into the concrete classes of the data at hand:
the one source the map pages, the legend, the site report, the MapLibre style and the SLD are written from."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from layers.palettes import palette

STYLE_KINDS = ("single", "categorized", "graduated")
BREAK_METHODS = ("equal_interval", "quantile", "breaks")
SYMBOL_KEYS = {"color": str, "fill_color": str, "weight": float, "fill_opacity": float, "radius": float,
               "dash_array": str}
DEFAULT_COLOR = "#3388ff"
OTHER_LABEL = ("其他", "Other")
MAX_CLASSES = 12  # graduated classes (count, or given breaks + 1)
MAX_ZOOM = 24


@dataclass(frozen=True)
class StyleClass:
    """One class: a value (categorized), or a range [lower, upper) of a number (graduated; None: open end)."""

    color: str
    label_zh: str = ""
    label_en: str = ""
    value: str | None = None
    lower: float | None = None
    upper: float | None = None

    def label(self, lang: str) -> str:
        return (self.label_en if lang == "en" else self.label_zh) or self.label_zh or self.label_en or str(self.value)


@dataclass(frozen=True)
class Style:
    """A validated style; after `resolve`, `classes` are the classes the data has (in order) and `other` is set only
    when some value falls in no class."""

    kind: str = "single"
    symbol: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    field: str | None = None
    classes: tuple[StyleClass, ...] = ()
    other: StyleClass | None = None
    palette: str | None = None
    method: str | None = None
    breaks: tuple[float, ...] = ()
    count: int = 5
    ramp: tuple[str, ...] = ()
    label_field: str | None = None
    minzoom: int | None = None
    maxzoom: int | None = None
    resolved: bool = False

    def get(self, key: str, default: object = None) -> object:
        """A key of the base symbol (color, fill_color, weight, fill_opacity, radius, dash_array)."""
        return self.symbol.get(key, default)

    @property
    def color(self) -> str:
        return str(self.symbol.get("color", DEFAULT_COLOR))

    def fields(self) -> tuple[str, ...]:
        """The feature properties drawing needs: the classified field and the label field."""
        return tuple(dict.fromkeys(f for f in (self.field, self.label_field) if f))

    def declared(self) -> dict:
        """The style as declared (the catalog's `style:` mapping, JSON-ready): what the styles API reads and writes."""
        out: dict = {"kind": self.kind, **self.symbol}
        if self.field:
            out["field"] = self.field
        if self.kind == "categorized":
            if self.classes:
                out["classes"] = [_class_mapping(c, True) for c in self.classes]
            if self.palette:
                out["palette"] = self.palette
            if self.other:
                out["other"] = _class_mapping(self.other, False)
        if self.kind == "graduated":
            out |= {"method": self.method, "count": self.count, "ramp": list(self.ramp)}
            if self.method == "breaks":
                out["breaks"] = list(self.breaks)
        extra = (("label_field", self.label_field), ("minzoom", self.minzoom), ("maxzoom", self.maxzoom))
        return out | {k: v for k, v in extra if v is not None}

    def declared_classes(self) -> tuple[StyleClass, ...]:
        """Categorized: the declared classes, then the palette's codes not declared."""
        if self.palette is None:
            return self.classes
        taken = {c.value for c in self.classes}
        extra = tuple(StyleClass(c.color, f"{c.code} {c.name_zh}", f"{c.code} {c.name_en}", c.code)
                      for c in palette(self.palette).classes if c.code not in taken)
        return self.classes + extra

    def resolve(self, values: Iterable[object]) -> Style:
        """The concrete classes of these feature values of `field` (a single style is its own resolution)."""
        if self.kind == "categorized":
            return self._categorized(values)
        if self.kind == "graduated":
            return self._graduated(values)
        return replace(self, resolved=True)

    def _categorized(self, values: Iterable[object]) -> Style:
        present = {_text(v) for v in values}
        present.discard(None)
        classes = tuple(c for c in self.declared_classes() if c.value in present)
        covered = {c.value for c in classes}
        other = self.other_class() if present - covered else None
        return replace(self, classes=classes, other=other, palette=None, resolved=True)

    def other_class(self) -> StyleClass:
        zh, en = OTHER_LABEL
        return self.other or StyleClass(self.color, zh, en)

    def _graduated(self, values: Iterable[object]) -> Style:
        numbers = sorted(v for v in (_number(x) for x in values) if v is not None)
        thresholds = self.thresholds(numbers)
        colors = ramp_colors(self.ramp, len(thresholds) + 1)
        edges = [numbers[0] if numbers else None, *thresholds, numbers[-1] if numbers else None]
        labels = [_range_label(edges[i], edges[i + 1]) for i in range(len(thresholds) + 1)]
        classes = tuple(StyleClass(colors[i], labels[i], labels[i],
                                   lower=thresholds[i - 1] if i else None,
                                   upper=thresholds[i] if i < len(thresholds) else None)
                        for i in range(len(thresholds) + 1))
        return replace(self, classes=classes, breaks=tuple(thresholds), resolved=True)

    def thresholds(self, numbers: list[float]) -> list[float]:
        """The inner class breaks: given, or from the sorted numbers (equal intervals of their range, quantiles)."""
        if self.method == "breaks":
            return list(self.breaks)
        if len(numbers) < 2 or numbers[0] == numbers[-1]:
            return []
        low, high, n = numbers[0], numbers[-1], self.count
        if self.method == "equal_interval":
            return [low + (high - low) * i / n for i in range(1, n)]
        cuts = [_quantile(numbers, i / n) for i in range(1, n)]
        return sorted({c for c in cuts if low < c <= high})

    def class_of(self, value: object) -> StyleClass | None:
        """The class a value falls in (resolved styles; None: drawn in the base symbol)."""
        if self.kind == "categorized":
            text = _text(value)
            return next((c for c in self.classes if c.value == text), self.other if text is not None else None)
        if self.kind == "graduated":
            number = _number(value)
            if number is None or not self.classes:
                return None
            return self.classes[sum(number >= t for t in self.breaks)]
        return None

    def color_of(self, value: object) -> str:
        """The colour a feature with this value of `field` is drawn in."""
        found = self.class_of(value)
        return found.color if found else self.color


def _class_mapping(cls: StyleClass, with_value: bool) -> dict:
    out = {"value": cls.value} if with_value else {}
    out["color"] = cls.color
    return out | {k: v for k, v in (("label_zh", cls.label_zh), ("label_en", cls.label_en)) if v}


def _text(value: object) -> str | None:
    if value is None or isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _quantile(numbers: list[float], q: float) -> float:
    """Linear-interpolated quantile of sorted numbers (numpy's default method)."""
    pos = (len(numbers) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(numbers) - 1)
    return numbers[low] + (numbers[high] - numbers[low]) * (pos - low)


def _range_label(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"{low:.4g} – {high:.4g}"


def ramp_colors(ramp: tuple[str, ...], n: int) -> list[str]:
    """n colours evenly along a ramp of two or more #rrggbb colours."""
    if n == 1:
        return [ramp[0]]
    rgb = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in ramp]
    out = []
    for k in range(n):
        pos = k / (n - 1) * (len(rgb) - 1)
        i = min(int(pos), len(rgb) - 2)
        t = pos - i
        mixed = (round(a + (b - a) * t) for a, b in zip(rgb[i], rgb[i + 1], strict=True))
        out.append("#" + "".join(f"{v:02x}" for v in mixed))
    return out
