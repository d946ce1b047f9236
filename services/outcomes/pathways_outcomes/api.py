"""Outcomes HTTP API."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Request

from pathways_infra.commands import CommandContext
from pathways_infra.http import (
    CommandAccepted,
    NotFoundError,
    command_context,
    with_occurred_at,
)
from pathways_infra.idempotency import Idempotent
from pathways_outcomes.application import OutcomesApplication, RecordEmployment
from pathways_outcomes.projections import cases

router = APIRouter()


def application(request: Request) -> OutcomesApplication:
    app: OutcomesApplication = request.app.state.application
    return app


def pool(request: Request) -> asyncpg.Pool:
    read_pool: asyncpg.Pool = request.app.state.pool
    return read_pool


App = Annotated[OutcomesApplication, Depends(application)]
Context = Annotated[CommandContext, Depends(command_context)]
Pool = Annotated[asyncpg.Pool, Depends(pool)]
Once = Annotated[Idempotent, Depends()]


@router.post("/cases/{enrollment_id}/employment", status_code=201, tags=["outcomes"], response_model=CommandAccepted)
async def record_employment(
    enrollment_id: UUID, command: RecordEmployment, app: App, context: Context, once: Once
) -> Any:
    """Record employment (wage or self-employed) after completed training."""
    occurred = with_occurred_at(context, command.occurred_at)
    return await once(lambda claim: app.record_employment(enrollment_id, command, occurred, idempotency=claim))


@router.get("/cases/{enrollment_id}", tags=["outcomes"])
async def get_case(enrollment_id: UUID, read: Pool) -> dict[str, Any]:
    found = await cases.get_case(read, enrollment_id)
    if found is None:
        raise NotFoundError(f"no outcomes case for enrollment {enrollment_id} (yet: read models follow the events)")
    return found
