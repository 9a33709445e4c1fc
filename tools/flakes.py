"""Hunt flaky tests: run pytest on the given tests several times, quiet or with both cores busy (Debian's stress-ng),
and print each test's failure rate as a Markdown table.

    python -m tools.flakes tests/browser/test_browser_editing.py --runs 3 --count 5 [--busy] [-k expr] [--out flakes.md]

`--runs` is how many pytest sessions (each builds its data afresh), `--count` how often pytest-repeat runs each test
inside a session. A test that fails once in 20 is flaky: fix it at its cause (CONTRIBUTING "Flaky tests")."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT_SUFFIX = "-{i}-{n}]"  # pytest-repeat's id suffix, removed to count a test's runs together


@contextmanager
def busy_cores(enabled: bool):
    """stress-ng on every core for as long as the block runs (nothing when not enabled)."""
    if not enabled:
        yield None
        return
    if shutil.which("stress-ng") is None:
        sys.exit("--busy needs Debian's stress-ng (make flakes installs it)")
    proc = subprocess.Popen(["stress-ng", "--cpu", "0", "--cpu-method", "matrixprod", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def base_name(test_id: str, count: int) -> str:
    """A test's id without pytest-repeat's `-i-n` parameter."""
    if count <= 1:
        return test_id
    for i in range(1, count + 1):
        suffix = f"-{i}-{count}]"
        if test_id.endswith(suffix):
            trimmed = test_id[: -len(suffix)]
            return trimmed + "]" if "[" in trimmed else trimmed
        if test_id.endswith(f"[{i}-{count}]"):
            return test_id[: -len(f"[{i}-{count}]")]
    return test_id


def outcomes(junit: Path, count: int) -> list[tuple[str, str, str]]:
    """(test id, passed | failed | skipped, the failure's message) of every test case a JUnit XML report holds."""
    found = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        if problem is not None:
            outcome, message = "failed", (problem.get("message") or "").replace("\n", " ")
        elif case.find("skipped") is not None:
            outcome, message = "skipped", ""
        else:
            outcome, message = "passed", ""
        found.append((base_name(name, count), outcome, " ".join(message.split())[:300]))
    return found


def run_session(tests: list[str], count: int, keyword: str | None, junit: Path) -> float:
    """One pytest session; its wall time in seconds."""
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *tests]
    if count > 1:
        args += [f"--count={count}"]
    if keyword:
        args += ["-k", keyword]
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def table(results: dict[str, Counter], messages: dict[str, list[str]], label: str) -> str:
    lines = [f"### {label}", "", "| test | runs | failed | rate |", "|---|---|---|---|"]
    for name, counts in sorted(results.items(), key=lambda kv: (-kv[1]["failed"], kv[0])):
        runs = counts["passed"] + counts["failed"]
        if runs:
            lines.append(f"| `{name}` | {runs} | {counts['failed']} | {counts['failed'] / runs:.0%} |")
    failed = sum(c["failed"] for c in results.values())
    total = sum(c["passed"] + c["failed"] for c in results.values())
    lines += ["", f"{len(results)} tests, {total} runs, {failed} failed"]
    for name, found in sorted(messages.items()):
        lines += ["", f"- `{name}`:", *[f"  - {m}" for m in dict.fromkeys(found)]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="+", help="test files or node ids")
    parser.add_argument("--runs", type=int, default=3, help="pytest sessions")
    parser.add_argument("--count", type=int, default=1, help="repeats of each test inside a session (pytest-repeat)")
    parser.add_argument("--busy", action="store_true", help="both cores busy with stress-ng meanwhile")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    parser.add_argument("--out", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args()
    results: dict[str, Counter] = defaultdict(Counter)
    messages: dict[str, list[str]] = defaultdict(list)
    walls = []
    with tempfile.TemporaryDirectory(prefix="yiwu-flakes-") as tmp, busy_cores(args.busy):
        for run in range(args.runs):
            junit = Path(tmp) / f"run{run}.xml"
            walls.append(run_session(args.tests, args.count, args.keyword, junit))
            if junit.exists():
                for name, outcome, message in outcomes(junit, args.count):
                    results[name][outcome] += 1
                    if message:
                        messages[name].append(message)
            print(f"run {run + 1}/{args.runs}: {walls[-1]:.0f} s, failed so far "
                  f"{sum(c['failed'] for c in results.values())}", file=sys.stderr, flush=True)
    label = (f"{' '.join(args.tests)}: {args.runs} sessions x {args.count}, "
             f"{'both cores busy (stress-ng)' if args.busy else 'quiet'}, {sum(walls):.0f} s")
    report = table(results, messages, label)
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")
    return 1 if any(c["failed"] for c in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
