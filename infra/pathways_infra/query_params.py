"""A query parameter a route does not take is refused with a 422, never silently ignored.

Ignored, a typo (``statu=``) or a filter the route lacks (``status=`` where there is none) answers
as if it had not been sent: a list of every status that the caller takes for a filtered one. Every
route of a service refuses such a parameter, naming it and the parameters the route takes.
"""

from __future__ import annotations

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
            route.app = _checked(route.app, accepted=_accepted(route), route=route)


def _accepted(route: APIRoute) -> tuple[str, ...]:
    return tuple(dict.fromkeys(field.alias for field in get_flat_dependant(route.dependant).query_params))


def _checked(app: ASGIApp, *, accepted: tuple[str, ...], route: APIRoute) -> ASGIApp:
    known = frozenset(accepted)

    async def checked(scope: Scope, receive: Receive, send: Send) -> None:
        query_string: bytes = scope.get("query_string", b"")
        if query_string:  # commands have none: one comparison is all they cost
            unknown = [name for name in QueryParams(query_string) if name not in known]
            if unknown:
                raise unknown_parameters(unknown, accepted=accepted, operation=f"{scope['method']} {route.path}")
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
