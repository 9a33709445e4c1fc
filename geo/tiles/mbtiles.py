"""An office's own basemap as one MBTiles file (raster PNG/JPEG/WebP or vector PBF tiles), read with SQLite
read-only: its metadata checked when the app starts, its tiles answered by XYZ address (MBTiles rows are TMS,
counted from the south)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from geo.core.errors import SourceError

LOGGER = logging.getLogger(__name__)
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
               "pbf": "application/vnd.mapbox-vector-tile"}
MAX_ZOOM = 24
WORLD_BOUNDS = (-180.0, -85.0511, 180.0, 85.0511)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class BasemapInfo:
    """What a client needs to draw the basemap (the TileJSON facts)."""

    name: str
    format: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float]
    attribution: str
    description: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def vector(self) -> bool:
        return self.format == "pbf"


@dataclass(frozen=True)
class Tile:
    data: bytes
    media_type: str
    encoding: str | None  # "gzip" for vector tiles stored compressed (the MBTiles norm)


class MBTiles:
    """One MBTiles file, opened read-only; a SourceError naming the file and the fault when it is not usable."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self.info = self._read_info()

    def _connection(self) -> sqlite3.Connection:
        con = getattr(self._local, "connection", None)
        if con is None:
            if not self.path.is_file():
                raise SourceError(f"basemap {self.path}: no such file")
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.connection = con
        return con

    def _metadata(self) -> dict[str, str]:
        try:
            rows = self._connection().execute("SELECT name, value FROM metadata").fetchall()
            self._connection().execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 0")
        except sqlite3.DatabaseError as exc:
            raise SourceError(f"basemap {self.path}: not an MBTiles file ({exc})") from exc
        return {str(k): str(v) for k, v in rows}

    def metadata(self) -> dict[str, str]:
        """The file's metadata table (name → value)."""
        return self._metadata()

    def _read_info(self) -> BasemapInfo:
        meta = self._metadata()
        fmt = meta.get("format", "").lower()
        if fmt not in MEDIA_TYPES:
            raise SourceError(f"basemap {self.path}: metadata 'format' is {fmt!r}; expected one of "
                              f"{', '.join(sorted(MEDIA_TYPES))}")
        minzoom, maxzoom = self._zoom_range(meta)
        return BasemapInfo(name=meta.get("name", self.path.stem), format="jpg" if fmt == "jpeg" else fmt,
                           minzoom=minzoom, maxzoom=maxzoom, bounds=self._bounds(meta.get("bounds")),
                           attribution=meta.get("attribution", ""), description=meta.get("description", ""))

    def _zoom_range(self, meta: dict[str, str]) -> tuple[int, int]:
        """The metadata's zoom range, or the stored tiles' when the metadata leaves it out."""
        lo, hi = self._connection().execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        try:
            minzoom = int(meta.get("minzoom", lo if lo is not None else 0))
            maxzoom = int(meta.get("maxzoom", hi if hi is not None else 0))
        except ValueError as exc:
            raise SourceError(f"basemap {self.path}: metadata minzoom/maxzoom are not integers") from exc
        if not 0 <= minzoom <= maxzoom <= MAX_ZOOM:
            raise SourceError(f"basemap {self.path}: zoom range {minzoom}-{maxzoom} is not within 0-{MAX_ZOOM}")
        return minzoom, maxzoom

    def _bounds(self, text: str | None) -> tuple[float, float, float, float]:
        if not text:
            return WORLD_BOUNDS
        try:
            west, south, east, north = (float(v) for v in text.split(","))
        except ValueError as exc:
            raise SourceError(f"basemap {self.path}: metadata bounds {text!r} is not 'west,south,east,north'") \
                from exc
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise SourceError(f"basemap {self.path}: metadata bounds {text!r} is out of range")
        return west, south, east, north

    def tilejson(self, template: str) -> dict:
        """TileJSON 3.0 of the file, its tiles at `template` ({z}/{x}/{y})."""
        info = self.info
        west, south, east, north = info.bounds
        return {"tilejson": "3.0.0", "name": info.name, "description": info.description, "scheme": "xyz",
                "tiles": [template], "format": info.format, "minzoom": info.minzoom, "maxzoom": info.maxzoom,
                "bounds": [west, south, east, north], "center": [(west + east) / 2, (south + north) / 2, info.minzoom],
                "attribution": info.attribution}

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        """The tile at XYZ address z/x/y (y counted from the north), or None where the file has none."""
        row = self._connection().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y)).fetchone()
        if row is None or row[0] is None:
            return None
        data = bytes(row[0])
        encoding = "gzip" if self.info.vector and data[:2] == GZIP_MAGIC else None
        return Tile(data, self.info.media_type, encoding)
