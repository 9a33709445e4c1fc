"""`python -m geo build [--data-dir DIR] [--out FILE] [--force]`: build the GeoPackage and print the reconciliation."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from geo.build import build, format_table
from geo.errors import GeoError
from layers import CatalogError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build data/build/yiwu.gpkg from the catalog and sources")
    cmd.add_argument("--data-dir", type=Path, default=Path("data"))
    cmd.add_argument("--out", type=Path, default=None, help="default: DATA_DIR/build/yiwu.gpkg")
    cmd.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    out = args.out or args.data_dir / "build" / "yiwu.gpkg"
    try:
        result = build(args.data_dir, out, force=args.force)
    except (GeoError, CatalogError) as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    state = "built" if result.rebuilt else "up to date"
    print(f"{result.path}: {state} in {result.seconds:.2f} s")
    for raster in result.rasters:
        print(f"{raster.path}: {'built' if raster.rebuilt else 'up to date'} in {raster.seconds:.2f} s")
    print(format_table(result.figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
