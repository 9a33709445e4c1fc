"""The documented limits that bound the cost of one request (README "Limits", and the OpenAPI document), and a
linear scan that measures how deeply a JSON or CQL2 text nests before any parser sees it."""

from __future__ import annotations

MAX_BODY_BYTES = 1_000_000  # POST bodies (site check, zonal statistics)
MAX_JSON_NESTING = 24  # arrays/objects nested in a POST body (a GeoJSON MultiPolygon in a FeatureCollection is 7)
MAX_VERTICES = 100_000  # coordinates in one POST body
MAX_ZONES = 1_000  # features of a zonal statistics request (body or layer)
MAX_ITEMS_LIMIT = 10_000  # features in one items page
MAX_PERCENTILES = 20
MAX_BATCH_SITES = 1_000  # sites of one batch review (issue 24); their vertices together at most MAX_VERTICES


def nesting_depth(text: str, json_strings: bool = True) -> int:
    """Deepest nesting of ( [ { outside quoted strings, in one pass (JSON strings: backslash escapes)."""
    depth = deepest = 0
    quote, escaped = None, False
    for char in text:
        if quote:
            if json_strings and char == "\\" and not escaped:
                escaped = True
                continue
            if char == quote and not escaped:
                quote = None
            escaped = False
        elif char == '"' or (char == "'" and not json_strings):
            quote = char
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest
