"""Training HTTP API."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from pathways_infra.http import CommandAccepted, Context, NotFoundError, ReadPool, application_of, with_occurred_at
from pathways_infra.idempotency import Once
from pathways_training.application import CompleteTraining, DropOut, TrainingApplication
from pathways_training.projections import training_records

router = APIRouter()


App = Annotated[TrainingApplication, Depends(application_of)]


@router.post(
    "/training-records/{enrollment_id}/completion", status_code=201, tags=["training"], response_model=CommandAccepted
)
async def complete_training(
    enrollment_id: UUID, command: CompleteTraining, app: App, context: Context, once: Once
) -> Any:
    """Record that the participant completed training (attendance must meet the threshold)."""
    occurred = with_occurred_at(context, command.occurred_at)
    return await once(lambda claim: app.complete_training(enrollment_id, command, occurred, idempotency=claim))


@router.post(
    "/training-records/{enrollment_id}/dropout", status_code=201, tags=["training"], response_model=CommandAccepted
)
async def drop_out(enrollment_id: UUID, command: DropOut, app: App, context: Context, once: Once) -> Any:
    """Record that the participant dropped out of training (with a reason)."""
    return await once(lambda claim: app.drop_out(enrollment_id, command, context, idempotency=claim))


@router.get("/training-records/{enrollment_id}", tags=["training"])
async def get_training_record(enrollment_id: UUID, read: ReadPool) -> dict[str, Any]:
    found = await training_records.get_record(read, enrollment_id)
    if found is None:
        raise NotFoundError(f"no training record for enrollment {enrollment_id} (yet: read models follow the events)")
    return found
