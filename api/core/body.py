"""The one reader of POST bodies: a JSON document within the size and nesting limits (geo/core/limits.py), or a clear
413/400 saying which limit was passed. Both POST endpoints use it."""

from __future__ import annotations

import json
import logging

from flask import Request

from geo.core.errors import InvalidParameterError, TooLargeError
from geo.core.limits import MAX_BODY_BYTES, MAX_JSON_NESTING

LOGGER = logging.getLogger(__name__)
JSON_TYPES = ("application/json", "application/geo+json")


def _depth_within(doc: object, limit: int) -> bool:
    """Whether arrays/objects nest at most `limit` levels, checked iteratively."""
    stack = [(doc, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return False
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return True


def read_json_body(request: Request, max_bytes: int = MAX_BODY_BYTES, max_nesting: int = MAX_JSON_NESTING,
                   media_types: tuple[str, ...] = JSON_TYPES) -> object:
    """The request body parsed as JSON; 413 over max_bytes, 400 for another media type, bad JSON or deep nesting."""
    if request.mimetype and request.mimetype not in media_types:
        raise InvalidParameterError("body", f"media type '{request.mimetype}' is not one of {', '.join(media_types)}")
    if (request.content_length or 0) > max_bytes:
        raise TooLargeError(f"request body is {request.content_length:,} bytes; the limit is {max_bytes:,} bytes")
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise TooLargeError(f"request body is over the limit of {max_bytes:,} bytes")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidParameterError("body", "is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidParameterError("body", f"is not JSON ({exc.msg} at character {exc.pos + 1})") from None
    except RecursionError:
        raise InvalidParameterError("body", f"nests arrays/objects more than {max_nesting} levels deep") from None
    if not _depth_within(doc, max_nesting):
        raise InvalidParameterError("body", f"nests arrays/objects more than {max_nesting} levels deep")
    return doc
