"""Jobs of OGC API – Processes, kept in the workspace (ws_jobs, written by each engine) so they outlive the process
that ran them: accepted → running → successful | failed, with progress (0–100) and a heartbeat (`updated`). A job
runs on a background thread of the process that accepted it (`JobRunner`). When that process dies (kill -9, a
crash, a restart) its job cannot finish: `reap_orphans` — at start and before every read of jobs — marks failed
every unfinished job whose process on this host is gone, or whose heartbeat is older than STALE_SECONDS (a process on
another host), so no job says `running` forever."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import orjson

from geo.core.errors import GeoError, ServerBusyError
from geo.store.base import Engine
from geo.store.workspace import json_text, now_iso

LOGGER = logging.getLogger(__name__)
UNFINISHED = ("accepted", "running")
STALE_SECONDS = 120.0  # a running job writes its heartbeat at least every HEARTBEAT_SECONDS
HEARTBEAT_SECONDS = 2.0
PROGRESS_STEP = 5  # percent
MAX_QUEUED = 8  # jobs waiting or running in one process; more: 503 with Retry-After RETRY_SECONDS
RETRY_SECONDS = 30
LOST = "the server process running this job stopped before it finished (restart or crash); run it again"
Work = Callable[[Callable[[int], None]], dict]  # given a progress(percent) callback, returns the results document


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _age_seconds(stamp: str) -> float:
    return (datetime.now(UTC) - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds()


def is_orphan(row: dict, host: str | None = None, alive: Callable[[int], bool] = pid_alive) -> bool:
    """An unfinished job whose process is gone (this host: its pid does not run; any host: no heartbeat)."""
    if row["status"] not in UNFINISHED:
        return False
    worker_host, _, pid = (row.get("worker") or "").rpartition(":")
    if worker_host == (host or socket.gethostname()) and pid.isdigit():
        return int(pid) != os.getpid() and not alive(int(pid))
    return _age_seconds(row["updated"]) > STALE_SECONDS  # another host's process: only its heartbeat tells


def reap_orphans(engine: Engine) -> list[str]:
    """Mark failed every orphaned job; their ids."""
    reaped = []
    for row in engine.read_jobs(statuses=UNFINISHED, limit=10_000):
        if is_orphan(row):
            now = now_iso()
            if engine.update_job(row["id"], {"status": "failed", "message": LOST, "finished": now, "updated": now},
                                 statuses=UNFINISHED):
                reaped.append(row["id"])
    if reaped:
        LOGGER.warning("jobs marked failed (their process is gone): %s", ", ".join(reaped))
    return reaped


def create_job(engine: Engine, process_id: str, owner: str | None, inputs: dict) -> str:
    """A new accepted job of this process; its id."""
    job_id, now = uuid.uuid4().hex, now_iso()
    engine.insert_job({"id": job_id, "process": process_id, "owner": owner, "status": "accepted", "progress": 0,
                       "created": now, "updated": now, "worker": this_worker(), "inputs": json_text(inputs)})
    return job_id


def get_job(engine: Engine, job_id: str) -> dict | None:
    reap_orphans(engine)
    rows = engine.read_jobs(job_id=job_id, limit=1)
    return rows[0] if rows else None


def list_jobs(engine: Engine, owner: str | None, limit: int = 100) -> list[dict]:
    """The jobs of one owner (None: everyone's), newest first."""
    reap_orphans(engine)
    return engine.read_jobs(owner=owner, limit=limit)


def job_results(row: dict) -> dict | None:
    return orjson.loads(row["results"]) if row.get("results") else None


class Progress:
    """Writes a job's progress when it moved by PROGRESS_STEP percent, and its heartbeat at least every
    HEARTBEAT_SECONDS (each write is a workspace transaction)."""

    def __init__(self, engine: Engine, job_id: str):
        self.engine, self.job_id = engine, job_id
        self.percent, self.written = 0, time.monotonic()

    def __call__(self, percent: int) -> None:
        percent = max(0, min(int(percent), 99))
        if percent >= self.percent + PROGRESS_STEP or time.monotonic() - self.written > HEARTBEAT_SECONDS:
            self.percent, self.written = percent, time.monotonic()
            self.engine.update_job(self.job_id, {"progress": percent, "updated": now_iso()}, statuses=("running",))


class JobRunner:
    """Runs jobs on one background thread per process (queued beyond it, at most MAX_QUEUED)."""

    def __init__(self, workers: int = 1):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yiwu-job")
        self._pending = 0
        self._lock = threading.Lock()

    def submit(self, engine: Engine, job_id: str, work: Work) -> None:
        with self._lock:
            if self._pending >= MAX_QUEUED:
                engine.update_job(job_id, {"status": "failed", "message": "too many jobs queued", "updated": now_iso()})
                raise ServerBusyError(f"{MAX_QUEUED} jobs are queued or running; try again later", RETRY_SECONDS)
            self._pending += 1
        self._pool.submit(self._run, engine, job_id, work)

    def _run(self, engine: Engine, job_id: str, work: Work) -> None:
        try:
            started = now_iso()
            if not engine.update_job(job_id, {"status": "running", "started": started, "updated": started,
                                              "worker": this_worker()}, statuses=("accepted",)):
                return
            results = work(Progress(engine, job_id))
            done = now_iso()
            engine.update_job(job_id, {"status": "successful", "progress": 100, "finished": done, "updated": done,
                                       "message": "done", "results": json_text(results)}, statuses=("running",))
        except GeoError as exc:
            self._fail(engine, job_id, str(exc))
        except Exception:  # noqa: BLE001 - a job's failure is its status, never a dead thread
            LOGGER.exception("job %s failed", job_id)
            self._fail(engine, job_id, "internal error; see the server log")
        finally:
            with self._lock:
                self._pending -= 1

    @staticmethod
    def _fail(engine: Engine, job_id: str, message: str) -> None:
        now = now_iso()
        engine.update_job(job_id, {"status": "failed", "message": message[:500], "finished": now, "updated": now},
                          statuses=UNFINISHED)
