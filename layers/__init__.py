"""The layer catalog: one YAML file per layer in layers/catalog/, loaded into frozen Layer objects."""

from layers.catalog_loader import CatalogError, load_catalog
from layers.model import AUDIENCES, GROUPS, LAYER_ROLES, Layer, PlanFigure, PlanRef, SourceFile
from layers.registry import Catalog

__all__ = [
    "AUDIENCES", "GROUPS", "Catalog", "LAYER_ROLES", "CatalogError", "Layer", "PlanFigure", "PlanRef", "SourceFile", "load_catalog",
]
