"""Analysis panels of the audience maps, drawn by static/js/analysis/ from the analysis API: the planner's site
check (draw or upload → the site URL), the investor's park cards, filter and comparison (the parks and compare
URLs) and the logistics corridor panel: the routes by mode, the picked one's metrics and elevation profile (the
metrics URL). Each is drawn in the analysis tab of the page's panel (static/js/layout.js). Options reach JavaScript
through `tojson`; every value is set with textContent."""

from __future__ import annotations

from collections.abc import Mapping

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from webmap.assets import static_url
from webmap.elements import OUR_CSS
from webmap.i18n import strings
from webmap.views import View

ANALYSIS_CSS = [*OUR_CSS, ("yiwu_analysis_css", static_url("yiwu-analysis.css"))]
URL_KEYS = ("site", "parks", "compare", "metrics")  # metrics: a template with the placeholder {id} (corridor id)


class AnalysisPanel(JSCSSMixin, MacroElement):
    """Calls `YiwuMap.analysis[kind](map, options)`; add it after MapTools (it uses the layers and the draw tools)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        YiwuMap.analysis[{{ this.kind|tojson }}]({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
    """)
    default_css = ANALYSIS_CSS

    def __init__(self, kind: str, options: dict):
        super().__init__()
        self._name = "AnalysisPanel"
        self.kind, self.options = kind, options


KINDS = {"planner": "sitePanel", "investor": "parksPanel", "logistics": "corridorMetrics"}


def panel_urls(urls: Mapping[str, str]) -> dict[str, str]:
    """The four URLs the panels call, checked: every key of URL_KEYS, and `metrics` with its {id} placeholder (as
    url_for writes it, %7Bid%7D, too)."""
    missing = [key for key in URL_KEYS if key not in urls]
    if missing:
        raise ValueError(f"analysis panel URLs: missing {', '.join(missing)}")
    out = {key: urls[key] for key in URL_KEYS}
    out["metrics"] = out["metrics"].replace("%7Bid%7D", "{id}")
    if "{id}" not in out["metrics"]:
        raise ValueError(f"analysis panel URLs: 'metrics' must contain the placeholder {{id}}: {urls['metrics']!r}")
    return out


def panel_options(lang: str, urls: Mapping[str, str], corridor_layers: list[str]) -> dict:
    """The panels' options: labels in the page language, the API URLs (`urls`: site, parks, compare, metrics) and
    the corridor layers whose routes the corridor panel lists."""
    text = strings(lang)
    return {"lang": lang, "labels": text["analysis"], "values": text["values"], "accuracies": text["accuracies"],
            "urls": panel_urls(urls), "corridor_layers": list(corridor_layers)}


def add_analysis_panels(fmap: folium.Map, view: View, lang: str, urls: Mapping[str, str],
                        corridor_layers: list[str]) -> None:
    """The view's analysis panel, if it has one. `urls`: the paths of POST /analysis/site (`site`), GET /parks
    (`parks`), GET /parks/compare (`compare`) and GET /corridors/{id}/metrics (`metrics`, with the literal {id})."""
    kind = KINDS.get(view.id)
    if kind:
        AnalysisPanel(kind, panel_options(lang, urls, corridor_layers)).add_to(fmap)
