"""Attribute text encodings of imported files: the .cpg of a Shapefile, the strings of its .dbf, CSV text.

Chinese GIS software writes Shapefiles and CSV in GBK (code page 936) as often as in UTF-8, and often without a
.cpg. Detection decodes every text value strictly: all valid UTF-8 -> UTF-8, else all valid GBK -> GBK, else all
valid GB18030 (GBK's superset) -> GB18030, else nothing (the caller falls back and warns). A multi-byte character
cut at the end of a .dbf value that fills its fixed-width field does not count against an encoding.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

LOGGER = logging.getLogger(__name__)

CANDIDATES = ("UTF-8", "GBK", "GB18030")


class Cut(bytes):
    """A .dbf value that fills its field: software may have cut a multi-byte character at the end."""

_CPG_ALIASES = {"UTF8": "UTF-8", "UTF-8": "UTF-8", "65001": "UTF-8", "936": "GBK", "CP936": "GBK", "ANSI936": "GBK",
                "GBK": "GBK", "GB2312": "GBK", "20936": "GBK", "EUC-CN": "GBK", "GB18030": "GB18030",
                "54936": "GB18030", "BIG5": "BIG5", "950": "BIG5", "88591": "ISO-8859-1", "ISO88591": "ISO-8859-1",
                "LATIN1": "ISO-8859-1"}


def codec_name(declared: str) -> str | None:
    """The codec a .cpg or an option names ('UTF-8', '936', 'ANSI 936', 'GB2312', 'cp1252' …), else None."""
    key = declared.strip().upper().replace(" ", "").replace("_", "-")
    name = _CPG_ALIASES.get(key) or _CPG_ALIASES.get(key.replace("-", ""))
    if name:
        return name
    for candidate in (key, f"CP{key}" if key.isdigit() else key):
        try:
            return codecs.lookup(candidate).name.upper()
        except LookupError:
            continue
    return None


def decodes(values: Iterable[bytes | Cut], encoding: str) -> bool:
    """Whether every value decodes strictly (a `Cut` value may end in the middle of a character)."""
    for value in values:
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(value, final=not isinstance(value, Cut))
        except UnicodeDecodeError:
            return False
    return True


def detect(values: list[bytes | Cut]) -> str | None:
    """The first of UTF-8, GBK, GB18030 in which every value decodes, else None."""
    return next((name for name in CANDIDATES if decodes(values, name)), None)


def read_cpg(shp: Path) -> str | None:
    """The text of the .cpg beside a .shp (any case of the extension), else None."""
    for suffix in (".cpg", ".CPG"):
        cpg = shp.with_suffix(suffix)
        if cpg.is_file():
            return cpg.read_bytes()[:64].decode("ascii", "replace").strip() or None
    return None


def dbf_path(shp: Path) -> Path | None:
    return next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.is_file()), None)


def dbf_text_values(dbf: Path) -> list[bytes | Cut]:
    """The non-ASCII field names and character values of a .dbf (ASCII decodes the same in every candidate)."""
    with dbf.open("rb") as handle:
        header = handle.read(32)
    if len(header) < 32:
        return []
    count = int.from_bytes(header[4:8], "little")
    header_len, record_len = int.from_bytes(header[8:10], "little"), int.from_bytes(header[10:12], "little")
    fields = list(_fields(dbf, header_len))
    names = [Cut(name) if len(name) >= 10 else name for name, _, _, _ in fields if max(name, default=0) >= 0x80]
    rows = min(count, (dbf.stat().st_size - header_len) // record_len) if record_len else 0
    if rows <= 0:
        return names
    records = np.memmap(dbf, dtype=np.uint8, mode="r", offset=header_len, shape=(rows, record_len))
    return names + [value for _, kind, start, width in fields if kind == "C"
                    for value in _non_ascii(records, start, width)]


def _fields(dbf: Path, header_len: int) -> Iterator[tuple[bytes, str, int, int]]:
    """(name, type, offset in the record, width) of each field, from the field descriptors."""
    with dbf.open("rb") as handle:
        handle.seek(32)
        descriptors = handle.read(max(0, header_len - 32))
    offset = 1  # the deletion flag
    for at in range(0, len(descriptors) - 31, 32):
        if descriptors[at] == 0x0D:
            break
        name = descriptors[at:at + 11].split(b"\x00", 1)[0]
        kind, width = chr(descriptors[at + 11]), descriptors[at + 16]
        yield name, kind, offset, width
        offset += width


def _non_ascii(records: np.ndarray, start: int, width: int) -> Iterator[bytes | Cut]:
    column = records[:, start:start + width]
    for row in np.flatnonzero((column >= 0x80).any(axis=1)):
        value = bytes(column[row])
        stripped = value.rstrip(b" \x00")
        yield Cut(stripped) if len(stripped) == len(value) else stripped
