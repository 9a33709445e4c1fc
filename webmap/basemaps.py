"""Basemaps of the layer control: the offline one drawn from the app's own boundary layers (default), and
online tiles the user may pick: OpenStreetMap, Tianditu (only with a key) and AMap (GCJ-02; the page shifts
the overlays to GCJ-02 for display while it is active)."""

from __future__ import annotations

from markupsafe import escape

from webmap.i18n import strings

TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                "&TILECOL={{x}}&tk={key}")
OSM = {"id": "osm", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "max_zoom": 19,
       "attribution": "© OpenStreetMap contributors"}
AMAP_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"


def tianditu(kind: str, key: str, lang: str) -> dict:
    """Tianditu vector (vec + labels) or imagery (img + labels); labels in English for English pages."""
    labels = ("eva" if kind == "vec" else "eia") if lang == "en" else ("cva" if kind == "vec" else "cia")
    return {"id": f"tianditu_{kind}", "url": TIANDITU_URL.format(s="{s}", layer=kind, key=key),
            "labels_url": TIANDITU_URL.format(s="{s}", layer=labels, key=key), "subdomains": "01234567",
            "max_zoom": 18, "attribution": "© 天地图 Tianditu"}


def basemaps(lang: str, tianditu_key: str | None = None) -> list[dict]:
    """The basemap choices in control order, titles escaped (the control writes names as HTML); Tianditu only
    with a key (config TIANDITU_KEY, from the environment variable YIWU_TIANDITU_KEY)."""
    key = tianditu_key
    amap = {"id": "amap", "url": AMAP_URL.format(s="{s}", lang="en" if lang == "en" else "zh_cn"),
            "subdomains": "1234", "max_zoom": 18, "attribution": "© 高德 AMap", "gcj02": True}
    choices = [{"id": "offline"}, OSM, amap]
    if key:
        choices[2:2] = [tianditu("vec", key, lang), tianditu("img", key, lang)]
    titles = strings(lang)["basemaps"]
    return [{**choice, "title": str(escape(titles[choice["id"]]))} for choice in choices]


def tile_origins() -> tuple[str, ...]:
    """The origins of every online basemap's tiles (for the pages' Content-Security-Policy img-src)."""
    templates = (OSM["url"], TIANDITU_URL, AMAP_URL)
    origins = []
    for template in templates:
        host = template.split("/")[2]
        origins.append("https://" + ("*." + host.split(".", 1)[1] if "{s}" in host else host))
    return tuple(dict.fromkeys(origins))
