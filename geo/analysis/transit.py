"""Journey time of a corridor: moving time along its legs plus a documented dwell per border, gauge change
and port transshipment (data/sources/dwell_times.yaml), so "days" compares with published journey times."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from geo.core.errors import InvalidParameterError, SourceError

LOGGER = logging.getLogger(__name__)
DWELL_FILE = "dwell_times.yaml"
# Average moving speeds by mode, km/h. Not published figures: assumptions stated with every estimate
# (rail ~1,000 km/day; sea 16 knots; road 60 km/h). The request may override the rail/road/sea speed.
DEFAULT_SPEEDS_KMH = {"rail": 42.0, "sea": 29.6, "road": 60.0}


@dataclass(frozen=True)
class DwellKind:
    """One kind of stop and its documented dwell time."""

    kind: str
    hours: float
    label_en: str
    label_zh: str
    source: str
    quality: str


def load_dwell_table(path: Path) -> dict[str, DwellKind]:
    """The dwell kinds of dwell_times.yaml; each needs hours and a source."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    table = {}
    for kind, item in doc.items():
        if not isinstance(item, dict) or "hours" not in item or not item.get("source"):
            raise SourceError(f"{path}: {kind}: needs hours and source")
        table[kind] = DwellKind(kind, float(item["hours"]), item.get("label_en", kind), item.get("label_zh", kind),
                                " ".join(str(item["source"]).split()), str(item.get("quality", "")))
    return table


def dwell_stops(spec: list[dict], table: dict[str, DwellKind], where: str) -> list[dict]:
    """The stops a corridor lists, each with its hours and the source of the figure."""
    stops = []
    for stop in spec or []:
        kind = table.get(stop.get("kind"))
        if kind is None:
            raise SourceError(f"{where}: dwell kind '{stop.get('kind')}' is not in {DWELL_FILE}")
        stops.append({"at": stop.get("at", ""), **asdict(kind)})
    return stops


def stops_json(stops: list[dict]) -> str:
    """Stops as compact JSON text (stored in the GeoPackage beside the line)."""
    return json.dumps(stops, ensure_ascii=False, separators=(",", ":"))


def speeds_for(speed_kmh: float | None) -> dict[str, float]:
    """Default speeds, with the rail speed replaced by the request's `speed_kmh` when given."""
    speeds = dict(DEFAULT_SPEEDS_KMH)
    if speed_kmh is not None:
        if not (0 < speed_kmh <= 1000):
            raise InvalidParameterError("speed_kmh", f"must be within (0, 1000], got {speed_kmh}")
        speeds["rail"] = speed_kmh
    return speeds


def transit_estimate(leg_km: dict[str, float], stops: list[dict], speeds: dict[str, float],
                     published_km: float | None = None) -> dict:
    """Moving time per mode (drawn km scaled to the published length when there is one) plus dwell."""
    drawn = sum(leg_km.values())
    scale = published_km / drawn if published_km and drawn > 0 else 1.0
    moving_h = sum(km * scale / speeds.get(mode, speeds["rail"]) for mode, km in leg_km.items())
    dwell_h = sum(float(s["hours"]) for s in stops)
    return {"moving_km": round(drawn * scale, 1),
            "moving_basis": "published length" if scale != 1.0 else "drawn length",
            "speeds_kmh": {m: speeds.get(m, speeds["rail"]) for m in leg_km},
            "moving_days": round(moving_h / 24.0, 2), "dwell_hours": round(dwell_h, 1),
            "dwell_days": round(dwell_h / 24.0, 2), "transit_days": round((moving_h + dwell_h) / 24.0, 2),
            "speed_note": "moving speeds are assumptions (rail ~1,000 km/day, sea 16 kn, road 60 km/h), "
                          "not published figures; dwell figures cite their sources"}


def compare_days(estimate_days: float, published_days: float | None) -> dict:
    """Estimated vs published journey time."""
    if published_days is None:
        return {"published_days": None, "days_difference": None, "days_difference_pct": None}
    diff = estimate_days - published_days
    return {"published_days": published_days, "days_difference": round(diff, 2),
            "days_difference_pct": round(diff / published_days * 100, 1)}
