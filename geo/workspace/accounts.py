"""Accounts and roles (README "Accounts, roles and access"): the workspace's users (ws_users), each with a role —
viewer < editor < admin —, an API token (only its SHA-256 is stored) and optionally a password (an argon2id hash
by argon2-cffi). Every change, login, failed login and logout is written with its audit row in one transaction
(geo/store/workspace.py). Failed logins are throttled by counting the audit trail's recent `login_failed` rows for the
name or the client, so every worker process (and every replica on PostGIS) agrees. No Flask here."""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Row

from geo.core.errors import ConflictError, InvalidCredentials, InvalidParameterError, NotFoundError, TooManyAttempts
from geo.store.base import Engine
from geo.store.workspace import AUDIT, USERS, AuditEntry, json_text, now_iso

LOGGER = logging.getLogger(__name__)
USER_ROLES = ("viewer", "editor", "admin")  # in order: each role may do what the ones before it may
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
MAX_TOKEN_CHARS = 256
TOKEN_PREFIX = "yiwu_"
MAX_FAILURES = 5  # failed logins for one name, or from one client, within FAILURE_WINDOW: further tries refused
FAILURE_WINDOW = timedelta(minutes=5)


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise InvalidParameterError("name", f"'{str(name)[:80]}' is not a user name: 1 to 64 of A-Z a-z 0-9 _ . -")
    return name


def check_role(role: object) -> str:
    if role not in USER_ROLES:
        raise InvalidParameterError("role", f"'{str(role)[:40]}' is not one of {', '.join(USER_ROLES)}")
    return role


def check_password(password: object) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidParameterError("password", f"must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")
    return password


def token_hash(token: str) -> str:
    """What is stored of an API token: its SHA-256 (a token is random, 256 bits: no salt or slow hash needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def password_stamp(password_hash: str | None) -> str:
    """Changes with the password: a browser session carries it, so setting a new password ends the old sessions."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class User:
    """A signed-in user, as a request sees it."""

    name: str
    role: str
    stamp: str = field(default="", compare=False, repr=False)  # password_stamp of the account

    def can(self, role: str) -> bool:
        """Whether this user's role is `role` or above."""
        return USER_ROLES.index(self.role) >= USER_ROLES.index(check_role(role))

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role}


@dataclass(frozen=True)
class Account:
    """One account as listed (never a secret: only whether a password and a token are set)."""

    name: str
    role: str
    disabled: bool
    password: bool
    token: bool
    created_at: str

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "disabled": self.disabled, "password": self.password,
                "token": self.token, "created_at": self.created_at}


class Accounts:
    """The accounts of one workspace. `actor` is who makes a change (a user name, or "cli:<os user>"), `client`
    the address it came from; both go to the audit trail."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None):
        self.engine = engine
        self.hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory parameters

    @cached_property
    def _dummy_hash(self) -> str:
        """Verified against when the name is unknown (or has no password), so a login costs the same either way."""
        return self.hasher.hash(secrets.token_hex(16))

    # ---- changes (each with its audit row, in one transaction) ------------------------------------------------

    def add_user(self, name: str, role: str, password: str | None = None, *, actor: str,
                 client: str | None = None) -> str:
        """Create an account; its API token, returned once (only its hash is kept)."""
        name, role = check_name(name), check_role(role)
        password_hash = None if password is None else self.hasher.hash(check_password(password))
        token = new_token()
        with self.engine.begin() as con:
            if _row(con, name) is not None:
                raise ConflictError(f"user '{name}' already exists")
            con.execute(USERS.insert().values(name=name, role=role, password_hash=password_hash,
                                              token_hash=token_hash(token), disabled=0, created_at=now_iso()))
            self.engine.record(con, AuditEntry("user_add", actor, client, detail={
                "user": name, "role": role, "password": password is not None}))
        LOGGER.info("user %s added with role %s by %s", name, role, actor)
        return token

    def set_role(self, name: str, role: str, *, actor: str, client: str | None = None) -> str:
        """Give an account another role; the role it had."""
        role = check_role(role)
        with self.engine.begin() as con:
            old = _existing(con, name).role
            con.execute(update(USERS).where(USERS.c.name == name).values(role=role))
            self.engine.record(con, AuditEntry("role_change", actor, client, detail={
                "user": name, "old_role": old, "new_role": role}))
        return old

    def disable(self, name: str, *, actor: str, client: str | None = None) -> None:
        """Refuse the account's token, password and open sessions from now on (the row and its history stay)."""
        with self.engine.begin() as con:
            _existing(con, name)
            con.execute(update(USERS).where(USERS.c.name == name).values(disabled=1))
            self.engine.record(con, AuditEntry("user_disable", actor, client, detail={"user": name}))

    def reset_token(self, name: str, *, actor: str, client: str | None = None) -> str:
        """A new API token for the account (the old one stops working); returned once."""
        token = new_token()
        with self.engine.begin() as con:
            _existing(con, name)
            con.execute(update(USERS).where(USERS.c.name == name).values(token_hash=token_hash(token)))
            self.engine.record(con, AuditEntry("token_reset", actor, client, detail={"user": name}))
        return token

    def set_password(self, name: str, password: str, *, actor: str, client: str | None = None) -> None:
        """Set (or replace) the account's password; its open browser sessions end."""
        password_hash = self.hasher.hash(check_password(password))
        with self.engine.begin() as con:
            _existing(con, name)
            con.execute(update(USERS).where(USERS.c.name == name).values(password_hash=password_hash))
            self.engine.record(con, AuditEntry("password_set", actor, client, detail={"user": name}))

    def record_logout(self, user: User, client: str | None = None) -> None:
        with self.engine.begin() as con:
            self.engine.record(con, AuditEntry("logout", user.name, client))

    # ---- sign-in --------------------------------------------------------------------------------------------

    def authenticate_password(self, name: str, password: str, client: str | None = None) -> User:
        """The user of a name and password (audited `login`), else InvalidCredentials (audited `login_failed`, with
        the name tried and why) — TooManyAttempts, before any check, after MAX_FAILURES recent failures."""
        valid_name = isinstance(name, str) and bool(NAME_RE.match(name))
        self._throttle(name if valid_name else None, client)
        with self.engine.read() as con:
            row = _row(con, name) if valid_name else None
        stored = row.password_hash if row is not None else None
        matches = self._verify(stored, password)
        reason = ("unknown user" if row is None else "disabled" if row.disabled else
                  "no password" if stored is None else None if matches else "wrong password")
        if reason:
            with self.engine.begin() as con:
                self.engine.record(con, AuditEntry("login_failed", None, client, detail={
                    "user": str(name)[:64], "reason": reason}))
            raise InvalidCredentials("wrong name or password")
        return self._login(row, password, client)

    def _verify(self, stored: str | None, password: object) -> bool:
        """Argon2 verification, against a dummy hash when there is no stored one (the same work either way)."""
        given = password if isinstance(password, str) and len(password) <= MAX_PASSWORD_CHARS else ""
        try:
            return self.hasher.verify(stored or self._dummy_hash, given) and stored is not None and given != ""
        except (VerificationError, InvalidHashError):
            return False

    def _login(self, row: Row, password: str, client: str | None) -> User:
        """Record the login, rehashing the password when the hasher's parameters have changed since."""
        password_hash = row.password_hash
        with self.engine.begin() as con:
            if self.hasher.check_needs_rehash(password_hash):
                password_hash = self.hasher.hash(password)
                con.execute(update(USERS).where(USERS.c.name == row.name).values(password_hash=password_hash))
            self.engine.record(con, AuditEntry("login", row.name, client, detail={"via": "password"}))
        return User(row.name, row.role, password_stamp(password_hash))

    def _throttle(self, name: str | None, client: str | None) -> None:
        """TooManyAttempts when the name, or the client, had MAX_FAILURES failed logins within the window."""
        now = datetime.now(UTC)
        recent = select(AUDIT.c.at).where(AUDIT.c.action == "login_failed", AUDIT.c.at >= _iso(now - FAILURE_WINDOW))
        conditions = []
        if name is not None:
            conditions.append(AUDIT.c.detail.like(f"%{_like_literal(json_text({'user': name})[1:-1])}%", escape="\\"))
        if client:
            conditions.append(AUDIT.c.client == client[:64])
        with self.engine.read() as con:
            for condition in conditions:
                ats = con.execute(recent.where(condition).order_by(AUDIT.c.at.desc()).limit(MAX_FAILURES)).scalars()
                ats = list(ats)
                if len(ats) >= MAX_FAILURES:
                    free_at = datetime.fromisoformat(ats[-1]) + FAILURE_WINDOW
                    wait = max(1, math.ceil((free_at - now).total_seconds()))
                    raise TooManyAttempts(f"too many failed logins; try again in {wait} s", wait)

    # ---- who is asking --------------------------------------------------------------------------------------

    def user_for_token(self, token: str | None) -> User | None:
        """The active user of an API token, else None."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        with self.engine.read() as con:
            row = con.execute(select(USERS).where(USERS.c.token_hash == token_hash(token))).first()
        if row is None or row.disabled:
            return None
        return User(row.name, row.role, password_stamp(row.password_hash))

    def user(self, name: str, stamp: str | None = None) -> User | None:
        """The active user of a name (a browser session's, re-read on every request: a disabled account or a new
        role counts at once); None when it is gone, disabled, or its password changed since `stamp`."""
        if not isinstance(name, str) or not NAME_RE.match(name):
            return None
        with self.engine.read() as con:
            row = _row(con, name)
        if row is None or row.disabled:
            return None
        current = password_stamp(row.password_hash)
        if stamp is not None and stamp != current:
            return None
        return User(row.name, row.role, current)

    def users(self) -> list[Account]:
        with self.engine.read() as con:
            rows = con.execute(select(USERS).order_by(USERS.c.name)).all()
        return [Account(r.name, r.role, bool(r.disabled), r.password_hash is not None, r.token_hash is not None,
                        r.created_at) for r in rows]


def _row(con: Connection, name: str) -> Row | None:
    return con.execute(select(USERS).where(USERS.c.name == name)).first()


def _existing(con: Connection, name: str) -> Row:
    row = _row(con, check_name(name))
    if row is None:
        raise NotFoundError(f"user '{name}' does not exist")
    return row
