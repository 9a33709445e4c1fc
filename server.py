"""Flask app factory of the Yiwu planning map service. `python server.py --host H --port P` serves it."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from flask import Flask, Response, jsonify, request
from flask_compress import Compress
from werkzeug.exceptions import HTTPException

from api.services import Services
from geo.build import build
from geo.errors import (
    CRSMismatchError,
    GeoError,
    InvalidGeometryError,
    InvalidParameterError,
    NotFoundError,
    SourceError,
    TooLargeError,
)
from geo.store import FeatureStore
from layers import CatalogError, load_catalog
from layers.catalog_loader import DEFAULT_CATALOG_DIR
from layers.raster_loader import DEFAULT_RASTER_DIR, load_raster_catalog
from webmap.assets import VENDOR_DIR, missing_vendor_files

LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent
ENV_PREFIX = "YIWU_"

# Our exception classes → HTTP status, in one place (first match wins; subclasses before bases).
ERROR_STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFoundError, 404, "NotFound"),
    (InvalidParameterError, 400, "InvalidParameterValue"),
    (TooLargeError, 413, "PayloadTooLarge"),
    (InvalidGeometryError, 400, "InvalidGeometry"),
    (CRSMismatchError, 400, "InvalidCRS"),
    (SourceError, 500, "DataSourceError"),
    (CatalogError, 500, "CatalogError"),
    (GeoError, 500, "ServerError"),
)


def default_config() -> dict:
    data_dir = ROOT / "data"
    return {"DATA_DIR": data_dir, "GPKG_PATH": None, "CATALOG_DIR": DEFAULT_CATALOG_DIR,
            "RASTER_CATALOG_DIR": DEFAULT_RASTER_DIR, "TIANDITU_KEY": None,
            "VENDOR_DIR": VENDOR_DIR, "BUILD_ON_START": True,
            "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/javascript", "text/javascript",
                                   "application/json", "application/geo+json"]}


def env_config() -> dict:
    """YIWU_DATA_DIR, YIWU_GPKG_PATH, YIWU_CATALOG_DIR, YIWU_RASTER_CATALOG_DIR, YIWU_VENDOR_DIR,
    YIWU_BUILD_ON_START, YIWU_TIANDITU_KEY."""
    out: dict = {}
    if os.environ.get(ENV_PREFIX + "TIANDITU_KEY"):
        out["TIANDITU_KEY"] = os.environ[ENV_PREFIX + "TIANDITU_KEY"]
    for key in ("DATA_DIR", "GPKG_PATH", "CATALOG_DIR", "RASTER_CATALOG_DIR", "VENDOR_DIR"):
        if os.environ.get(ENV_PREFIX + key):
            out[key] = Path(os.environ[ENV_PREFIX + key])
    if os.environ.get(ENV_PREFIX + "BUILD_ON_START"):
        out["BUILD_ON_START"] = os.environ[ENV_PREFIX + "BUILD_ON_START"] not in ("0", "false", "no")
    return out


def problem(status: int, code: str, description: str) -> tuple[Response, int]:
    return jsonify({"code": code, "description": description}), status


def register_errors(app: Flask) -> None:
    """JSON problem bodies for our exceptions and for HTTP errors (404 route, 405 method…)."""

    @app.errorhandler(Exception)
    def handle(exc: Exception):
        for cls, status, code in ERROR_STATUS:
            if isinstance(exc, cls):
                if status >= 500:
                    LOGGER.exception("server error")
                return problem(status, code, str(exc))
        if isinstance(exc, HTTPException):
            return problem(exc.code or 500, exc.name.replace(" ", ""), exc.description or exc.name)
        LOGGER.exception("unhandled error")
        return problem(500, "ServerError", "internal error; see the server log")


def add_etag(response: Response) -> Response:
    """ETag + conditional GET for successful cacheable responses."""
    if request.method == "GET" and response.status_code == 200 and not response.direct_passthrough:
        response.add_etag()
        response.make_conditional(request)
    return response


def create_app(config: dict | None = None) -> Flask:
    """Config from defaults, then YIWU_* environment variables, then `config`; data built if missing."""
    app = Flask(__name__, static_folder=None)
    app.config.update(default_config())
    app.config.update(env_config())
    app.config.update(config or {})
    data_dir = Path(app.config["DATA_DIR"])
    gpkg = Path(app.config["GPKG_PATH"] or data_dir / "build" / "yiwu.gpkg")
    catalog = load_catalog(app.config["CATALOG_DIR"], data_dir)
    rasters = load_raster_catalog(app.config["RASTER_CATALOG_DIR"], data_dir)
    if app.config["BUILD_ON_START"] or not gpkg.is_file():
        result = build(data_dir, gpkg, app.config["CATALOG_DIR"])
        LOGGER.info("data %s (%s, %.2f s)", gpkg, "built" if result.rebuilt else "up to date", result.seconds)
    missing = missing_vendor_files(Path(app.config["VENDOR_DIR"]))
    if missing:
        LOGGER.warning("front-end assets missing (run `make setup`): %s", ", ".join(missing))
    app.extensions["yiwu"] = Services(catalog=catalog, store=FeatureStore(gpkg, list(catalog)), rasters=rasters)
    from api import analysis, collections, ogc, pages, plan, rasters

    for module in (pages, collections, ogc, plan, analysis, rasters):
        app.register_blueprint(module.bp)
    register_errors(app)
    app.after_request(add_etag)
    app.json.ensure_ascii = False  # Chinese names as UTF-8 text, not \u escapes
    Compress(app)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Yiwu planning map service.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app()
    from waitress import serve

    LOGGER.info("serving http://%s:%d", args.host, args.port)
    serve(app, host=args.host, port=args.port, threads=8)


if __name__ == "__main__":
    main()
