"""The request body limit on an app whose routes FastAPI handles itself (the services' lean routes are
covered end to end in tests/e2e/test_http_errors.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from pathways_infra.body_limit import BodyLimit, RequestBodyTooLargeError, body_too_large

LIMIT = 2048


class Note(BaseModel):
    text: str


def app_with_limit(received: list[Note]) -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(RequestBodyTooLargeError, body_too_large)
    app.add_middleware(BodyLimit, max_bytes=LIMIT)

    @app.post("/notes")
    async def add(note: Note, tag: str = "") -> dict[str, str]:
        received.append(note)
        return {"text": note.text}

    return app


async def chunked(size: int) -> AsyncIterator[bytes]:
    yield b'{"text": "'
    for _ in range(size // 100):
        yield b"x" * 100
    yield b'"}'


async def post(app: FastAPI, **request: object) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.post("/notes", **request)  # type: ignore[arg-type]


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read() -> None:
    received: list[Note] = []
    response = await post(app_with_limit(received), json={"text": "x" * LIMIT})
    assert response.status_code == 413
    assert response.json() == {"error": "the request body is larger than this service accepts (2,048 bytes)"}
    assert received == []


async def test_a_chunked_body_over_the_limit_is_413_not_fastapis_400() -> None:
    received: list[Note] = []
    response = await post(
        app_with_limit(received), content=chunked(3 * LIMIT), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert received == []


async def test_bodies_within_the_limit_pass_whole() -> None:
    received: list[Note] = []
    declared = await post(app_with_limit(received), json={"text": "y" * 1900})
    streamed = await post(app_with_limit(received), content=chunked(1900), headers={"content-type": "application/json"})
    assert declared.status_code == streamed.status_code == 200
    assert [len(note.text) for note in received] == [1900, 1900]
