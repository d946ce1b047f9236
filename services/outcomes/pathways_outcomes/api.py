"""Outcomes HTTP API."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from pathways_infra.http import CommandAccepted, Context, NotFoundError, ReadPool, application_of, with_occurred_at
from pathways_infra.idempotency import Once
from pathways_outcomes.application import OutcomesApplication, RecordEmployment
from pathways_outcomes.projections import cases

router = APIRouter()


App = Annotated[OutcomesApplication, Depends(application_of)]


@router.post("/cases/{enrollment_id}/employment", status_code=201, tags=["outcomes"], response_model=CommandAccepted)
async def record_employment(
    enrollment_id: UUID, command: RecordEmployment, app: App, context: Context, once: Once
) -> Any:
    """Record employment (wage or self-employed) after completed training."""
    occurred = with_occurred_at(context, command.occurred_at)
    return await once(lambda claim: app.record_employment(enrollment_id, command, occurred, idempotency=claim))


@router.get("/cases/{enrollment_id}", tags=["outcomes"])
async def get_case(enrollment_id: UUID, read: ReadPool) -> dict[str, Any]:
    found = await cases.get_case(read, enrollment_id)
    if found is None:
        raise NotFoundError(f"no outcomes case for enrollment {enrollment_id} (yet: read models follow the events)")
    return found
