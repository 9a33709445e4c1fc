"""Accounts, roles and sign-in on both engines: argon2 hashes and token digests only, the CLI's token once and
working as Bearer, the login page (zh, en) and its CSRF-bound session, failed logins audited with the client and
throttled across processes (the audit trail is the counter), role changes and disabling taking effect at once, and
`require_role` (anonymous 401, lower role 403, enough role 200) on /users and a test endpoint of role editor."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import uuid

import pytest
from argon2 import PasswordHasher
from flask import Blueprint, jsonify
from sqlalchemy import select

from api.core.declare import operation
from geo.__main__ import main as geo_command
from geo.core.errors import ConflictError, InvalidParameterError, NotFoundError
from geo.core.settings import load_settings
from geo.store import open_engine
from geo.store.workspace import AUDIT, USERS
from geo.workspace.accounts import MAX_FAILURES, Accounts, User
from server import create_app
from webmap.i18n import HTML_LANGS

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines

PASSWORD = "correct horse battery"
SITE = {"type": "Polygon", "coordinates": [[[120.0, 29.3], [120.01, 29.3], [120.01, 29.31], [120.0, 29.31],
                                            [120.0, 29.3]]]}
_addresses = itertools.count(10)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def address() -> str:
    """A client address of its own per test, so one test's failed logins never throttle another's."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def accounts(app) -> Accounts:
    return app.extensions["yiwu"].accounts


def user_row(app, name: str):
    with app.extensions["yiwu"].engine.read() as con:
        return con.execute(select(USERS).where(USERS.c.name == name)).one()


def audit_rows(app, action: str) -> list:
    with app.extensions["yiwu"].engine.read() as con:
        return con.execute(select(AUDIT).where(AUDIT.c.action == action).order_by(AUDIT.c.seq)).all()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def browser(app, client_address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = client_address
    return client


def sign_in(app, name: str, password: str = PASSWORD, next_path: str = "/", client_address: str | None = None):
    """A test client signed in through the login form; the response to the POST."""
    client = browser(app, client_address or address())
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": token,
                                           "next": next_path})
    return client, response


# ---- storage: argon2id, token digests, names and roles --------------------------------------------------------


def test_passwords_are_argon2_hashes_and_tokens_only_their_sha256(app):
    name = unique("hash")
    token = accounts(app).add_user(name, "editor", PASSWORD, actor="test")
    row = user_row(app, name)
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in repr(tuple(row))
    added = [r for r in audit_rows(app, "user_add") if json.loads(r.detail)["user"] == name]
    assert len(added) == 1 and PASSWORD not in repr(tuple(added[0])) and token not in repr(tuple(added[0]))
    assert accounts(app).user_for_token(token) == User(name, "editor")


def test_names_roles_and_duplicates_are_refused_naming_the_problem(app):
    with pytest.raises(InvalidParameterError, match="^name: 'bad name!' is not a user name"):
        accounts(app).add_user("bad name!", "viewer", actor="test")
    with pytest.raises(InvalidParameterError, match="^role: 'boss' is not one of viewer, editor, admin"):
        accounts(app).add_user(unique("r"), "boss", actor="test")
    with pytest.raises(InvalidParameterError, match="^password: must be 8"):
        accounts(app).add_user(unique("p"), "viewer", "short", actor="test")
    name = unique("dup")
    accounts(app).add_user(name, "viewer", actor="test")
    with pytest.raises(ConflictError, match=f"user '{name}' already exists"):
        accounts(app).add_user(name, "admin", actor="test")
    with pytest.raises(NotFoundError, match="user 'nobody_here' does not exist"):
        accounts(app).set_role("nobody_here", "admin", actor="test")


def test_roles_are_ordered():
    assert User("a", "admin").can("editor") and User("e", "editor").can("viewer") and User("e", "editor").can("editor")
    assert not User("v", "viewer").can("editor") and not User("e", "editor").can("admin")


class CountingHasher(PasswordHasher):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.verified: list[str] = []

    def verify(self, hash, password):  # noqa: A002 - argon2-cffi's own parameter name
        self.verified.append(hash)
        return super().verify(hash, password)


def test_a_login_rehashes_old_parameters_and_unknown_names_cost_a_verification(tmp_path):
    workspace = open_engine(load_settings({"data_dir": tmp_path, "workspace_path": tmp_path / "workspace.gpkg"}), [])
    weak = Accounts(workspace, PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    weak.add_user("old_params", "viewer", PASSWORD, actor="test")
    hasher = CountingHasher()
    strong = Accounts(workspace, hasher)
    assert strong.authenticate_password("old_params", PASSWORD, "10.9.9.1").name == "old_params"
    with workspace.read() as con:
        rehashed = con.execute(select(USERS.c.password_hash).where(USERS.c.name == "old_params")).scalar_one()
    assert rehashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and not hasher.check_needs_rehash(rehashed)
    hasher.verified.clear()
    with pytest.raises(Exception, match="wrong name or password"):
        strong.authenticate_password("no_such_user", PASSWORD, "10.9.9.2")
    assert len(hasher.verified) == 1  # the dummy hash: as much work as for a real account


# ---- the CLI --------------------------------------------------------------------------------------------------


@pytest.fixture()
def cli(engine_config, monkeypatch, capsys):
    """`python -m geo users …` in this process, on the workspace the app opens (same YIWU_* settings)."""
    for key, value in engine_config.items():
        monkeypatch.setenv(f"YIWU_{key}", str(value))

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = geo_command(["users", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_cli_prints_the_token_once_and_it_works_as_bearer(cli, client, app):
    name = unique("cli")
    code, out, _ = cli("add", name, "--role", "editor", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "will not be shown again" in out
    token = out.strip().splitlines()[-1]
    assert token.startswith("yiwu_") and out.count(token) == 1
    me = client.get("/me", headers=bearer(token))
    assert me.status_code == 200 and me.get_json() | {"via": None} == {"authenticated": True, "name": name,
                                                                       "role": "editor", "via": None}
    assert "private" in me.headers["Cache-Control"] or "no-store" in me.headers["Cache-Control"]
    _, listing, _ = cli("list")
    line = next(row for row in listing.splitlines() if row.startswith(name))
    assert "editor" in line and "active" in line and token not in listing
    added = [r for r in audit_rows(app, "user_add") if json.loads(r.detail)["user"] == name][0]
    assert added.actor.startswith("cli:") and json.loads(added.detail) == {"user": name, "role": "editor",
                                                                           "password": True}
    _, again, _ = cli("token", name)
    new_token = again.strip().splitlines()[-1]
    assert client.get("/me", headers=bearer(token)).status_code == 401  # the old token stops working
    assert client.get("/me", headers=bearer(new_token)).get_json()["name"] == name


def test_cli_errors_name_the_problem(cli):
    code, _, err = cli("role", "nobody_at_all", "admin")
    assert code == 1 and "user 'nobody_at_all' does not exist" in err
    code, _, err = cli("add", "bad/name", "--role", "viewer")
    assert code == 1 and "name: 'bad/name' is not a user name" in err


def test_a_role_change_is_audited_and_counts_at_once(cli, app):
    name = unique("promote")
    accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    client, _ = sign_in(app, name)
    assert client.get("/users").status_code == 403
    code, out, _ = cli("role", name, "admin")
    assert code == 0 and f"user {name}: role viewer -> admin" in out
    change = [r for r in audit_rows(app, "role_change") if json.loads(r.detail)["user"] == name]
    assert len(change) == 1 and change[0].actor.startswith("cli:") and change[0].at.endswith("Z")
    assert json.loads(change[0].detail) == {"user": name, "old_role": "viewer", "new_role": "admin"}
    assert client.get("/me").get_json()["role"] == "admin"  # the session re-reads the account
    assert client.get("/users").status_code == 200


def test_a_disabled_users_token_and_session_stop_working(cli, app):
    name = unique("gone")
    token = accounts(app).add_user(name, "editor", PASSWORD, actor="test")
    client, _ = sign_in(app, name)
    assert client.get("/me").get_json()["name"] == name
    assert cli("disable", name)[0] == 0
    response = app.test_client().get("/collections", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["code"] == "AuthenticationRequired"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="yiwu", error="invalid_token"'
    assert client.get("/me").get_json() == {"authenticated": False, "name": None, "role": "anonymous", "via": None}
    assert sign_in(app, name)[1].status_code == 401
    assert any(json.loads(r.detail)["user"] == name for r in audit_rows(app, "user_disable"))


def test_an_unknown_bearer_token_is_401_on_any_endpoint(client):
    response = client.get("/collections", headers=bearer("yiwu_not-a-token"))
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert client.get("/collections", headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 200


# ---- the login page and the session ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "words"), [("zh", ("登录", "用户名", "密码")), ("en", ("Sign in", "User name",
                                                                                      "Password"))])
def test_the_login_page_renders_in_both_languages(client, lang, words):
    response = client.get(f"/login?lang={lang}&next=/map/planner")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert f'<html lang="{HTML_LANGS[lang]}">' in html and all(w in html for w in words)
    assert '<meta name="csrf-token" content="' in html and 'name="next" value="/map/planner"' in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("yiwu_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_with_csrf_sets_the_session_and_goes_to_next(app):
    name = unique("signin")
    accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    where = address()
    client, response = sign_in(app, name, next_path="/map/planner?lang=en", client_address=where)
    assert response.status_code == 303 and response.headers["Location"] == "/map/planner?lang=en"
    assert "HttpOnly" in response.headers["Set-Cookie"] and "Secure" not in response.headers["Set-Cookie"]
    me = client.get("/me").get_json()
    assert me["authenticated"] and me["name"] == name and me["role"] == "viewer" and me["via"] == "session"
    login = [r for r in audit_rows(app, "login") if r.actor == name]
    assert len(login) == 1 and login[0].client == where
    page = client.get("/login").get_data(as_text=True)
    assert name in page and 'action="/logout"' in page  # signed in: who you are and a sign-out button


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "map"])
def test_next_must_be_a_local_path(app, target):
    name = unique("next")
    accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    _, response = sign_in(app, name, next_path=target)
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_login_without_the_csrf_token_is_403(app):
    name = unique("nocsrf")
    accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    client = browser(app, address())
    client.get("/login")
    for data in ({"name": name, "password": PASSWORD}, {"name": name, "password": PASSWORD, "csrf_token": "forged"}):
        response = client.post("/login?lang=en", data=data)
        assert response.status_code == 403 and "The form has expired" in response.get_data(as_text=True)
    assert client.get("/me").get_json()["authenticated"] is False


def test_a_wrong_password_is_401_with_the_form_again_and_audited_with_the_client(app):
    name = unique("wrong")
    accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    where = address()
    client, response = sign_in(app, name, "not the password", client_address=where)
    html = response.get_data(as_text=True)
    assert response.status_code == 401 and "用户名或密码错误" in html and f'value="{name}"' in html
    assert 'Bearer realm="yiwu"' == response.headers["WWW-Authenticate"]
    failed = [r for r in audit_rows(app, "login_failed") if r.client == where]
    assert len(failed) == 1 and failed[0].actor is None
    assert json.loads(failed[0].detail) == {"user": name, "reason": "wrong password"}
    assert client.get("/me").get_json()["authenticated"] is False


def test_failed_logins_are_throttled_by_client_and_by_name(app):
    name = unique("brute")
    accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    where = address()
    for _ in range(MAX_FAILURES):
        assert sign_in(app, unique("guess"), "nope-nope", client_address=where)[1].status_code == 401
    _, refused = sign_in(app, name, PASSWORD, client_address=where)  # even the right password, from there
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 300
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    assert sign_in(app, name, PASSWORD)[1].status_code == 303  # the name itself is not locked
    other = unique("target")
    accounts(app).add_user(other, "viewer", PASSWORD, actor="test")
    for _ in range(MAX_FAILURES):  # one name tried from many addresses
        assert sign_in(app, other, "nope-nope")[1].status_code == 401
    assert sign_in(app, other, PASSWORD)[1].status_code == 429
    with pytest.raises(Exception, match="too many failed logins"):
        accounts(app).authenticate_password(other, PASSWORD, address())


def test_a_password_change_ends_the_sessions(app):
    name = unique("rotate")
    accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    client, _ = sign_in(app, name)
    accounts(app).set_password(name, "another good password", actor="test")
    assert client.get("/me").get_json()["authenticated"] is False
    assert any(json.loads(r.detail)["user"] == name for r in audit_rows(app, "password_set"))


# ---- CSRF on the session's unsafe requests --------------------------------------------------------------------


def test_a_sessions_post_needs_its_csrf_token_bearer_and_anonymous_ones_do_not(app, client):
    name = unique("poster")
    token = accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    session_client, _ = sign_in(app, name)
    refused = session_client.post("/analysis/site", json=SITE)
    assert refused.status_code == 403 and "CSRF token missing or wrong" in refused.get_json()["description"]
    me = session_client.get("/me").get_json()
    assert session_client.post("/analysis/site", json=SITE, headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 200
    page = session_client.get("/map/planner").get_data(as_text=True)
    assert f'<meta name="csrf-token" content="{me["csrf_token"]}">' in page  # what the page's fetch helper sends
    assert client.post("/analysis/site", json=SITE).status_code == 200  # anonymous, as the public maps do
    assert client.post("/analysis/site", json=SITE, headers=bearer(token)).status_code == 200
    assert 'name="csrf-token"' not in client.get("/map/planner").get_data(as_text=True)


def test_logout_needs_the_csrf_token_and_ends_the_session(app):
    name = unique("bye")
    accounts(app).add_user(name, "viewer", PASSWORD, actor="test")
    client, _ = sign_in(app, name)
    assert client.post("/logout").status_code == 403
    token = client.get("/me").get_json()["csrf_token"]
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/me").get_json()["authenticated"] is False
    assert any(r.actor == name for r in audit_rows(app, "logout"))


# ---- require_role ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def role_app(engine_config):
    """The app with one more endpoint that needs role editor (registered before its first request)."""
    app = create_app({"TESTING": True, **engine_config})
    bp = Blueprint("role_test", __name__)

    @bp.get("/_test/editor")
    @operation("an endpoint for editors (tests only)", "other", role="editor")
    def editor_only(q):
        return jsonify({"ok": True})

    app.register_blueprint(bp)
    tokens = {role: accounts(app).add_user(unique(role), role, actor="test") for role in ("viewer", "editor", "admin")}
    return app, tokens


@pytest.mark.parametrize(("path", "allowed"), [("/_test/editor", ("editor", "admin")), ("/users", ("admin",))])
def test_require_role_anonymous_401_lower_403_enough_200(role_app, path, allowed):
    app, tokens = role_app
    client = app.test_client()
    anonymous = client.get(path)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == 'Bearer realm="yiwu"'
    assert "needs a signed-in user" in anonymous.get_json()["description"]
    for role, token in tokens.items():
        response = client.get(path, headers=bearer(token))
        assert response.status_code == (200 if role in allowed else 403), (role, response.get_json())
        assert "private" in response.headers["Cache-Control"] or "no-store" in response.headers["Cache-Control"]
        if response.status_code == 403:
            assert f"has role {role}" in response.get_json()["description"]


def test_users_lists_accounts_without_secrets(role_app):
    app, tokens = role_app
    body = app.test_client().get("/users", headers=bearer(tokens["admin"])).get_json()
    assert body["count"] == len(body["users"]) >= 3
    assert set(body["users"][0]) == {"name", "role", "disabled", "password", "token", "created_at"}
    text = json.dumps(body)
    assert "argon2" not in text and not any(t in text for t in tokens.values())


def test_openapi_declares_the_security_of_role_operations(role_app):
    app, _ = role_app
    doc = app.test_client().get("/openapi?f=json").get_json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "description": schemes["bearerAuth"][
        "description"]} and schemes["cookieAuth"]["in"] == "cookie" and schemes["cookieAuth"]["name"] == "yiwu_session"
    for path in ("/_test/editor", "/users"):
        op = doc["paths"][path]["get"]
        assert op["security"] == [{"bearerAuth": []}, {"cookieAuth": []}] and {"401", "403"} <= set(op["responses"])
    assert "security" not in doc["paths"]["/collections"]["get"] and "security" not in doc["paths"]["/me"]["get"]


def test_the_session_cookie_is_secure_behind_https(engine_config):
    app = create_app({"TESTING": True, **engine_config, "BASE_URL": "https://gis.example.gov.cn/yiwu"})
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_HTTPONLY"] is True
