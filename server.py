"""Flask app factory of the Yiwu planning map service. `python server.py --host H --port P` serves it."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix

from api.core.admission import register_admission
from api.core.consistency import register_consistency
from api.core.edge import register_edge
from api.core.identity import register_identity
from api.core.services import Services, take_snapshot
from geo.core.errors import (
    AuthenticationRequired,
    ConflictError,
    CRSMismatchError,
    DataNotBuiltError,
    Forbidden,
    GeoError,
    InvalidGeometryError,
    InvalidParameterError,
    NotEditableError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    ServerBusyError,
    SourceError,
    TooLargeError,
    TooManyAttempts,
)
from geo.core.settings import Settings, load_settings
from geo.imports.qc.report import ImportRefusedError
from geo.rasters.store import RasterStore
from geo.store import open_engine
from geo.tiles.mbtiles import MBTiles
from geo.workspace.jobs import reap_orphans
from layers import CatalogError, load_catalog
from layers.raster_loader import load_raster_catalog
from layers.rules import load_rules
from webmap.assets import missing_vendor_files

LOGGER = logging.getLogger(__name__)
# Our exception classes → HTTP status, in one place (first match wins; subclasses before bases).
ERROR_STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFoundError, 404, "NotFound"),
    (InvalidParameterError, 400, "InvalidParameterValue"),
    (TooLargeError, 413, "PayloadTooLarge"),
    (InvalidGeometryError, 400, "InvalidGeometry"),
    (CRSMismatchError, 400, "InvalidCRS"),
    (AuthenticationRequired, 401, "AuthenticationRequired"),  # with WWW-Authenticate (api/core/edge.py)
    (Forbidden, 403, "Forbidden"),
    (ConflictError, 409, "Conflict"),
    (PreconditionFailedError, 412, "PreconditionFailed"),
    (PreconditionRequiredError, 428, "PreconditionRequired"),
    (NotEditableError, 405, "MethodNotAllowed"),
    (TooManyAttempts, 429, "TooManyRequests"),  # with Retry-After
    (ServerBusyError, 503, "ServiceUnavailable"),  # with Retry-After
    (ImportRefusedError, 422, "ImportRefused"),  # the endpoint answers with the QC report itself
    (SourceError, 500, "DataSourceError"),
    (CatalogError, 500, "CatalogError"),
    (GeoError, 500, "ServerError"),
)
COMPRESS_MIMETYPES = ["text/html", "text/css", "application/javascript", "text/javascript", "application/json",
                      "application/geo+json", "application/schema+json", "application/vnd.oai.openapi+json;version=3.0"]
FLASK_KEYS = ("TESTING", "DEBUG")
# waitress threads: many more than the work slots (api/core/admission.py), so a request waiting for a slot never keeps the
# liveness probe or a static file from a thread
THREADS = 32


def open_services(settings: Settings) -> Services:
    """The catalogs and the engine over what `python -m geo build` wrote; DataNotBuiltError when nothing is built."""
    if not settings.gpkg.is_file():
        raise DataNotBuiltError(f"no data at {settings.gpkg}: build it first with `make data` "
                                "(or `python -m geo build` with the same YIWU_* settings)")
    catalog = load_catalog(settings.catalog_dir, settings.data_dir)
    rules = load_rules(settings.rules_path)  # the review rules, validated at start like the catalog
    rasters = load_raster_catalog(settings.raster_catalog_dir, settings.data_dir, catalog)
    missing = missing_vendor_files(settings.vendor_dir)
    if missing:
        LOGGER.warning("front-end assets missing (run `make setup`): %s", ", ".join(missing))
    basemap = MBTiles(settings.basemap) if settings.basemap else None
    engine = open_engine(settings, list(catalog))
    engine.verify()
    reap_orphans(engine)  # jobs a dead process left unfinished say failed (geo/workspace/jobs.py)
    return Services(settings, catalog, engine, RasterStore(rasters, settings.build_dir), basemap=basemap,
                    rules=rules)


def configure_hosts(app: Flask, settings: Settings) -> None:
    """Links never trust the Host header: with a base URL they ignore it, without one only trusted hosts pass."""
    if not settings.base_url:
        app.config["TRUSTED_HOSTS"] = list(settings.trusted_hosts)
    if settings.proxy_hops:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Settings from defaults, then YIWU_* environment variables, then `config` (keys as Settings fields, any
    case); opens the data the build wrote (it never builds: `make data` does)."""
    config = dict(config or {})
    settings = load_settings(config)
    app = Flask(__name__, static_folder=None)
    app.config.update({k: v for k, v in config.items() if k in FLASK_KEYS})
    app.config["COMPRESS_MIMETYPES"] = COMPRESS_MIMETYPES
    app.extensions["yiwu"] = open_services(settings)
    configure_hosts(app, settings)
    register_consistency(app)  # issue 26: reads after the client's last write (replicas); first before-request hook
    register_admission(app, settings)  # at most work_slots requests compute at once; /healthz never waits
    register_identity(app)  # who is asking, before any view reads the catalog
    app.before_request(take_snapshot)  # the data version read once; every read of the request answers from it
    from api import analysis, audit, auth, basemap, collections, edit, imports, ogc, pages, plan, rasters, styles, tiles

    for module in (pages, collections, edit, tiles, ogc, plan, analysis, rasters, basemap, auth, imports, audit,
                   styles):
        app.register_blueprint(module.bp)
    from api import batch, processes  # issue 24

    app.register_blueprint(batch.bp)
    app.register_blueprint(processes.bp)
    app.json.ensure_ascii = False  # Chinese names as UTF-8 text, not \u escapes
    Compress(app)
    register_edge(app, ERROR_STATUS)  # registered after Compress: its headers see the uncompressed page
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Yiwu planning map service (build it first: make data).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hosts = load_settings().trusted_hosts
    wildcard = args.host in ("0.0.0.0", "::") or args.host in hosts  # the address it is reached by is configured
    app = create_app({} if wildcard else {"trusted_hosts": (*hosts, args.host)})
    from waitress import serve

    LOGGER.info("serving http://%s:%d", args.host, args.port)
    serve(app, host=args.host, port=args.port, threads=args.threads, max_request_body_size=16 * 2**20)


if __name__ == "__main__":
    main()
