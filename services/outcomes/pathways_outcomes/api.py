"""Outcomes HTTP API."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from pathways_infra.http import CommandAccepted, Context, NotFoundError, ReadPool, application_of, with_occurred_at
from pathways_infra.idempotency import Once
from pathways_outcomes.application import OutcomesApplication, RecordEmployment, StartEnterprise
from pathways_outcomes.projections import cases, enterprises

router = APIRouter()


App = Annotated[OutcomesApplication, Depends(application_of)]


@router.post("/cases/{enrollment_id}/employment", status_code=201, tags=["outcomes"], response_model=CommandAccepted)
async def record_employment(
    enrollment_id: UUID, command: RecordEmployment, app: App, context: Context, once: Once
) -> Any:
    """Record employment (wage or self-employed) after completed training."""
    occurred = with_occurred_at(context, command.occurred_at)
    return await once(lambda claim: app.record_employment(enrollment_id, command, occurred, idempotency=claim))


@router.post("/enterprises", status_code=201, tags=["enterprises"], response_model=CommandAccepted)
async def start_enterprise(command: StartEnterprise, app: App, context: Context, once: Once) -> Any:
    """Participants who completed training start an enterprise or a community enterprise (7 members or more)."""
    return await once(lambda claim: app.start_enterprise(command, context, idempotency=claim))


@router.get("/enterprises/{enterprise_id}", tags=["enterprises"])
async def get_enterprise(enterprise_id: UUID, read: ReadPool) -> dict[str, Any]:
    found = await enterprises.get_enterprise(read, enterprise_id)
    if found is None:
        raise NotFoundError(f"enterprise {enterprise_id} is not known (yet: read models follow the events)")
    return found


@router.get("/cases/{enrollment_id}", tags=["outcomes"])
async def get_case(enrollment_id: UUID, read: ReadPool) -> dict[str, Any]:
    found = await cases.get_case(read, enrollment_id)
    if found is None:
        raise NotFoundError(f"no outcomes case for enrollment {enrollment_id} (yet: read models follow the events)")
    return found
