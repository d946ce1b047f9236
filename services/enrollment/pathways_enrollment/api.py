"""Enrollment HTTP API: commands write through the application, queries read the read models."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from pathways_enrollment.application import (
    EnrollmentApplication,
    EnrollParticipant,
    RegisterParticipant,
    RegisterProject,
    WithdrawEnrollment,
)
from pathways_enrollment.projections import enrollments
from pathways_infra.http import CommandAccepted, Context, NotFoundError, ReadPool, application_of
from pathways_infra.idempotency import Once

router = APIRouter()


App = Annotated[EnrollmentApplication, Depends(application_of)]


@router.post("/projects", status_code=201, tags=["projects"], response_model=CommandAccepted)
async def register_project(command: RegisterProject, app: App, context: Context, once: Once) -> Any:
    """Register a project (a grant run by a career development unit in one province)."""
    return await once(lambda claim: app.register_project(command, context, idempotency=claim))


@router.post("/participants", status_code=201, tags=["participants"], response_model=CommandAccepted)
async def register_participant(command: RegisterParticipant, app: App, context: Context, once: Once) -> Any:
    """Register a participant in the pseudonymous registry."""
    return await once(lambda claim: app.register_participant(command, context, idempotency=claim))


@router.post("/enrollments", status_code=201, tags=["enrollments"], response_model=CommandAccepted)
async def enroll_participant(command: EnrollParticipant, app: App, context: Context, once: Once) -> Any:
    """Enroll a registered participant in a registered project."""
    return await once(lambda claim: app.enroll_participant(command, context, idempotency=claim))


@router.post(
    "/enrollments/{enrollment_id}/withdrawal", status_code=201, tags=["enrollments"], response_model=CommandAccepted
)
async def withdraw_enrollment(
    enrollment_id: UUID, command: WithdrawEnrollment, app: App, context: Context, once: Once
) -> Any:
    """Withdraw a case: training closes an open record, and outcomes schedules no further follow-ups."""
    return await once(lambda claim: app.withdraw_enrollment(enrollment_id, command, context, idempotency=claim))


@router.get("/enrollments/{enrollment_id}", tags=["enrollments"])
async def get_enrollment(enrollment_id: UUID, read: ReadPool) -> dict[str, Any]:
    found = await enrollments.get_enrollment(read, enrollment_id)
    if found is None:
        raise NotFoundError(f"enrollment {enrollment_id} is not known (yet: read models follow the events)")
    return found


@router.get("/enrollments", tags=["enrollments"])
async def list_enrollments(
    read: ReadPool,
    participant_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    return await enrollments.list_enrollments(read, participant_id=participant_id, limit=limit, offset=offset)
