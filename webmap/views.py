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


VIEWS = {
    "overview": View("overview", "/", None, (29.31, 120.07), 10),
    "planner": View("planner", "/map/planner", "planner", (29.31, 120.06), 11),
    "investor": View("investor", "/map/investor", "investor", (29.31, 120.06), 11),
    "logistics": View("logistics", "/map/logistics", "logistics", (40.0, 60.0), 3),
}


def layers_for(view: View, catalog: dict[str, Layer]) -> list[Layer]:
    """The catalog layers a view shows, in catalog order."""
    return [layer for layer in catalog.values() if view.audience is None or view.audience in layer.audiences]
