"""Numbers read from text strictly: ASCII digits only (Python's int() and float() also take `1_0`, `٣`, `nan`,
`inf`, which no HTTP client means), and integers within the 64-bit range both storage engines keep."""

from __future__ import annotations

import math
import re

from geo.core.errors import InvalidParameterError

INT_RE = re.compile(r"[+-]?[0-9]{1,19}")
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
INT64 = 2**63 - 1


def _range_error(name: str, value: float, minimum, maximum, exclusive: bool) -> None:
    if minimum is not None and (value <= minimum if exclusive else value < minimum):
        raise InvalidParameterError(name, f"must be {'>' if exclusive else '>='} {minimum:g}, got {value:g}")
    if maximum is not None and value > maximum:
        raise InvalidParameterError(name, f"must be <= {maximum:g}, got {value:g}")


def parse_int(name: str, raw: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if not INT_RE.fullmatch(raw):
        raise InvalidParameterError(name, f"'{raw[:40]}' is not an integer (ASCII digits)")
    value = int(raw)
    _range_error(name, value, -INT64 if minimum is None else minimum, INT64 if maximum is None else maximum, False)
    return value


def parse_number(name: str, raw: str, minimum: float | None = None, maximum: float | None = None,
                 exclusive_minimum: bool = False) -> float:
    if not NUMBER_RE.fullmatch(raw.strip()):
        raise InvalidParameterError(name, f"'{raw[:40]}' is not a number")
    value = float(raw)
    if not math.isfinite(value):
        raise InvalidParameterError(name, "must be finite")
    _range_error(name, value, minimum, maximum, exclusive_minimum)
    return value
