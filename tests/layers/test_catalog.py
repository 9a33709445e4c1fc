from pathlib import Path

import pytest
import yaml

from layers import CatalogError, load_catalog
from layers.catalog_loader import DEFAULT_CATALOG_DIR

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {"yiwu_boundary", "yixi_84", "second_ring_266", "world_capital_of_light", "green_power_town",
            "logistics_hubs", "corridors", "overseas_warehouses"}


def test_catalog_has_the_eight_plan_layers_and_validates_files():
    catalog = load_catalog(DEFAULT_CATALOG_DIR, ROOT / "data")
    assert REQUIRED <= set(catalog)
    for layer in catalog.values():
        assert layer.plan_refs and all(r.quote for r in layer.plan_refs)
        assert layer.audiences
    assert catalog["yixi_84"].figures[0].value == 84
    assert catalog["second_ring_266"].figures[0].value == 266


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    catalog = tmp_path / "catalog"
    catalog.mkdir(exist_ok=True)
    (catalog / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return catalog


def _entry() -> dict:
    return yaml.safe_load((DEFAULT_CATALOG_DIR / "yixi_84.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["title"].pop("en"), "title.en"),
        (lambda e: e.update(group="roads"), "group"),
        (lambda e: e.update(accuracy="precise"), "accuracy"),
        (lambda e: e["plan_refs"][0].update(clause="9"), "plan_refs[0].clause"),
        (lambda e: e["source"]["files"][0].update(path="sources/nowhere.geojson"), "source.files[0].path"),
        (lambda e: e["source"]["files"][0].update(crs="EPSG:3857"), "source.files[0].crs"),
        (lambda e: e["figures"][0].pop("tolerance_pct"), "figures[0].tolerance_pct"),
        (lambda e: e.update(audiences=["tourist"]), "audiences"),
        (lambda e: e.update(id="Bad Id"), "id"),
    ],
)
def test_broken_entry_names_file_and_field(tmp_path, mutate, field):
    entry = _entry()
    mutate(entry)
    catalog = _write(tmp_path, "broken.yaml", entry)
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog, ROOT / "data")
    assert err.value.field == field
    assert err.value.file.endswith("broken.yaml")
    assert "broken.yaml" in str(err.value) and field in str(err.value)


def test_duplicate_id_is_refused(tmp_path):
    catalog = _write(tmp_path, "a.yaml", _entry())
    _write(tmp_path, "b.yaml", _entry())
    with pytest.raises(CatalogError, match="also defined"):
        load_catalog(catalog, ROOT / "data")


def test_yaml_syntax_error_names_file(tmp_path):
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="bad.yaml"):
        load_catalog(catalog)
