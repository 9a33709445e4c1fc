"""CQL2 filters (text and JSON) with a bounded cost: the text is checked against size and nesting limits before
pygeofilter parses it, the parsed tree against a predicate limit, and it is evaluated over a GeoDataFrame by an
evaluator of our own: AND/OR chains are n-ary (no recursion proportional to their length) and LIKE is matched
by a linear-time segment matcher, never by a backtracking regular expression."""

from __future__ import annotations

import json
import logging
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from lark.exceptions import UnexpectedInput
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from geo.core.errors import InvalidParameterError
from geo.core.limits import nesting_depth
from geo.core.numbers import INT64

LOGGER = logging.getLogger(__name__)
FILTER_LANGS = ("cql2-text", "cql2-json")
MAX_FILTER_CHARS = 8192  # characters of the filter text (either language)
MAX_FILTER_NESTING = 20  # brackets / JSON arrays and objects nested in the text; NOT and operators in the tree
MAX_FILTER_PREDICATES = 256  # comparisons, LIKE, IN, BETWEEN, IS NULL and spatial predicates
_COMPARE = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_SPATIAL = {"INTERSECTS": "intersects", "DISJOINT": "disjoint", "CONTAINS": "contains", "WITHIN": "within",
            "TOUCHES": "touches", "CROSSES": "crosses", "OVERLAPS": "overlaps", "EQUALS": "geom_equals"}
_PREDICATES = (ast.Comparison, ast.Like, ast.In, ast.Between, ast.IsNull, ast.SpatialComparisonPredicate,
               ast.BBox, ast.TemporalPredicate)


def _fail(message: str) -> InvalidParameterError:
    return InvalidParameterError("filter", message)


def check_text(text: str, lang: str) -> None:
    """Refuse a filter over the size or nesting limits before any parser sees it."""
    if len(text) > MAX_FILTER_CHARS:
        raise _fail(f"is {len(text)} characters long; at most {MAX_FILTER_CHARS} are allowed")
    if nesting_depth(text, json_strings=lang == "cql2-json") > MAX_FILTER_NESTING:
        raise _fail(f"nests brackets more than {MAX_FILTER_NESTING} levels deep")


def children(node) -> list:
    """The sub-nodes of a pygeofilter node (lists flattened)."""
    subs = getattr(node, "get_sub_nodes", lambda: [])() or []
    if not isinstance(subs, list):
        subs = [subs]
    out = []
    for sub in subs:
        out.extend(sub if isinstance(sub, list) else [sub])
    return out


def walk(node) -> Iterator:
    """Every node of the tree, iteratively (depth-first)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def operands(node, cls: type) -> list:
    """The operands of a chain of the same combination (a AND b AND c → [a, b, c]), iteratively."""
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cls):
            stack.extend([current.rhs, current.lhs])
        else:
            out.append(current)
    return out


def tree_depth(root) -> int:
    """Depth of the tree with AND/OR chains counted as one level, computed without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_FILTER_NESTING + 1:
            break
        subs = operands(node, type(node)) if isinstance(node, ast.Combination) else children(node)
        stack.extend((sub, depth + 1) for sub in subs)
    return deepest


def check_tree(root) -> None:
    """Refuse a parsed filter with too many predicates or too deep a nesting of operators."""
    predicates = sum(isinstance(n, _PREDICATES) for n in walk(root))
    if predicates > MAX_FILTER_PREDICATES:
        raise _fail(f"has {predicates} predicates; at most {MAX_FILTER_PREDICATES} are allowed")
    if tree_depth(root) > MAX_FILTER_NESTING + 1:
        raise _fail(f"nests operators more than {MAX_FILTER_NESTING} levels deep")
    for node in walk(root):
        if isinstance(node, ast.Like):
            node.singlechar = "_"  # CQL2: `_` is one character (pygeofilter 0.4 defaults to ECQL's `.`)
        if isinstance(node, ast.TemporalPredicate):
            raise _fail("temporal predicates are not supported (the layers carry no temporal geometry)")
        if isinstance(node, ast.Attribute) and not isinstance(node.name, str):
            raise _fail(f"a property is named by text, not by {type(node.name).__name__} {str(node.name)[:40]}")
        if isinstance(node, str) and "\x00" in node:
            raise _fail("a text value contains a NUL character")
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) > INT64:
            raise _fail(f"{node} is beyond the 64-bit integers the collections store")


def _syntax_message(exc: Exception, lang: str) -> str:
    """What is wrong with a filter, for the client: a position, never a Python exception's text."""
    if isinstance(exc, json.JSONDecodeError):
        return f"is not JSON ({exc.msg} at character {exc.pos + 1})"
    if isinstance(exc, UnexpectedInput):
        return f"is not valid {lang}: unexpected input at character {exc.column}"
    return f"is not valid {lang}: an operator, function or argument is not of the CQL2 form"


def parse_filter(text: str, lang: str | None) -> ast.Node:
    """A CQL2 filter (text or JSON) as a checked pygeofilter tree; InvalidParameterError names what is wrong."""
    lang = lang or ("cql2-json" if text.lstrip().startswith("{") else "cql2-text")
    if lang not in FILTER_LANGS:
        raise InvalidParameterError("filter-lang", f"'{lang}' is not one of {', '.join(FILTER_LANGS)}")
    check_text(text, lang)
    try:
        root = parse_cql2_json(json.loads(text)) if lang == "cql2-json" else parse_cql2_text(text)
    except Exception as exc:  # noqa: BLE001 - lark, JSON and pygeofilter raise many types for malformed input
        raise _fail(_syntax_message(exc, lang)) from None
    if not isinstance(root, ast.Node):
        raise _fail(f"is not a {lang} predicate")
    check_tree(root)
    return root


# ---- LIKE without regular expressions ---------------------------------------------------------------------


@dataclass(frozen=True)
class LikePattern:
    """A LIKE pattern cut at its multi-character wildcards: each segment is a tuple of characters, None standing
    for the single-character wildcard. Matching places segments greedily leftmost: O(len(text) × len(pattern))."""

    segments: tuple[tuple[str | None, ...], ...]
    nocase: bool = False

    def matches(self, text: str) -> bool:
        if self.nocase:
            text = text.casefold()
        segs = self.segments
        if len(segs) == 1:
            return len(text) == len(segs[0]) and _segment_at(text, 0, segs[0])
        first, last = segs[0], segs[-1]
        end = len(text) - len(last)
        if end < len(first) or not _segment_at(text, 0, first) or not _segment_at(text, end, last):
            return False
        pos = len(first)
        for seg in segs[1:-1]:
            found = _find_segment(text, seg, pos, end)
            if found < 0:
                return False
            pos = found + len(seg)
        return True


def _segment_at(text: str, start: int, seg: tuple[str | None, ...]) -> bool:
    if start + len(seg) > len(text):
        return False
    return all(ch is None or text[start + i] == ch for i, ch in enumerate(seg))


def _find_segment(text: str, seg: tuple[str | None, ...], start: int, end: int) -> int:
    """Leftmost index >= start where seg fits entirely before `end`, or -1."""
    if None not in seg:
        return text.find("".join(seg), start, end)  # type: ignore[arg-type]
    for i in range(start, end - len(seg) + 1):
        if _segment_at(text, i, seg):
            return i
    return -1


@lru_cache(maxsize=256)
def compile_like(pattern: str, wildcard: str = "%", singlechar: str = "_", escape: str = "\\",
                 nocase: bool = False) -> LikePattern:
    """Cut a LIKE pattern into literal segments; consecutive wildcards collapse into one."""
    segments: list[tuple[str | None, ...]] = []
    current: list[str | None] = []
    chars = iter(pattern.casefold() if nocase else pattern)
    for char in chars:
        if escape and char == escape:
            current.append(next(chars, escape))
        elif char == wildcard:
            segments.append(tuple(current))
            current = []
        else:
            current.append(None if char == singlechar else char)
    segments.append(tuple(current))
    collapsed = [segments[0]] + [s for s in segments[1:-1] if s] + ([segments[-1]] if len(segments) > 1 else [])
    return LikePattern(tuple(collapsed), nocase)


# ---- evaluation over a GeoDataFrame -----------------------------------------------------------------------


class _Evaluator:
    """Evaluates a checked tree to a boolean mask over the rows of a frame."""

    def __init__(self, frame: gpd.GeoDataFrame, mapping: dict[str, str], functions: dict[str, Callable]):
        self.frame, self.mapping, self.functions = frame, mapping, functions

    def mask(self, node) -> np.ndarray:
        value = self.value(node)
        if isinstance(value, (pd.Series, np.ndarray)):
            return pd.Series(value).fillna(False).to_numpy(dtype=bool)
        return np.full(len(self.frame), bool(value))

    def value(self, node):  # noqa: C901 - one branch per node kind keeps the dispatch in one place
        if isinstance(node, ast.And):
            return np.logical_and.reduce([self.mask(n) for n in operands(node, ast.And)])
        if isinstance(node, ast.Or):
            return np.logical_or.reduce([self.mask(n) for n in operands(node, ast.Or)])
        if isinstance(node, ast.Not):
            return ~self.mask(node.sub_node)
        if isinstance(node, ast.Comparison):
            return _COMPARE[node.op.value](self.value(node.lhs), self.value(node.rhs))
        if isinstance(node, ast.Between):
            result = self.value(node.lhs).between(self.value(node.low), self.value(node.high))
            return ~result if node.not_ else result
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.In):
            result = self.value(node.lhs).isin([self.value(n) for n in node.sub_nodes])
            return ~result if node.not_ else result
        if isinstance(node, ast.IsNull):
            result = self.value(node.lhs).isna()
            return ~result if node.not_ else result
        if isinstance(node, ast.SpatialComparisonPredicate):
            return getattr(self.value(node.lhs), _SPATIAL[node.op.name])(self.value(node.rhs))
        if isinstance(node, ast.BBox):
            return self.value(node.lhs).intersects(shapely.box(node.minx, node.miny, node.maxx, node.maxy))
        if isinstance(node, ast.Attribute):
            return self.frame[self.mapping[node.name]]
        if isinstance(node, ast.Arithmetic):
            return _ARITHMETIC[node.op.value](self.value(node.lhs), self.value(node.rhs))
        if isinstance(node, ast.Function):
            return self.function(node)
        if isinstance(node, values.Geometry):
            return shapely.geometry.shape(node.geometry)
        if isinstance(node, values.Envelope):
            return shapely.box(node.x1, node.y1, node.x2, node.y2)
        if isinstance(node, (str, int, float, bool)) or node is None:
            return node
        raise _fail(f"{type(node).__name__} is not supported")

    def like(self, node) -> pd.Series:
        column = self.value(node.lhs)
        if not isinstance(node.pattern, str) or not isinstance(column, pd.Series):
            raise _fail("LIKE needs a text property and a text pattern")
        pattern = compile_like(node.pattern, node.wildcard, node.singlechar, node.escapechar or "\\", node.nocase)
        texts = column.dropna().astype(str)
        matched = {text: pattern.matches(text) for text in texts.unique()}  # each distinct value once
        result = column.map(lambda v: None if v is None or v is pd.NA else matched.get(str(v), False))
        result = result.fillna(False).astype(bool)
        return ~result if node.not_ else result

    def function(self, node):
        name = node.name.lower()
        if name not in self.functions:
            raise _fail(f"unknown function {node.name}()")
        return self.functions[name](*[self.value(arg) for arg in node.arguments])


FUNCTIONS: dict[str, Callable] = {"bbox": lambda *bounds: shapely.box(*bounds[:4])}


def filter_mask(frame: gpd.GeoDataFrame, root, mapping: dict[str, str] | None = None) -> np.ndarray:
    """Rows of the frame the checked filter selects."""
    mapping = mapping or ({str(c): str(c) for c in frame.columns} | {"geometry": frame.geometry.name})
    try:
        return _Evaluator(frame, mapping, FUNCTIONS).mask(root)
    except InvalidParameterError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, shapely.errors.GEOSException) as exc:
        LOGGER.debug("filter evaluation failed: %r", exc)
        raise _fail("cannot be evaluated on this collection (compare properties with values of their type)") \
            from None
