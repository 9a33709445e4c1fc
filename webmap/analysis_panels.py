"""Analysis panels of the audience maps, drawn by static/js/analysis/ from the analysis API:
the planner's site check (draw or upload → /analysis/site), the investor's park cards, filter and comparison
(/parks, /parks/compare) and the logistics corridor popups' metrics and elevation profile
(/corridors/{id}/metrics). Options reach JavaScript through `tojson`; every value is set with textContent."""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from webmap.assets import static_url
from webmap.elements import OUR_CSS
from webmap.i18n import strings
from webmap.views import View

ANALYSIS_CSS = [*OUR_CSS, ("yiwu_analysis_css", static_url("yiwu-analysis.css"))]
URLS = {"site": "/analysis/site", "parks": "/parks", "compare": "/parks/compare", "metrics": "/corridors/{id}/metrics"}


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


def panel_options(lang: str) -> dict:
    text = strings(lang)
    return {"lang": lang, "labels": text["analysis"], "values": text["values"], "accuracies": text["accuracies"],
            "urls": URLS}


def add_analysis_panels(fmap: folium.Map, view: View, lang: str) -> None:
    """The view's analysis panel, if it has one."""
    kind = KINDS.get(view.id)
    if kind:
        AnalysisPanel(kind, panel_options(lang)).add_to(fmap)
