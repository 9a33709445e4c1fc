"""The command line, `python -m geo COMMAND`: `build` (geo/cli/build.py), `import` (geo/cli/importing.py), `users`
(geo/cli/users.py)."""

from __future__ import annotations

import argparse
import logging
import sys

from geo.cli.build import add_build_parser, run_build
from geo.cli.importing import add_import_parser, run_import
from geo.cli.users import add_users_parser, run_users
from geo.core.errors import GeoError
from geo.core.settings import load_settings
from layers import CatalogError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo")
    sub = parser.add_subparsers(dest="command", required=True)
    add_build_parser(sub)
    add_import_parser(sub)
    add_users_parser(sub)
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


