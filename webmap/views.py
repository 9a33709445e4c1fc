"""The four map pages: which layers each shows and where it opens."""

from __future__ import annotations

from dataclasses import dataclass

from layers import Layer


@dataclass(frozen=True)
class View:
    id: str
    path: str
    audience: str | None  # None: every layer
    center: tuple[float, float]  # lat, lon (Leaflet order)
    zoom: int
    hidden_groups: tuple[str, ...] = ()  # groups shown in the control but off at load
    hidden_levels: tuple[str, ...] = ()  # boundary levels in the control but off at load (fetched when switched on)

    def shows(self, layer: Layer) -> bool:
        """Whether the layer is on when the page opens."""
        hidden_boundary = layer.role == "boundary" and layer.boundary_level in self.hidden_levels
        return layer.group not in self.hidden_groups and not hidden_boundary


VIEWS = {
    # world and province outlines are the world-scale base: off at city scale, loaded when switched on
    "overview": View("overview", "/", None, (29.31, 120.07), 10,
                     hidden_levels=("country", "province")),
    "planner": View("planner", "/map/planner", "planner", (29.31, 120.06), 11),
    "investor": View("investor", "/map/investor", "investor", (29.31, 120.06), 11),
    "logistics": View("logistics", "/map/logistics", "logistics", (40.0, 60.0), 3,
                      hidden_levels=("province",)),  # a speck at world scale; 0.5 MB when fetched
}


def layers_for(view: View, catalog: dict[str, Layer]) -> list[Layer]:
    """The catalog layers a view shows, in catalog order."""
    return [layer for layer in catalog.values() if view.audience is None or view.audience in layer.audiences]


def map_link(layer_id: str | None, catalog: dict[str, Layer], lang: str) -> str | None:
    """The path of the first audience view that shows the layer (else the overview), in the page language."""
    if not layer_id or layer_id not in catalog:
        return None
    view = next((v for v in VIEWS.values() if v.audience and catalog[layer_id] in layers_for(v, catalog)),
                VIEWS["overview"])
    return view.path + ("?lang=en" if lang == "en" else "")
