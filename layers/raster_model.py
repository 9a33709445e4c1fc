"""Frozen value objects describing a raster layer (layers/rasters/*.yaml); no I/O here."""

from __future__ import annotations

from dataclasses import dataclass

RASTER_BUILDERS = ("distance", "class_map", "file")
RASTER_AUDIENCES = ("planner", "investor", "logistics")
# What a raster is for: `access` surfaces are summarised over every site (parks, markets, science parks) and the
# site report; `elevation` gives corridor profiles; `classes` and `surface` are shown only.
RASTER_ROLES = ("access", "elevation", "classes", "surface")


@dataclass(frozen=True)
class RasterClass:
    """One class code of a class raster: the vector layer painted with it, its titles and colour."""

    code: int
    layer: str | None  # vector layer rasterized with this code; None for the background class
    title_zh: str
    title_en: str
    color: str  # "#rrggbb"; alpha comes from `opacity`
    opacity: float = 0.7

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh


@dataclass(frozen=True)
class RasterGrid:
    """The target grid of a built raster: CRS, cell size and the vector layer whose extent and mask it covers."""

    crs: str
    resolution: float
    extent_layer: str


@dataclass(frozen=True)
class RasterLayer:
    """One raster catalog entry, validated."""

    id: str
    title_zh: str
    title_en: str
    builder: str
    role: str
    source: str
    licence: str
    band_zh: str
    band_en: str
    unit: str
    legend_zh: str
    legend_en: str
    audiences: tuple[str, ...]
    colormap: str | None = None  # rio-tiler colormap name, for continuous rasters
    rescale: tuple[float, float] | None = None
    classes: tuple[RasterClass, ...] = ()
    grid: RasterGrid | None = None  # built rasters (distance, class_map)
    inputs: tuple[str, ...] = ()  # vector layers a built raster is computed from
    file: str | None = None  # builder file: path relative to the data directory
    file_crs: str | None = None  # CRS to assign when the file has none
    crs_note: str = ""
    order: int = 100
    catalog_file: str = ""

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh

    def legend(self, lang: str) -> str:
        return self.legend_en if lang == "en" else self.legend_zh

    @property
    def is_class(self) -> bool:
        return bool(self.classes)

    @property
    def vector_inputs(self) -> tuple[str, ...]:
        """Every vector layer a built raster reads: its inputs, its classes' layers and its grid's extent layer."""
        names = list(self.inputs) + [c.layer for c in self.classes if c.layer]
        return tuple(names + ([self.grid.extent_layer] if self.grid else []))

    @property
    def output_name(self) -> str:
        return f"{self.id}.tif"
