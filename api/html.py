"""HTML forms of the OGC API resources: Jinja templates in api/templates, every value autoescaped."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from webmap.assets import static_url, vendor_url

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))
_ENV.globals.update(vendor_url=vendor_url, static_url=static_url)


def render(template: str, **context) -> str:
    return _ENV.get_template(template).render(**context)
