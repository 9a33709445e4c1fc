"""The two query paths answer alike: every collection read in memory (small layers) and in the GeoPackage with SQL
(the path of large layers, forced here for every layer with YIWU_SQL_ALL_LAYERS) give the same features, ids,
properties, order and geometries (to 1e-9°) for bbox, equality, CQL2 (text and JSON), sortby, properties and
paging, and the same feature by id."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import shapely

from server import create_app

# Every query names only what every feature of every layer carries (the data-truth fields source, accuracy and
# plan_ref, and the feature id), so every query answers 200 on every layer: the paths are compared on answers,
# never on two refusals alike.
QUERIES = [
    "limit=10000", "limit=7&offset=3", "bbox=119.9,29.2,120.2,29.45&limit=10000", "bbox=0,30,40,60&limit=10000",
    "sortby=-source,%2Bplan_ref&limit=10000", "properties=source,accuracy&limit=10000",
    "filter=" + quote("source LIKE '%a%' AND NOT (accuracy = 'schematic')") + "&limit=10000",
    "filter=" + quote("S_INTERSECTS(geometry, POLYGON((119.9 29.2, 120.3 29.2, 120.3 29.5, 119.9 29.5, 119.9 29.2)))"),
    "filter=" + quote("accuracy IN ('schematic', 'geocoded_city') OR plan_ref LIKE '§1%'") + "&sortby=-plan_ref",
    "filter=" + quote("S_INTERSECTS(geometry, BBOX(0, 30, 30, 60)) OR source LIKE 'c%'") + "&limit=10000",
    "filter-lang=cql2-json&filter=" + quote('{"op": "like", "args": [{"property": "source"}, "%o%"]}'),
    "accuracy=schematic&limit=10000", "sortby=accuracy,-plan_ref&limit=5&offset=2",
]


@pytest.fixture(scope="module")
def sql_client(data_dir):
    return create_app({"TESTING": True, "DATA_DIR": data_dir, "SQL_ALL_LAYERS": True}).test_client()


def same_features(a: list[dict], b: list[dict]) -> None:
    assert [f["id"] for f in a] == [f["id"] for f in b]
    for fa, fb in zip(a, b, strict=True):
        assert fa["properties"] == fb["properties"], fa["id"]
        ga, gb = shapely.geometry.shape(fa["geometry"]), shapely.geometry.shape(fb["geometry"])
        assert shapely.equals_exact(ga, gb, tolerance=1e-9), fa["id"]


@pytest.mark.parametrize("query", QUERIES)
def test_every_collection_answers_alike_in_memory_and_in_sql(client, sql_client, app, query):
    for layer_id in app.extensions["yiwu"].catalog:
        url = f"/collections/{layer_id}/items?{query}"
        memory, sql = client.get(url), sql_client.get(url)
        assert memory.status_code == sql.status_code == 200, (url, memory.get_json(), sql.get_json())
        a, b = memory.get_json(), sql.get_json()
        assert a["numberMatched"] == b["numberMatched"] and a["numberReturned"] == b["numberReturned"], url
        same_features(a["features"], b["features"])


def test_feature_by_id_answers_alike(client, sql_client, app):
    for layer_id in app.extensions["yiwu"].catalog:
        first = client.get(f"/collections/{layer_id}/items?limit=1").get_json()["features"][0]["id"]
        url = f"/collections/{layer_id}/items/{quote(first, safe='')}"
        same_features([client.get(url).get_json()], [sql_client.get(url).get_json()])
        assert sql_client.get(f"/collections/{layer_id}/items/nope").status_code == 404


def test_a_styles_field_values_answer_alike_in_memory_and_in_sql(app, sql_client, data_dir):
    """What a classed style is resolved on (one column, never the whole layer: a large layer's map page and style
    documents read it so) equals the column pyogrio reads from the GeoPackage, on both paths."""
    import pyogrio

    memory, sql = app.extensions["yiwu"].engine, sql_client.application.extensions["yiwu"].engine
    styled = [layer for layer in app.extensions["yiwu"].catalog.values() if layer.style.field]
    assert styled  # the catalog has classed layers (corridors by mode, counties by area)
    for layer in styled:
        column = pyogrio.read_dataframe(data_dir / "build" / "yiwu.gpkg", layer=layer.id, read_geometry=False)[
            layer.style.field]
        for engine in (memory, sql):
            assert sorted(engine.values(layer.id, layer.style.field)) == sorted(column.tolist()), layer.id
            assert sorted(engine.values(layer.id, layer.style.field, distinct=True)) == sorted(column.unique())
        assert memory.values(layer.id, "no_such_field") == sql.values(layer.id, "no_such_field") == []
