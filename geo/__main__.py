"""`python -m geo build [--data-dir DIR] [--out FILE] [--catalog-dir DIR] [--raster-catalog-dir DIR] [--force]`:
build the GeoPackage and the rasters from the settings (defaults, YIWU_* environment, these options) and print
the reconciliation. `python -m geo import PATH …`: add a file to the workspace (geo/cli_import.py)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from geo.build import build, format_table
from geo.cli_import import add_import_parser, run_import
from geo.errors import GeoError
from geo.settings import load_settings
from layers import CatalogError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build the GeoPackage and rasters from the catalogs and sources")
    cmd.add_argument("--data-dir", type=Path, help="default: YIWU_DATA_DIR or ./data")
    cmd.add_argument("--out", type=Path, dest="gpkg_path", help="default: YIWU_GPKG_PATH or DATA_DIR/build/yiwu.gpkg")
    cmd.add_argument("--catalog-dir", type=Path, help="default: YIWU_CATALOG_DIR or layers/catalog")
    cmd.add_argument("--raster-catalog-dir", type=Path, help="default: YIWU_RASTER_CATALOG_DIR or layers/rasters")
    cmd.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
    add_import_parser(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    if args.command == "import":
        return run_import(args, load_settings())
    settings = load_settings({k: v for k, v in vars(args).items() if k not in ("command", "force")})
    try:
        result = build(settings, force=args.force)
    except (GeoError, CatalogError) as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    print(f"{result.path}: {'built' if result.rebuilt else 'up to date'} in {result.seconds:.2f} s")
    for raster in result.rasters:
        print(f"{raster.path}: {'built' if raster.rebuilt else 'up to date'} in {raster.seconds:.2f} s")
    print(format_table(result.figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
