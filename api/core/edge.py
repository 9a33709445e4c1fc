"""What every response passes through on its way out: JSON problem bodies for every error (keeping the HTTP
exception's own headers, such as Allow on 405 and Location on 308), security headers, a Content-Security-Policy
on HTML pages that allows scripts only from the origin (inline ones by hash) and images from the basemap tile hosts
the pages offer, and ETags with conditional GET."""

from __future__ import annotations

import base64
import hashlib
import logging
import re

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from api.core.allow import exact_allow
from api.core.media import HTML
from api.core.models import Problem
from geo.core.errors import AuthenticationRequired, InvalidParameterError, ServerBusyError, TooManyAttempts
from webmap.basemaps import tile_origins

LOGGER = logging.getLogger(__name__)
INLINE_SCRIPT_RE = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
                    "X-Frame-Options": "SAMEORIGIN", "Cross-Origin-Opener-Policy": "same-origin"}
HTTP_CODES = {400: "InvalidParameterValue", 404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable",
              413: "PayloadTooLarge", 415: "UnsupportedMediaType"}


def problem(status: int, code: str, description: str, headers: dict | None = None) -> Response:
    response = jsonify(Problem(code=code, description=description).model_dump())
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_headers(exc: Exception) -> dict[str, str]:
    """What a client needs besides the body: the challenge of a 401 (RFC 6750), the wait of a 429."""
    if isinstance(exc, AuthenticationRequired):
        return {"WWW-Authenticate": 'Bearer realm="yiwu"' + (', error="invalid_token"' if exc.invalid_token else "")}
    if isinstance(exc, (TooManyAttempts, ServerBusyError)):
        return {"Retry-After": str(exc.retry_after)}
    return {}


def http_problem(exc: HTTPException) -> Response:
    """An HTTP exception (404 route, 405 method, 308 slash redirect, 400 bad host…) as JSON with its headers."""
    status = exc.code or 500
    keep = {k: v for k, v in exc.get_response().headers.items() if k.lower() not in ("content-type", "content-length")}
    code = HTTP_CODES.get(status, (exc.name or "Error").replace(" ", ""))
    return problem(status, code, exc.description or exc.name or "error", keep)


def content_security_policy(body: bytes) -> str:
    """Scripts from the origin and the page's own inline scripts (by SHA-256); images from the tile hosts."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(m).digest()).decode()}'"
                      for m in INLINE_SCRIPT_RE.findall(body))
    tiles = " ".join(tile_origins())
    return ("default-src 'self'; " f"script-src 'self' {hashes}; " "style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob: {tiles}; " "connect-src 'self'; font-src 'self' data:; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


def secure(response: Response) -> Response:
    """Security headers on every response; the CSP on HTML pages."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == HTML and not response.direct_passthrough:
        response.headers["Content-Security-Policy"] = content_security_policy(response.get_data())
    return response


def add_etag(response: Response) -> Response:
    """ETag + conditional GET for successful cacheable responses."""
    if request.method == "GET" and response.status_code == 200 and not response.direct_passthrough:
        response.add_etag()
        response.make_conditional(request)
    return response


def refuse_nul() -> None:
    """No query parameter may carry a NUL character (no stored text has one, and PostgreSQL text cannot)."""
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise InvalidParameterError(name.replace("\x00", "\\0"), "contains a NUL character")


def register_edge(app: Flask, error_table: tuple[tuple[type[Exception], int, str], ...]) -> None:
    """Map exceptions to problem bodies with `error_table` (first match wins) and add the outgoing headers."""

    @app.errorhandler(Exception)
    def handle(exc: Exception):
        for cls, status, code in error_table:
            if isinstance(exc, cls):
                if status >= 500:
                    LOGGER.exception("server error")
                return problem(status, code, str(exc), error_headers(exc))
        if isinstance(exc, HTTPException):
            return http_problem(exc)
        LOGGER.exception("unhandled error")
        return problem(500, "ServerError", "internal error; see the server log")

    app.before_request(refuse_nul)
    app.after_request(add_etag)
    app.after_request(exact_allow)
    app.after_request(secure)
