"""Lean request handling: the same routes, answers and errors, with less work per request.

Measured in process on the enrollment service's command routes (fake application, no I/O), the
HTTP layer took about 210 µs a command, the largest share of the service's own work per command.
Two generic parts of it are replaced here, for the requests that need nothing more:

- **Routing.** Starlette tries every route's regular expression in order: 38 on the enrollment
  service for a command near the end of the list. ``RouteIndex`` tries only the routes whose first
  path segment could match, in the same order; anything else (no full match: 404, 405, redirects)
  goes to the router as before.
- **Dependencies.** FastAPI's generic solver walks every dependency's own parameters. A route whose
  inputs are path parameters, at most one JSON body and our request-only dependencies
  (``REQUEST_ONLY``: each an ``async def`` of the request alone) is handled by ``lean_handler``,
  which validates path and body with FastAPI's own functions, so answers and 422s are the same.
  Routes with anything else (query parameters, declared headers, dependencies with ``yield``,
  dependency overrides) keep FastAPI's handler.
"""

from __future__ import annotations

import email.message
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request, params
from fastapi._compat import lenient_issubclass
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from pydantic import BaseModel
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette._utils import get_route_path
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

RequestOnly = Callable[[Request], Awaitable[Any]]


def make_lean(app: FastAPI, *, request_only: Collection[RequestOnly]) -> int:
    """Install the route index, and the lean handler on every route it fits; returns how many."""
    app.router.middleware_stack = RouteIndex(app.router)
    lean = 0
    for route in app.routes:
        if isinstance(route, APIRoute) and _fits(route, request_only):
            route.app = _asgi(lean_handler(route), fastapi_way=route.app)
            lean += 1
    return lean


class RouteIndex:
    """Dispatches a request among the routes that could match its first path segment."""

    def __init__(self, router: Router) -> None:
        self._router = router
        self._by_segment: dict[str, list[BaseRoute]] = {}
        self._wildcards: list[BaseRoute] = []
        self._indexed = -1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._router.app(scope, receive, send)
            return
        scope.setdefault("router", self._router)
        for route in self._candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await self._router.app(scope, receive, send)  # partial matches, redirects, 404: as ever

    def _candidates(self, path: str) -> list[BaseRoute]:
        if self._indexed != len(self._router.routes):
            self._index()
        segment = _first_segment(path)
        return self._by_segment.get(segment, self._wildcards)

    def _index(self) -> None:
        by_segment: dict[str, list[BaseRoute]] = {}
        wildcards: list[BaseRoute] = []
        for route in self._router.routes:
            segment = _first_segment(route.path) if isinstance(route, Route) else None
            if segment is None or "{" in segment:
                wildcards.append(route)
                for routes in by_segment.values():
                    routes.append(route)
            else:
                by_segment.setdefault(segment, list(wildcards)).append(route)
        self._by_segment, self._wildcards, self._indexed = by_segment, wildcards, len(self._router.routes)


def _first_segment(path: str) -> str:
    return path.split("/", 2)[1] if path.startswith("/") else path


def _fits(route: APIRoute, request_only: Collection[RequestOnly]) -> bool:
    dependant = route.dependant
    body_is_form = route.body_field is not None and isinstance(route.body_field.field_info, params.Form)
    return (
        dependant.is_coroutine_callable
        and not body_is_form
        and not (dependant.query_params or dependant.header_params or dependant.cookie_params)
        and not (dependant.background_tasks_param_name or dependant.response_param_name)
        and not (dependant.websocket_param_name or dependant.http_connection_param_name)
        and not dependant.security_scopes_param_name
        and all(_request_only(sub, request_only) for sub in dependant.dependencies)
        and not any(lenient_issubclass(field.type_, BaseModel) for field in dependant.path_params)
    )


def _request_only(dependant: Dependant, request_only: Collection[RequestOnly]) -> bool:
    return dependant.call in request_only and dependant.name is not None and not dependant.dependencies


def lean_handler(route: APIRoute) -> Callable[[Request], Awaitable[Response]]:
    """Mirrors FastAPI's handler: body read and parsed first, then the dependencies in order, then
    path parameters and body validated together; a non-``Response`` answer is serialised by
    FastAPI's ``serialize_response`` against the route's response model."""
    dependant = route.dependant
    calls = [(sub.name or "", sub.call) for sub in dependant.dependencies]
    has_body = route.body_field is not None
    refuses_a_body = not has_body and not route.methods <= {"GET", "HEAD"}

    async def handle(request: Request) -> Response:
        body = await _json_body(request) if has_body else None
        if refuses_a_body:
            await _refuse_a_body(request)
        values: dict[str, Any] = {name: await call(request) for name, call in calls}  # type: ignore[misc]
        if dependant.request_param_name:
            values[dependant.request_param_name] = request
        errors = _path_parameters(dependant, request.path_params, values)
        if has_body:
            body_values, body_errors = await request_body_to_args(
                body_fields=dependant.body_params, received_body=body, embed_body_fields=route._embed_body_fields
            )
            values.update(body_values)
            errors += body_errors
        if errors:
            raise RequestValidationError(errors, body=body)
        answer = await route.endpoint(**values)
        return answer if isinstance(answer, Response) else await _serialised(route, answer)

    return handle


def _path_parameters(dependant: Dependant, received: Mapping[str, Any], values: dict[str, Any]) -> list[Any]:
    """As FastAPI's ``request_params_to_args`` for path parameters, which are always there and
    scalar (``_fits`` refuses a model as one): each validated by its own field, errors at ("path", name)."""
    errors: list[Any] = []
    for field in dependant.path_params:
        value, field_errors = field.validate(received.get(field.alias), values, loc=("path", field.alias))
        if field_errors:
            errors += field_errors
        else:
            values[field.name] = value
    return errors


async def _json_body(request: Request) -> Any:
    body_bytes = await request.body()
    if not body_bytes:
        return None
    content_type = request.headers.get("content-type")
    if content_type is not None and content_type != "application/json" and not _is_json(content_type):
        return body_bytes
    try:
        body = json.loads(body_bytes, object_pairs_hook=_object_of_distinct_keys)
    except _RepeatedKeyError as error:
        raise error.refusal() from None
    except json.JSONDecodeError as error:
        raise _invalid_json(("body", error.pos), error.msg, document=error.doc) from error
    except UnicodeDecodeError as error:
        raise _invalid_json(("body",), f"byte {error.start} is not UTF-8 text") from error
    except RecursionError:
        raise _invalid_json(("body",), "nested too deeply") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise _invalid_json(("body",), str(error)) from error
    if (where := _refused_text(body, ("body",))) is not None:
        raise _text_refused(where)
    return body


async def _refuse_a_body(request: Request) -> None:
    """A command that takes no body refuses one, rather than drop what it says (``{"approved_on": …}``
    sent to an approval that records no day would be lost without a word). Nothing, or ``{}``, is fine."""
    if (body := await _json_body(request)) in (None, {}):
        return
    message = "This operation takes no body; send none, or {}"
    raise RequestValidationError([{"type": "extra_forbidden", "loc": ("body",), "msg": message}], body=body)


class _RepeatedKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def refusal(self) -> RequestValidationError:
        message = f"The body gives {self.key!r} more than once in one object; send each name once"
        return RequestValidationError([{"type": "json_repeated_key", "loc": ("body",), "msg": message}])


def _object_of_distinct_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; one naming a key twice is refused. The last would win, silently: a client that
    sent ``withdrawn_on`` twice may have meant the first."""
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _RepeatedKeyError(_first_repeated(key for key, _ in pairs))
    return found


def _first_repeated(keys: Iterable[str]) -> str:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    raise ValueError("no key is repeated")


def _invalid_json(loc: tuple[Any, ...], reason: str, *, document: str | None = None) -> RequestValidationError:
    """As FastAPI's: the document it could not parse as the error's body (the answer says where)."""
    return RequestValidationError(
        [{"type": "json_invalid", "loc": loc, "msg": "JSON decode error", "input": {}, "ctx": {"error": reason}}],
        body=document,
    )


# Control characters (Unicode category Cc: C0, DEL and C1) but tab, line feed and carriage return, which
# multi-line text (reasons, findings, addresses) may hold; and lone surrogates, which UTF-8 cannot encode.
_REFUSED_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED_TEXT = "Text must not hold control characters (but tab, line feed and carriage return) or lone surrogates"


def _refused_text(value: Any, loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Where the body holds text no command takes, or None.

    A NUL or a lone surrogate would pass validation, be recorded, and then fail every read model it
    reaches (PostgreSQL refuses them). Other control characters would be recorded, published and
    shown to everyone who reads the name or reason they are in, doing nothing but harm there (a
    terminal escape sequence, a backspace hiding what was written)."""
    if isinstance(value, str):
        return None if _acceptable(value) else loc
    if isinstance(value, dict):
        for key, item in value.items():
            if not _acceptable(key):
                return (*loc, key)
            if (where := _refused_text(item, (*loc, key))) is not None:
                return where
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (where := _refused_text(item, (*loc, index))) is not None:
                return where
    return None


def _acceptable(text: str) -> bool:
    return text.isprintable() or _REFUSED_CHARACTER.search(text) is None  # most text is printable: quicker


def _text_refused(loc: tuple[Any, ...]) -> RequestValidationError:
    return RequestValidationError([{"type": "string_character_refused", "loc": loc, "msg": _REFUSED_TEXT, "input": {}}])


def _is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


async def _serialised(route: APIRoute, answer: Any) -> Response:
    content = await serialize_response(
        field=route.response_field,
        response_content=answer,
        include=route.response_model_include,
        exclude=route.response_model_exclude,
        by_alias=route.response_model_by_alias,
        exclude_unset=route.response_model_exclude_unset,
        exclude_defaults=route.response_model_exclude_defaults,
        exclude_none=route.response_model_exclude_none,
        is_coroutine=True,
    )
    declared = route.response_class
    response_class: type[Response] = declared.value if isinstance(declared, DefaultPlaceholder) else declared
    response = response_class(content) if route.status_code is None else response_class(content, route.status_code)
    if not is_body_allowed_for_status_code(response.status_code):
        response.body = b""
    return response


def _asgi(handle: Callable[[Request], Awaitable[Response]], *, fastapi_way: ASGIApp) -> ASGIApp:
    """As FastAPI's ``request_response``, without the per-request exit stacks no lean route needs;
    exceptions still go to the app's handlers (404, 409, 422 with reasons). With dependency
    overrides installed (tests of other apps do that), FastAPI's own handler runs instead."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["app"].dependency_overrides:
            await fastapi_way(scope, receive, send)
            return
        request = Request(scope, receive, send)

        async def respond(scope: Scope, receive: Receive, send: Send) -> None:
            response = await handle(request)
            await response(scope, receive, send)

        await wrap_app_handling_exceptions(respond, request)(scope, receive, send)

    asgi.pathways_lean = True  # type: ignore[attr-defined]
    return asgi


def is_lean(route: APIRoute) -> bool:
    """Whether ``make_lean`` gave the route the lean handler (which also checks the body's text), under
    any wrapper marked as such (``__wrapped__``)."""
    return getattr(inspect.unwrap(route.app), "pathways_lean", False) is True
