"""Time the hostile corpus of tests/api/test_hardening.py (issue 9). The tests assert a bound on each request
(`SLOW_S`) but record no times; this measures them.

- In process (default): every corpus request through the Flask test client of a freshly created app over the data
  directory (caches start cold): once cold, then `REPEATS` more times. Table sorted by the slowest first time.
- `--http`: the same over HTTP against `python server.py --port <free port>` started here on the same data (waits
  for /healthz, stopped at the end); then `/healthz` under the worst-case load: on a fresh server, the 5 requests of
  `test_healthz_answers_within_a_second_while_worst_case_requests_run` twice each as 10 threads while /healthz is
  polled every 50 ms (max and median of the polls), `--runs` times.

The test module writes its requests inline in each test (no data to import), so the corpus is listed here once,
each entry naming the test it comes from; keep the two in step.

Run from the repository root (after `make data`; not part of `make bench` or `make test`):
    .venv/bin/python -m bench.hostile [--http] [--runs 2] [--data-dir data] [--out hostile.md]
The report is Markdown on stdout; `--out NAME` also writes it to bench/results/NAME (ignored by git). Times depend
on the machine's load; the header records the load average.
"""

from __future__ import annotations

import argparse
import json
import logging
import select
import socket
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from bench.report import emit, header, table
from bench.servers import ROOT, ours

LOGGER = logging.getLogger(__name__)
LAYER = "world_countries"  # tests/api/test_hardening.py LAYER
REPEATS = 3
POLL_S = 0.05
ITEMS = f"/collections/{LAYER}/items"
JSON = "application/json"
LARGE = 2**20  # bodies above this are sent in chunks, reading an early answer as curl does


@dataclass(frozen=True)
class Case:
    """One corpus request."""

    name: str
    path: str
    method: str = "GET"
    body: bytes | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def _get(name: str, query: str) -> Case:
    return Case(name, f"{ITEMS}?{query}")


def filter_cases() -> list[Case]:
    """test_like_with_many_wildcards_is_linear, test_properties_repeated_are_deduplicated_or_refused,
    test_long_and_chains_and_deep_nesting_are_refused_with_400, test_filter_errors_speak_to_the_client."""
    nested: dict = {"op": "not", "args": [{"op": "=", "args": [{"property": "name_en"}, "x"]}]}
    for _ in range(30):
        nested = {"op": "not", "args": [nested]}
    cases = [_get(f"LIKE '%'×{s} + 'a' (limit=1000)", "limit=1000&filter=" + quote(f"name_en LIKE '{'%' * s}a'"))
             for s in (8, 70, 4000)]
    cases += [_get("LIKE '%a%a…(500)b'", "filter=" + quote("name_en LIKE '%" + "a%" * 500 + "b'")),
              _get("properties=name_en ×150 (limit=5)", "limit=5&properties=" + ",".join(["name_en"] * 150)),
              _get("properties=name_en ×2000", "properties=" + ",".join(["name_en"] * 2000))]
    cases += [_get(f"AND chain of {n} terms", "filter=" + quote(" AND ".join(["iso3 <> 'x'"] * n))) for n in (300, 1000)]
    cases += [_get("OR chain of 200 terms", "filter=" + quote(" OR ".join(["name_en = 'China'"] * 200))),
              _get("30 nested brackets", "filter=" + quote("(" * 30 + "name_en = 'China'" + ")" * 30)),
              _get("cql2-json NOT nested 31 deep", "filter-lang=cql2-json&filter=" + quote(json.dumps(nested))),
              _get("cql2-json with a one-argument =", "filter-lang=cql2-json&filter="
                   + quote(json.dumps({"op": "=", "args": [1]}))),
              _get("cql2-text `name_en = = 'x'`", "filter=" + quote("name_en = = 'x'"))]
    return cases


def worst_cases() -> list[Case]:
    """The 5 requests of test_healthz_answers_within_a_second_while_worst_case_requests_run, in its order."""
    return [_get("LIKE '%'×4000 + 'a' (limit=1000)", "limit=1000&filter=" + quote("name_en LIKE '" + "%" * 4000 + "a'")),
            _get("properties=name_en ×200 (limit=1000)", "limit=1000&properties=" + ",".join(["name_en"] * 200)),
            Case(f"GET plan_zones statistics ?percentiles=7&layer={LAYER}",
                 f"/rasters/plan_zones/statistics?percentiles=7&layer={LAYER}"),
            Case(f"GET terrain_cn statistics ?percentiles=9&layer={LAYER}",
                 f"/rasters/terrain_cn/statistics?percentiles=9&layer={LAYER}"),
            _get("OR of 250 × LIKE '%a%e%i%' (limit=10000)",
                 "limit=10000&filter=" + quote(" OR ".join(["name_en LIKE '%a%e%i%'"] * 250)))]


MALFORMED = [{"type": "FeatureCollection", "features": [1, 2]}, {"type": "FeatureCollection", "features": "abc"},
             {"type": "Polygon", "coordinates": [[["a", 1]]]}, {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]},
             {"type": "GeometryCollection", "geometries": []}, [1, 2, 3]]  # test_malformed_geojson_bodies_are_400


def body_cases() -> list[Case]:
    """test_malformed_geojson_bodies_are_400 and test_deeply_nested_and_oversized_bodies, on both POST endpoints."""
    deep = ("[" * 200_000 + "]" * 200_000).encode()
    big = b'{"type": "Point", "coordinates": [120, 29], "pad": "' + b"x" * (50 * 2**20) + b'"}'
    points = json.dumps({"type": "MultiPoint", "coordinates": [[0, 0]] * 100_001}).encode()
    cases = []
    for path in ("/analysis/site", "/rasters/hub_access/statistics"):
        cases += [Case(f"POST {path} malformed #{i}", path, "POST", json.dumps(b).encode(), JSON)
                  for i, b in enumerate(MALFORMED, 1)]
        cases += [Case(f"POST {path} `[`×200,000 nested", path, "POST", deep, JSON),
                  Case(f"POST {path} 50 MB body", path, "POST", big, JSON),
                  Case(f"POST {path} 100,001 vertices", path, "POST", points, JSON),
                  Case(f"POST {path} text/plain", path, "POST", b"{}", "text/plain")]
    return cases


def edge_cases() -> list[Case]:
    """test_zonal_statistics_over_a_world_layer_is_bounded_and_cached, test_405_says_which_methods_are_allowed,
    test_odd_paths_answer_json, test_host_header_never_reaches_links."""
    return [Case(f"GET hub_access statistics ?layer={LAYER}", f"/rasters/hub_access/statistics?layer={LAYER}"),
            Case("DELETE /collections (405)", "/collections", "DELETE"),
            Case("PUT /rasters/hub_access/statistics (405)", "/rasters/hub_access/statistics", "PUT", b"{}", JSON),
            Case("GET /nope", "/nope"), Case("GET /collections/", "/collections/"),
            Case("Host: evil.example", "/collections", headers=(("Host", "evil.example"),))]


def corpus() -> list[Case]:
    """Every corpus request once (the worst-case requests' LIKE ×4000 is already among the filters)."""
    return filter_cases() + worst_cases()[1:] + body_cases() + edge_cases()


@dataclass
class Timing:
    case: Case
    status: int
    first_ms: float
    median_ms: float


def time_cases(send: Callable[[Case], int], cases: list[Case]) -> list[Timing]:
    """Each case once cold, then REPEATS more times; sorted by the first time, slowest first."""
    out = []
    for case in cases:
        times, status = [], 0
        for _ in range(1 + REPEATS):
            started = time.perf_counter()
            status = send(case)
            times.append((time.perf_counter() - started) * 1000)
        out.append(Timing(case, status, times[0], statistics.median(times[1:])))
    return sorted(out, key=lambda t: t.first_ms, reverse=True)


def in_process_sender(data_dir: Path) -> Callable[[Case], int]:
    """A fresh app's test client (cold caches) as a sender."""
    from server import create_app

    client = create_app({"TESTING": True, "DATA_DIR": str(data_dir)}).test_client()

    def send(case: Case) -> int:
        resp = client.open(case.path, method=case.method, data=case.body, content_type=case.content_type,
                           headers=dict(case.headers))
        if resp.status_code >= 400 and resp.content_type != JSON:
            LOGGER.warning("%s: %s answered %s", case.name, resp.status_code, resp.content_type)
        return resp.status_code
    return send


def early_answer_status(base: str, case: Case, timeout: float = 120) -> int:
    """POST a large body in chunks and stop sending as soon as the server answers (as curl does): waitress refuses a
    body over its limit before reading it and closes the connection, so urllib would only see a reset."""
    url, body = urlsplit(base), memoryview(case.body or b"")
    head = (f"{case.method} {case.path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: {case.content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        for start in range(0, len(body), 65536):
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(body[start:start + 65536])
            except OSError:
                break
        try:
            return int(sock.recv(4096).split(b" ", 2)[1])
        except (OSError, IndexError, ValueError) as err:
            LOGGER.warning("%s: no answer read (%s)", case.name, err)
            return -1


def http_status(base: str, case: Case, timeout: float = 120) -> int:
    """Send a case over HTTP; the status (-1 when the server closed the connection before answering)."""
    if case.body is not None and len(case.body) > LARGE:
        return early_answer_status(base, case, timeout)
    headers = dict(case.headers) | ({"Content-Type": case.content_type} if case.content_type else {})
    req = urllib.request.Request(base + case.path, data=case.body, method=case.method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as err:
        err.read()
        return err.code
    except OSError as err:  # e.g. the connection reset while a body over the server's limit was still being sent
        LOGGER.warning("%s: %s", case.name, err)
        return -1


def timing_table(timings: list[Timing]) -> str:
    rows = [(t.case.name, t.status, f"{t.first_ms:.1f}", f"{t.median_ms:.1f}") for t in timings]
    return table(("request", "status", "first (cold) ms", f"median of {REPEATS} more ms"), rows)


@dataclass
class HealthRun:
    polls: list[float]
    statuses: list[int]
    worst_ms: list[float]


def healthz_under_load(base: str) -> HealthRun:
    """The 5 worst-case requests twice each as 10 threads; /healthz polled every POLL_S until they are done."""
    run = HealthRun([], [], [])

    def worst(case: Case) -> None:
        started = time.perf_counter()
        run.statuses.append(http_status(base, case))
        run.worst_ms.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=worst, args=(case,)) for case in worst_cases() * 2]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        started = time.perf_counter()
        status = http_status(base, Case("/healthz", "/healthz"), timeout=60)
        run.polls.append((time.perf_counter() - started) * 1000)
        if status != 200:
            LOGGER.warning("/healthz answered %s", status)
        time.sleep(POLL_S)
    for thread in threads:
        thread.join()
    return run


def health_table(runs: list[HealthRun]) -> str:
    rows = [(i, len(r.polls), f"{max(r.polls):.1f}", f"{statistics.median(r.polls):.1f}",
             "yes" if all(s == 200 for s in r.statuses) else f"no: {sorted(r.statuses)}", f"{max(r.worst_ms):,.0f}")
            for i, r in enumerate(runs, 1) if r.polls]
    return table(("run", "polls", "max ms", "median ms", "all 10 worst requests 200", "slowest of them ms"), rows)


def http_report(data_dir: Path, runs: int) -> str:
    """The corpus over HTTP on one fresh server, then each /healthz run on a fresh server of its own."""
    catalog = ROOT / "layers" / "catalog"
    with ours(data_dir, catalog) as (base, _proc):
        timings = time_cases(lambda case: http_status(base, case), corpus())
    health = []
    for _ in range(runs):
        with ours(data_dir, catalog) as (base, _proc):
            health.append(healthz_under_load(base))
    every = all(max(r.polls) < 1000 for r in health if r.polls)
    return (f"\n### Over HTTP (`python server.py`, waitress), {len(timings)} requests\n\n{timing_table(timings)}"
            f"\n### /healthz while the 5 worst-case requests run twice each (10 threads), polled every "
            f"{POLL_S * 1000:.0f} ms\n\n{health_table(health)}\nevery poll within 1 s: {'yes' if every else 'NO'}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--http", action="store_true", help="also over HTTP, and /healthz under the worst-case load")
    parser.add_argument("--runs", type=int, default=2, help="/healthz runs with --http (default 2)")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    parser.add_argument("--out", help="also write the report to bench/results/OUT (or to OUT if it names a directory)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    timings = time_cases(in_process_sender(args.data_dir), corpus())
    report = (header("Hostile corpus (tests/api/test_hardening.py) timed") + f"\n### In process (Flask test client, fresh "
              f"app over {args.data_dir}), {len(timings)} requests\n\n{timing_table(timings)}")
    if args.http:
        report += http_report(args.data_dir, args.runs)
    emit(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
