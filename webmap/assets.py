"""Local copies of every script and stylesheet the map pages use.

Third-party packages are installed at set-up by npm into webmap/node_modules (ignored by git, versions
pinned in webmap/package-lock.json) and served under /vendor/; our own files under /static/.
"""

from __future__ import annotations

from pathlib import Path

VENDOR_DIR = Path(__file__).parent / "node_modules"
STATIC_DIR = Path(__file__).parent / "static"
VENDOR_PREFIX = "/vendor"
STATIC_PREFIX = "/static"

# package -> files of it the pages may load (anything else under node_modules is not served)
VENDOR_FILES: dict[str, tuple[str, ...]] = {
    "leaflet": ("dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png", "dist/images/layers-2x.png",
                "dist/images/marker-icon.png", "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png"),
    "leaflet-groupedlayercontrol": ("dist/leaflet.groupedlayercontrol.min.js",
                                    "dist/leaflet.groupedlayercontrol.min.css"),
    "leaflet.fullscreen": ("dist/Control.FullScreen.umd.js", "dist/Control.FullScreen.css"),
    "leaflet-minimap": ("dist/Control.MiniMap.min.js", "dist/Control.MiniMap.min.css", "dist/images/toggle.svg",
                        "dist/images/toggle.png"),
    "@geoman-io/leaflet-geoman-free": ("dist/leaflet-geoman.min.js", "dist/leaflet-geoman.css"),
    "leaflet.vectorgrid": ("dist/Leaflet.VectorGrid.bundled.min.js",),
}


def vendor_url(package: str, path: str) -> str:
    if path not in VENDOR_FILES.get(package, ()):
        raise KeyError(f"{package}/{path} is not a declared vendor asset")
    return f"{VENDOR_PREFIX}/{package}/{path}"


def static_url(path: str) -> str:
    return f"{STATIC_PREFIX}/{path}"


def missing_vendor_files(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Declared vendor files not installed (set-up has not run `npm ci`)."""
    return [f"{pkg}/{p}" for pkg, paths in VENDOR_FILES.items() for p in paths if not (vendor_dir / pkg / p).is_file()]
