"""Our JavaScript: ES modules under webmap/static/js that write no global but window.YiwuMap, import only what the
imported module exports, lint clean under the pinned ESLint, and no JavaScript or CSS left in Python strings."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS_DIR = ROOT / "webmap" / "static" / "js"
ESLINT = ROOT / "tools" / "js" / "node_modules" / ".bin" / "eslint"
ALLOWED_GLOBALS = {"YiwuMap"}

GLOBAL = r"\b(?:window|globalThis|self|top|parent|frames)"
WRITE = re.compile(GLOBAL + r"""\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(['"`]?)([^\]'"`]*)\2\s*\])\s*(?:[-+*/%&|^]|\*\*|<<|>>>?|&&|\|\||\?\?)?=(?!=)""")
DEFINE = re.compile(r"\b(?:Object|Reflect)\s*\.\s*(?:assign|defineProperty|defineProperties|set)\s*\(\s*" + GLOBAL)
IMPORT = re.compile(r"""^\s*import\s*(?:\{([^}]*)\}\s*from\s*)?["'](\.{1,2}/[^"']+)["']""", re.M)
EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)", re.M)
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def modules() -> list[Path]:
    files = sorted(JS_DIR.rglob("*.js"))
    assert len(files) > 10, files
    return files


def code(path: Path) -> str:
    return COMMENT.sub("", path.read_text(encoding="utf-8"))


def global_writes(source: str) -> list[str]:
    """Names of the window (global object) properties a script assigns or defines."""
    names = [m.group(1) or m.group(3) for m in WRITE.finditer(source)]
    return names + ["<" + m.group(0) + ">" for m in DEFINE.finditer(source)]


def test_the_global_write_check_catches_writes():
    assert global_writes('window.Foo = 1; window["Bar"] = 2; globalThis.Baz += 1; window.YiwuMap = {};') == \
        ["Foo", "Bar", "Baz", "YiwuMap"]
    assert global_writes("Object.assign(window, {x: 1});") and global_writes("Object.defineProperty(self, 'x', {})")
    assert global_writes("if (window.YiwuMap === x) { window.print(); } const a = window.location;") == []


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(JS_DIR)))
def test_modules_write_no_global_but_yiwumap(path):
    written = set(global_writes(code(path)))
    assert written <= ALLOWED_GLOBALS, f"{path.name} writes window.{', window.'.join(sorted(written - ALLOWED_GLOBALS))}"


def test_one_module_sets_the_global_and_the_entries_publish_through_it():
    setters = sorted(p.name for p in modules() if global_writes(code(p)))
    assert setters == ["global.js"]  # written in one place
    publishers = sorted(p.name for p in modules() if "publish(" in code(p) and p.name != "global.js")
    assert publishers == ["items.js", "main.js"]  # the map pages' entry and the items page's entry


def test_every_page_script_is_an_es_module():
    """The report and items pages load their scripts as modules, and those scripts import what they share."""
    for template, script in (("site_report.html", "report.js"), ("ogc_items.html", "items.js")):
        page = (ROOT / "api" / "html" / "templates" / template).read_text(encoding="utf-8")
        assert f"<script type=\"module\" src=\"{{{{ static_url('js/{script}') }}}}\"></script>" in page
        assert 'import {metricScale, pathStyle} from "./pathstyle.js";' in (JS_DIR / script).read_text(encoding="utf-8")


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(JS_DIR)))
def test_imports_resolve_to_exported_names(path):
    for names, target in IMPORT.findall(code(path)):
        module = (path.parent / target).resolve()
        assert module.is_file() and JS_DIR in module.parents, f"{path.name}: {target} not found"
        exported = set(EXPORT.findall(module.read_text(encoding="utf-8")))
        wanted = {n.split(" as ")[0].strip() for n in names.split(",") if n.strip()}
        assert wanted <= exported, f"{path.name}: {target} does not export {sorted(wanted - exported)}"


def test_no_javascript_or_css_in_python_strings():
    """folium templates only call into the modules (YiwuMap...) with options through tojson; styles are in .css."""
    templates = 0
    for path in sorted((ROOT / "webmap").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for pattern in (r"\bfunction\s*\(", r"=>", r"cssText", r"<style", r"\.style\.\w+\s*="):
            assert not re.search(pattern, source), f"{path.name}: {pattern}"
        for template in re.findall(r'Template\(\s*"""(.*?)"""', source, re.S):
            templates += 1
            script = re.sub(r"{{.*?}}|{%.*?%}", "", template, flags=re.S)
            for pattern in (r"\bL\.", r"\bdocument\.", r"\bwindow\.", r"\bfetch\(", r"\bif\s*\("):
                assert not re.search(pattern, script), f"{path.name}: {pattern} in a template"
            assert "YiwuMap." in script, f"{path.name}: a template that does not call into the modules"
    assert templates >= 6


def test_map_pages_load_the_entry_module_before_folium_module_script(client):
    page = client.get("/map/planner").get_data(as_text=True)
    entry = page.index('<script type="module" src="/static/js/main.js"></script>')
    script = page.index('<script type="module">')
    assert entry < script and page.index("YiwuMap.geojsonLayer(") > script
    assert re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page) == ["", ' type="module"']  # folium's switches; ours
    assert client.get("/static/js/main.js").content_type.split(";")[0] in ("text/javascript", "application/javascript")


def test_eslint_is_clean():
    if not shutil.which("node"):
        pytest.skip("ESLint needs Node.js (make setup installs apt's nodejs and npm)")
    if not ESLINT.exists():
        pytest.skip("ESLint is not installed: run `make setup` (npm ci --prefix tools/js)")
    result = subprocess.run([str(ESLINT), "--max-warnings", "0", "."], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
