"""The translation catalog: every word shown to people, Chinese (default) and English, from webmap/messages.yaml
(one YAML tree per language). Pages, popups, reports and errors read it through `strings(lang)`."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import yaml

LOGGER = logging.getLogger(__name__)
MESSAGES = Path(__file__).parent / "messages.yaml"
LANGS = ("zh", "en")
HTML_LANGS = {"zh": "zh-CN", "en": "en"}  # the BCP 47 tag a page says it is written in (<html lang>)


@cache
def catalog() -> dict[str, dict]:
    """Both languages' trees, read once."""
    return yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))


def strings(lang: str) -> dict:
    """The tree of one language (Chinese for anything but `en`)."""
    return catalog()["en" if lang == "en" else "zh"]


def report_text(lang: str) -> dict:
    """Labels of the analysis pages (site report, indicators)."""
    return strings(lang)["report"]
