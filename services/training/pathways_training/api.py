"""Training HTTP API."""

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
from pathways_training.application import CompleteTraining, TrainingApplication
from pathways_training.projections import training_records

router = APIRouter()


def application(request: Request) -> TrainingApplication:
    app: TrainingApplication = request.app.state.application
    return app


def pool(request: Request) -> asyncpg.Pool:
    read_pool: asyncpg.Pool = request.app.state.pool
    return read_pool


App = Annotated[TrainingApplication, Depends(application)]
Context = Annotated[CommandContext, Depends(command_context)]
Pool = Annotated[asyncpg.Pool, Depends(pool)]
Once = Annotated[Idempotent, Depends()]


@router.post(
    "/training-records/{enrollment_id}/completion", status_code=201, tags=["training"], response_model=CommandAccepted
)
async def complete_training(
    enrollment_id: UUID, command: CompleteTraining, app: App, context: Context, once: Once
) -> Any:
    """Record that the participant completed training (attendance must meet the threshold)."""
    occurred = with_occurred_at(context, command.occurred_at)
    return await once(lambda claim: app.complete_training(enrollment_id, command, occurred, idempotency=claim))


@router.get("/training-records/{enrollment_id}", tags=["training"])
async def get_training_record(enrollment_id: UUID, read: Pool) -> dict[str, Any]:
    found = await training_records.get_record(read, enrollment_id)
    if found is None:
        raise NotFoundError(f"no training record for enrollment {enrollment_id} (yet: read models follow the events)")
    return found
