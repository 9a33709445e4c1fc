"""`python -m geo build [--data-dir DIR] [--out FILE] [--catalog-dir DIR] [--raster-catalog-dir DIR] [--force]`:
build the GeoPackage and the rasters from the settings (defaults, YIWU_* environment, these options) and print
the reconciliation. `python -m geo import PATH …`: add a file to the workspace (geo/cli_import.py).

`python -m geo users add NAME --role ROLE [--password-stdin] | list | role NAME ROLE | disable NAME | token NAME |
password NAME`: the accounts of the workspace the app opens with the same settings (geo/workspace.py
`open_workspace`); every change is audited with the actor `cli:<os user>`."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from geo.accounts import ROLES, Accounts
from geo.build import build, format_table
from geo.cli_import import add_import_parser, run_import
from geo.errors import GeoError
from geo.settings import load_settings
from geo.workspace import open_workspace
from layers import CatalogError

CLI_CLIENT = "localhost"  # the client of a command run on the server (as `python -m geo import`)


def _build_parser(sub) -> None:
    cmd = sub.add_parser("build", help="build the GeoPackage and rasters from the catalogs and sources")
    cmd.add_argument("--data-dir", type=Path, help="default: YIWU_DATA_DIR or ./data")
    cmd.add_argument("--out", type=Path, dest="gpkg_path", help="default: YIWU_GPKG_PATH or DATA_DIR/build/yiwu.gpkg")
    cmd.add_argument("--catalog-dir", type=Path, help="default: YIWU_CATALOG_DIR or layers/catalog")
    cmd.add_argument("--raster-catalog-dir", type=Path, help="default: YIWU_RASTER_CATALOG_DIR or layers/rasters")
    cmd.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")


def _users_parser(sub) -> None:
    users = sub.add_parser("users", help="accounts of the workspace (roles: viewer < editor < admin)")
    action = users.add_subparsers(dest="action", required=True)
    add = action.add_parser("add", help="add a user; prints its API token once")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read a password for the login page from stdin")
    action.add_parser("list", help="the users (never a secret)")
    role = action.add_parser("role", help="give a user another role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
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
    accounts = Accounts(open_workspace(load_settings()))
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


def run_build(args: argparse.Namespace) -> int:
    settings = load_settings({k: v for k, v in vars(args).items() if k not in ("command", "force")})
    result = build(settings, force=args.force)
    print(f"{result.path}: {'built' if result.rebuilt else 'up to date'} in {result.seconds:.2f} s")
    for raster in result.rasters:
        print(f"{raster.path}: {'built' if raster.rebuilt else 'up to date'} in {raster.seconds:.2f} s")
    print(format_table(result.figures))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo")
    sub = parser.add_subparsers(dest="command", required=True)
    _build_parser(sub)
    add_import_parser(sub)
    _users_parser(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.command == "users" else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    if args.command == "import":
        return run_import(args, load_settings())
    try:
        return run_build(args) if args.command == "build" else run_users(args)
    except (GeoError, CatalogError) as exc:
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
