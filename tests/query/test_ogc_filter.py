"""OGC API – Features Part 3: queryables, property equality, properties=, sortby and CQL2 filters (text and
JSON), each checked against the same selection made independently with pandas/shapely."""

import json
from urllib.parse import quote

import cql2
import pyogrio
import pytest
import shapely

pytestmark = pytest.mark.engines  # what these tests read and write may differ between the engines

LAYER = "overseas_warehouses"


@pytest.fixture(scope="module")
def frame(gpkg):
    return pyogrio.read_dataframe(gpkg, layer=LAYER).sort_values("feature_id", ignore_index=True)


def _get(client, query: str) -> dict:
    page = "" if "limit=" in query else "limit=1000&"
    resp = client.get(f"/collections/{LAYER}/items?{page}{query}")
    assert resp.status_code == 200 and resp.content_type == "application/geo+json", resp.get_json()
    return resp.get_json()


def _ids(client, query: str) -> list[str]:
    body = _get(client, query)
    assert body["numberMatched"] == len(body["features"])
    return [f["id"] for f in body["features"]]


def test_queryables_are_the_columns_with_their_types(client, frame):
    resp = client.get(f"/collections/{LAYER}/queryables")
    assert resp.status_code == 200 and resp.content_type == "application/schema+json"
    props = resp.get_json()["properties"]
    assert props["geometry"]["format"] == "geometry-point"
    assert props["year"]["type"] == "integer" and props["country"]["type"] == "string"
    assert set(props) == (set(frame.columns) - {"feature_id"})


def test_property_equality(client, frame):
    country = frame["country"].value_counts().index[0]
    expected = list(frame.loc[frame["country"] == country, "feature_id"])
    assert _ids(client, f"country={country}") == expected
    assert _ids(client, f"country={country}&year={int(frame['year'].iloc[0])}") == \
        list(frame.loc[(frame["country"] == country) & (frame["year"] == frame["year"].iloc[0]), "feature_id"])
    resp = client.get(f"/collections/{LAYER}/items?year=soon")
    assert resp.status_code == 400 and resp.get_json()["description"].startswith("year:")


def test_properties_selects_fields(client):
    body = _get(client, "properties=name_en,country&limit=3")
    assert all(set(f["properties"]) == {"name_en", "country"} for f in body["features"])
    assert client.get(f"/collections/{LAYER}/items?properties=nope").status_code == 400


def test_sortby_descending_then_ascending_is_stable(client, frame):
    expected = list(frame.sort_values(["country", "name_en", "feature_id"], ascending=[False, True, True])
                    ["feature_id"])
    assert _ids(client, "sortby=-country,%2Bname_en") == expected
    first = _get(client, "sortby=-country&limit=5")["features"]
    second = _get(client, "sortby=-country&limit=5&offset=5")["features"]
    assert [f["id"] for f in first + second] == list(frame.sort_values(["country", "feature_id"],
                                                                       ascending=[False, True])["feature_id"])[:10]
    assert client.get(f"/collections/{LAYER}/items?sortby=nope").status_code == 400


def _cases(frame):
    box = shapely.box(0, 30, 30, 60)
    return [
        ("country = 'DE'", frame["country"] == "DE"),
        ("country <> 'DE' AND year >= 2025", (frame["country"] != "DE") & (frame["year"] >= 2025)),
        ("country = 'DE' OR country = 'ES'", frame["country"].isin(["DE", "ES"])),
        ("NOT (country = 'DE')", frame["country"] != "DE"),
        ("country IN ('DE','ES','PL')", frame["country"].isin(["DE", "ES", "PL"])),
        ("city LIKE 'M%'", frame["city"].str.startswith("M")),
        ("city LIKE 'M_drid'", frame["city"].str.fullmatch("M.drid")),
        ("city LIKE 'Ma.rid'", frame["city"] == "Ma.rid"),
        ("S_INTERSECTS(geometry, BBOX(0, 30, 30, 60))", frame.intersects(box)),
        ("S_INTERSECTS(geometry, POLYGON((0 30, 30 30, 30 60, 0 60, 0 30)))", frame.intersects(box)),
    ]


def test_cql2_text_and_json_match_independent_selection(client, frame):
    for text, mask in _cases(frame):
        expected = list(frame.loc[mask, "feature_id"])
        assert expected or text.endswith("'Ma.rid'"), text
        assert _ids(client, "filter=" + quote(text)) == expected, text
        as_json = json.dumps(cql2.parse_text(text).to_json())
        assert _ids(client, "filter-lang=cql2-json&filter=" + quote(as_json)) == expected, text


def test_filter_combines_with_bbox_and_paging(client, frame):
    mask = (frame["country"] != "CN") & frame.intersects(shapely.box(-20, 0, 60, 70))
    expected = list(frame.loc[mask, "feature_id"])
    body = _get(client, "bbox=-20,0,60,70&limit=4&offset=2&filter=" + quote("country <> 'CN'"))
    assert body["numberMatched"] == len(expected) and [f["id"] for f in body["features"]] == expected[2:6]


@pytest.mark.parametrize(("query", "param"), [
    ("filter=country%20%3D%3D", "filter"),
    ("filter=colour%20%3D%20'red'", "filter"),
    ("filter=country%3D'DE'&filter-lang=ecql", "filter-lang"),
    ("filter-lang=cql2-json&filter=%7Bnot%20json", "filter"),
    ("filter=country%3D'DE'&filter-crs=EPSG:3857", "filter-crs"),
    ("filter-lang=cql2-json&filter=" + quote('{"op": "=", "args": [{"property": 5}, 1]}'), "filter"),  # was a 500
    ("filter-lang=cql2-json&filter=" + quote('{"op": "=", "args": [{"property": "country"}, {"property": 3}]}'),
     "filter"),
])
def test_bad_filters_are_400(client, query, param):
    resp = client.get(f"/collections/{LAYER}/items?{query}")
    assert resp.status_code == 400 and resp.get_json()["code"] == "InvalidParameterValue"
    assert resp.get_json()["description"].startswith(param + ":")
