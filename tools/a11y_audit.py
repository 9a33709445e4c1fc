"""Run the accessibility checks of every page (tests/a11y_support.py) against a running service and write the
violations per page, language and size as JSON and Markdown — the before/after record of issue 17.

    .venv/bin/python tools/a11y_audit.py --base http://127.0.0.1:8000 --user a11y --password … --token … \\
        --out /tmp/a11y.json --md /tmp/a11y.md

--user/--password sign in through /login for the pages that need a role; --token (an editor's or admin's) imports a
small layer so the QC report page of an import can be checked."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from a11y_support import (  # noqa: E402
    LANGS,
    SIZES,
    audit_page,
    axe_source,
    fetch_json,
    import_values,
    pages_of,
    param_values,
    sign_in,
    summary,
)
from browser_support import chromium  # noqa: E402


def audit(base: str, user: str, password: str, token: str) -> dict:
    doc = fetch_json(f"{base}/openapi")
    pages = pages_of(doc, param_values(base, {}, import_values(base, doc, token) if token else {}))
    source, results = axe_source(), {}
    with chromium() as driver:
        for signed_in in (False, True):
            if signed_in:
                sign_in(driver, base, user, password)
            for page in [p for p in pages if p.signed_in == signed_in]:
                for lang in LANGS:
                    for size in SIZES:
                        got = audit_page(driver, base, page, lang, size, source)
                        results.setdefault(page.name, {})[f"{lang}/{size}"] = {
                            "violations": summary(got["violations"]), "lang": got["lang_attr"],
                            "opened": got["opened"], "details": got["violations"]}
                        print(page.name, lang, size, summary(got["violations"]), flush=True)
    return results


def markdown(results: dict) -> str:
    lines = ["| page | lang/size | violations (rule: elements) |", "|---|---|---|"]
    for page, runs in results.items():
        for key, run in runs.items():
            text = ", ".join(f"{k}: {n}" for k, n in sorted(run["violations"].items())) or "none"
            lines.append(f"| `{page}` | {key} | {text} |")
    totals = {}
    for runs in results.values():
        for run in runs.values():
            for k, n in run["violations"].items():
                totals[k] = totals.get(k, 0) + n
    lines += ["", "Totals over every run (elements): " + (", ".join(f"{k} {n}" for k, n in sorted(totals.items()))
                                                         or "none")]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--token", default="")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--md", type=Path, required=True)
    args = parser.parse_args()
    results = audit(args.base.rstrip("/"), args.user, args.password, args.token)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    args.md.write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
