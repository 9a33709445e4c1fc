"""Vector tiles carry the fields a layer's style and labels need (plus feature_id), large layers too: chosen once
(geo/tiles/fields.py) and read back with GDAL's MVT driver."""

from __future__ import annotations

import morecantile
import pyogrio
import pytest

from geo.tiles.fields import tile_fields
from layers import load_catalog

TMS = morecantile.tms.get("WebMercatorQuad")


def test_the_style_fields_are_chosen_for_small_and_large_layers():
    catalog = load_catalog()
    assert tile_fields(catalog["corridors"], large=True) == ("mode",)
    assert tile_fields(catalog["jinhua_counties"], large=True) == ("area_km2",)
    assert tile_fields(catalog["yixi_84"], large=True) == ()
    small = tile_fields(catalog["corridors"])
    assert small[: len(catalog["corridors"].popup_fields)] == catalog["corridors"].popup_fields and "mode" in small


@pytest.mark.parametrize(("layer", "field", "lon", "lat", "z"), [("jinhua_counties", "area_km2", 120.07, 29.31, 8),
                                                                  ("corridors", "mode", 100.0, 40.0, 5)])
def test_gdal_reads_the_class_field_from_the_tiles(client, tmp_path, layer, field, lon, lat, z):
    tile = TMS.tile(lon, lat, z)
    resp = client.get(f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{tile.y}/{tile.x}")
    path = tmp_path / str(z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(resp.data)
    decoded = pyogrio.read_dataframe(path, layer=None)
    assert len(decoded) and field in decoded.columns
    items = client.get(f"/collections/{layer}/items?limit=1000").get_json()["features"]
    expected = {f["id"]: f["properties"][field] for f in items}
    for fid, value in zip(decoded["feature_id"], decoded[field], strict=True):
        assert value == pytest.approx(expected[fid]) if isinstance(value, float) else value == expected[fid]
    meta = client.get(f"/collections/{layer}/tiles/WebMercatorQuad").get_json()
    assert {"feature_id", field} <= set(meta["layers"][0]["propertiesSchema"]["properties"])
    tilejson = client.get(f"/collections/{layer}/tiles/WebMercatorQuad/tilejson.json").get_json()
    assert field in tilejson["vector_layers"][0]["fields"]
