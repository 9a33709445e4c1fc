"""The OpenAPI document is the contract: Schemathesis (pinned in requirements.txt) generates requests from it
against the live server (`python server.py`, as `make run` serves it) with a fixed seed and a bounded number of
examples per operation, and runs every check but positive_data_acceptance (JSON Schema cannot say that a bbox's
minimum lies below its maximum, that latitudes stop at 90 in the axis order of bbox-crs, that EPSG:4549 is
offered only for collections in its zone, or that a tile column stops at 2^z - 1: such requests are refused
with 400 naming the parameter, which the other checks verify). Its report is saved in tests/artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.contract  # the OpenAPI document as the contract

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SEED = 20261127
EXAMPLES = 25
COMMAND = ("run", "--checks", "all", "--exclude-checks", "positive_data_acceptance", "--seed", str(SEED),
           "--max-examples", str(EXAMPLES), "--phases", "examples,coverage,fuzzing", "--no-shrink",
           "--request-timeout", "30")


@pytest.mark.skipif(shutil.which("schemathesis") is None and not Path(".venv/bin/schemathesis").exists(),
                    reason="schemathesis not installed (make setup)")
def test_schemathesis_finds_no_failure(live_server):
    exe = shutil.which("schemathesis") or ".venv/bin/schemathesis"
    run = subprocess.run([exe, *COMMAND, f"{live_server}/openapi"], capture_output=True, text=True, timeout=1200)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "schemathesis.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    summary = run.stdout[run.stdout.rfind("SUMMARY"):]
    assert run.returncode == 0, summary[-3000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert generated and generated.group(1) == generated.group(2) and int(generated.group(1)) > 3000, summary
