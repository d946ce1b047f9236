"""``Idempotency-Key``: a retried POST returns the first answer instead of acting twice.

The answer is stored in the same transaction as the events the request caused, so a request
either did everything and left its answer, or did nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from pathways_infra.commands import AlreadyProcessedError, AnsweredBeforeError, CommandRunner
from pathways_infra.eventstore import IdempotentResponse
from pathways_infra.request_errors import invalid_header
from pathways_infra.stale_versions import stale_version

T = TypeVar("T", bound=BaseModel)

MAX_KEY_LENGTH = 200
IDEMPOTENCY_HEADERS = [
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Send the same key with a retried request and get the first answer, without acting twice.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    }
]


class IdempotencyKeyReusedError(ValueError):
    """The key came with a different request before."""


@dataclass(frozen=True)
class IdempotencyClaim:
    key: str
    request_hash: str
    status_code: int = 201

    def answer(self, result: BaseModel) -> IdempotentResponse:
        return IdempotentResponse(
            key=self.key,
            request_hash=self.request_hash,
            status_code=self.status_code,
            body=result.model_dump(mode="json"),
        )


async def claim_for(request: Request, key: str | None) -> IdempotencyClaim | None:
    if not key:
        return None
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), await request.body()):
        digest.update(len(part).to_bytes(8, "big") + part)
    return IdempotencyClaim(key=key, request_hash=digest.hexdigest())


async def once(
    runner: CommandRunner, claim: IdempotencyClaim | None, run: Callable[[IdempotencyClaim | None], Awaitable[T]]
) -> Response:
    """Run the command once per key; a repeat gets the stored answer (marked ``Idempotent-Replayed``).

    A repeat shows itself in the command runner: its commit collides with the stored key, or its
    job fails where the first one succeeded and the runner then finds the key answered.
    """
    if claim is None:
        return _created(await run(None))
    try:
        return _created(await run(claim))
    except AnsweredBeforeError as answered:
        stored: IdempotentResponse | None = answered.answer
    except AlreadyProcessedError:  # its commit collided with the key, committed before
        stored = await stored_answer(runner, claim.key)
    if stored is None:
        raise RuntimeError(f"idempotency key {claim.key!r} was taken but has no stored answer")
    if stored.request_hash != claim.request_hash:
        raise IdempotencyKeyReusedError(
            f"Idempotency-Key {claim.key!r} was already used for a different request; use a new key"
        )
    return JSONResponse(status_code=stored.status_code, content=stored.body, headers={"Idempotent-Replayed": "true"})


def _created(result: BaseModel) -> Response:
    # Answered as a ready response: FastAPI would otherwise validate and serialise the model a
    # second time against the route's response_model (which still documents it).
    return Response(content=result.model_dump_json(), status_code=201, media_type="application/json")


async def stored_answer(runner: CommandRunner, key: str) -> IdempotentResponse | None:
    recorder = runner.store.pathways_recorder
    found = await runner.call(lambda: recorder.idempotent_responses([key]))
    return found.get(key)


class Idempotent:
    """Runs a command once per ``Idempotency-Key``: ``await once(lambda claim: app.cmd(..., idempotency=claim))``."""

    def __init__(self, request: Request, key: str | None) -> None:
        self._request = request
        self._key = key

    async def __call__(self, run: Callable[[IdempotencyClaim | None], Awaitable[T]]) -> Response:
        runner: CommandRunner = self._request.app.state.runner
        claim = await claim_for(self._request, self._key)
        stale = await stale_version(self._request)
        # A retry whose first attempt succeeded (moving the version on) gets the first answer, not a 409.
        if stale is not None and (claim is None or await stored_answer(runner, claim.key) is None):
            raise stale
        return await once(runner, claim, run)


async def idempotent(request: Request) -> Idempotent:
    """Reads ``Idempotency-Key`` from the request (documented by ``IDEMPOTENCY_HEADERS``; see ``command_context``)."""
    key = request.headers.get("idempotency-key")
    if key is not None and not key.strip():  # ignored, a retry would act twice where the caller meant once
        raise invalid_header("Idempotency-Key", "must not be empty (leave the header out instead)")
    if key is not None and len(key) > MAX_KEY_LENGTH:
        raise invalid_header("Idempotency-Key", f"at most {MAX_KEY_LENGTH} characters, got {len(key)}")
    return Idempotent(request, key)


Once = Annotated[Idempotent, Depends(idempotent)]
