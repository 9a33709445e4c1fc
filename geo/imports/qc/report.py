"""The quality-check (QC, 成果质检) report of an import, and the refusal that carries it.

`QCReport` is frozen and JSON-ready through `to_dict()`; every finding is also a `Message` (a code of
`geo.imports.qc.messages.MESSAGES` and its parameters) whose text exists in Chinese and English. An import is refused by
raising `ImportRefusedError`, whose `report` is the report as far as the import got, ending with the error message.
Inside geo/ a check refuses by raising `Refused(code, **params)`; `geo.imports.reader.read_import` turns it into the
public error.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from geo.core.errors import GeoError, TooLargeError
from geo.imports.qc.messages import LANGUAGES, MESSAGES, render

LOGGER = logging.getLogger(__name__)

MAX_LISTED = 1000  # ids kept in a report list (repairs, empty, duplicates, outside); counts are always complete
MAX_IN_TEXT = 10  # items named in one message's text
SIZE_CODES = frozenset({"too_large", "too_many_features", "zip_too_large", "zip_too_many_entries", "zip_bomb"})


def listing(items: Iterable[object], limit: int = MAX_IN_TEXT) -> str:
    """'a, b, c' naming at most `limit` items, then '… (+N)'."""
    items = [str(i) for i in items]
    text = ", ".join(items[:limit])
    return f"{text} … (+{len(items) - limit:,})" if len(items) > limit else text


@dataclass(frozen=True)
class Message:
    """One finding: a catalog code, its level (info / warning / error) and the parameters of its text."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def level(self) -> str:
        return MESSAGES[self.code][0]

    def text(self, lang: str = "en") -> str:
        return render(self.code, dict(self.params), lang)

    def to_dict(self) -> dict:
        return {"code": self.code, "level": self.level, **{lang: self.text(lang) for lang in LANGUAGES}}


@dataclass(frozen=True)
class Repair:
    """An invalid geometry: its feature id, shapely's reason, what was done (`repaired` / `refused`), the types."""

    feature_id: str
    reason: str
    action: str
    before: str
    after: str | None


@dataclass(frozen=True)
class CRSReport:
    """The CRS the coordinates were read in: EPSG code (None when not identified or GCJ-02), its name, the name the
    file (or option) gave, where it came from (`file`, `format`, `option`, `assumed`), and how the code was found
    (`code`, `pyproj`, `parameters`, `none`, `gcj02`)."""

    epsg: int | None
    name: str
    declared: str | None
    source: str
    identified_by: str

    @property
    def code(self) -> str:
        return f"EPSG:{self.epsg}" if self.epsg else self.name


@dataclass(frozen=True)
class EncodingReport:
    """The attribute text encoding (a Python codec name such as `GBK`, `UTF-8`) and where it came from
    (`cpg`, `detected`, `option`, `format`, `fallback`); `declared` is what a .cpg said."""

    name: str
    source: str
    declared: str | None = None


@dataclass(frozen=True)
class ExtentCheck:
    """Features wholly outside an extent (disjoint) and partly outside (intersecting but not covered)."""

    outside: int
    partly_outside: int
    outside_ids: tuple[str, ...] = ()
    partly_outside_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measures:
    """Area (km², polygons) or length (km, lines) statistics; `method` says how areas were measured."""

    kind: str
    unit: str
    count: int
    min: float
    max: float
    mean: float
    total: float
    method: str


@dataclass(frozen=True)
class QCReport:
    """What an import read, found and did. `ok` is True when the import was accepted (no error message);
    `warnings` are the findings to look at; `repairs` one entry per invalid geometry. `feature_count` is what the
    file holds, `imported_count` what the frame holds (features without geometry are not imported);
    `geometry_types` counts the types as read; `fields` are the frame's attribute columns; `bbox` is WGS84."""

    file: str
    format: str | None = None
    archive: bool = False
    dataset: str | None = None
    layer: str | None = None
    layers: tuple[str, ...] = ()
    feature_count: int = 0
    imported_count: int = 0
    geometry_type: str | None = None
    geometry_types: Mapping[str, int] = field(default_factory=dict)
    fields: tuple[str, ...] = ()
    crs: CRSReport | None = None
    encoding: EncodingReport | None = None
    bbox: tuple[float, float, float, float] | None = None
    invalid_count: int = 0
    repairs: tuple[Repair, ...] = ()
    empty_count: int = 0
    empty_ids: tuple[str, ...] = ()
    duplicate_geometry_count: int = 0
    duplicate_geometries: tuple[tuple[str, ...], ...] = ()
    id_field: str | None = None
    z_dropped: int = 0
    outside: Mapping[str, ExtentCheck] = field(default_factory=dict)
    measures: Measures | None = None
    style: Mapping[str, object] | None = None  # the style proposed for the layer (a classification's palette)
    messages: tuple[Message, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def warnings(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.level == "warning")

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.level == "error")

    def to_dict(self) -> dict:
        """JSON-ready: plain dicts, lists, str, numbers, bool and None; messages in zh and en."""
        out = dataclasses.asdict(self)
        out["messages"] = [m.to_dict() for m in self.messages]
        out["warnings"] = [m.to_dict() for m in self.warnings]
        out["errors"] = [m.to_dict() for m in self.errors]
        out["ok"] = self.ok
        out["bbox"] = list(self.bbox) if self.bbox else None
        out["layers"], out["fields"] = list(self.layers), list(self.fields)
        for key in ("empty_ids", "repairs"):
            out[key] = list(out[key])
        out["duplicate_geometries"] = [list(group) for group in self.duplicate_geometries]
        out["outside"] = {name: {**vars(check), "outside_ids": list(check.outside_ids),
                                 "partly_outside_ids": list(check.partly_outside_ids)}
                          for name, check in self.outside.items()}
        return out


class ImportRefusedError(GeoError):
    """An import refused: the message names the problem (English; `report.errors[-1].text("zh")` in Chinese);
    `code` is the catalog code and `report` the QC report as far as the import got."""

    def __init__(self, report: QCReport):
        self.report = report
        self.code = report.errors[-1].code
        super().__init__(report.errors[-1].text("en"))


class ImportTooLargeError(ImportRefusedError, TooLargeError):
    """A refusal for size: the file, the unpacked zip, the zip's entries or ratio, or the feature count."""


def refusal(report: QCReport) -> ImportRefusedError:
    """The error to raise for a report ending with an error message (a size refusal is an ImportTooLargeError)."""
    return (ImportTooLargeError if report.errors[-1].code in SIZE_CODES else ImportRefusedError)(report)


class Refused(Exception):
    """Raised inside geo/'s import modules: the catalog code of the refusal and its parameters."""

    def __init__(self, code: str, /, **params: object):
        if MESSAGES[code][0] != "error":
            raise ValueError(f"{code} is not an error message")
        super().__init__(code)
        self.code, self.params = code, params


class ReportBuilder:
    """The report being written during an import (it is frozen at every step, so a refusal carries it)."""

    def __init__(self, file: str):
        self.report = QCReport(file=file)

    def set(self, **values: object) -> None:
        self.report = dataclasses.replace(self.report, **values)

    def add(self, code: str, /, **params: object) -> Message:
        message = Message(code, params)
        self.report = dataclasses.replace(self.report, messages=(*self.report.messages, message))
        if message.level != "info":
            LOGGER.info("import %s: %s", self.report.file, message.text("en"))
        return message
