"""The large layers' tile pyramids (geo/tiles/pyramid.py) as the engines keep and serve them: one MBTiles file per
layer in the settings' pyramid directory (beside the GeoPackage, or a directory every PostGIS worker shares), opened
once per file (a rebuilt file, renamed into place, is opened at the next request), answered only when it was built
from the layer's data now with the properties asked for. Edits since a pyramid's build are read from the audit trail:
the tiles they touch are answered live or patched, and a layer with many of them is rebuilt in the background."""

from __future__ import annotations

import fcntl
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import orjson
import shapely
import shapely.geometry

from geo.core.crs import WGS84
from geo.core.errors import SourceError
from geo.core.settings import Settings
from geo.tiles.pyramid import Pyramid

LOGGER = logging.getLogger(__name__)
EDIT_ACTIONS = ("create", "replace", "update", "delete", "restore")


@dataclass(frozen=True)
class Edits:
    """A layer's feature changes after its pyramid's build: the boxes they touch (before and after) and each changed
    feature's state now (None: deleted)."""

    boxes: tuple[tuple[float, float, float, float], ...] = ()
    now: dict[str, dict | None] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str | None, str | None]]) -> Edits:
        """From audit rows (feature_id, before, after) in the order they were written."""
        boxes, now = [], {}
        for feature_id, before, after in rows:
            for state in (before, after):
                geometry = orjson.loads(state).get("geometry") if state else None
                if geometry:
                    boxes.append(shapely.geometry.shape(geometry).bounds)
            now[feature_id] = orjson.loads(after) if after else None
        return cls(tuple(boxes), now)

    def touch(self, bbox: tuple[float, float, float, float]) -> bool:
        west, south, east, north = bbox
        return any(b[0] <= east and b[2] >= west and b[1] <= north and b[3] >= south for b in self.boxes)

    def frame(self, fields: tuple[str, ...]) -> gpd.GeoDataFrame:
        """The changed features that exist now, with feature_id and `fields` (WGS84)."""
        alive = [(fid, s) for fid, s in self.now.items() if s is not None and s.get("geometry")]
        rows = [{"feature_id": fid, **{f: (s.get("properties") or {}).get(f) for f in fields}} for fid, s in alive]
        geoms = [shapely.geometry.shape(s["geometry"]) for _, s in alive]
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=WGS84, columns=["feature_id", *fields])


class Pyramids:
    """The pyramid files of one engine."""

    def __init__(self, directory: Path, min_features: int, rebuild_edits: int, chunk_features: int = 100_000):
        self.directory = Path(directory)
        self.min_features, self.rebuild_edits = min_features, rebuild_edits
        self.chunk_features = chunk_features  # a rebuild reads the layer this many features at a time
        self._open: dict[str, tuple[tuple, Pyramid]] = {}
        self._lock = threading.Lock()
        self._rebuilding: set[str] = set()

    @classmethod
    def of(cls, settings: Settings) -> Pyramids:
        return cls(settings.pyramids, settings.pyramid_features, settings.pyramid_rebuild_edits,
                   settings.build_chunk_features)

    def path(self, layer_id: str) -> Path:
        return self.directory / f"{layer_id}.mbtiles"

    def wanted(self, count: int) -> bool:
        """Whether a layer of `count` features gets a pyramid."""
        return count >= self.min_features

    def open(self, layer_id: str) -> Pyramid | None:
        """The layer's pyramid file as it is now (a stat per call), or None when there is none or it is unreadable."""
        path = self.path(layer_id)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            known = self._open.get(layer_id)
            if known is not None and known[0] == stamp:
                return known[1]
            try:
                pyramid = Pyramid(path)
            except SourceError as exc:
                LOGGER.warning("pyramid of %s not used: %s", layer_id, exc)
                return None
            self._open[layer_id] = (stamp, pyramid)
            return pyramid

    def start_rebuild(self, layer_id: str, rebuild) -> bool:
        """Run `rebuild()` in a background thread unless one is running for the layer here or in another process
        (an exclusive lock on the layer's lock file); False when one already is."""
        with self._lock:
            if layer_id in self._rebuilding:
                return False
            self._rebuilding.add(layer_id)
        thread = threading.Thread(target=self._rebuild, args=(layer_id, rebuild), name=f"pyramid-{layer_id}",
                                  daemon=True)
        thread.start()
        return True

    def _rebuild(self, layer_id: str, rebuild) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            with open(self.directory / f".{layer_id}.rebuild.lock", "a+") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return  # another worker rebuilds it
                rebuild()
        except Exception:  # a failed rebuild leaves the old pyramid serving, with its edits answered live
            LOGGER.exception("rebuilding the pyramid of %s failed", layer_id)
        finally:
            with self._lock:
                self._rebuilding.discard(layer_id)
