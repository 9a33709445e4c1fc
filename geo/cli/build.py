"""`python -m geo build [--data-dir DIR] [--out FILE] [--catalog-dir DIR] [--raster-catalog-dir DIR] [--force]`:
build the GeoPackage and the rasters from the settings (defaults, YIWU_* environment, these options), load them
into the engine the settings choose, and print the reconciliation."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.build.pipeline import build, format_table
from geo.core.settings import load_settings


def add_build_parser(sub) -> None:
    cmd = sub.add_parser("build", help="build the GeoPackage and rasters from the catalogs and sources")
    cmd.add_argument("--data-dir", type=Path, help="default: YIWU_DATA_DIR or ./data")
    cmd.add_argument("--out", type=Path, dest="gpkg_path", help="default: YIWU_GPKG_PATH or DATA_DIR/build/yiwu.gpkg")
    cmd.add_argument("--catalog-dir", type=Path, help="default: YIWU_CATALOG_DIR or layers/catalog")
    cmd.add_argument("--raster-catalog-dir", type=Path, help="default: YIWU_RASTER_CATALOG_DIR or layers/rasters")
    cmd.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")


def run_build(args: argparse.Namespace) -> int:
    settings = load_settings({k: v for k, v in vars(args).items() if k not in ("command", "force")})
    result = build(settings, force=args.force)
    print(f"{result.path}: {'built' if result.rebuilt else 'up to date'} in {result.seconds:.2f} s")
    for raster in result.rasters:
        print(f"{raster.path}: {'built' if raster.rebuilt else 'up to date'} in {raster.seconds:.2f} s")
    print(format_table(result.figures))
    return 0


