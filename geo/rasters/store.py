"""The built rasters: the raster catalog and the directory of COGs beside the GeoPackage. The one place that
resolves a raster id or role to its file."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from geo.core.errors import NotFoundError
from layers.raster_model import RasterLayer

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class RasterStore:
    catalog: Mapping[str, RasterLayer]
    directory: Path

    def path(self, raster: RasterLayer) -> Path:
        return self.directory / raster.output_name

    def is_built(self, raster: RasterLayer) -> bool:
        return self.path(raster).is_file()

    def resolve(self, raster_id: str) -> tuple[RasterLayer, Path]:
        """The catalog entry and built file of a raster; NotFoundError when either is missing."""
        if raster_id not in self.catalog:
            raise NotFoundError(f"raster '{raster_id}' does not exist")
        raster = self.catalog[raster_id]
        if not self.is_built(raster):
            raise NotFoundError(f"raster '{raster_id}' has not been built (run `make data`)")
        return raster, self.path(raster)

    def built(self) -> list[RasterLayer]:
        return [r for r in self.catalog.values() if self.is_built(r)]

    def with_role(self, role: str) -> list[tuple[RasterLayer, Path]]:
        """Built rasters of a role (e.g. `access`, `elevation`), in catalog order."""
        return [(r, self.path(r)) for r in self.built() if r.role == role]

    def stamp(self, raster: RasterLayer) -> int:
        """The data version of a built raster (its file's modification time, ns)."""
        return self.path(raster).stat().st_mtime_ns
