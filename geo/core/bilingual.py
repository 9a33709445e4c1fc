"""Data texts in both languages, written `中文 / English` in one field (as the pages split them, api/html/text.py and
webmap/static/js/popup.js): compose them from their halves, read the halves back, extend both."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
SEPARATOR = " / "


def both(zh: str, en: str) -> str:
    """One bilingual text: the Chinese half, then the English half; when the English would hold Chinese (a Chinese
    title cited as published, with no English given) the Chinese half alone, which both languages show."""
    if CJK.search(en):
        return zh
    return f"{zh}{SEPARATOR}{en}"


def halves(text: str) -> tuple[str, str]:
    """(Chinese, English) of a bilingual text: the first ` / ` with Chinese before it and none after; a text written
    in one language only is both halves."""
    for match in re.finditer(r"\s?/ ", text):
        left, right = text[:match.start()], text[match.end():]
        if CJK.search(left) and not CJK.search(right):
            return left.strip(), right.strip()
    return text, text


def extend(text: str, zh: str, en: str) -> str:
    """A bilingual text with a Chinese and an English addition appended to its halves."""
    left, right = halves(text)
    return both(left + zh, right + en)
