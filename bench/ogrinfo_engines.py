"""Does GDAL's OGC API – Features client see the same service on both engines (issue 12)? `ogrinfo -ro -so -al
OAPIF:<url>` (apt `gdal-bin`) lists the collections and their feature counts, once against the app on the GeoPackage
and once on PostGIS, and the two lists are printed side by side with whether they agree.

The data: a temporary copy of data/sources, built and loaded into PostGIS by the repo's own build command
(`YIWU_DATABASE_URL=… python -m geo build --data-dir <copy>`) in a throw-away PostgreSQL 15 + PostGIS 3 cluster
(`tools.pgcluster.cluster`, as tests/conftest.py's `postgres_url` fixture and bench/bench_postgis.py use it). Each
engine is served by `python server.py` on a free port (bench.servers), stopped at the end.

Run from the repository root (needs gdal-bin and postgresql-15-postgis-3, as `make test` installs them; not part of
`make bench` or `make test`):
    .venv/bin/python -m bench.ogrinfo_engines [--out ogrinfo.md]
The report is Markdown on stdout; `--out NAME` also writes it to bench/results/NAME (ignored by git).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.report import emit, header, table
from bench.servers import ROOT, ours
from tools.pgcluster import cluster

LOGGER = logging.getLogger(__name__)


def ogrinfo_counts(url: str) -> dict[str, int]:
    """Layer name → feature count, in the order ogrinfo lists them."""
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", f"OAPIF:{url}"], capture_output=True, text=True,
                         timeout=600, check=True).stdout
    names = re.findall(r"^Layer name: (\S+)", out, re.M)
    counts = [int(n) for n in re.findall(r"^Feature Count: (-?\d+)", out, re.M)]
    if len(names) != len(counts):
        raise RuntimeError(f"ogrinfo listed {len(names)} layers but {len(counts)} feature counts")
    return dict(zip(names, counts, strict=True))




def build_both(data_dir: Path, database_url: str) -> None:
    """The build command on the copy: the GeoPackage, and every layer loaded into PostGIS."""
    env = {**os.environ, "YIWU_DATABASE_URL": database_url}
    subprocess.run([sys.executable, "-m", "geo", "build", "--data-dir", str(data_dir)], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)


def measure() -> dict[str, dict[str, int]]:
    """ogrinfo's counts on each engine."""
    tmp = Path(tempfile.mkdtemp(prefix="yiwu-ogrinfo-"))
    try:
        shutil.copytree(ROOT / "data" / "sources", tmp / "sources")
        with cluster() as database_url:
            build_both(tmp, database_url)
            engines = {"GeoPackage": {"YIWU_DATA_DIR": str(tmp)},
                       "PostGIS": {"YIWU_DATA_DIR": str(tmp), "YIWU_DATABASE_URL": database_url}}
            result = {}
            for name, env in engines.items():
                with ours(env=env) as (url, _proc):
                    result[name] = ogrinfo_counts(url)
                LOGGER.info("%s: %d collections", name, len(result[name]))
            return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(result: dict[str, dict[str, int]]) -> str:
    gpkg, pg = result["GeoPackage"], result["PostGIS"]
    names = list(gpkg) + [n for n in pg if n not in gpkg]
    rows = [(n, gpkg.get(n, "—"), pg.get(n, "—"), "yes" if gpkg.get(n) == pg.get(n) else "**no**") for n in names]
    version = subprocess.run(["ogrinfo", "--version"], capture_output=True, text=True).stdout.strip()
    agree = gpkg == pg and list(gpkg) == list(pg)
    return (header("ogrinfo OAPIF: on both engines") + f"\n{version}\n\n"
            + table(("collection", "GeoPackage", "PostGIS", "same"), rows)
            + f"\ncollections: {len(gpkg)} on the GeoPackage, {len(pg)} on PostGIS; "
              f"features: {sum(gpkg.values())} vs {sum(pg.values())}; agree: {'yes' if agree else 'NO'}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ogrinfo_engines", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="also write the report to bench/results/OUT (or to OUT if it names a directory)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    result = measure()
    emit(report(result), args.out)
    return 0 if result["GeoPackage"] == result["PostGIS"] else 1


if __name__ == "__main__":
    sys.exit(main())
