"""A static map as SVG, drawn server-side from WGS84 geometries in Web Mercator: what a page shows where no
JavaScript runs (the site report's print and PDF forms). Layers are drawn in order with their style, clipped to the
frame and simplified to a fraction of a pixel; a scale bar (true at the centre latitude), a north arrow and an
optional locator inset (context outlines with the frame's extent) are added. Text comes in as labels: the caller
translates them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely

EARTH_RADIUS_M = 6378137.0  # Web Mercator's sphere
MAX_LAT = 85.05112878
NICE_STEPS = (1, 2, 5)


@dataclass(frozen=True)
class SvgStyle:
    stroke: str = "#3388ff"
    width: float = 1.5
    fill: str | None = None
    fill_opacity: float = 0.0
    dash: str | None = None
    radius: float = 4.0
    hatch: bool = False  # fill with diagonal lines of the stroke colour (the site)


@dataclass(frozen=True)
class SvgLayer:
    geoms: Sequence  # shapely geometries, WGS84 lon/lat
    style: SvgStyle = field(default_factory=SvgStyle)


def mercator(coords: np.ndarray) -> np.ndarray:
    """lon/lat (degrees) to Web Mercator metres."""
    lon = np.radians(coords[:, 0])
    lat = np.radians(np.clip(coords[:, 1], -MAX_LAT, MAX_LAT))
    return np.column_stack([EARTH_RADIUS_M * lon, EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + lat / 2))])


@dataclass(frozen=True)
class Frame:
    """A lon/lat extent fitted into a width × height pixel box (aspect kept, the extent grown to fill it)."""

    left: float
    top: float
    width: float
    height: float
    center: tuple[float, float]  # mercator metres
    metres_per_px: float  # mercator metres

    @classmethod
    def fit(cls, extent: tuple[float, float, float, float], left: float, top: float, width: float,
            height: float) -> Frame:
        (x0, y0), (x1, y1) = mercator(np.array([[extent[0], extent[1]], [extent[2], extent[3]]]))
        scale = max((x1 - x0) / width, (y1 - y0) / height, 1e-9)
        return cls(left, top, width, height, ((x0 + x1) / 2, (y0 + y1) / 2), scale)

    def to_px(self, coords: np.ndarray) -> np.ndarray:
        m = mercator(coords)
        x = self.left + self.width / 2 + (m[:, 0] - self.center[0]) / self.metres_per_px
        y = self.top + self.height / 2 - (m[:, 1] - self.center[1]) / self.metres_per_px
        return np.column_stack([x, y])

    def project(self, geom):
        """The geometry in pixels, clipped to the frame (with a margin) and simplified below a pixel."""
        px = shapely.transform(geom, self.to_px)
        if px.geom_type not in ("Point", "MultiPoint"):
            px = shapely.clip_by_rect(px, self.left - 4, self.top - 4, self.left + self.width + 4,
                                      self.top + self.height + 4)
            px = shapely.simplify(px, 0.3)
        return px

    def lat_at_center(self) -> float:
        return math.degrees(2 * math.atan(math.exp(self.center[1] / EARTH_RADIUS_M)) - math.pi / 2)

    def ground_metres_per_px(self) -> float:
        return self.metres_per_px * math.cos(math.radians(self.lat_at_center()))


def _ring(coords) -> str:
    pts = np.asarray(coords)[:, :2]
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def path_data(geom) -> str:
    """SVG path data of a projected (multi)polygon or (multi)line."""
    parts = []
    for part in shapely.get_parts(geom):
        if part.is_empty:
            continue
        if part.geom_type == "Polygon":
            parts.append(_ring(part.exterior.coords) + "Z")
            parts.extend(_ring(r.coords) + "Z" for r in part.interiors)
        elif part.geom_type in ("LineString", "LinearRing"):
            parts.append(_ring(part.coords))
        elif part.geom_type == "GeometryCollection":
            parts.append(path_data(part))
    return "".join(parts)


def _style_attrs(style: SvgStyle, pattern_id: str | None = None) -> str:
    fill = f"url(#{pattern_id})" if pattern_id else (style.fill or "none")
    attrs = [f"stroke={quoteattr(style.stroke)}", f'stroke-width="{style.width:g}"', f"fill={quoteattr(fill)}",
             'stroke-linejoin="round"', 'stroke-linecap="round"', 'fill-rule="evenodd"']
    if style.fill and not pattern_id:
        attrs.append(f'fill-opacity="{style.fill_opacity:g}"')
    if style.dash:
        attrs.append(f"stroke-dasharray={quoteattr(style.dash)}")
    return " ".join(attrs)


def _layer_svg(layer: SvgLayer, frame: Frame, pattern_id: str | None) -> list[str]:
    out = []
    for geom in layer.geoms:
        if geom is None or geom.is_empty:
            continue
        px = frame.project(geom)
        if px.is_empty:
            continue
        points = [p for p in shapely.get_parts(px) if p.geom_type == "Point"]
        for p in points:
            style = layer.style
            out.append(f'<circle cx="{p.x:.1f}" cy="{p.y:.1f}" r="{style.radius:g}" '
                       f'{_style_attrs(SvgStyle(style.stroke, style.width, style.fill or style.stroke, 0.8))}/>')
        d = path_data(shapely.GeometryCollection([g for g in shapely.get_parts(px) if g.geom_type != "Point"]))
        if d:
            out.append(f'<path d="{d}" {_style_attrs(layer.style, pattern_id)}/>')
    return out


def nice_length(max_metres: float) -> float:
    """The largest 1, 2 or 5 × 10^k metres not over max_metres."""
    exp = math.floor(math.log10(max_metres))
    best = 10.0 ** exp
    for step in NICE_STEPS:
        if step * 10.0 ** exp <= max_metres:
            best = step * 10.0 ** exp
    return best


def scale_bar(frame: Frame, x: float, y: float, max_px: float) -> str:
    metres = nice_length(frame.ground_metres_per_px() * max_px)
    px = metres / frame.ground_metres_per_px()
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return (f'<g class="scale"><rect x="{x - 6:.1f}" y="{y - 16:.1f}" width="{px + 58:.1f}" height="24" '
            f'fill="#fff" fill-opacity="0.85"/>'
            f'<path d="M{x:.1f},{y - 5:.1f}V{y:.1f}H{x + px:.1f}V{y - 5:.1f}" stroke="#212529" stroke-width="1.5" '
            f'fill="none"/><text x="{x + px + 6:.1f}" y="{y:.1f}" font-size="11">{escape(label)}</text></g>')


def north_arrow(x: float, y: float, label: str) -> str:
    return (f'<g class="north"><path d="M{x:.1f},{y:.1f}l-7,18l7,-5l7,5z" fill="#212529"/>'
            f'<text x="{x:.1f}" y="{y + 32:.1f}" font-size="12" text-anchor="middle">{escape(label)}</text></g>')


def svg_map(layers: Sequence[SvgLayer], extent: tuple[float, float, float, float], width: int = 720,
            height: int = 440, north: str = "N", title: str = "",
            inset: Sequence[SvgLayer] = (), inset_extent: tuple[float, float, float, float] | None = None) -> str:
    """The map as an <svg> element (viewBox width × height, scales to its box)."""
    frame = Frame.fit(extent, 0, 0, width, height)
    defs, body = [], []
    for i, layer in enumerate(layers):
        pattern = None
        if layer.style.hatch:
            pattern = f"hatch{i}"
            defs.append(f'<pattern id="{pattern}" width="7" height="7" patternUnits="userSpaceOnUse" '
                        f'patternTransform="rotate(45)"><rect width="7" height="7" fill={quoteattr(layer.style.stroke)} '
                        f'fill-opacity="0.08"/><line x1="0" y1="0" x2="0" y2="7" '
                        f'stroke={quoteattr(layer.style.stroke)} stroke-width="1.6" stroke-opacity="0.55"/></pattern>')
        body.extend(_layer_svg(layer, frame, pattern))
    body.append(scale_bar(frame, 14, height - 14, width / 4))
    body.append(north_arrow(24, 12, north))
    if inset and inset_extent:
        body.append(_inset(inset, inset_extent, extent, width))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label={quoteattr(title)} class="static-map" '
            f'font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif">')
    clip = (f'<clipPath id="frame"><rect x="0" y="0" width="{width}" height="{height}"/></clipPath>')
    return (head + "<defs>" + clip + "".join(defs) + "</defs>"
            + f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f8f9fa"/>'
            + '<g clip-path="url(#frame)">' + "".join(body) + "</g>"
            + f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="#868e96"/></svg>')


def _inset(layers: Sequence[SvgLayer], inset_extent, main_extent, width: int) -> str:
    """A locator in the top-right corner: the context layers and the main map's extent as a red box."""
    size = 130
    frame = Frame.fit(inset_extent, width - size - 8, 8, size, size)
    parts = [f'<rect x="{frame.left - 3}" y="{frame.top - 3}" width="{size + 6}" height="{size + 6}" fill="#fff" '
             f'stroke="#868e96"/>']
    for layer in layers:
        parts.extend(_layer_svg(layer, frame, None))
    box = shapely.box(*main_extent)
    px = shapely.transform(box, frame.to_px)
    x0, y0, x1, y1 = px.bounds
    if x1 - x0 < 4:
        x0, x1 = (x0 + x1) / 2 - 2, (x0 + x1) / 2 + 2
    if y1 - y0 < 4:
        y0, y1 = (y0 + y1) / 2 - 2, (y0 + y1) / 2 + 2
    parts.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="none" '
                 f'stroke="#e03131" stroke-width="1.5"/>')
    return '<g class="inset">' + "".join(parts) + "</g>"
