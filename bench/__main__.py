"""Run every bench/bench_*.py module and print its rows: `python -m bench [--data-dir data] [NAME ...]`."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path

import bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="bench modules to run (default: all)")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    args = parser.parse_args(argv)
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")]
    for name in names:
        if args.names and name not in args.names and name.removeprefix("bench_") not in args.names:
            continue
        module = importlib.import_module(f"bench.{name}")
        for row in module.run(args.data_dir):
            print(json.dumps({"bench": name, **row}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
