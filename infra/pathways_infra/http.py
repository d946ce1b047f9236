"""What every service's HTTP API shares: the caller's identity, and errors as 4xx with reasons."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Self
from uuid import UUID

import asyncpg
from fastapi import Depends, FastAPI, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from pathways_infra.commands import Appended, CommandContext, ConcurrencyError, IdTakenError
from pathways_infra.database import DATABASE_UNAVAILABLE
from pathways_infra.eventstore import Actor
from pathways_infra.idempotency import IdempotencyKeyReusedError
from pathways_infra.ids import new_id
from pathways_infra.request_errors import http_error, invalid_header, invalid_request
from pathways_infra.stale_versions import version_in
from pathways_infra.thai_time import thai_midnight

log = logging.getLogger(__name__)

UNAUTHENTICATED_NOTE = (
    "**Not authenticated yet.** The actor of every command is whatever the caller puts in the "
    "`X-Actor-Id`, `X-Actor-Role` and `X-Actor-Unit` headers; it is recorded on every event as given."
)


class NotFoundError(LookupError):
    """The command or query names something this service does not know."""


class CommandAccepted(BaseModel):
    """What a command answers: the aggregate's new version and the ids of the events it recorded."""

    id: UUID
    version: int
    event_ids: list[UUID] = Field(default_factory=list)

    @classmethod
    def of(cls, appended: Appended[Any]) -> Self:
        return cls(id=appended.aggregate_id, version=appended.version, event_ids=appended.event_ids)


# Dependencies are ``async def``: FastAPI runs plain ``def`` ones on a thread pool, two thread hops
# per request that showed up as latency under load.


async def read_pool(request: Request) -> asyncpg.Pool:
    """The pool the service's queries read its read models with."""
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def events_table(request: Request) -> str:
    """The service's events table, for queries of what only the event store holds (which aggregates it has)."""
    table: str = request.app.state.runner.store.events_table
    return table


async def application_of(request: Request) -> Any:
    """The service's application object (one method per command)."""
    return request.app.state.application


async def command_context(request: Request) -> CommandContext:
    """The caller's identity and conditions, from the headers ``COMMAND_HEADERS`` documents.

    Read from the request as a whole: declared one by one as FastAPI header parameters, they cost
    about 0.2 ms a request, as much as the rest of FastAPI's work on a command.
    """
    headers = request.headers
    return CommandContext(
        actor=Actor(
            id=_actor_header(headers, "X-Actor-Id") or "anonymous",
            role=_actor_header(headers, "X-Actor-Role") or "unknown",
            unit=_actor_header(headers, "X-Actor-Unit"),
        ),
        correlation_id=_correlation_id_in(headers.get("x-correlation-id")) or new_id(),
        expected_version=version_in(headers.get("if-match")),
    )


MAX_ACTOR_HEADER_LENGTH = 200  # every event's metadata carries them, and NATS headers are at most 64 KiB in all


def _actor_header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name.lower())
    if value is None:
        return None
    value = _utf8(value).strip()
    if not value:
        raise invalid_header(name, "must not be empty (leave the header out instead)")
    if len(value) > MAX_ACTOR_HEADER_LENGTH:
        raise invalid_header(name, f"at most {MAX_ACTOR_HEADER_LENGTH} characters, got {len(value):,}")
    if not value.isprintable():
        raise invalid_header(name, "must not contain control characters")
    return value


def _utf8(value: str) -> str:
    """A header as the client most likely wrote it: the server decodes its bytes as Latin-1, and a
    Thai name sent as UTF-8 would otherwise be recorded garbled."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _correlation_id_in(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise invalid_header("X-Correlation-Id", f"expected a UUID, got {value!r}") from None


MAX_OFFSET = 1_000_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (paging).")]


def _header(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": description,
            "schema": schema or {"type": "string"}}  # fmt: skip


COMMAND_HEADERS = [
    _header("X-Actor-Id", "Who is acting (not authenticated). Default: anonymous."),
    _header("X-Actor-Role", "Their role, e.g. programme-officer, unit-staff, mentor. Default: unknown."),
    _header("X-Actor-Unit", "Their career development unit, if any."),
    _header("X-Correlation-Id", "Correlates a conversation across services.", {"type": "string", "format": "uuid"}),
    _header("If-Match", 'Act only if the aggregate is still at this version (from the last command), e.g. "3".'),
]


def document_headers(app: FastAPI, headers_of: Mapping[Callable[..., Any], Sequence[dict[str, Any]]]) -> None:
    """Declare in the OpenAPI document the headers that dependencies read straight from the request.

    ``headers_of`` maps a dependency to the header parameters it reads; every operation that
    depends on it, directly or through another dependency, lists them.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        for route in app.routes:
            if not (isinstance(route, APIRoute) and route.include_in_schema):
                continue
            calls = _dependency_calls(route.dependant)
            extra = [header for call, headers in headers_of.items() if call in calls for header in headers]
            for method in route.methods:
                operation = schema["paths"][route.path_format][method.lower()]
                operation.setdefault("parameters", []).extend(extra)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _dependency_calls(dependant: Dependant) -> set[Any]:
    calls = set()
    for dependency in dependant.dependencies:
        calls.add(dependency.call)
        calls |= _dependency_calls(dependency)
    return calls


def happened_on(context: CommandContext, when: date | datetime | None) -> CommandContext:
    """The fact happened when the user says: at that moment, or at the start (Thai time) of the day
    they give, however late it is recorded. If they say nothing, it happened when it is recorded."""
    if when is None:
        return context
    if isinstance(when, datetime):
        return with_occurred_at(context, when)
    return with_occurred_at(context, thai_midnight(when))


def with_occurred_at(context: CommandContext, occurred_at: datetime | None) -> CommandContext:
    return CommandContext(
        actor=context.actor,
        occurred_at=occurred_at,
        correlation_id=context.correlation_id,
        causation_id=context.causation_id,
        expected_version=context.expected_version,
    )


def install_error_handlers(app: FastAPI, domain_errors: Sequence[type[Exception]]) -> None:
    async def broken_rule(_: Request, error: Exception) -> JSONResponse:
        rule = getattr(error, "rule", type(error).__name__)
        body: dict[str, Any] = {"error": str(error), "rule": rule}
        if getattr(error, "retryable", False):
            body["retryable"] = True
        # A rule that something must exist, broken, is an unknown id: 404, still naming the rule.
        status = 404 if rule == "must-exist" else 409
        return JSONResponse(status_code=status, content=body)

    async def not_found(_: Request, error: Exception) -> JSONResponse:
        return JSONResponse(status_code=404, content={"error": str(error)})

    async def key_reused(_: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={
                "error": str(error),
                "fields": [
                    {"field": "header.Idempotency-Key", "message": str(error), "type": "idempotency_key_reused"}
                ],
            },
        )

    async def database_unavailable(_: Request, error: Exception) -> JSONResponse:
        # A connection PostgreSQL closed or refused (a restart, a failover, no connection slot free):
        # the pools replace it, so the same request (with its Idempotency-Key) succeeds when sent again.
        return JSONResponse(
            status_code=503,
            content={"error": f"the database connection was lost ({type(error).__name__}); retry", "retryable": True},
            headers={"Retry-After": "1"},
        )

    async def unsearchable_text(_: Request, error: Exception) -> JSONResponse:
        # Bodies are checked before anything is recorded (lean_routes); this is a query's text.
        field = {
            "field": "query",
            "message": "text with a NUL character cannot be searched",
            "type": "value_error",
        }
        return JSONResponse(status_code=422, content={"error": "invalid request", "fields": [field]})

    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        # Starlette still logs the traceback after this answer; the caller gets the documented body, not plain text.
        return JSONResponse(
            status_code=500,
            content={"error": f"internal error ({type(error).__name__}); the service's log has the details"},
        )

    app.add_exception_handler(Exception, unexpected)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)  # unknown paths (404), wrong methods (405)
    app.add_exception_handler(asyncpg.CharacterNotInRepertoireError, unsearchable_text)
    for lost in DATABASE_UNAVAILABLE:
        app.add_exception_handler(lost, database_unavailable)
    app.add_exception_handler(IdempotencyKeyReusedError, key_reused)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(ConcurrencyError, broken_rule)
    app.add_exception_handler(IdTakenError, broken_rule)
    for error_type in domain_errors:
        app.add_exception_handler(error_type, broken_rule)


ReadPool = Annotated[asyncpg.Pool, Depends(read_pool)]
EventsTable = Annotated[str, Depends(events_table)]
Context = Annotated[CommandContext, Depends(command_context)]
