"""Load for the benchmarks: latency of sequential requests on one keep-alive connection (concurrency 1), and wrk
(Debian's, C) for concurrency 16, both over the same list of paths, so this service and its peer get the same
requests."""

from __future__ import annotations

import http.client
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse


def sequential_ms(base: str, paths: list[str]) -> list[float]:
    """Milliseconds of each request, in order, on one persistent connection (the body read in full)."""
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    out = []
    try:
        for path in paths:
            started = time.perf_counter()
            conn.request("GET", path, headers={"Accept": "application/geo+json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status >= 400:
                raise RuntimeError(f"{base}{path}: HTTP {resp.status}")
            out.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return out


def median_ms(base: str, paths: list[str]) -> float:
    return statistics.median(sequential_ms(base, paths))


LUA = """paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Accept"] = "application/geo+json"})
end
"""


def wrk(base: str, paths: list[str], connections: int = 16, seconds: int = 8) -> dict:
    """Requests per second and median latency (ms) with `connections` concurrent connections (wrk -t2)."""
    script = LUA % ", ".join('"' + p.replace('"', '\\"') + '"' for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        run = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", handle.name, base],
                             capture_output=True, text=True, check=True, timeout=seconds + 60)
    finally:
        Path(handle.name).unlink(missing_ok=True)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", run.stdout).group(1))
    value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)", run.stdout).groups()
    p50 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
    return {"rps": rps, "p50_ms": p50, "errors": int(errors.group(1)) if errors else 0}
