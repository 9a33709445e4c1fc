"""The physical floor of a tile request: a directory of tiles (z/x/y.pbf, exported from a layer's pyramid) served as
static files by the same HTTP server as ours (waitress, 8 threads): `python -m bench.static_tiles DIR --port N`.
Nothing of the service runs: a file read and its bytes written back."""

from __future__ import annotations

import argparse
import re
import sqlite3
from contextlib import closing
from pathlib import Path

TILE_RE = re.compile(r"^/tiles/(\d+)/(\d+)/(\d+)\.pbf$")


def export_tiles(mbtiles: Path, directory: Path) -> int:
    """Every tile of an MBTiles file written as directory/z/x/y.pbf (XYZ rows); the number written."""
    count = 0
    with closing(sqlite3.connect(f"file:{mbtiles}?mode=ro", uri=True)) as con:
        for z, x, row, data in con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
            path = directory / str(z) / str(x) / f"{(1 << z) - 1 - row}.pbf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            count += 1
    return count


def application(root: Path):
    """A WSGI app answering /tiles/z/x/y.pbf from `root` (404 where there is no file) and /healthz."""
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        match = TILE_RE.match(path)
        file = root.joinpath(*match.groups()).with_suffix(".pbf") if match else None
        if file is None or not file.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such tile"]
        data = file.read_bytes()
        start_response("200 OK", [("Content-Type", "application/vnd.mapbox-vector-tile"),
                                  ("Content-Length", str(len(data)))])
        return [data]
    return app


def main(argv: list[str] | None = None) -> int:
    import waitress

    parser = argparse.ArgumentParser(prog="python -m bench.static_tiles")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    waitress.serve(application(args.directory.resolve()), host="127.0.0.1", port=args.port, threads=8)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
