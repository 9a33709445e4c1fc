"""Named colour palettes shipped in data/palettes/ (one YAML each): the land-use classification's codes, names and
standard map colours (data/README.md "Palettes" names the documents and clauses)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PALETTE_DIR = Path(__file__).resolve().parent.parent / "data" / "palettes"
PALETTES = ("landuse",)


@dataclass(frozen=True)
class PaletteClass:
    """One code of a classification: its names, level, parent and colour (`colour`: official | parent | child:CODE)."""

    code: str
    name_zh: str
    name_en: str
    level: int
    parent: str | None
    color: str
    colour: str


@dataclass(frozen=True)
class Palette:
    """A classification's codes in their published order."""

    name: str
    title_zh: str
    title_en: str
    document: str
    colour_document: str
    classes: tuple[PaletteClass, ...]

    def codes(self) -> dict[str, PaletteClass]:
        return {c.code: c for c in self.classes}


@cache
def palette(name: str) -> Palette:
    """The shipped palette `name` (one of PALETTES)."""
    if name not in PALETTES:
        raise KeyError(name)
    data = yaml.safe_load((PALETTE_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    classes = tuple(PaletteClass(str(c["code"]), c["name_zh"], c["name_en"], int(c["level"]),
                                 None if c["parent"] is None else str(c["parent"]), c["color"].lower(), c["colour"])
                    for c in data["classes"])
    return Palette(name, data["title"]["zh"], data["title"]["en"], data["document"], data["colour_document"], classes)


def matching_palette(values: set[str], min_share: float = 0.8) -> str | None:
    """The palette whose codes are at least `min_share` of the distinct non-empty `values` (None when none is)."""
    values = {v.strip() for v in values if v is not None and str(v).strip()}
    if not values:
        return None
    for name in PALETTES:
        codes = palette(name).codes()
        if sum(v in codes for v in values) >= min_share * len(values):
            return name
    return None
