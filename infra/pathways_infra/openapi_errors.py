"""The error answers of every operation, in each service's OpenAPI document as they are sent.

FastAPI documents only its own 422 body (``HTTPValidationError``), which the services do not send;
the 404, 409, 413, 415 and 503 they do send it does not document at all. An integrator generating a
client from the document would get every error wrong.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(
        description="Where: body.…, query.…, path.… or header.…; body alone for a body that is not valid JSON.",
        examples=["body.province_code"],
    )
    message: str
    type: str = Field(
        description="The kind of error, e.g. missing, uuid_parsing, less_than_equal, json_invalid, extra_forbidden "
        "(a body field or query parameter not taken), json_repeated_key (a body object naming a key twice), "
        "too_many_values (a query parameter given twice)."
    )


class InvalidRequest(BaseModel):
    """422: the request is malformed; each field at fault is named."""

    error: str = Field(examples=["invalid request"])
    fields: list[FieldError]


class BrokenRule(BaseModel):
    """409: the command is well formed, but acting on it would break a rule, which is named."""

    error: str
    rule: str = Field(examples=["optimistic-concurrency", "consent-required", "unique-id"])
    retryable: bool | None = Field(
        default=None, description="True when the command came before an event it depends on: send it again later."
    )


class NotFound(BaseModel):
    """404: an id the service does not know (or a path it does not have)."""

    error: str
    rule: str | None = Field(default=None, description="must-exist, when a command's body named the unknown id.")


class Problem(BaseModel):
    """413, 415, 503 (or 405, a method the path does not take): what went wrong, in a sentence."""

    error: str
    retryable: bool | None = Field(default=None, description="True on 503: the same request may succeed if sent again.")


_MODELS: tuple[type[BaseModel], ...] = (FieldError, InvalidRequest, BrokenRule, NotFound, Problem)
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _answer(description: str, model: type[BaseModel]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
    }


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the same request again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def _errors_of(path: str, method: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {}
    parameters = operation.get("parameters", [])
    in_path = any(p.get("in") == "path" for p in parameters)
    filters = ", ".join(f"`{p['name']}`" for p in parameters if p.get("in") == "query" and _is_id_filter(p))
    if filters:
        where = f"in the path or given as {filters}" if in_path else f"given as {filters}"
        answers["404"] = _answer(f"An unknown id, {where}: each one unknown is named, with what it is.", NotFound)
    elif method == "post" or in_path:
        answers["404"] = _answer("An unknown id.", NotFound)
    if method == "post":
        answers["409"] = _answer("A rule broken; the rule is named.", BrokenRule)
        answers["413"] = _answer("The body is larger than the service accepts (PATHWAYS_MAX_REQUEST_BYTES).", Problem)
    if "requestBody" in operation:
        answers["415"] = _answer(
            "The body was sent as something else than JSON (Content-Type: application/json).", Problem
        )
    answers["422"] = _answer(_MALFORMED, InvalidRequest)
    if path != "/health":  # answers without PostgreSQL (read_models_to_rebuild is then null)
        lost = _answer("The database connection was lost; retry (the Retry-After header says when).", Problem)
        answers["503"] = {**lost, "headers": _RETRY_AFTER}
    return answers


def _is_id_filter(parameter: dict[str, Any]) -> bool:
    """A query parameter naming something by its id (``project_id``, …): an unknown one is a 404 (``after``, a
    place in a list's order, is not one)."""
    schema = parameter.get("schema", {})
    shapes = [schema, *schema.get("anyOf", [])]
    uuids = [shape.get("items", shape).get("format") == "uuid" for shape in shapes]
    return parameter["name"].endswith("_id") and any(uuids)


_MALFORMED = (
    "Malformed request; every field at fault is named: a parameter, header or body field not valid, a body "
    "not valid JSON (`body`, saying where) or naming a key twice in one object (`json_repeated_key`), a query "
    "parameter the operation does not take (`extra_forbidden`, listing those it takes) or given twice "
    "(`too_many_values`)."
)


def document_errors(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so that every operation lists the error answers it can give."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in _FASTAPI_VALIDATION:
            components.pop(name, None)
        for model in _MODELS:
            components[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                operation.setdefault("responses", {}).update(_errors_of(path, method, operation))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
