"""Frozen value objects describing a layer; no I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from layers.style import Style

GROUPS = ("zones", "parks", "markets", "logistics", "corridors", "warehouses", "context")
# What a layer *is* for the analyses and views (README "Roles"): every list of layers in the code derives from these.
LAYER_ROLES = ("zone", "park", "market", "science_park", "hub", "corridor", "warehouse", "node", "boundary", "place",
         "context")
# The group an imported layer of a role joins unless told otherwise (others: context).
ROLE_GROUPS = {"zone": "zones", "park": "parks", "market": "markets", "science_park": "markets", "hub": "logistics",
               "node": "logistics", "corridor": "corridors", "warehouse": "warehouses"}
# Roles whose polygons a site report measures overlaps with, and whose features are compared like parks.
AREA_ROLES = ("zone", "park", "market", "science_park")
VENUE_ROLES = ("park", "market", "science_park")
# A boundary layer's level; `city` is the plan's own city (Yiwu): the extent of site checks and rasters.
BOUNDARY_LEVELS = ("country", "province", "county", "city")
AUDIENCES = ("planner", "investor", "logistics")
# Who sees a layer (README "Accounts, roles and access"): everyone, or signed-in users only (viewer and up).
ACCESS = ("public", "internal")
GEOMETRIES = ("polygon", "line", "point")
ACCURACIES = ("official_boundary", "dataset_point", "geocoded_city", "schematic")
BUILDERS = ("file", "hubs", "routes", "warehouses", "places", "import")  # import: a layer users brought (workspace)
# sited_count / sited_floor_area: the layer's features whose `plan_item` is the figure's `item` — how many are
# mapped, and the sum of their published floor area (`floor_area_wan_m2`) — beside a figure the plan gives city-wide.
FIGURE_MEASURES = ("area_km2", "feature_count", "target", "sited_count", "sited_floor_area")
SITED_MEASURES = ("sited_count", "sited_floor_area")
# Status with time (issue #14): what the plan (2021) says, and what is known now (with a date and a source).
PLAN_STATUSES = ("existing", "planned")
STATUSES = ("existing", "under_construction", "planned", "reported", "illustrative")
STATUS_FIELDS = ("plan_status", "status", "status_as_of", "status_source")


@dataclass(frozen=True)
class SourceFile:
    """One input file of a layer, relative to the data directory, and the CRS its coordinates are in."""

    path: str
    crs: str


@dataclass(frozen=True)
class PlanRef:
    """A clause of the plan (§N) and the Chinese phrase quoted from it."""

    clause: str
    quote: str


@dataclass(frozen=True)
class PlanFigure:
    """A number the plan gives for a layer: measured spatial figures are checked at build time."""

    key: str
    value: float
    unit: str
    label_zh: str
    label_en: str
    clause: str
    measure: str  # area_km2 | feature_count | target (not measurable on the map) | sited_count | sited_floor_area
    tolerance_pct: float | None = None
    target_year: int | None = None
    comparison: str = "="  # "=", ">=", ">" as the plan words it ("超", "以上")
    item: str | None = None  # sited measures: the `plan_item` of the features that stand for the figure
    note: str = ""  # what is (not) mapped and why, shown beside the figure in /plan/figures


@dataclass(frozen=True)
class Layer:
    """One catalog entry, validated."""

    id: str
    title_zh: str
    title_en: str
    group: str
    role: str
    kind: str
    geometry: str
    builder: str
    files: tuple[SourceFile, ...]
    source: str
    licence: str
    accuracy: str
    audiences: tuple[str, ...]
    plan_refs: tuple[PlanRef, ...]
    figures: tuple[PlanFigure, ...]
    popup_fields: tuple[str, ...]
    style: Style = field(default_factory=Style)
    order: int = 100
    catalog_file: str = ""
    access: str = "public"  # public | internal (invisible to anonymous users everywhere)
    boundary_level: str | None = None  # role boundary only
    # role hub: what venue summaries measure (key -> port_type; the nearest hub of that type)
    summary_distances: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    editable: bool = False  # editors may change its features (OGC API – Features Part 4); imported layers only

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh

    @property
    def plan_ref(self) -> str:
        return self.plan_refs[0].clause if self.plan_refs else ""
