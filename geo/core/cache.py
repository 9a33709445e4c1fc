"""The caches: a thread-safe LRU of computed values in the process's memory, and (issue 26) the same in a directory
every worker and host shares (YIWU_CACHE_DIR). Keys carry the data version they were computed from (the
GeoPackage's or raster's file stamp, the database's version), so a rebuild or an edit can never be answered from a
stale entry: old versions' entries are never read again and age out."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger(__name__)


class Cache(ABC):
    """What the caches share: get, put, and get_or_compute on top of them."""

    @abstractmethod
    def get(self, key: Hashable) -> Any | None: ...

    @abstractmethod
    def put(self, key: Hashable, value: Any) -> None: ...

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value, or compute it (outside any lock) and keep it."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value)
        return value


class LRUCache(Cache):
    """At most `size` entries; the least recently used is dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


RAW, PICKLED = b"B", b"P"  # the first byte of an entry: bytes as they are (tiles), or a pickled value (statistics)
TRIM_FRACTION = 16  # a process scans the directory after writing 1/16 of the bound: it overshoots by at most that
KEEP_AFTER_TRIM = 0.9  # a trim drops the least recently used entries down to 90 % of the bound


def encode(value: Any) -> bytes:
    return RAW + value if isinstance(value, bytes) else PICKLED + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> Any:
    """An entry as `encode` wrote it (pickle only from the service's own directory: made 0700, see README)."""
    return data[1:] if data[:1] == RAW else pickle.loads(data[1:])  # noqa: S301


class DirectoryCache(Cache):
    """A cache every process and host sharing `root` sees: one file per entry under `root/namespace/`, written to a
    temporary name and renamed into place (a reader sees a whole entry or none), found by the SHA-256 of the key's
    repr (keys: tuples of text, numbers and frozen dataclasses). Bounded: the files under `root` (every namespace)
    stay within `max_bytes` (plus what the processes wrote since their last scan), the least recently used (file
    mtime, touched on each hit) dropped first. A small LRU in memory answers a process's hottest entries."""

    def __init__(self, root: Path, namespace: str, max_bytes: int, memory: int):
        self.root, self.max_bytes = Path(root), int(max_bytes)
        self.folder = self.root / namespace
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.front = LRUCache(memory)
        self.hits = self.misses = 0
        self._written = 0  # bytes written since this process last scanned the directory
        self._lock = threading.Lock()

    def path(self, key: Hashable) -> Path:
        digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / digest[2:]

    def get(self, key: Hashable) -> Any | None:
        value = self.front.get(key)
        if value is None:
            value = self._read(self.path(key))
            if value is not None:
                self.front.put(key, value)
        with self._lock:
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
        return value

    def _read(self, path: Path) -> Any | None:
        try:
            data = path.read_bytes()
            os.utime(path)  # recently used: trimmed last
        except FileNotFoundError:  # never written, or trimmed by another process meanwhile
            return None
        return decode(data)

    def put(self, key: Hashable, value: Any) -> None:
        self.front.put(key, value)
        try:
            data = encode(value)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # kept in this process's memory only
            LOGGER.warning("cache %s: %r not shared: %s", self.folder, key, exc)
            return
        path = self.path(key)
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        with self._lock:
            self._written += len(data)
            due = self._written * TRIM_FRACTION > self.max_bytes
            if due:
                self._written = 0
        if due:
            self.trim()

    def trim(self) -> int:
        """Drop the least recently used entries while the directory holds more than the bound; bytes dropped."""
        entries = []
        for path in self.root.glob("*/*/*"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return 0
        dropped = 0
        for _, size, path in sorted(entries):
            if total - dropped <= self.max_bytes * KEEP_AFTER_TRIM:
                break
            path.unlink(missing_ok=True)
            dropped += size
        LOGGER.info("cache %s: %d bytes dropped (bound %d)", self.root, dropped, self.max_bytes)
        return dropped

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*/*"))
