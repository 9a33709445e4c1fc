"""`python -m geo users add NAME --role ROLE [--password-stdin] | list | role NAME ROLE | disable NAME | token NAME |
password NAME`: the accounts of the workspace the app opens with the same settings; every change is audited with
the actor `cli:<os user>`."""

from __future__ import annotations

import argparse
import getpass
import sys

from geo.core.settings import load_settings
from geo.store import open_engine
from geo.workspace.accounts import USER_ROLES, Accounts

CLI_CLIENT = "localhost"  # the client of a command run on the server (as `python -m geo import`)


def add_users_parser(sub) -> None:
    users = sub.add_parser("users", help="accounts of the workspace (roles: viewer < editor < admin)")
    action = users.add_subparsers(dest="action", required=True)
    add = action.add_parser("add", help="add a user; prints its API token once")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=USER_ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read a password for the login page from stdin")
    action.add_parser("list", help="the users (never a secret)")
    role = action.add_parser("role", help="give a user another role")
    role.add_argument("name")
    role.add_argument("role", choices=USER_ROLES)
    for name, text in (("disable", "refuse a user's token, password and sessions"),
                       ("token", "a new API token for a user (the old one stops working); printed once"),
                       ("password", "set a user's password from stdin (open sessions end)")):
        action.add_parser(name, help=text).add_argument("name")


def cli_actor() -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        who = "unknown"
    return f"cli:{who}"[:64]


def _stdin_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _print_token(name: str, token: str) -> None:
    print(f"API token of {name} (shown once: it will not be shown again, keep it now):")
    print(token)


def run_users(args: argparse.Namespace) -> int:
    engine = open_engine(load_settings(), [])  # the workspace only: accounts need no built layer
    try:
        return _run_users(Accounts(engine), args)
    finally:
        engine.close()


def _run_users(accounts: Accounts, args: argparse.Namespace) -> int:
    who = {"actor": cli_actor(), "client": CLI_CLIENT}
    if args.action == "add":
        password = _stdin_password() if args.password_stdin else None
        token = accounts.add_user(args.name, args.role, password, **who)
        print(f"user {args.name} added with role {args.role}" + (" and a password" if password else ""))
        _print_token(args.name, token)
    elif args.action == "list":
        print(f"{'name':<24}{'role':<8}{'status':<10}{'password':<10}{'token':<7}created")
        for a in accounts.users():
            print(f"{a.name:<24}{a.role:<8}{'disabled' if a.disabled else 'active':<10}"
                  f"{'yes' if a.password else 'no':<10}{'yes' if a.token else 'no':<7}{a.created_at}")
    elif args.action == "role":
        old = accounts.set_role(args.name, args.role, **who)
        print(f"user {args.name}: role {old} -> {args.role}")
    elif args.action == "disable":
        accounts.disable(args.name, **who)
        print(f"user {args.name} disabled")
    elif args.action == "token":
        _print_token(args.name, accounts.reset_token(args.name, **who))
    elif args.action == "password":
        accounts.set_password(args.name, _stdin_password(), **who)
        print(f"password of {args.name} set")
    return 0


