"""Safe extraction of an uploaded zip (a zipped Shapefile, a KMZ, any one zipped dataset) into a temp directory.

Every entry name is checked before anything is written: an absolute path, a drive letter, a `..` component, a NUL
or a repeated name refuses the whole zip. Symbolic links are not extracted (named in the report); macOS metadata
(`__MACOSX/`, `._*`) is skipped. Limits (refused with a size error): `MAX_ZIP_ENTRIES` entries,
`MAX_UNZIPPED_BYTES` written in all (counted while writing, not trusted from the headers), and a compression
ratio over `MAX_ZIP_RATIO`:1 for an entry over `RATIO_MIN_BYTES` (the mark of a zip bomb; small files may
compress arbitrarily well). Encrypted entries are refused. Names stored without the UTF-8 flag are read as UTF-8,
else GBK (what Chinese Windows writes), else as zipfile read them.
"""

from __future__ import annotations

import logging
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from geo.imports.qc.report import Refused

LOGGER = logging.getLogger(__name__)

MAX_ZIP_ENTRIES = 1000
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024
_UTF8_FLAG = 0x800


@dataclass(frozen=True)
class Extracted:
    """The regular files written (paths under the destination) and the symbolic-link entries ignored."""

    files: tuple[Path, ...]
    symlinks: tuple[str, ...]


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name, re-decoded as UTF-8 or GBK when the zip did not flag it UTF-8."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def safe_parts(name: str) -> tuple[str, ...]:
    """The path components of an entry name; Refused for absolute, drive-letter, `..` or NUL names."""
    if not name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        raise Refused("zip_unsafe_path", entry=name)
    parts = tuple(p for p in re.split(r"[\\/]", name) if p not in ("", "."))
    if not parts or ".." in parts:
        raise Refused("zip_unsafe_path", entry=name)
    return parts


def _skipped(parts: tuple[str, ...]) -> bool:
    return parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] in (".DS_Store", "Thumbs.db")


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _plan(infos: list[zipfile.ZipInfo]) -> tuple[list[tuple[zipfile.ZipInfo, tuple[str, ...]]], list[str]]:
    """Check every entry (names, sizes, ratios, encryption) before writing anything; the files to write."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Refused("zip_too_many_entries", count=len(infos), limit=MAX_ZIP_ENTRIES)
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
        raise Refused("zip_too_large", limit=MAX_UNZIPPED_BYTES)
    files, links, seen = [], [], set()
    for info in infos:
        name = entry_name(info)
        parts = safe_parts(name)
        if parts in seen:
            raise Refused("zip_unsafe_path", entry=name)
        seen.add(parts)
        if _is_symlink(info):
            links.append(name)
        elif not info.is_dir() and not _skipped(parts):
            _check_entry(info, name)
            files.append((info, parts))
    return files, links


def _check_entry(info: zipfile.ZipInfo, name: str) -> None:
    if info.flag_bits & 0x1:
        raise Refused("zip_encrypted", entry=name)
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_MIN_BYTES and ratio > MAX_ZIP_RATIO:
        raise Refused("zip_bomb", entry=name, ratio=int(ratio), limit=MAX_ZIP_RATIO)


def _copy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Stream one entry to `target`, refusing past the byte budget or the ratio limit; the bytes written."""
    written = 0
    with archive.open(info) as source, target.open("xb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise Refused("zip_too_large", limit=MAX_UNZIPPED_BYTES)
            if written > RATIO_MIN_BYTES and written > MAX_ZIP_RATIO * max(info.compress_size, 1):
                raise Refused("zip_bomb", entry=entry_name(info), ratio=written // max(info.compress_size, 1),
                              limit=MAX_ZIP_RATIO)
            out.write(chunk)
    return written


def extract(path: Path, dest: Path) -> Extracted:
    """Extract the zip at `path` into the (empty or new) directory `dest` after checking all of it."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    try:
        with zipfile.ZipFile(path) as archive:
            entries, links = _plan(archive.infolist())
            budget, written = MAX_UNZIPPED_BYTES, []
            for info, parts in entries:
                target = root.joinpath(*parts)
                if not target.resolve().is_relative_to(root):
                    raise Refused("zip_unsafe_path", entry=entry_name(info))
                target.parent.mkdir(parents=True, exist_ok=True)
                budget -= _copy(archive, info, target, budget)
                written.append(target)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise Refused("unreadable", name=path.name, reason=str(exc) or type(exc).__name__) from exc
    return Extracted(tuple(written), tuple(links))
