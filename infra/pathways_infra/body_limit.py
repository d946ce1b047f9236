"""Requests with a body larger than a service accepts get a 413 with a reason, before it is read.

No command needs more than a few kilobytes; without a limit, one oversized POST is buffered whole
and parsed, and a few at once can exhaust a service's memory.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestBodyTooLargeError(HTTPException):
    """An HTTPException so that FastAPI's body reading lets it through instead of answering 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than this service accepts ({limit:,} bytes)")


async def body_too_large(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestBodyTooLargeError)
    return JSONResponse(status_code=413, content={"error": error.detail})


class BodyLimit:
    """ASGI middleware: a declared ``Content-Length`` over the limit is refused at once; a body sent
    in chunks is counted as it is read, and refused as soon as it passes the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self._max_bytes:
            error = RequestBodyTooLargeError(self._max_bytes)
            response = JSONResponse(status_code=413, content={"error": error.detail}, headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        await self._app(scope, self._counted(receive), send)

    def _counted(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    raise RequestBodyTooLargeError(self._max_bytes)
            return message

        return counted


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
