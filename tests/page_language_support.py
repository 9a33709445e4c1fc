"""The page-language checker: which texts of a rendered page break its language (shared by the tests that
render pages)."""

from __future__ import annotations

import re

import lxml.html

from webmap.i18n import catalog

CODES = frozenset({
    "bonded_zone", "existing", "planned", "schematic", "geocoded_city", "dataset_point", "official_boundary",
    "rail_port", "land_port", "air_port", "sea_port", "info_port", "express_hub", "illustrative", "reported",
    "under_construction", "inland_sea_port", "rail_station", "unverified", "science_park", "no_site", "sited_count",
    "sited_floor_area", "published_length", "annual_average", "each_year",
})
DATA_FIELDS = frozenset({
    # names of places and layers, in the other language by nature
    "name_zh", "name_en", "title_zh", "title_en", "city", "waypoints", "towns", "border_with", "routes",
    "industries_zh", "industries_en",
    # the plan's own words, quoted verbatim (Chinese by nature)
    "quote", "plan_quote", "plan_figures",
    # source citations and licences, quoted as published
    "source", "status_source", "reported_source", "published_length_source", "published_days_source",
    "floor_area_source", "area_source", "references", "licence", "audit_note", "reported_total_note",
    # notes the data holds in one language only
    "placement", "note", "relation", "border_crossing", "dwell_stops", "opened",
    # ISO 3166 country codes
    "iso3", "country",
    # what an import's QC report quotes from the file and from PROJ (file, layer and field names, feature ids, CRS
    # names) inside its findings; who did what in the audit trail (user names)
    "qc", "actor",
})
WORDS = frozenset({
    "km", "km²", "m", "OGC", "API", "Features", "OpenAPI", "GeoJSON", "JSON", "HTML", "PDF", "CSV", "WKT",
    "GeoPackage", "Shapefile", "zip", "UTF-8", "FlatGeobuf", "Schema", "MVT", "TileJSON", "Mapbox", "Web", "WGS84",
    "CGCS2000", "EPSG:4549", "CRS", "CRS84", "CQL2", "OAS30", "COG", "PNG", "TMS", "POST", "GET", "pyproj.Geod",
    "Chinagoods", "RCEP", "GDP", "R&D", "f=json", "URI", "ISO3",
    "MB", "UTC", "GCJ-02", "prj", "cpg", "CSRF", "Cookie", "ETag", "If-Match", "Location", "PUT", "PATCH", "DELETE", "GBK", "GB18030", "KML", "KMZ",
    "Styles", "MapLibre", "GL", "SLD", "f=mapbox", "f=sld",  # OGC API – Styles and its formats
})
# data texts held in both languages: a Chinese page shows their Chinese half (names and verbatim quotes excepted)
DATA_TEXTS = frozenset({
    "source", "status_source", "reported_source", "published_length_source", "published_days_source",
    "floor_area_source", "area_source", "references", "licence", "audit_note", "reported_total_note",
    "placement", "note", "relation", "border_crossing", "dwell_stops", "opened",
})
ENGLISH_RUN = 4  # Latin words in a row that make an English sentence
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|《[^》]*》|‘[^’]*’|https?://\S+|\b[\w.-]+(?:/[\w.%?=&#-]+)+")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’&.-]*(?:[ ,]+[A-Za-z][A-Za-z'’&.-]*){" + str(ENGLISH_RUN - 1) + ",}")
CODE_WORD = re.compile(r"(?<![\w/.:{=#-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.}])")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&.:_²?=-]*")
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def text_nodes(page: str):
    """(text, element) of every text a person sees, and the <title>."""
    doc = lxml.html.fromstring(page)
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style"):
            continue
        if el.text and el.text.strip():
            yield el.text, el
        for child in el:
            if isinstance(child.tag, str) and child.tail and child.tail.strip():
                yield child.tail, el


def context(el) -> tuple[str | None, bool]:
    """The data field of a text's element (the nearest ancestor's) and whether it is shown as code."""
    chain = [el, *el.iterancestors()]
    field = next((node.get("data-field") for node in chain if node.get("data-field")), None)
    return field, any(node.tag == "code" for node in chain)


def english_data_text(text: str, field: str) -> list[str]:
    """An English data text (or an English sentence in one) shown in a Chinese page; quoted titles, URLs and paths
    left out."""
    bare = QUOTED.sub(" ", text)
    latin = [w for w in LATIN_WORD.findall(bare) if w.rstrip(".:") not in WORDS and re.search("[A-Za-z]{2}", w)]
    if latin and not CHINESE.search(text):
        return [f"English data text ({field}): {text[:100]!r}"]
    if run := LATIN_RUN.search(bare):
        return [f"English sentence in a data text ({field}): {run.group()[:80]!r} in {text[:60]!r}"]
    return []


def problems(page: str, lang: str, layer_ids: set[str], data_texts: bool = True) -> list[str]:
    codes = CODES | layer_ids
    found = []
    for text, el in text_nodes(page):
        stripped = text.strip()
        field, code = context(el)
        if stripped in codes and (lang == "zh" or "_" in stripped):  # in English "existing" is the word for it
            found.append(f"code shown as text: {stripped!r} in <{el.tag}>")
        for match in CODE_WORD.finditer(text):
            if match.group() in codes and not code:
                found.append(f"code {match.group()!r} in {stripped[:80]!r}")
        if el.tag == "a" and stripped == catalog()[lang]["switch_lang"]:
            continue  # the language switch names the other language in that language
        if el.tag == "title" and (h1 := el.getroottree().find(".//h1")) is not None and h1.get("data-field"):
            stripped = stripped.replace(h1.text_content().strip(), "")  # a feature's name, checked as data on the h1
        if code or field in DATA_FIELDS:
            if code and " " in stripped:
                found.append(f"a sentence shown as code: {stripped[:80]!r}")
            if lang == "zh" and field in DATA_TEXTS and data_texts and not code:
                found += english_data_text(stripped, field)
            continue
        if not stripped:
            continue
        if lang == "zh":
            left = [w for w in LATIN_WORD.findall(stripped) if w.rstrip(".:") not in WORDS and re.search("[A-Za-z]{2}", w)]
            if left:
                found.append(f"English in the Chinese page: {left} in {stripped[:100]!r} (<{el.tag}>)")
        elif CHINESE.search(stripped):
            found.append(f"Chinese in the English page: {stripped[:100]!r} (<{el.tag}>)")
    return found
