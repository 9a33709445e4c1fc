"""Where a read goes when the database has streaming replicas (issue 26; YIWU_DATABASE_REPLICAS).

Reads go to a replica; writes, imports, accounts, sessions and the audit trail to the primary. Read-your-writes by
WAL position, not by a time window: a write remembers the primary's WAL insert position after its commit
(`WRITTEN`); the client carries it back (a cookie, api/core/consistency.py) as `READ_AFTER`; a snapshot reads the
replica's version together with its replayed position and goes to the primary instead when the replica has not
replayed that far yet. So an editor always reads their own edit — even behind a replica minutes late — and
everybody else, and the editor once the replica caught up (normally milliseconds), reads the replica; no request
ever waits for replication, and no guess of the lag is needed. A replica that fails is left alone for
`RETRY_SECONDS`: its reads go to the primary meanwhile."""

from __future__ import annotations

import re
import threading
import time
from contextvars import ContextVar

READ_AFTER: ContextVar[int | None] = ContextVar("yiwu_read_after", default=None)  # the client's last write
WRITTEN: ContextVar[int | None] = ContextVar("yiwu_written", default=None)  # this request's last write
ROUTE: ContextVar[str | None] = ContextVar("yiwu_route", default=None)  # the server this context reads (None: primary)
RETRY_SECONDS = 5.0
UNKNOWN_POSITION = (1 << 64) - 1  # a write committed at a position not known: no replica is taken to hold it
LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def parse_lsn(text: str | None) -> int | None:
    """A WAL position as PostgreSQL writes it ('16/B374D848') as a number; None when it is not one."""
    found = LSN.match(text or "")
    return (int(found.group(1), 16) << 32) | int(found.group(2), 16) if found else None


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def needed_position() -> int | None:
    """The WAL position this request's reads must include: its own write, or its client's last one."""
    known = [p for p in (READ_AFTER.get(), WRITTEN.get()) if p is not None]
    return max(known) if known else None


def note_written(position: int) -> None:
    """A write of this request committed at `position` (kept the furthest)."""
    WRITTEN.set(max(position, WRITTEN.get() or 0))


class Replicas:
    """The replicas' URLs and which of them failed lately (shared by the threads of a process)."""

    def __init__(self, urls: tuple[str, ...] | list[str]):
        self.urls = list(urls)
        self._failed: dict[str, float] = {}
        self._lock = threading.Lock()
        self._turn = 0

    def healthy(self) -> list[str]:
        """The replicas to try now, those that did not fail within RETRY_SECONDS, starting with the next one in turn
        (the reads spread over them; the primary may be listed too, to take its share)."""
        now = time.monotonic()
        with self._lock:
            self._turn = (self._turn + 1) % max(1, len(self.urls))
            ordered = self.urls[self._turn:] + self.urls[:self._turn]
            return [u for u in ordered if now - self._failed.get(u, -RETRY_SECONDS) >= RETRY_SECONDS]

    def failed(self, url: str, down: bool) -> None:
        """A read on the replica failed: left alone for RETRY_SECONDS when it is `down` (or its connection broke);
        not when it merely lacks what the primary made just now (the next request tries it again)."""
        if down:
            with self._lock:
                self._failed[url] = time.monotonic()

    def __contains__(self, url: object) -> bool:
        return url in self.urls
