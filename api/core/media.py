"""Media types of every response, in one table, and the formats (`f=`) they answer to."""

from __future__ import annotations

from geo.query.downloads import DOWNLOADS

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
HTML_UTF8 = "text/html; charset=utf-8"
SCHEMA_JSON = "application/schema+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
PNG = "image/png"
PDF = "application/pdf"
MVT = "application/vnd.mapbox-vector-tile"
PROBLEM_JSON = JSON  # error bodies: {"code", "description"}

# format name (`f=`) -> media type it is answered in
FORMATS: dict[str, str] = {"json": JSON, "html": HTML, **{f: spec.media_type for f, spec in DOWNLOADS.items()}}
# media types a client may name in Accept -> format
ACCEPTED: dict[str, str] = {JSON: "json", GEOJSON: "json", SCHEMA_JSON: "json", HTML: "html", PDF: "pdf",
                            **{spec.media_type: f for f, spec in DOWNLOADS.items()}}
