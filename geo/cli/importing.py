"""`python -m geo import PATH --id ID --title-zh … --title-en … --role ROLE --plan-ref §N [options]`: check a
file (QC report printed in Chinese and English) and add it to the workspace as a new layer, audited as the
command's user; nothing is added when the file is refused."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from pathlib import Path

from geo.core.errors import ConflictError, GeoError
from geo.core.settings import Settings
from geo.imports.pipeline import boundary_extents, import_file
from geo.imports.qc.report import ImportRefusedError
from geo.imports.reader import ImportOptions
from geo.store import open_engine
from geo.workspace.layers import ImportRequest
from layers import CatalogError, load_catalog
from layers.model import ACCURACIES, GROUPS, LAYER_ROLES

LOGGER = logging.getLogger(__name__)


def add_import_parser(sub) -> None:
    cmd = sub.add_parser("import", help="check a file and add it to the workspace as a new layer")
    cmd.add_argument("path", type=Path, help="GeoPackage, zipped Shapefile, GeoJSON, FlatGeobuf, KML/KMZ or CSV")
    cmd.add_argument("--id", required=True, dest="layer_id", help="collection id: lower-case letters, digits, _")
    cmd.add_argument("--title-zh", required=True)
    cmd.add_argument("--title-en", required=True)
    cmd.add_argument("--role", required=True, choices=LAYER_ROLES)
    cmd.add_argument("--plan-ref", required=True, help="the plan clause the layer serves, e.g. §5")
    cmd.add_argument("--group", choices=GROUPS, help="default: from the role")
    cmd.add_argument("--access", choices=("public", "internal"), default="internal")
    cmd.add_argument("--accuracy", choices=ACCURACIES)
    cmd.add_argument("--source-name", help="default: the file's name")
    cmd.add_argument("--licence", default="office data")
    cmd.add_argument("--crs", help="the file's CRS when it has none (e.g. EPSG:4549)")
    cmd.add_argument("--gcj02", action="store_true", help="coordinates are GCJ-02 lon/lat")
    cmd.add_argument("--encoding", help="attribute text encoding (e.g. GBK) instead of .cpg or detection")
    cmd.add_argument("--layer", dest="source_layer", help="the layer of a multi-layer GeoPackage or KML")
    cmd.add_argument("--id-field", help="the field holding unique feature ids")
    cmd.add_argument("--x-field")
    cmd.add_argument("--y-field")
    cmd.add_argument("--wkt-field")
    cmd.add_argument("--no-repair", action="store_true", help="refuse invalid geometries instead of repairing")
    cmd.add_argument("--json", action="store_true", help="print the QC report as JSON")
    cmd.add_argument("--no-palette-style", action="store_true",
                     help="one colour even when a field holds a classification's codes (the QC report proposes them)")


def options_from(args: argparse.Namespace) -> ImportOptions:
    return ImportOptions(crs=args.crs, gcj02=args.gcj02, encoding=args.encoding, layer=args.source_layer,
                         id_field=args.id_field, x_field=args.x_field, y_field=args.y_field,
                         wkt_field=args.wkt_field, repair=not args.no_repair)


def request_from(args: argparse.Namespace) -> ImportRequest:
    return ImportRequest(args.layer_id, args.title_zh, args.title_en, args.role, args.plan_ref,
                         args.source_name or args.path.name, args.licence, args.accuracy, args.group, args.access,
                         proposed_style=not args.no_palette_style)


def print_report(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    for message in report.get("messages", []):
        print(f"[{message['level']}] {message['zh']}\n         {message['en']}")


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    """Exit status 0 when imported, 2 when refused (the report says why), 1 on other errors."""
    catalog = load_catalog(settings.catalog_dir)
    engine = open_engine(settings, list(catalog))  # the engine the app opens with the same settings
    try:
        extents = boundary_extents(catalog, engine)
        layer, report = import_file(engine, args.path, options_from(args), request_from(args),
                                    f"cli:{getpass.getuser()}", "localhost", extents, set(catalog))
    except ImportRefusedError as exc:
        print_report(exc.report.to_dict(), args.json)
        print(f"import refused: {exc}", file=sys.stderr)
        return 2
    except (ConflictError, CatalogError, GeoError) as exc:
        print(f"import failed: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.close()
    print_report(report, args.json)
    print(f"imported '{layer.id}': {report.get('imported_count')} features")
    return 0
