"""The one URL builder: absolute links from the configured public base URL (YIWU_BASE_URL) when there is one, else
from the request's host, which the app accepts only from its trusted hosts (YIWU_TRUSTED_HOSTS) - so a forged
Host header can never reach a link, nor a cache in front of the service."""

from __future__ import annotations

from flask import current_app, request, url_for


def absolute_url(endpoint: str, **values) -> str:
    """The public absolute URL of an endpoint (query values with None left out)."""
    values = {k: v for k, v in values.items() if v is not None}
    base = current_app.extensions["yiwu"].settings.base_url
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    return base.rstrip("/") + path[len(request.script_root):]


def path_url(endpoint: str, **values) -> str:
    """The path (relative to the host) of an endpoint, for pages that link within the service."""
    return url_for(endpoint, **{k: v for k, v in values.items() if v is not None})

