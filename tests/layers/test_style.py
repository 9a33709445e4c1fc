"""The declared style model: validated at catalog load (errors name the file and the field), resolved on data into
the classes present (categorized, with the other class) or graduated breaks checked against numpy."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from layers import CatalogError, load_catalog
from layers.catalog_loader import DEFAULT_CATALOG_DIR
from layers.palettes import matching_palette, palette
from layers.style import ramp_colors

ROOT = Path(__file__).resolve().parents[2]


def _load_with_style(tmp_path: Path, style) -> object:
    entry = yaml.safe_load((DEFAULT_CATALOG_DIR / "yixi_84.yaml").read_text(encoding="utf-8"))
    entry["style"] = style
    catalog = tmp_path / "catalog"
    catalog.mkdir(exist_ok=True)
    (catalog / "yixi_84.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    return load_catalog(catalog)["yixi_84"]


@pytest.mark.parametrize(("style", "field"), [
    ({"kind": "pie"}, "style.kind"),
    ({"color": "red"}, "style.color"),
    ({"kind": "categorized", "classes": [{"value": "a", "color": "#000000"}]}, "style.field"),
    ({"kind": "categorized", "field": "f"}, "style.classes"),
    ({"kind": "categorized", "field": "f", "classes": [{"value": "a", "color": "#000000"},
                                                       {"value": "b", "color": "#12345"}]}, "style.classes[1].color"),
    ({"kind": "categorized", "field": "f", "classes": [{"value": "a", "color": "#000000"},
                                                       {"value": "a", "color": "#ffffff"}]}, "style.classes"),
    ({"kind": "categorized", "field": "f", "palette": "rainbow"}, "style.palette"),
    ({"kind": "graduated", "field": "n", "method": "jenks", "ramp": ["#000000", "#ffffff"]}, "style.method"),
    ({"kind": "graduated", "field": "n", "method": "quantile", "ramp": ["#000000"]}, "style.ramp"),
    ({"kind": "graduated", "field": "n", "method": "breaks", "breaks": [5, 2], "ramp": ["#000000", "#ffffff"]},
     "style.breaks"),
    ({"kind": "graduated", "field": "n", "method": "quantile", "count": 40, "ramp": ["#000000", "#ffffff"]},
     "style.count"),
    ({"minzoom": 12, "maxzoom": 8}, "style.maxzoom"),
    ({"weight": -1}, "style.weight"),
    ({"colour": "#000000"}, "style.colour"),
])
def test_an_invalid_style_names_the_file_and_field(tmp_path, style, field):
    with pytest.raises(CatalogError) as err:
        _load_with_style(tmp_path, style)
    assert err.value.field == field and err.value.file.endswith("yixi_84.yaml")


def test_categorized_resolves_to_the_classes_present_and_the_other_class(tmp_path):
    layer = _load_with_style(tmp_path, {"kind": "categorized", "field": "kind", "color": "#333333", "classes": [
        {"value": "a", "color": "#ff0000", "label_zh": "甲", "label_en": "A"},
        {"value": "b", "color": "#00ff00"}, {"value": 3, "color": "#0000ff"}]})
    style = layer.style.resolve(["a", "a", 3.0, None, "z"])
    assert [c.value for c in style.classes] == ["a", "3"]
    assert style.other is not None and style.other.label("en") == "Other"
    assert style.color_of("a") == "#ff0000" and style.color_of(3) == "#0000ff"
    assert style.color_of("z") == "#333333" and style.color_of(None) == "#333333"
    assert layer.style.resolve(["a"]).other is None
    assert style.classes[0].label("en") == "A" and style.classes[0].label("zh") == "甲"


@pytest.mark.parametrize("method", ["equal_interval", "quantile"])
def test_graduated_breaks_agree_with_numpy(tmp_path, method):
    layer = _load_with_style(tmp_path, {"kind": "graduated", "field": "n", "method": method, "count": 4,
                                        "ramp": ["#ffffff", "#000000"]})
    values = [3.0, 7.5, 1.0, 12.0, 40.0, 8.25, 9.0, 2.0, None]
    numbers = np.array([v for v in values if v is not None])
    if method == "quantile":
        expected = np.quantile(numbers, [0.25, 0.5, 0.75])
    else:
        expected = np.linspace(numbers.min(), numbers.max(), 5)[1:-1]
    style = layer.style.resolve(values)
    assert np.allclose(style.breaks, expected)
    assert [c.color for c in style.classes] == ["#ffffff", "#aaaaaa", "#555555", "#000000"]
    for v in numbers:
        assert style.color_of(v) == style.classes[int(np.searchsorted(expected, v, side="right"))].color
    assert style.color_of(None) == style.color


def test_given_breaks_and_a_ramp_of_three(tmp_path):
    layer = _load_with_style(tmp_path, {"kind": "graduated", "field": "n", "method": "breaks", "breaks": [10, 100],
                                        "ramp": ["#ff0000", "#00ff00", "#0000ff"]})
    style = layer.style.resolve([1, 50, 500])
    assert style.breaks == (10.0, 100.0)
    assert [style.color_of(v) for v in (9.99, 10, 99, 100, 1e6)] == ["#ff0000", "#00ff00", "#00ff00", "#0000ff",
                                                                       "#0000ff"]
    assert ramp_colors(("#000000", "#ffffff"), 3) == ["#000000", "#808080", "#ffffff"]


def test_labels_and_zoom_ranges_are_fields_of_the_style(tmp_path):
    layer = _load_with_style(tmp_path, {"label_field": "name_zh", "minzoom": 10, "maxzoom": 16})
    assert layer.style.fields() == ("name_zh",) and (layer.style.minzoom, layer.style.maxzoom) == (10, 16)


def test_the_corridors_are_categorized_by_mode_and_the_counties_graduated_by_area():
    catalog = load_catalog(DEFAULT_CATALOG_DIR, ROOT / "data")
    corridors = catalog["corridors"].style
    assert corridors.kind == "categorized" and corridors.field == "mode"
    assert {c.value: c.color for c in corridors.classes} == {"rail": "#c2255c", "sea": "#1864ab",
                                                            "sea-rail": "#0c8599", "road": "#5c940d"}
    counties = catalog["jinhua_counties"].style
    assert counties.kind == "graduated" and counties.field == "area_km2" and counties.method == "quantile"


def test_the_landuse_palette_has_every_code_and_the_official_colours():
    codes = palette("landuse").codes()
    assert len(codes) == 175
    assert sum(c.level == 1 for c in codes.values()) == 24 and sum(c.colour == "official" for c in codes.values()) == 39
    # 附录B rows as transcribed (data/README.md): 城镇住宅用地 255,255,45; 工业用地 187,150,116; 耕地 245,248,220
    assert (codes["0701"].color, codes["1001"].color, codes["01"].color) == ("#ffff2d", "#bb9674", "#f5f8dc")
    assert codes["0101"].color == codes["01"].color and codes["0101"].colour == "parent"
    assert codes["070101"].color == codes["0701"].color
    assert codes["07"].colour == "child:0701"
    assert matching_palette({"0101", "0701", "1001", "070101"}) == "landuse"
    assert matching_palette({"residential", "industrial"}) is None
