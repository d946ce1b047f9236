"""A query parameter a route does not take is refused with a 422, never silently ignored.

Ignored, a typo (``statu=``) or a filter the route lacks (``status=`` where there is none) answers
as if it had not been sent: a list of every status that the caller takes for a filtered one. Every
route of a service refuses such a parameter, naming it and the parameters the route takes. So is a
parameter of one value given more than once (``?on=2026-01-01&on=2026-02-01``): FastAPI would take
the last, and answer for a day the caller may not have meant.
"""

from __future__ import annotations

from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import FastAPI
from fastapi.dependencies.utils import get_flat_dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send


def refuse_unknown_query_parameters(app: FastAPI) -> None:
    """Wrap every route's handler (lean or FastAPI's) in the check. Install it after ``make_lean``,
    which replaces the handlers."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            route.app = _checked(route.app, accepted=_accepted(route), repeatable=_repeatable(route), route=route)


def _accepted(route: APIRoute) -> tuple[str, ...]:
    return tuple(dict.fromkeys(field.alias for field in get_flat_dependant(route.dependant).query_params))


def _repeatable(route: APIRoute) -> frozenset[str]:
    fields = get_flat_dependant(route.dependant).query_params
    return frozenset(field.alias for field in fields if _takes_many(field.field_info.annotation))


def _takes_many(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_takes_many(arg) for arg in get_args(annotation))
    return (origin or annotation) in (list, tuple, set, frozenset)


def _checked(app: ASGIApp, *, accepted: tuple[str, ...], repeatable: frozenset[str], route: APIRoute) -> ASGIApp:
    known = frozenset(accepted)

    async def checked(scope: Scope, receive: Receive, send: Send) -> None:
        query_string: bytes = scope.get("query_string", b"")
        if query_string:  # commands have none: one comparison is all they cost
            operation = f"{scope['method']} {route.path}"
            given = QueryParams(query_string)
            unknown = [name for name in given if name not in known]
            if unknown:
                raise unknown_parameters(unknown, accepted=accepted, operation=operation)
            repeated = [name for name in given if name not in repeatable and len(given.getlist(name)) > 1]
            if repeated:
                raise repeated_parameters(repeated, operation=operation)
        await app(scope, receive, send)

    checked.__wrapped__ = app  # type: ignore[attr-defined]
    return checked


def unknown_parameters(names: list[str], *, accepted: tuple[str, ...], operation: str) -> RequestValidationError:
    takes = f"takes only: {', '.join(accepted)}" if accepted else "takes no query parameters"
    return RequestValidationError(
        [
            {"type": "extra_forbidden", "loc": ("query", name), "msg": f"Unknown query parameter; {operation} {takes}"}
            for name in names
        ]
    )


def repeated_parameters(names: list[str], *, operation: str) -> RequestValidationError:
    return RequestValidationError(
        [
            {"type": "too_many_values", "loc": ("query", name), "msg": f"Given more than once; {operation} takes one"}
            for name in names
        ]
    )
