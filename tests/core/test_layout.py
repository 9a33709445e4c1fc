"""The package map of CONTRIBUTING holds in the code: each geo/ package imports only the packages its arrow names,
layers/ imports nothing of ours, and geo/ knows no Flask, api/ or webmap/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {  # CONTRIBUTING.md "The packages and who imports whom"
    "core": set(),
    "query": {"core"},
    "tiles": {"core"},
    "store": {"query", "tiles", "core"},
    "rasters": {"store", "core"},
    "analysis": {"rasters", "core"},
    "workspace": {"store", "query", "core"},
    "imports": {"workspace", "store", "tiles", "core"},
    "build": {"analysis", "rasters", "tiles", "store", "core"},
    "cli": {"build", "imports", "workspace", "store", "core"},
}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the file (function-level imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def geo_package_imports(package: str) -> set[str]:
    return {name.split(".")[1] for path in (ROOT / "geo" / package).rglob("*.py")
            for name in imported_modules(path) if name.startswith("geo.") and name.count(".") >= 1} - {package}


def test_every_geo_package_imports_only_what_its_arrow_allows():
    packages = {p.name for p in (ROOT / "geo").iterdir() if (p / "__init__.py").exists()}
    assert packages == set(ALLOWED), "a geo/ package is missing from the map (CONTRIBUTING and ALLOWED)"
    wrong = {p: geo_package_imports(p) - ALLOWED[p] for p in ALLOWED if geo_package_imports(p) - ALLOWED[p]}
    assert wrong == {}


def test_geo_knows_no_flask_api_or_webmap_and_layers_nothing_of_ours():
    outward = {"flask", "api", "webmap", "server"}
    for path in (ROOT / "geo").rglob("*.py"):
        assert not {m.split(".")[0] for m in imported_modules(path)} & outward, path
    for path in (ROOT / "layers").rglob("*.py"):
        assert not {m.split(".")[0] for m in imported_modules(path)} & (outward | {"geo"}), path


def test_the_allowed_map_has_no_cycle():
    def reaches(start: str, goal: str, seen: frozenset = frozenset()) -> bool:
        return any(dep == goal or (dep not in seen and reaches(dep, goal, seen | {dep})) for dep in ALLOWED[start])
    assert [p for p in ALLOWED if reaches(p, p)] == []


def test_every_test_directory_is_collected(pytestconfig):
    """No test directory matches a pattern pytest does not recurse into (its default skips any `build`: tests/build/,
    which mirrors geo/build/, went uncollected that way)."""
    import fnmatch

    skipped = pytestconfig.getini("norecursedirs")
    tests = Path(__file__).resolve().parents[1]
    dirs = {p.parent for p in tests.rglob("test_*.py")}
    for directory in dirs:
        for part in directory.relative_to(tests.parent).parts:
            assert not any(fnmatch.fnmatch(part, pattern) for pattern in skipped), (directory, part)
