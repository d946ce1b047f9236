"""What each query answers, in the service's OpenAPI document, without touching how it answers.

Most queries build their answer as plain data (a read model's rows, a domain state) and it is encoded as
it comes. Declared as the route's response model, a model would be validated against every answer and the
answer encoded again through it: time spent on every request for nothing the caller sees. Instead the model
documents the 200 body only (``responses``), and the route's response model stays ``Any``, so the answer is
encoded exactly as before. Tests keep each model true to the bodies actually sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import WithJsonSchema


def answered_as(model: Any, *, more: Mapping[int | str, dict[str, Any]] | None = None, **answer: Any) -> dict[str, Any]:
    """Route options documenting the 200 body as ``model`` (a pydantic model or dataclass, or a list of one),
    with ``answer``'s other OpenAPI keys (a description, headers) and ``more`` answers by status."""
    return {"response_model": Any, "responses": {200: {"model": model, **answer}, **(more or {})}}


def valued_as(values: Iterable[str]) -> WithJsonSchema:
    """``Annotated`` metadata documenting a text field as one of ``values`` (e.g. a ``StrEnum``) while taking
    any text: the field is sent as its read model stores it, and a model that validates it refuses nothing more."""
    return WithJsonSchema({"type": "string", "enum": [str(value) for value in values]})


def document_answers(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so that the document says every field of a body the service answers with is
    there: each is sent, null when it has no value (a default documents a field as optional)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components: dict[str, dict[str, Any]] = schema.get("components", {}).get("schemas", {})
        answered = _reachable(components, _answer_schemas(schema["paths"]))
        asked = _reachable(components, _request_schemas(schema["paths"]))
        for name in answered - asked:  # a model a request also takes may leave fields out there
            component = components[name]
            if "properties" in component:
                component["required"] = list(component["properties"])
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _answer_schemas(paths: dict[str, Any]) -> Iterator[Any]:
    for operations in paths.values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                if status.startswith("2"):
                    yield answer.get("content", {})


def _request_schemas(paths: dict[str, Any]) -> Iterator[Any]:
    for operations in paths.values():
        for operation in operations.values():
            yield operation.get("requestBody", {})
            yield operation.get("parameters", [])


def _reachable(components: dict[str, Any], roots: Iterator[Any]) -> set[str]:
    """The names of the components the schemas in ``roots`` refer to, directly or through other components."""
    found: set[str] = set()
    pending = [ref for root in roots for ref in _refs(root)]
    while pending:
        name = pending.pop()
        if name not in found and name in components:
            found.add(name)
            pending.extend(_refs(components[name]))
    return found


def _refs(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                yield value.rsplit("/", 1)[1]
            else:
                yield from _refs(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _refs(item)
