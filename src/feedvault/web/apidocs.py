"""``GET /api``: the JSON API's reference as a plain HTML page, made from the OpenAPI
document (web/openapi.py) on the server.

No API console from a CDN: the CSP allows only this site's scripts and styles, and a page
built here needs neither, so the reference works offline, without JavaScript and in the
reader's language for its headings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from feedvault.web.context import Ctx
from feedvault.web.guard import page
from feedvault.web.openapi import openapi_document

REF = "#/components/schemas/"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str  # plain text, e.g. "string or null (date-time)"
    ref: str | None  # a schema this field is, or is a list of (its anchor)
    required: bool
    where: str  # path, query (parameters) or "" (object fields)
    description: str


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    parameters: list[Field]
    responses: list[tuple[str, str, str, str | None]]  # status, description, type, schema
    body: list[Field]  # the fields of a success answer that is not one named object


@dataclass(frozen=True, slots=True)
class Schema:
    name: str
    fields: list[Field]


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF):
        return ref[len(REF):]
    items = schema.get("items")
    if schema.get("type") == "array" and isinstance(items, dict):
        return _ref_name(items)
    return None


def type_text(schema: dict[str, Any]) -> str:
    """A schema as a reader says it: "string or null (date-time)", "one of: ok, error"."""
    name = _ref_name(schema)
    if "$ref" in schema and name:
        return name
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "object")
    if kind == "array":
        items = schema.get("items", {})
        return "array of " + (type_text(items) if isinstance(items, dict) else "values")
    text = " or ".join(kind) if isinstance(kind, list) else str(kind)
    if "format" in schema:
        text += f" ({schema['format']})"
    if "pattern" in schema:
        text += f" matching {schema['pattern']}"
    return text


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", ()))
    return [Field(name, type_text(sub), _ref_name(sub), name in required, "",
                  str(sub.get("description", "")))
            for name, sub in schema.get("properties", {}).items()]


def operations(doc: dict[str, Any]) -> list[Operation]:
    found = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            params = [Field(p["name"], type_text(p.get("schema", {})),
                            _ref_name(p.get("schema", {})), bool(p.get("required")),
                            p.get("in", ""), str(p.get("description", "")))
                      for p in op.get("parameters", ())]
            responses = []
            body: list[Field] = []
            for status, response in op.get("responses", {}).items():
                content: dict[str, Any] = response.get("content", {})
                schema: dict[str, Any] = (next(iter(content.values())).get("schema", {})
                                          if content else {})
                if status == "200" and "properties" in schema:
                    body = _fields(schema)
                responses.append((status, str(response.get("description", "")),
                                  type_text(schema) if schema and "properties" not in schema
                                  else "", _ref_name(schema) if schema else None))
            anchor = method + "-" + "".join(c if c.isalnum() else "-" for c in path).strip("-")
            found.append(Operation(method.upper(), path, anchor, str(op.get("summary", "")),
                                   params, responses, body))
    return found


def schemas(doc: dict[str, Any]) -> list[Schema]:
    return [Schema(name, _fields(schema))
            for name, schema in doc.get("components", {}).get("schemas", {}).items()]


def api_docs(ctx: Ctx) -> Response:
    doc = openapi_document(ctx.base_url)
    return ctx.render("api.html", info=doc["info"], server=ctx.base_url,
                      operations=operations(doc), schemas=schemas(doc))


routes = [Route("/api", page(api_docs), name="api_docs")]
