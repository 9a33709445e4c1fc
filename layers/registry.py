"""The registry of loaded layers: a read-only mapping id -> Layer (catalog order) that answers the questions the
analyses and views ask of it by role, group and audience, so no code names a layer id; and who may see which
(`visible_to`: internal layers only for signed-in users)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from layers.model import AREA_ROLES, VENUE_ROLES, Layer


class Catalog(Mapping[str, Layer]):
    """Layers in catalog order (`order`, then id)."""

    def __init__(self, layers: Mapping[str, Layer]):
        self._layers = dict(layers)
        self._public: Catalog | None = None

    def public(self) -> Catalog:
        """The layers anonymous users see (access public): this catalog itself when no layer is internal."""
        if self._public is None:
            shown = {i: layer for i, layer in self._layers.items() if layer.access == "public"}
            self._public = self if len(shown) == len(self._layers) else Catalog(shown)
        return self._public

    def visible_to(self, user: object | None) -> Catalog:
        """The layers a user may see: all of them for a signed-in user (any role, viewer and up), the public ones
        for an anonymous request (None)."""
        return self if user is not None else self.public()

    def internal_ids(self) -> tuple[str, ...]:
        """The internal layers of this catalog (part of the key of anything cached from it)."""
        return tuple(i for i, layer in self._layers.items() if layer.access == "internal")

    def __getitem__(self, layer_id: str) -> Layer:
        return self._layers[layer_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    def with_role(self, *roles: str) -> list[Layer]:
        return [layer for layer in self._layers.values() if layer.role in roles]

    def area_layers(self) -> list[Layer]:
        """Polygon layers a site's overlap is measured with (zones, parks, markets, science parks)."""
        return [layer for layer in self.with_role(*AREA_ROLES) if layer.geometry == "polygon"]

    def venue_layers(self) -> list[Layer]:
        """Layers whose features are summarised and compared like parks (parks, markets, science parks)."""
        return self.with_role(*VENUE_ROLES)

    def boundary(self, level: str) -> Layer | None:
        """The first boundary layer of a level (`city` is the plan's own city)."""
        return next((lay for lay in self.with_role("boundary") if lay.boundary_level == level), None)

    def for_audience(self, audience: str | None) -> list[Layer]:
        """Layers an audience's map shows (every layer for None)."""
        return [layer for layer in self._layers.values() if audience is None or audience in layer.audiences]
