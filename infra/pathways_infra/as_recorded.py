"""Reads of one record as recorded in the event store, with its version as the ``ETag``.

The state and its version are read together (one load of the aggregate), so the ``ETag`` names the
version the caller saw: sent back as ``If-Match``, a command acts only if nothing changed since. Reads
from read models carry no ``ETag``: they may be a moment behind the event store, and a version read
beside them could vouch for a state the caller never saw.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic_core import to_jsonable_python

from pathways_infra.commands import CommandRunner, Evolver
from pathways_infra.http import NotFoundError
from pathways_infra.openapi_answers import answered_as

_ETAG = {
    "ETag": {
        "description": 'The version, e.g. "3": send it as If-Match with a command to act only if nothing changed '
        "since.",
        "schema": {"type": "string"},
    }
}


def recorded(state: type[Any]) -> dict[str, Any]:
    """Route options of a read as recorded: its body documented as the domain's ``state`` (the dataclass its
    evolve function builds: the shape cannot drift from it), with the ``ETag`` header."""
    return answered_as(state, description="As recorded in the event store, at its latest version.", headers=_ETAG)


async def as_recorded(request: Request, evolve: Evolver[Any], aggregate_id: UUID, what: str) -> JSONResponse:
    """The aggregate as recorded, with its version as the ETag: what a command's If-Match names."""
    runner: CommandRunner = request.app.state.runner
    state, version = await runner.run(lambda session: session.load(evolve, aggregate_id))
    if state is None:
        raise NotFoundError(f"{what} {aggregate_id} is not known")
    return JSONResponse(content=to_jsonable_python(state), headers={"ETag": f'"{version}"'})
