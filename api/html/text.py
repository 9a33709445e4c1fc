"""The words of the HTML pages and reports in the page language, all from the translation catalog
(webmap/messages.yaml): codes shown as labels (accuracy, status, port type…), link labels from their relation and
media type, clause labels ("section 五" → 第五部分 / Part 5), one comparison sign style (≥ ≤), units, and the
language of data text (so a page can mark an English name or source citation with `lang`)."""

from __future__ import annotations

import math
import re
from numbers import Number

from api.core.media import GEOJSON, HTML, JSON, OPENAPI_JSON, PDF, SCHEMA_JSON
from geo.query.downloads import DOWNLOADS
from webmap.i18n import strings

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
SIGNS = {"=": "", ">=": "≥", ">": ">", "<=": "≤", "<": "<"}  # the one comparison style of every page
# media type -> the name of its format (proper names; a few are described in the catalog's pages.formats)
FORMAT_NAMES = {JSON: "JSON", GEOJSON: "GeoJSON", SCHEMA_JSON: "JSON Schema", OPENAPI_JSON: "OpenAPI 3.0",
                PDF: "PDF", "application/vnd.mapbox-vector-tile": "MVT",
                **{spec.media_type: spec.name for spec in DOWNLOADS.values()}}
FORMAT_KEYS = {HTML: "html", **{spec.media_type: fmt for fmt, spec in DOWNLOADS.items()}}
OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
REL_KEYS = {"self": "self", "alternate": "alternate", "items": "items", "enclosure": "enclosure", "next": "next",
            "prev": "prev", "collection": "collection", "service-desc": "service-desc",
            "service-doc": "service-doc", "conformance": "conformance", "data": "data",
            OGC_REL + "queryables": "queryables", OGC_REL + "tilesets-vector": "tilesets"}
# fields whose values are codes translated for people (the rest of a feature's values are shown as they are)
CODE_FIELDS = ("accuracy", "port_type", "status", "plan_status", "mode", "region", "four_ports", "kind")


def page_words(lang: str) -> dict:
    """The `pages` tree of the catalog in the page language."""
    return strings(lang)["pages"]


def text_lang(value: object) -> str:
    """The language a data text is written in: zh when it has Chinese characters, else en."""
    return "zh" if CJK.search(str(value)) else "en"


def other_lang(value: object, lang: str) -> str | None:
    """The `lang` to mark a data text with when it is not in the page language (None when it is)."""
    found = text_lang(value)
    return None if found == lang or not re.search(r"[A-Za-z\u3400-\u9fff]", str(value)) else found


def code_label(field: str, value: object, lang: str) -> object:
    """A code shown to people in the page language (the value itself when the catalog has no word for it)."""
    if not isinstance(value, str):
        return value
    text = strings(lang)
    tables = {"accuracy": text["accuracies"], "port_type": text["analysis"]["port_types"]}
    table = dict(tables.get(field, {}))
    table.update(text["values"].get(field, {}))
    table.update(text["pages"]["values"].get(field, {}))
    if field == "plan_status":
        table = {**text["values"]["status"], **text["pages"]["values"]["status"], **table}
    return table.get(value, value)


def _halves(text: str, lang: str) -> str | None:
    """The page language's half of `中文 / English` (the split where the left has Chinese and the right none)."""
    for match in re.finditer(r"\s?/ ", text):
        left, right = text[:match.start()], text[match.end():]
        if CJK.search(left) and not CJK.search(right):
            return right.strip() if lang == "en" else left.strip()
    return None


def one_language(value: object, lang: str) -> object:
    """The page language's half of a bilingual data text written `中文 / English`, or of each item of a `; ` list
    of them (the value as it is when it is not written so)."""
    if not isinstance(value, str) or "/ " not in value:
        return value
    items = [_halves(item, lang) for item in value.split("; ")]
    if len(items) > 1 and all(item is not None for item in items):
        return "; ".join(items)
    whole = _halves(value, lang)
    return value if whole is None else whole


def clause_label(clause: object, lang: str) -> str:
    """§N as it is; "section 五" (a section's opening paragraph) as 第五部分 / Part 5."""
    text = str(clause or "")
    match = re.fullmatch(r"section\s+(\S+)", text)
    if not match:
        return text
    numeral = match.group(1)
    number = NUMERALS.get(numeral, numeral)
    return strings(lang)["report"]["part"].format(n=numeral if lang != "en" else number)


def sign(comparison: object) -> str:
    """≥ for >=, ≤ for <=, nothing for a bare figure (=)."""
    return SIGNS.get(str(comparison or "="), str(comparison))


def unit_label(unit: object, lang: str) -> str:
    """A unit in the page language (亿元 → 100 M CNY in English); units without words (km, %) as they are."""
    return page_words(lang)["units"].get(str(unit), str(unit)) if unit is not None else ""


def with_unit(number: str, unit: str, lang: str) -> str:
    """A value and its unit: "1000 亿元"; in English a unit that starts with a number in brackets, "1000 (100 M CNY)"."""
    if not unit:
        return number
    return f"{number} ({unit})" if lang == "en" and unit[:1].isdigit() else f"{number} {unit}"


def number_text(value: object, digits: int = 3) -> str:
    """A number for a table: integers without decimals, others to `digits` significant decimals."""
    if value is None or isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, Number):
        return str(value)
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{round(float(value), digits):g}"


def format_name(media_type: str, lang: str) -> str:
    formats = page_words(lang)["formats"]
    key = FORMAT_KEYS.get(media_type)
    return formats.get(key) or FORMAT_NAMES.get(media_type, media_type)


def link_label(link: dict, lang: str, alternate: str = "alternate", collection_title: str | None = None) -> str:
    """What a link of an HTML page says in the page language: its relation and its format."""
    words = page_words(lang)
    rel = REL_KEYS.get(link.get("rel", ""), "other")
    if rel == "collection" and collection_title:
        label = f"{words['rels']['collection']}：{collection_title}" if lang != "en" else \
            f"{words['rels']['collection']}: {collection_title}"
    else:
        label = words["rels"][alternate if rel == "alternate" else rel]
    return words["link_label"].format(label=label, format=format_name(link.get("type", ""), lang))


def html_links(links: list[dict], lang: str, alternate: str = "alternate",
               collection_title: str | None = None) -> list[dict]:
    """The links of a JSON document as an HTML page lists them: href, label in the page language, media type."""
    return [{"href": link["href"], "label": link_label(link, lang, alternate, collection_title),
             "type": link.get("type", "")} for link in links]


def with_lang(url: str, lang: str) -> str:
    """A link within the service that keeps the page language (Chinese is the default)."""
    if lang != "en":
        return url
    return url + ("&" if "?" in url else "?") + "lang=en"


def progress_reason(item: dict, lang: str) -> str:
    """Why an indicator has its light, in the page language (geo/analysis/indicators.py decides the light; its `reason` is
    the English of the JSON)."""
    words = page_words(lang)["indicators"]
    progress = item["progress"]
    latest = progress.get("latest")
    target = f"{sign(item.get('comparison'))}{number_text(item['value'])}"
    if latest is None:
        return words["reason_other_measure"] if item.get("reported") else words["reason_none"]
    value, as_of = number_text(float(latest["value"]), 4), str(latest["as_of"])[:10]
    if progress["light"] == "met":
        return words["reason_met"].format(value=value, as_of=as_of, target=target)
    if progress.get("expected_at_latest") is not None:
        return words["reason_trajectory"].format(value=value, as_of=as_of,
                                                 expected=number_text(progress["expected_at_latest"], 2))
    if progress["light"] == "behind":
        return words["reason_deadline"].format(year=item["target_year"])
    return words["reason_no_baseline"]
