"""The translation catalog (webmap/messages.yaml): the same keys in both languages, no empty text, the same
placeholders, and Chinese text in the Chinese tree."""

from __future__ import annotations

import re

from webmap.i18n import catalog

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def leaves(tree: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        out.update(leaves(value, path + ".") if isinstance(value, dict) else {path: value})
    return out


def test_every_key_exists_in_both_languages_with_the_same_placeholders():
    zh, en = leaves(catalog()["zh"]), leaves(catalog()["en"])
    assert set(zh) == set(en), sorted(set(zh) ^ set(en))
    for key in zh:
        assert isinstance(zh[key], str) and zh[key].strip() and isinstance(en[key], str) and en[key].strip(), key
        assert sorted(PLACEHOLDER.findall(zh[key])) == sorted(PLACEHOLDER.findall(en[key])), key


def test_chinese_tree_is_written_in_chinese():
    zh = leaves(catalog()["zh"])
    latin_only = [k for k, v in zh.items() if not CJK.search(v) and not re.fullmatch(r"[A-Za-z0-9 ,.()/–-]+", v)]
    assert not latin_only, latin_only
    untranslated = [k for k, v in zh.items() if v == leaves(catalog()["en"])[k] and re.search(r"[a-z]{4,}", v)]
    assert set(untranslated) <= {"switch_lang", "basemaps.osm"}, untranslated
