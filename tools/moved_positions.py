"""The positions a data change moved (issue 14's table of changed positions): each feature of the given layers as
its sources were at a commit before the change, against the same feature in the current data.

- Old: the layer's source files read with `git show <BEFORE>:data/sources/<file>` (default `BEFORE` = d0a7469,
  the parent of the issue-14 branch merged in 5a8fc16) over a temporary copy of the current sources (so a file the
  old commit lacks, such as reference_places.yaml, is the current one), and resolved by the current builder
  (`geo.build.sources.build_layer_frame`). Hub files before issue 14 had only `status`, the plan's status; it is read as
  `plan_status` too.
- New: the working tree's data/sources (what `make data` builds), or `--after <commit>` read the same way as old.
- km moved: `pyproj.Geod(ellps="WGS84").inv` between old and new point; for polygons between the centroids (WGS84
  coordinates), with the areas and the overlap in EPSG:4549. Features moved by at most `--min-m` metres (default 1)
  are counted, not listed; added and removed features are listed.

Run from the repository root (no build needed; git must see the commits):
    .venv/bin/python -m tools.moved_positions [--before d0a7469] [--after COMMIT] [--layers a,b] [--min-m 1]
Prints a Markdown table: feature, old (lon, lat), new (lon, lat), km moved, areas, source of the new position.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import yaml
from pyproj import Geod

from geo.build.references import References
from geo.build.sources import build_layer_frame
from layers import Layer, load_catalog

LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
BEFORE = "d0a7469"
LAYERS = ("logistics_hubs", "overseas_warehouses", "yixi_84", "green_power_town", "second_ring_266",
          "world_capital_of_light")
GEOD = Geod(ellps="WGS84")
PLANAR = "EPSG:4549"


def git_show(commit: str, path: str) -> bytes | None:
    """The file as it was at the commit, None when it did not exist there."""
    done = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True)
    return done.stdout if done.returncode == 0 else None


def upgraded(layer: Layer, text: bytes) -> bytes:
    """A source file in the current format: hubs before issue 14 had `status` only (what the plan said)."""
    if layer.builder != "hubs":
        return text
    hubs = yaml.safe_load(text) or []
    for hub in hubs:
        hub.setdefault("plan_status", hub.get("status"))
    return yaml.safe_dump(hubs, allow_unicode=True, sort_keys=False).encode()


def sources_at(commit: str, layers: list[Layer], target: Path) -> Path:
    """A data directory: the current sources with each layer's files as they were at the commit."""
    shutil.copytree(ROOT / "data" / "sources", target / "sources")
    for layer in layers:
        for source in layer.files:
            text = git_show(commit, f"data/{source.path}")
            if text is None:
                LOGGER.info("%s: %s not in %s, the current file is used", layer.id, source.path, commit)
                continue
            (target / source.path).write_bytes(upgraded(layer, text))
    return target


def frames(layers: list[Layer], data_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    refs = References()
    return {layer.id: build_layer_frame(layer, data_dir, refs).set_index("feature_id") for layer in layers}


def pairs(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> list[tuple[str | None, str | None]]:
    """(old id, new id) by feature id; a layer of one feature before and after pairs them whatever their ids."""
    if len(old) == len(new) == 1:
        return [(old.index[0], new.index[0])]
    ids = list(new.index) + [i for i in old.index if i not in new.index]
    return [(i if i in old.index else None, i if i in new.index else None) for i in ids]


def lonlat(geom) -> str:
    point = geom if geom.geom_type == "Point" else geom.centroid
    return f"{point.x:.4f}, {point.y:.4f}"


def area_text(old, new) -> str:
    """Areas before → now and the overlap, km² in EPSG:4549 (empty for points)."""
    if old.geom_type == "Point":
        return ""
    planar = gpd.GeoSeries([old, new], crs="EPSG:4326").to_crs(PLANAR)
    overlap = planar.iloc[0].intersection(planar.iloc[1]).area
    return f"{planar.iloc[0].area / 1e6:.2f} → {planar.iloc[1].area / 1e6:.2f} (overlap {overlap / 1e6:.2f})"


def row(label: str, old, new, source: str, min_m: float) -> tuple | None:
    """A table row, or None when the feature moved by at most min_m metres."""
    if old is None or new is None:
        return (label, lonlat(old) if old is not None else "—", lonlat(new) if new is not None else "—",
                "removed" if new is None else "new", "", source)
    a = old if old.geom_type == "Point" else old.centroid
    b = new if new.geom_type == "Point" else new.centroid
    metres = GEOD.inv(a.x, a.y, b.x, b.y)[2]
    if metres <= min_m:
        return None
    return label, lonlat(old), lonlat(new), f"{metres / 1000:.2f}", area_text(old, new), source


def compare(layer_id: str, old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, min_m: float) -> tuple[list[tuple], str]:
    """The rows of one layer and a line counting what did not move."""
    rows, unmoved = [], 0
    for old_id, new_id in pairs(old, new):
        frame, fid = (new, new_id) if new_id is not None else (old, old_id)
        label = f"{frame.loc[fid, 'name_zh']} (`{fid}`)"
        source = " ".join(str(frame.loc[fid, "source"]).split())
        found = row(label, old.geometry.get(old_id), new.geometry.get(new_id), source, min_m)
        if found is None:
            unmoved += 1
        else:
            rows.append(found)
    return rows, f"- `{layer_id}`: {len(old)} before, {len(new)} now; {unmoved} moved by at most {min_m:g} m"


def report(before: str, after: str | None, layer_ids: list[str], min_m: float) -> str:
    catalog = load_catalog(ROOT / "layers" / "catalog", ROOT / "data")
    layers = [catalog[i] for i in layer_ids]
    with tempfile.TemporaryDirectory(prefix="yiwu-moved-") as tmp:
        old = frames(layers, sources_at(before, layers, Path(tmp) / "old"))
        new = frames(layers, sources_at(after, layers, Path(tmp) / "new") if after else ROOT / "data")
    rows, counts = [], []
    for layer_id in layer_ids:
        layer_rows, count = compare(layer_id, old[layer_id], new[layer_id], min_m)
        rows += layer_rows
        counts.append(count)
    lines = ["| feature | old (lon, lat) | new (lon, lat) | km moved | area km² before → now | source now |",
             "|---|---|---|---|---|---|", *("| " + " | ".join(r) + " |" for r in rows)]
    now = after or "the working tree's data/sources"
    return f"Positions at {before} against {now}\n\n" + "\n".join(lines) + "\n\n" + "\n".join(counts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.moved_positions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help=f"commit before the change (default {BEFORE})")
    parser.add_argument("--after", help="commit after it (default: the working tree)")
    parser.add_argument("--layers", default=",".join(LAYERS), help="comma-separated layer ids")
    parser.add_argument("--min-m", type=float, default=1.0, help="list only features moved by more (metres)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(report(args.before, args.after, args.layers.split(","), args.min_m))
    return 0


if __name__ == "__main__":
    sys.exit(main())
