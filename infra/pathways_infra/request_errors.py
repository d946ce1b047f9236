"""Malformed requests, answered as 422 with the offending field named (see ``install_error_handlers``);
a body that is not JSON, an unknown path or a wrong method, answered in the documented shapes."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from starlette._utils import get_route_path
from starlette.exceptions import HTTPException
from starlette.routing import Route

JSON_ONLY = "The body must be JSON, sent with Content-Type: application/json"


def invalid_header(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("header", name), "msg": message, "type": "value_error"}])


async def invalid_request(request: Request, error: Exception) -> JSONResponse:
    """422 naming every field at fault (``InvalidRequest``); 415 for a body sent as something else than JSON."""
    assert isinstance(error, RequestValidationError)
    if isinstance(error.body, bytes):  # FastAPI, and the lean routes, leave a body of another media type unparsed
        content_type = request.headers.get("content-type", "")
        return JSONResponse(status_code=415, content={"error": f"{JSON_ONLY} (got {content_type!r})"})
    fields = [_field_error(e, error.body) for e in error.errors()]
    return JSONResponse(status_code=422, content={"error": "invalid request", "fields": fields})


def _field_error(error: dict[str, Any], document: Any) -> dict[str, str]:
    if error["type"] == "json_invalid":  # its loc is ("body", character offset): no field of that name
        return {"field": "body", "message": _not_json(error, document), "type": "json_invalid"}
    return {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"], "type": error["type"]}


def _not_json(error: dict[str, Any], document: Any) -> str:
    reason = (error.get("ctx") or {}).get("error") or error["msg"]
    where = error["loc"][1] if len(error["loc"]) > 1 else None
    if not isinstance(where, int):
        return f"The body is not valid JSON: {reason}"
    if not isinstance(document, str):
        return f"The body is not valid JSON: {reason} at character {where}"
    line = document.count("\n", 0, where) + 1
    column = where - document.rfind("\n", 0, where)
    return f"The body is not valid JSON: {reason} at line {line}, column {column} (character {where})"


async def http_error(request: Request, error: Exception) -> Response:
    """Starlette's own errors (an unknown path, a method the path does not take) as ``{"error": …}``,
    the shape every other error of the services has, instead of ``{"detail": …}``."""
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if not is_body_allowed_for_status_code(error.status_code):
        return Response(status_code=error.status_code, headers=headers)
    said = str(error.detail)
    if error.status_code == 404:
        said = f"There is no {request.url.path} on this service (its API is listed at /docs)"
    elif error.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
        said = f"{request.method} is not allowed on {request.url.path}; it takes {headers['Allow']}"
    return JSONResponse(status_code=error.status_code, content={"error": said}, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the path takes: Starlette's ``Allow`` names only the first route of the path's
    (``POST`` where ``GET`` lists the same path)."""
    path = get_route_path(request.scope)
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(path):
            methods |= route.methods
    return sorted(methods)
