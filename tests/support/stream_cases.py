"""Cases and projects for tests that publish hand-written enrollment events and check a read model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from pathways_contracts.enrollment import ParticipantTransferredV1, ParticipantWithdrawnV1

AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Project:
    province_code: str
    region: str
    unit_id: UUID | None = None  # the unit running it (none: told without one)
    project_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True)
class Case:
    project: Project
    participant_id: UUID = field(default_factory=uuid4)
    enrollment_id: UUID = field(default_factory=uuid4)

    def ids(self) -> dict[str, Any]:
        return {"occurred_at": AT, "participant_id": self.participant_id, "enrollment_id": self.enrollment_id}


def transferred(case: Case, to: Project, on: date) -> ParticipantTransferredV1:
    return ParticipantTransferredV1(
        **case.ids(),
        project_id=to.project_id,
        unit_id=to.unit_id,
        province_code=to.province_code,
        region=to.region,
        from_project_id=case.project.project_id,
        from_unit_id=case.project.unit_id,
        from_province_code=case.project.province_code,
        from_region=case.project.region,
        transferred_on=on,
        reason="RELOCATION",
    )


def withdrawn(case: Case, *, was_enrolled: bool, on: date) -> ParticipantWithdrawnV1:
    return ParticipantWithdrawnV1(
        **case.ids(),
        project_id=case.project.project_id,
        reason="PARTICIPANT_REQUEST",
        withdrawn_on=on,
        was_enrolled=was_enrolled,
    )
