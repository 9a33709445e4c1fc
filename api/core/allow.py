"""The methods a resource answers, as `Allow` says them (OPTIONS and 405 answers): the methods of the routes that
match its path, less the writes of a collection that is not editable (operations declared `editable_only`), so
that `Allow` agrees with the OpenAPI document, which lists those writes on editable collections only."""

from __future__ import annotations

import logging

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from api.core.declare import declared
from api.core.services import services

LOGGER = logging.getLogger(__name__)
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def collection_editable(collection_id: object) -> bool:
    """Whether the reader's catalog has this collection and it is editable (an unknown one is not)."""
    layer = services().catalog.get(str(collection_id)) if collection_id is not None else None
    return bool(layer is not None and layer.editable)


def allowed_methods(path: str) -> list[str]:
    """The methods a request to `path` may use (OPTIONS always)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in METHODS:
        try:
            endpoint, values = adapter.match(path, method=method)
        except (HTTPException, RequestRedirect):
            continue
        op = declared(current_app.view_functions[endpoint])
        if op is not None and op.editable_only and not collection_editable(values.get("collection_id")):
            continue
        allowed.append(method)
    return [*allowed, "OPTIONS"]


def exact_allow(response: Response) -> Response:
    """`Allow` of an OPTIONS or 405 answer (ours or the router's) as the resource really is (after_request)."""
    if response.status_code == 405 or (request.method == "OPTIONS" and "Allow" in response.headers):
        response.headers["Allow"] = ", ".join(allowed_methods(request.path))
    return response
