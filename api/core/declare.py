"""Request parameters declared once. Each endpoint lists its parameters (name, type, bounds, enum, default,
description) with `@operation`; the same declaration parses and validates the request (InvalidParameterError
naming the parameter) and becomes the endpoint's OpenAPI operation (api/core/openapi.py). Numbers are parsed
strictly (ASCII digits only: no `1_0`, no `٣`), an empty value is refused where the schema refuses it, and
`f` is negotiated with the Accept header in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from types import SimpleNamespace
from typing import Any

from flask import request
from werkzeug.datastructures import MIMEAccept

from api.core.identity import require_role
from api.core.media import ACCEPTED
from geo.core.errors import InvalidParameterError
from geo.core.numbers import parse_int, parse_number
from geo.workspace.accounts import check_role

LOGGER = logging.getLogger(__name__)
Schema = Mapping[str, Any] | Callable[[], Mapping[str, Any]]  # a callable: computed when the document is built


@dataclass(frozen=True)
class Param:
    """One declared parameter: how to read it and how the OpenAPI document describes it."""

    name: str
    description: str
    schema: Schema
    parse: Callable[[str], Any]
    default: Any = None
    required: bool = False
    where: str = "query"  # or "path"
    style_form: bool = False  # arrays as comma-separated values (style form, explode false)
    example: Any = None  # a value that exists (or a callable giving one), for the document's readers and generators
    dest: str | None = None  # the attribute of `q` the parsed value is handed to the view as (default: its name)
    early: bool = False  # parsed before the role check (a path resource that must answer 404 or 405 first)

    def value(self, raw: str | None) -> Any:
        if raw is None:
            if self.required:
                raise InvalidParameterError(self.name, "is required")
            return self.default
        return self.parse(raw)

    def openapi(self) -> dict:
        schema = without_nul(dict(self.schema() if callable(self.schema) else self.schema))
        if self.default is not None and not self.required:
            schema.setdefault("default", list(self.default) if isinstance(self.default, tuple) else self.default)
        out = {"name": self.name, "in": self.where, "required": self.required or self.where == "path",
               "description": self.description, "schema": schema}
        if self.style_form:
            out.update(style="form", explode=False)
        if self.example is not None:
            out["example"] = self.example() if callable(self.example) else self.example
        return out


NO_NUL = "^[^\\x00]*$"  # no parameter may carry a NUL character (api/core/edge.py refuses it): the schema says so


def without_nul(schema: dict) -> dict:
    """A string schema (or an array of strings) that states the no-NUL rule, unless it already says what it allows."""
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        return {**schema, "pattern": NO_NUL}
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return {**schema, "items": without_nul(dict(schema["items"]))}
    return schema


def integer(name: str, description: str, minimum: int | None = None, maximum: int | None = None,
            default: int | None = None, required: bool = False, where: str = "query") -> Param:
    schema = {"type": "integer"} | ({"minimum": minimum} if minimum is not None else {}) | \
        ({"maximum": maximum} if maximum is not None else {})
    return Param(name, description, schema, lambda raw: parse_int(name, raw, minimum, maximum), default, required,
                 where)


def number(name: str, description: str, minimum: float | None = None, maximum: float | None = None,
           default: float | None = None, required: bool = False, exclusive_minimum: bool = False) -> Param:
    schema: dict = {"type": "number"}
    if minimum is not None:
        schema.update(minimum=minimum, **({"exclusiveMinimum": True} if exclusive_minimum else {}))
    if maximum is not None:
        schema["maximum"] = maximum
    return Param(name, description, schema,
                 lambda raw: parse_number(name, raw, minimum, maximum, exclusive_minimum), default, required)


def choice(name: str, description: str, values: tuple[str, ...] | Callable[[], tuple[str, ...]],
           default: str | None = None, required: bool = False, where: str = "query") -> Param:
    """One of an enumeration (a callable when the values come from the catalog)."""

    def allowed() -> tuple[str, ...]:
        return tuple(values() if callable(values) else values)

    def parse(raw: str) -> str:
        if raw not in allowed():
            shown = ", ".join(allowed()[:12]) + (", …" if len(allowed()) > 12 else "")
            raise InvalidParameterError(name, f"'{raw[:60]}' is not one of {shown}")
        return raw

    return Param(name, description, lambda: {"type": "string", "enum": list(allowed())}, parse, default,
                 required, where)


def text(name: str, description: str, max_length: int | None = None, required: bool = False,
         where: str = "query", pattern: str | None = None) -> Param:
    schema: dict = {"type": "string"}
    if max_length:
        schema["maxLength"] = max_length
    if pattern:
        schema["pattern"] = pattern

    def parse(raw: str) -> str:
        if max_length and len(raw) > max_length:
            raise InvalidParameterError(name, f"is {len(raw)} characters long; at most {max_length} are allowed")
        return raw

    return Param(name, description, schema, parse, None, required, where)


def number_list(name: str, description: str, min_items: int, max_items: int, minimum: float | None = None,
                maximum: float | None = None, check: Callable[[tuple[float, ...]], Any] | None = None,
                required: bool = False) -> Param:
    """Comma-separated numbers (style form, explode false); `check` validates or converts the tuple."""
    item = {"type": "number"} | ({"minimum": minimum} if minimum is not None else {}) | \
        ({"maximum": maximum} if maximum is not None else {})

    def parse(raw: str):
        parts = raw.split(",")
        if not min_items <= len(parts) <= max_items:
            count = f"{min_items}" if min_items == max_items else f"{min_items} to {max_items}"
            raise InvalidParameterError(name, f"needs {count} comma-separated numbers, got {len(parts)}")
        values = tuple(parse_number(name, p, minimum, maximum) for p in parts)
        return check(values) if check else values

    schema = {"type": "array", "items": item, "minItems": min_items, "maxItems": max_items}
    return Param(name, description, schema, parse, None, required, style_form=True)


def name_list(name: str, description: str, min_items: int = 1, max_items: int = 100,
              required: bool = False) -> Param:
    """Comma-separated names (at most max_items given), de-duplicated in order; checked against the resource by
    the view."""

    def parse(raw: str) -> tuple[str, ...]:
        given = [n.strip() for n in raw.split(",")]
        if not min_items <= len(given) <= max_items or not all(given):
            raise InvalidParameterError(name, f"needs {min_items} to {max_items} non-empty comma-separated names, "
                                        f"got {len(given)}")
        return tuple(dict.fromkeys(given))

    schema = {"type": "array", "items": {"type": "string", "pattern": r"^\s*[^,\s\x00][^,\x00]*$"},
              "minItems": min_items, "maxItems": max_items}
    return Param(name, description, schema, parse, None, required, style_form=True)


LANG = choice("lang", "language of titles and pages", ("zh", "en"), default="zh")


def formats(*names: str, description: str = "output format; without it the Accept header decides") -> Param:
    """The `f` parameter of an endpoint answering in these formats (the first is the default)."""
    return choice("f", description, tuple(names))


def negotiate(fmt: str | None, accept: MIMEAccept, allowed: tuple[str, ...], default: str) -> str:
    """`f` when given, else the Accept header's best match among the allowed formats (in their order)."""
    if fmt:
        return fmt
    media = [m for m, f in ACCEPTED.items() if f in allowed]
    media.sort(key=lambda m: allowed.index(ACCEPTED[m]))
    best = accept.best_match(media, default=None) if accept else None
    return ACCEPTED[best] if best else default


@dataclass(frozen=True)
class Body:
    """A request body: its description and the JSON schema of each accepted media type."""

    description: str
    schema: Mapping[str, Any]
    media_types: tuple[str, ...] = ("application/json", "application/geo+json")


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one endpoint (and what the decorator parses)."""

    summary: str
    tag: str
    params: tuple[Param, ...] = ()
    responses: Mapping[str, Any] = field(default_factory=dict)  # status -> {"description", "content"/"$ref"}
    body: Body | None = None
    default_format: str | None = None
    per_collection: bool = False  # OpenAPI: one path per collection, with its queryables as parameters
    not_found: bool = False  # may answer 404 for a resource named in its query (besides its path parameters)
    role: str | None = None  # the least role it needs (viewer, editor, admin); None: anyone, signed in or not
    editable_only: bool = False  # answers on editable collections only (405 elsewhere): OpenAPI lists it there


def parse_params(params: tuple[Param, ...], args: Mapping[str, str], path: Mapping[str, Any],
                 into: SimpleNamespace | None = None) -> SimpleNamespace:
    """Every declared parameter parsed: query ones from `args`, path ones from the route's values."""
    q = into if into is not None else SimpleNamespace()
    for param in params:
        raw = path.get(param.name) if param.where == "path" else args.get(param.name)
        setattr(q, param.dest or param.name.replace("-", "_"), param.value(None if raw is None else str(raw)))
    return q


def operation(summary: str, tag: str, *params: Param, responses: Mapping[str, Any] | None = None,
              body: Body | None = None, default_format: str | None = None, per_collection: bool = False,
              choose_format: Callable[[str | None], str] | None = None, not_found: bool = False,
              role: str | None = None, editable_only: bool = False):
    """Declare an endpoint: its view receives `q` (the parsed query and path parameters; `q.f` negotiated with
    the Accept header, or by `choose_format` for an endpoint with its own rule). With `role` (viewer, editor,
    admin) the endpoint needs a user of that role or above — anonymous 401, a lower role 403, checked before
    anything else — and the OpenAPI document says so (security, 401, 403)."""
    op = Operation(summary, tag, params, responses or {}, body, default_format, per_collection, not_found,
                   None if role is None else check_role(role), editable_only)
    f_param = next((p for p in params if p.name == "f"), None)

    def wrap(view):
        @wraps(view)
        def inner(**path_values):
            q = parse_params(tuple(p for p in params if p.early), request.args, path_values)
            if role is not None:
                require_role(role)
            q = parse_params(tuple(p for p in params if not p.early), request.args, path_values, q)
            if choose_format is not None:
                q.f = choose_format(q.f)
            elif f_param is not None:
                allowed = tuple(f_param.schema()["enum"])
                q.f = negotiate(q.f, request.accept_mimetypes, allowed, default_format or allowed[0])
            return view(q, **path_values)

        inner.operation = op
        return inner

    return wrap


def declared(view: Callable) -> Operation | None:
    return getattr(view, "operation", None)



def ok(description: str, *media: str, schema: Mapping[str, Any] | None = None,
       headers: Mapping[str, Any] | None = None) -> dict:
    """A `200` response object: JSON-like media types with `schema` (an object by default), HTML as a string,
    any other type as binary."""
    def body(m: str) -> dict:
        if m == "text/html":
            return {"schema": {"type": "string"}}
        if m.endswith("json"):
            return {"schema": dict(schema or {"type": "object"})}
        return {"schema": {"type": "string", "format": "binary"}}

    out: dict = {"description": description, "content": {m: body(m) for m in media or ("application/json",)}}
    if headers:
        out["headers"] = dict(headers)
    return {"200": out}
