"""The servers a benchmark compares, as processes on free 127.0.0.1 ports: this service (`python server.py`, waitress,
8 threads) and the peer pygeoapi (0.21, its OGR provider over the same GeoPackage, served by waitress with 8 threads
too) from its own virtual environment (`bench/.venv-pygeoapi`, Debian's python3 with its python3-gdal; never the
runtime's venv). Also the synthetic parcel data sets, built through the documented catalog path and kept between
runs in `bench/.data/` (ignored)."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyogrio
import yaml

from bench.parcels import catalog_entry, parcels

LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA = ROOT / "bench" / ".data"
PEER_VENV = ROOT / "bench" / ".venv-pygeoapi"
PEER_REQUIREMENTS = ROOT / "bench" / "requirements-pygeoapi.txt"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-gdal for pygeoapi's OGR provider


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def parcel_data(count: int) -> tuple[Path, Path]:
    """A data directory and catalog directory with `count` synthetic parcels added as layer `parcels`, built."""
    root = BENCH_DATA / f"parcels-{count}"
    data, catalog = root / "data", root / "catalog"
    if not (data / "build" / "yiwu.gpkg").is_file():
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(ROOT / "data" / "sources", data / "sources")
        shutil.copytree(ROOT / "layers" / "catalog", catalog)
        pyogrio.write_dataframe(parcels(count), data / "sources" / "parcels.gpkg", layer="parcels", driver="GPKG")
    # the entry as the code has it now (a changed style rebuilds: the catalog is in the build's fingerprint)
    (catalog / "parcels.yaml").write_text(yaml.safe_dump(catalog_entry("parcels", "sources/parcels.gpkg"),
                                                         allow_unicode=True), encoding="utf-8")
    return data, catalog


def build_seconds(data: Path, catalog: Path) -> float:
    """Wall time of `python -m geo build --force` for a data set."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "geo", "build", "--force", "--data-dir", str(data), "--catalog-dir",
                    str(catalog)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


@contextmanager
def serving(command: list[str], port: int, env: dict[str, str], ready: str = "/healthz"
            ) -> Iterator[tuple[str, subprocess.Popen]]:
    """A server started with `command` (listening on `port`, the environment plus `env`), yielded with its URL once
    `ready` answers; stopped afterwards."""
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + ready, proc)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def ours(data: Path | None = None, catalog: Path | None = None, env: dict[str, str] | None = None):
    """`python server.py` on a free port (context manager yielding URL and process): on `data`/`catalog` when given,
    with further YIWU_* settings in `env`."""
    port = free_port()
    settings = {**({"YIWU_DATA_DIR": str(data)} if data else {}), **({"YIWU_CATALOG_DIR": str(catalog)} if catalog else {}),
                **(env or {})}
    return serving([sys.executable, "server.py", "--port", str(port)], port, settings)


def peer_python() -> Path:
    """pygeoapi's own venv (Debian python3 with its GDAL bindings), made from bench/requirements-pygeoapi.txt."""
    python = PEER_VENV / "bin" / "python"
    stamp = PEER_VENV / ".installed"
    if not stamp.is_file() or stamp.read_text() != PEER_REQUIREMENTS.read_text():
        shutil.rmtree(PEER_VENV, ignore_errors=True)
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(PEER_REQUIREMENTS)], check=True)
        stamp.write_text(PEER_REQUIREMENTS.read_text())
    return python


def peer_config(gpkg: Path, layers: list[str], port: int, folder: Path) -> Path:
    """A pygeoapi configuration serving the given layers of the GeoPackage with its OGR provider."""
    resources = {layer: {"type": "collection", "title": layer, "description": layer, "keywords": [layer],
                         "extents": {"spatial": {"bbox": [-180, -90, 180, 90],
                                                 "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                         "links": [], "providers": [{"type": "feature", "name": "OGR", "data": {
                             "source_type": "GPKG", "source": str(gpkg), "source_capabilities": {"paging": True},
                             "gdal_ogr_options": {"CPL_DEBUG": "NO"}}, "id_field": "feature_id", "layer": layer}]}
                 for layer in layers}
    config = {"server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                         "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "languages": ["en-US"],
                         "limits": {"default_items": 10, "max_items": 10000}, "map": {"url": "", "attribution": ""}},
              "logging": {"level": "ERROR"},
              "metadata": {"identification": {"title": "peer", "description": "peer", "keywords": ["bench"],
                                              "keywords_type": "theme", "terms_of_service": "", "url": "http://x"},
                           "license": {"name": "test", "url": "http://x"}, "provider": {"name": "test", "url": "http://x"},
                           "contact": {k: "x" for k in ("name", "position", "address", "city", "stateorprovince",
                                                         "postalcode", "country", "phone", "fax", "email", "url",
                                                         "hours", "instructions", "role")}},
              "resources": resources}
    path = folder / "pygeoapi.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@contextmanager
def pygeoapi(gpkg: Path, layers: list[str]) -> Iterator[tuple[str, subprocess.Popen]]:
    python, port = peer_python(), free_port()
    folder = BENCH_DATA / "pygeoapi"
    folder.mkdir(parents=True, exist_ok=True)
    config = peer_config(gpkg, layers, port, folder)
    openapi = folder / "openapi.yml"
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(PEER_VENV / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file",
                    str(openapi)], env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with serving([str(python), "-m", "waitress", "--host=127.0.0.1", f"--port={port}", "--threads=8",
                  "pygeoapi.flask_app:APP"], port, env, ready="/conformance?f=json") as served:
        yield served


def rss_mb(proc: subprocess.Popen) -> float:
    """Resident memory of a server process, MB (from /proc)."""
    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
