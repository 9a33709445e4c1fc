"""A layer's resolved style (layers/style.py) as the style documents OGC API – Styles publishes: a MapLibre / Mapbox GL
style (version 8) over the collection's vector tiles, and an SLD 1.1 (Symbology Encoding) that QGIS and GeoServer
load. Both are written from the same classes as the map pages' overlays and legend."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from layers import Layer
from layers.style import Style

SLD_NS = "http://www.opengis.net/sld"
SE_NS = "http://www.opengis.net/se"
OGC_NS = "http://www.opengis.net/ogc"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SLD_SCHEMA = "http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
# The scale denominator of WebMercatorQuad's zoom 0 (OGC 17-083r2, 0.28 mm pixels): zoom z is this / 2**z.
ZOOM0_SCALE = 559082264.0287178


# ---- MapLibre / Mapbox GL -------------------------------------------------------------------------------------


def color_expression(style: Style) -> object:
    """The GL expression of a feature's class colour (the base colour where it has none)."""
    if style.kind == "categorized" and style.classes:
        pairs = [item for c in style.classes for item in (c.value, c.color)]
        fallback = style.other.color if style.other else style.color
        return ["match", ["to-string", ["get", style.field]], *pairs, fallback]
    if style.kind == "graduated" and style.classes:
        steps = [style.classes[0].color]
        for threshold, cls in zip(style.breaks, style.classes[1:], strict=True):
            steps += [threshold, cls.color]
        return ["case", ["==", ["typeof", ["get", style.field]], "number"],
                ["step", ["get", style.field], *steps], style.color]
    return style.color


def _zoom_range(style: Style) -> dict:
    return {k: v for k, v in (("minzoom", style.minzoom), ("maxzoom", style.maxzoom)) if v is not None}


def mapbox_style(layer: Layer, style: Style, tilejson_url: str, lang: str = "zh") -> dict:
    """A style document (Mapbox GL style spec v8) drawing the collection's vector tiles in `style`'s classes."""
    color, symbol = color_expression(style), style.symbol
    source = {"source": layer.id, "source-layer": layer.id, **_zoom_range(style)}
    opacity = float(symbol.get("fill_opacity", 0.3))
    width = float(symbol.get("weight", 2))
    dash = [float(v) / max(width, 1) for v in str(symbol.get("dash_array", "")).split()] or None
    if layer.geometry == "polygon":
        fill_color = color if style.kind != "single" else symbol.get("fill_color", style.color)
        layers = [{"id": f"{layer.id}-fill", "type": "fill", **source,
                   "paint": {"fill-color": fill_color, "fill-opacity": opacity}},
                  {"id": f"{layer.id}-outline", "type": "line", **source,
                   "paint": {"line-color": style.color, "line-width": width} | ({"line-dasharray": dash} if dash else {})}]
    elif layer.geometry == "line":
        layers = [{"id": f"{layer.id}-line", "type": "line", **source,
                   "paint": {"line-color": color, "line-width": width} | ({"line-dasharray": dash} if dash else {})}]
    else:
        layers = [{"id": f"{layer.id}-circle", "type": "circle", **source,
                   "paint": {"circle-color": color if style.kind != "single" else symbol.get("fill_color", style.color),
                             "circle-radius": float(symbol.get("radius", 5)), "circle-stroke-color": style.color,
                             "circle-stroke-width": 1}}]
    if style.label_field:
        layers.append({"id": f"{layer.id}-label", "type": "symbol", **source,
                       "layout": {"text-field": ["to-string", ["get", style.label_field]], "text-size": 12},
                       "paint": {"text-color": "#212529", "text-halo-color": "#ffffff", "text-halo-width": 1}})
    return {"version": 8, "name": layer.title(lang), "metadata": {"yiwu:legend": _legend(style, lang)},
            "sources": {layer.id: {"type": "vector", "url": tilejson_url}}, "layers": layers}


def _legend(style: Style, lang: str) -> list[dict]:
    rows = [{"title": c.label(lang), "color": c.color, "value": c.value} for c in style.classes]
    return rows + ([{"title": style.other.label(lang), "color": style.other.color}] if style.other else [])


# ---- SLD 1.1 --------------------------------------------------------------------------------------------------


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{SE_NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _param(parent: ET.Element, name: str, value: object) -> None:
    _se(parent, "SvgParameter", str(value), name=name)


def _ogc(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{OGC_NS}}}{tag}")


def _comparison(parent: ET.Element, op: str, field: str, value: object) -> None:
    node = _ogc(parent, op)
    ET.SubElement(node, f"{{{OGC_NS}}}PropertyName").text = field
    ET.SubElement(node, f"{{{OGC_NS}}}Literal").text = str(value)


def _filter(rule: ET.Element, style: Style, cls) -> None:
    """The rule's filter: the class's value (categorized) or its range (graduated)."""
    node = _ogc(rule, "Filter")
    if style.kind == "categorized":
        _comparison(node, "PropertyIsEqualTo", style.field, cls.value)
        return
    bounds = [("PropertyIsGreaterThanOrEqualTo", cls.lower), ("PropertyIsLessThan", cls.upper)]
    bounds = [(op, v) for op, v in bounds if v is not None]
    if len(bounds) == 2:
        node = _ogc(node, "And")
    for op, value in bounds:
        _comparison(node, op, style.field, value)


def _not_a_class(parent: ET.Element, style: Style) -> None:
    """The other class's filter: a value that is none of the classes' (an explicit filter, not an ElseFilter:
    QGIS 3.22 reads a rule with an ElseFilter as one matching every feature)."""
    node = _ogc(parent, "Not")
    if len(style.classes) > 1:
        node = _ogc(node, "Or")
    for cls in style.classes:
        _comparison(node, "PropertyIsEqualTo", style.field, cls.value)


def _scales(rule: ET.Element, style: Style) -> None:
    if style.maxzoom is not None:
        _se(rule, "MinScaleDenominator", f"{ZOOM0_SCALE / 2 ** style.maxzoom:.4f}")
    if style.minzoom is not None:
        _se(rule, "MaxScaleDenominator", f"{ZOOM0_SCALE / 2 ** style.minzoom:.4f}")


def _stroke(parent: ET.Element, color: str, symbol) -> None:
    stroke = _se(parent, "Stroke")
    _param(stroke, "stroke", color)
    _param(stroke, "stroke-width", float(symbol.get("weight", 2)))
    if symbol.get("dash_array"):
        _param(stroke, "stroke-dasharray", symbol["dash_array"])


def _symbolizer(rule: ET.Element, geometry: str, color: str, style: Style) -> None:
    """The class's symbolizer: a polygon filled in its colour (outlined in the base colour), a line or a circle."""
    symbol = style.symbol
    if geometry == "polygon":
        node = _se(rule, "PolygonSymbolizer")
        fill = _se(node, "Fill")
        _param(fill, "fill", color)
        _param(fill, "fill-opacity", float(symbol.get("fill_opacity", 0.3)))
        _stroke(node, style.color, symbol)
    elif geometry == "line":
        _stroke(_se(rule, "LineSymbolizer"), color, symbol)
    else:
        graphic = _se(_se(rule, "PointSymbolizer"), "Graphic")
        mark = _se(graphic, "Mark")
        _se(mark, "WellKnownName", "circle")
        fill = _se(mark, "Fill")
        _param(fill, "fill", color)
        _stroke(mark, style.color, {"weight": 1})
        _se(graphic, "Size", str(2 * float(symbol.get("radius", 5))))


def _rule(parent: ET.Element, name: str, title: str) -> ET.Element:
    rule = _se(parent, "Rule")
    _se(rule, "Name", name)
    _se(_se(rule, "Description"), "Title", title)
    return rule


def _label_rule(parent: ET.Element, style: Style) -> None:
    rule = _se(parent, "Rule")
    _se(rule, "Name", "labels")
    _scales(rule, style)
    text = _se(rule, "TextSymbolizer")
    label = _se(text, "Label")
    ET.SubElement(label, f"{{{OGC_NS}}}PropertyName").text = style.label_field
    font = _se(text, "Font")
    _param(font, "font-size", 12)
    fill = _se(text, "Fill")
    _param(fill, "fill", "#212529")


def sld_document(layer: Layer, style: Style, lang: str = "zh") -> bytes:
    """The style as an SLD 1.1 StyledLayerDescriptor: one rule per class, the other class (a value of none of them)
    and the features without a value (base colour)."""
    for prefix, uri in (("sld", SLD_NS), ("se", SE_NS), ("ogc", OGC_NS), ("xlink", XLINK_NS), ("xsi", XSI_NS)):
        ET.register_namespace(prefix, uri)
    root = ET.Element(f"{{{SLD_NS}}}StyledLayerDescriptor", {"version": "1.1.0",
                                                             f"{{{XSI_NS}}}schemaLocation": SLD_SCHEMA})
    named = ET.SubElement(root, f"{{{SLD_NS}}}NamedLayer")
    _se(named, "Name", layer.id)
    user = ET.SubElement(named, f"{{{SLD_NS}}}UserStyle")
    _se(user, "Name", "default")
    _se(_se(user, "Description"), "Title", layer.title(lang))
    fts = _se(user, "FeatureTypeStyle")
    if style.kind == "single":
        rule = _rule(fts, "default", layer.title(lang))
        _scales(rule, style)
        fill = style.get("fill_color", style.color) if layer.geometry != "line" else style.color
        _symbolizer(rule, layer.geometry, str(fill), style)
    for i, cls in enumerate(style.classes):
        rule = _rule(fts, f"class_{i + 1}", cls.label(lang))
        _filter(rule, style, cls)
        _scales(rule, style)
        _symbolizer(rule, layer.geometry, cls.color, style)
    if style.kind == "categorized" and style.other is not None and style.classes:
        rule = _rule(fts, "other", style.other.label(lang))
        _not_a_class(_ogc(rule, "Filter"), style)
        _scales(rule, style)
        _symbolizer(rule, layer.geometry, style.other.color, style)
    if style.kind != "single":
        rule = _rule(fts, "no_value", "—")
        null = _ogc(_ogc(rule, "Filter"), "PropertyIsNull")
        ET.SubElement(null, f"{{{OGC_NS}}}PropertyName").text = style.field
        _scales(rule, style)
        _symbolizer(rule, layer.geometry, style.color, style)
    if style.label_field:
        _label_rule(fts, style)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
