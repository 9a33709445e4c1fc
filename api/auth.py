"""Accounts on the web: the login page and its session (`GET/POST /login`, `POST /logout`, CSRF-protected forms),
who is asking (`GET /me`) and the users list for admins (`GET /users`). Who a request's user is, `require_role`
and the CSRF check live in api/core/identity.py (re-exported here); API clients send `Authorization: Bearer <token>`."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, request, session

from api.core.declare import LANG, Body, ok, operation, text
from api.core.identity import (
    CSRF_FIELD,
    authenticated_by,
    csrf_token,
    csrf_valid,
    current_user,
    require_role,
    start_session,
)
from api.core.media import HTML_UTF8
from api.core.models import Account, Accounts, Me, openapi_schema
from api.core.services import services
from api.core.urls import path_url
from api.html.render import render
from geo.core.errors import InvalidCredentials, TooManyAttempts
from webmap.i18n import strings

__all__ = ["bp", "current_user", "require_role"]
LOGGER = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
MAX_NEXT_CHARS = 2048
NEXT = text("next", "where to go after signing in: a path of this service (anything else goes to the map)",
            max_length=MAX_NEXT_CHARS)
NO_STORE = {"Cache-Control": "no-store"}
_HTML = {"text/html": {"schema": {"type": "string"}}}
_UNSAFE_PATH = re.compile(r"[\x00-\x20\\]")
LOGIN_BODY = Body("the login form: name, password, the session's csrf_token (from the form page) and next",
                  {"type": "object", "required": ["name", "password", CSRF_FIELD], "properties": {
                      "name": {"type": "string", "maxLength": 64}, "password": {"type": "string", "maxLength": 1024},
                      CSRF_FIELD: {"type": "string"}, "next": {"type": "string", "maxLength": MAX_NEXT_CHARS}}},
                  media_types=("application/x-www-form-urlencoded",))
LOGIN_RESPONSES = {
    "303": {"description": "signed in: on to `next`, with the session cookie",
            "headers": {"Location": {"schema": {"type": "string"}}}},
    "401": {"description": "wrong name or password: the form again, saying so", "content": _HTML},
    "403": {"description": "the form's CSRF token is missing or not the session's: a fresh form",
            "content": _HTML | {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}},
    "429": {"description": "too many failed logins for the name or from the client lately: the form, saying when "
                           "to try again", "content": _HTML,
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}},
}


def local_path(value: str | None) -> str:
    """`value` when it is a path of this service (no scheme, no host, no `//` or backslash), else the map."""
    if not value or len(value) > MAX_NEXT_CHARS or _UNSAFE_PATH.search(value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def _location(path: str) -> str:
    """A path of this service as the browser reaches it (behind YIWU_BASE_URL, or the proxy's prefix)."""
    base = services().settings.base_url
    return (base.rstrip("/") if base else request.script_root) + path


def login_page(lang: str, next_path: str, message: str | None = None, status: int = 200, name: str = "",
               headers: dict | None = None):
    """The login form (or, signed in, who you are and a sign-out button); never cached: it holds the CSRF token."""
    t = strings(lang)["login"]
    user = current_user() if authenticated_by() == "session" else None
    other = "zh" if lang == "en" else "en"
    page = render("login.html", title=t["title"], lang=lang, t=t, csrf=csrf_token(), next=next_path, name=name,
                  message=message, user=user, role=t["roles"][user.role] if user else "",
                  action=path_url("auth.login", lang=lang if lang == "en" else None),
                  logout=path_url("auth.logout"), switch_label=strings(lang)["switch_lang"],
                  switch_href=path_url("auth.login_form", lang=other if other == "en" else None, next=next_path))
    return page, status, {"Content-Type": HTML_UTF8, **NO_STORE, **(headers or {})}


@bp.get("/login")
@operation("the login page (zh; en with lang=en): a form posting name and password with the session's CSRF "
           "token", "accounts", LANG, NEXT, responses=ok("the login page", "text/html"))
def login_form(q):
    return login_page(q.lang, local_path(q.next))


@bp.post("/login")
@operation("sign in with a name and password (the form of GET /login): a session cookie, then on to `next`; "
           "failed logins are audited and, after 5 in 5 minutes for a name or a client, refused for a while",
           "accounts", LANG, body=LOGIN_BODY, responses=LOGIN_RESPONSES)
def login(q):
    form, t = request.form, strings(q.lang)["login"]
    next_path, name = local_path(form.get("next")), form.get("name", "")
    shown = name[:64]  # the name typed, back in the form
    if not csrf_valid(form.get(CSRF_FIELD)):
        return login_page(q.lang, next_path, t["expired"], 403, shown)
    try:
        user = services().accounts.authenticate_password(name, form.get("password", ""), request.remote_addr)
    except InvalidCredentials:
        return login_page(q.lang, next_path, t["failed"], 401, shown, {"WWW-Authenticate": 'Bearer realm="yiwu"'})
    except TooManyAttempts as exc:
        message = t["throttled"].format(minutes=max(1, -(-exc.retry_after // 60)))
        return login_page(q.lang, next_path, message, 429, shown, {"Retry-After": str(exc.retry_after)})
    start_session(user)
    LOGGER.info("login: %s from %s", user.name, request.remote_addr)
    return redirect(_location(next_path), 303)


@bp.post("/logout")
@operation("sign out: the session ends (a session's request sends its CSRF token), then to the map", "accounts",
           responses={"303": {"description": "signed out: on to the map",
                              "headers": {"Location": {"schema": {"type": "string"}}}},
                      "403": {"description": "the session's CSRF token is missing or wrong", "content": {
                          "application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}}})
def logout(q):
    user = current_user()
    if authenticated_by() == "session" and user is not None:
        services().accounts.record_logout(user, request.remote_addr)
    session.clear()
    return redirect(_location("/"), 303)


@bp.get("/me")
@operation("who is asking: the signed-in user's name and role, or anonymous", "accounts",
           responses=ok("the user", schema=openapi_schema(Me)))
def me(q):
    user, via = current_user(), authenticated_by()
    body = Me(authenticated=user is not None, name=user.name if user else None,
              role=user.role if user else "anonymous", via=via, csrf_token=csrf_token() if via == "session" else None)
    return jsonify(body.model_dump(exclude_none=True) | {"name": body.name, "via": body.via}), 200, NO_STORE


@bp.get("/users")
@operation("the accounts (admin): name, role, disabled, whether a password and a token are set — never a secret",
           "accounts", responses=ok("the users", schema=openapi_schema(Accounts)), role="admin")
def users(q):
    listed = [Account(**a.to_dict()) for a in services().accounts.users()]
    return jsonify(Accounts(users=listed, count=len(listed)).model_dump()), 200, NO_STORE
