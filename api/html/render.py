"""HTML forms of the OGC API resources: Jinja templates in api/html/templates, every value autoescaped. Every page is
rendered in one language (`lang`, Chinese by default) with the catalog's words: `p` (the `pages` tree) for the shared
header and navigation, and the helpers of api/html/text.py as filters."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import has_request_context, request
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.html import text as pagetext
from webmap.assets import static_url, vendor_url
from webmap.i18n import HTML_LANGS, strings

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))
_ENV.globals.update(vendor_url=vendor_url, static_url=static_url, with_lang=pagetext.with_lang,
                    other_lang=pagetext.other_lang)
_ENV.filters.update(sign=pagetext.sign, num=pagetext.number_text)


def switch_href(lang: str) -> str:
    """This GET page in the other language (the same query, `lang` changed)."""
    args = request.args.to_dict()
    if lang == "en":
        args.pop("lang", None)
    else:
        args["lang"] = "en"
    return request.script_root + request.path + ("?" + urlencode(args) if args else "")


def render(template: str, **context) -> str:
    lang = "en" if context.get("lang") == "en" else "zh"
    context.update(lang=lang, html_lang=HTML_LANGS[lang], p=pagetext.page_words(lang))
    if has_request_context() and request.method == "GET" and "switch_href" not in context:
        context.update(switch_href=switch_href(lang), switch_label=strings(lang)["switch_lang"])
    return _ENV.get_template(template).render(**context)
