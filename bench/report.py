"""Markdown output of the measurement scripts (bench/hostile.py, bench/ogrinfo_engines.py): a header naming the
commit, time and machine load (the numbers depend on them), tables, and the copy `--out` writes to bench/results/."""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from bench.servers import ROOT

LOGGER = logging.getLogger(__name__)
RESULTS = ROOT / "bench" / "results"


def header(title: str) -> str:
    """`## title` and a line: commit (with `+dirty` when the tree has changes), local time, cores, load average."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"## {title}\n\ncommit {commit}, {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, "
            f"load average {load} (1/5/15 min)\n")


def table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def emit(text: str, out: str | None) -> Path | None:
    """Print the report; with `out`, also write it: a bare file name goes to bench/results/ (ignored by git)."""
    print(text, flush=True)
    if not out:
        return None
    path = Path(out)
    if path.parent == Path("."):
        path = RESULTS / path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    LOGGER.info("written to %s", path)
    return path
