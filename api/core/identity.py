"""Who is asking, decided once per request before the view: `Authorization: Bearer <token>` (a bad token is 401
with `WWW-Authenticate: Bearer error="invalid_token"`), else the browser session (a signed cookie holding the user
name, re-read from the workspace on every request so a disabled account or a role change counts at once). Unsafe
requests a session authenticates must carry the session's CSRF token. `require_role` guards a view; responses to a
signed-in user are `Cache-Control: private`, and every answer that depends on the user says `Vary: Authorization,
Cookie`."""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta

from flask import Flask, Response, g, request, session
from markupsafe import escape

from api.core.services import current_user, services
from geo.core.errors import AuthenticationRequired, Forbidden
from geo.workspace.accounts import User, check_role

LOGGER = logging.getLogger(__name__)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SESSION_COOKIE = "yiwu_session"
SESSION_LIFETIME = timedelta(hours=12)  # a working day; then sign in again
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
USER_INDEPENDENT = ("pages.static", "pages.vendor", "basemap.basemap_tilejson", "basemap.basemap_tile")

__all__ = ["current_user", "require_role", "authenticated_by", "csrf_token", "register_identity"]


def authenticated_by() -> str | None:
    """"bearer", "session", or None (anonymous)."""
    return g.get("auth_via")


def require_role(role: str) -> User:
    """The current user when their role is `role` or above; anonymous → AuthenticationRequired (401), a lower
    role → Forbidden (403)."""
    check_role(role)
    user = current_user()
    if user is None:
        raise AuthenticationRequired(f"this needs a signed-in user with role {role} or above: send "
                                     "'Authorization: Bearer <token>' or sign in at /login")
    if not user.can(role):
        raise Forbidden(f"user '{user.name}' has role {user.role}; this needs role {role} or above")
    return user


def csrf_token() -> str:
    """The session's CSRF token (made on first use: the login form has one before anyone signs in)."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def csrf_valid(given: str | None) -> bool:
    expected = session.get(CSRF_FIELD)
    return bool(expected and given) and hmac.compare_digest(str(expected).encode(), str(given).encode())


def check_csrf() -> None:
    """Forbidden unless the request carries the session's CSRF token (header, or form field of a form post)."""
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.mimetype in FORM_TYPES:
        given = request.form.get(CSRF_FIELD)
    if not csrf_valid(given):
        raise Forbidden(f"CSRF token missing or wrong: a {request.method} signed in by the session cookie must send "
                        f"the session's token in the {CSRF_HEADER} header or the {CSRF_FIELD} form field (pages "
                        'carry it in <meta name="csrf-token">; GET /me returns it)')


def start_session(user: User) -> None:
    """A fresh session for a user who just signed in (a new CSRF token: nothing of the anonymous one carries over)."""
    session.clear()
    session.permanent = True
    session.update(user=user.name, stamp=user.stamp, csrf_token=secrets.token_urlsafe(32))


def _bearer(header: str) -> User | None:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None  # another scheme (a gateway's Basic, say) is not ours to judge
    user = services().accounts.user_for_token(token.strip())
    if user is None:
        raise AuthenticationRequired("the bearer token is not valid (unknown, replaced, or its account disabled)",
                                     invalid_token=True)
    return user


def identify() -> None:
    """Set g.user and g.auth_via for the request (before the view and before any catalog is read)."""
    g.user, g.auth_via = None, None
    if request.endpoint in USER_INDEPENDENT:
        return
    user = _bearer(request.headers["Authorization"]) if "Authorization" in request.headers else None
    if user is not None:
        g.user, g.auth_via = user, "bearer"
        return
    if SESSION_COOKIE not in request.cookies or "user" not in session:
        return
    user = services().accounts.user(session["user"], session.get("stamp"))
    if user is None:  # disabled, deleted or its password changed since: the session ends
        session.clear()
        return
    g.user, g.auth_via = user, "session"
    if request.method not in SAFE_METHODS:
        check_csrf()


def private_for_users(response: Response) -> Response:
    """A signed-in user's answers stay out of shared caches; user-dependent answers vary on the credentials."""
    if request.endpoint in USER_INDEPENDENT:
        return response
    response.vary.update(("Authorization", "Cookie"))
    if g.get("user") is not None:
        response.headers["Cache-Control"] = private_cache_control(response.headers.get("Cache-Control"))
    return response


def private_cache_control(value: str | None) -> str:
    """`private` first, then the answer's own directives but those for shared caches; `no-cache` (revalidate with
    the ETag) when it had no lifetime of its own."""
    kept = [d.strip() for d in (value or "").split(",") if d.strip()]
    kept = [d for d in kept if d.lower().split("=")[0] not in ("public", "private", "s-maxage")]
    if not any(d.lower().split("=")[0] in ("max-age", "no-cache", "no-store") for d in kept):
        kept.append("no-cache")
    return ", ".join(["private", *kept])


def with_csrf_meta(html: str) -> str:
    """A page for a session-signed-in user, with the session's CSRF token in `<meta name="csrf-token">` for the
    page's script to send (pages are cached without it: it is added to each answer)."""
    if authenticated_by() != "session":
        return html
    return html.replace("<head>", f'<head>\n<meta name="csrf-token" content="{escape(csrf_token())}">', 1)


def register_identity(app: Flask) -> None:
    """The session cookie (signed with the workspace's `session` key, shared by every worker) and the hooks."""
    settings = services_of(app).settings
    app.secret_key = services_of(app).engine.session_key()
    app.config.update(SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=(settings.base_url or "").lower().startswith("https://"),
                      PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME, SESSION_REFRESH_EACH_REQUEST=False)
    app.before_request(identify)
    app.after_request(private_for_users)


def services_of(app: Flask):
    return app.extensions["yiwu"]
