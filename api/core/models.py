"""Typed response bodies (pydantic): where an endpoint's body and its OpenAPI schema would otherwise be written twice,
the model is both — the view returns `Model(...).model_dump()` and the document takes `openapi_schema(Model)`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(Body):
    """The body of every error answer."""

    code: str = Field(description="the kind of problem (InvalidParameterValue, NotFound, …)")
    description: str = Field(description="what is wrong, naming the parameter or resource")


class Me(Body):
    """Who is asking."""

    authenticated: bool
    name: str | None
    role: Literal["anonymous", "viewer", "editor", "admin"]
    via: Literal["bearer", "session"] | None
    csrf_token: str | None = Field(None, description="the session's CSRF token (session users only)")


class Account(Body):
    """One account as listed: never a secret, only whether a password and a token are set."""

    name: str
    role: Literal["viewer", "editor", "admin"]
    disabled: bool
    password: bool
    token: bool
    created_at: str


class Accounts(Body):
    users: list[Account]
    count: int


class Health(Body):
    """Liveness: the process answers."""

    status: Literal["ok"]
    uptime_s: float = Field(description="seconds since the app was made")


class Ready(Body):
    """Readiness: the data answers."""

    status: Literal["ok"]
    layers: dict[str, int] = Field(description="feature count of each layer the reader may see")
    built_at: str | None = Field(description="when the build ran (UTC, ISO 8601)")
    data_version: str = Field(description="the version every cache and ETag of the data is keyed by")


def _openapi30(node: Any, defs: dict[str, Any]) -> Any:
    """A pydantic JSON Schema node as OpenAPI 3.0 says it: definitions inlined, `X | None` as `nullable`, constants
    as one-value enums, no titles."""
    if isinstance(node, list):
        return [_openapi30(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _openapi30(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    options = node.get("anyOf")
    if options and {"type": "null"} in options and len(options) == 2:
        other = next(o for o in options if o != {"type": "null"})
        rest = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
        return {**_openapi30(other, defs), **_openapi30(rest, defs), "nullable": True}
    out = {}
    for key, value in node.items():
        if key in ("title", "$defs"):
            continue
        if key == "const":
            out["enum"] = [value]
            continue
        if key == "properties":
            out[key] = {name: _openapi30(sub, defs) for name, sub in value.items()}
        else:
            out[key] = value if key in ("enum", "required") else _openapi30(value, defs)
    return out


def openapi_schema(model: type[BaseModel]) -> dict:
    """The OpenAPI 3.0 schema of a response model."""
    schema = model.model_json_schema()
    return _openapi30(schema, schema.get("$defs", {}))
