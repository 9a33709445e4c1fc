"""Admission of data work: at most `work_slots` requests of a process compute at once; the others wait their turn
(up to `work_wait_seconds`, then 503 with Retry-After). Measured (issue 28, CONTRIBUTING "Flaky tests"): with ten
CPU-bound requests on ten threads, a request that needs no data still waited 300–800 ms, because every one of its
many GIL acquisitions queued behind the computing threads (not for a waitress thread: 32 threads changed nothing).
With the computing threads limited to the number of cores, the liveness probe and static files — which skip the
gate — answer within a few GIL switches."""

from __future__ import annotations

import os
import threading

from flask import Flask, g, request

from geo.core.errors import ServerBusyError
from geo.core.settings import Settings

LIGHT_ENDPOINTS = ("plan.healthz", "pages.static", "pages.vendor")  # no data work: never gated


def slot_count(settings: Settings) -> int:
    """The settings' work slots, or the number of cores (at least 2)."""
    return settings.work_slots if settings.work_slots > 0 else max(2, os.cpu_count() or 2)


def register_admission(app: Flask, settings: Settings) -> None:
    """Every request but the light ones holds a work slot from before its view until its teardown."""
    slots, wait = slot_count(settings), settings.work_wait_seconds
    gate = threading.BoundedSemaphore(slots)

    @app.before_request
    def admit() -> None:
        if request.endpoint in LIGHT_ENDPOINTS:
            return
        if not gate.acquire(timeout=wait):
            raise ServerBusyError(f"the server is busy: {slots} requests are computing and this one waited "
                                  f"{wait:g} s; try again shortly", max(1, round(wait / 10)))
        g.work_slot = True

    @app.teardown_request
    def release(_exc) -> None:
        if g.pop("work_slot", False):
            gate.release()
