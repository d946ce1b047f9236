"""What training does when the enrollment service reports something (reaction "from-enrollment")."""

from __future__ import annotations

from pathways_contracts.enrollment import (
    ParticipantEnrolledV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    ProjectOpenedV1,
)
from pathways_infra.commands import Session
from pathways_infra.consumer import Inbound
from pathways_training.domain.project import evolve_project, learn_project
from pathways_training.domain.training import evolve_record, note_enrollment_transfer, open_record, withdraw_record


def learn_opened_project(session: Session, inbound: Inbound[ProjectOpenedV1]) -> None:
    """A project opened: training now accepts curricula and cohorts for it."""
    event = inbound.event
    session.decide(
        evolve_project,
        event.project_id,
        lambda state: learn_project(
            state,
            project_id=event.project_id,
            name=event.name,
            province_code=event.province_code,
            region=event.region,
            unit_id=event.unit_id,
        ),
        inbound.context(),
    )


def open_training_record(session: Session, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    """An enrollment elsewhere opens a training record here."""
    event = inbound.event
    session.decide(
        evolve_record,
        event.enrollment_id,
        lambda state: open_record(
            state,
            enrollment_id=event.enrollment_id,
            participant_id=event.participant_id,
            project_id=event.project_id,
            enrolled_on=event.enrolled_on,
        ),
        inbound.context(),
    )


def follow_enrollment_transfer(session: Session, inbound: Inbound[ParticipantTransferredV1]) -> None:
    """An enrollment moved to another project: its record follows (moving it to a cohort there is staff's call)."""
    event = inbound.event
    session.decide(
        evolve_record,
        event.enrollment_id,
        lambda state: note_enrollment_transfer(
            state,
            enrollment_id=event.enrollment_id,
            to_project_id=event.project_id,
            transferred_on=event.transferred_on,
        ),
        inbound.context(),
    )


def close_on_withdrawal(session: Session, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    """A withdrawn enrollment closes its open training record (none if it never reached training)."""
    event = inbound.event
    state, _ = session.load(evolve_record, event.enrollment_id)
    if state is None:
        return
    events = withdraw_record(state, enrollment_id=event.enrollment_id, withdrawn_on=event.withdrawn_on)
    session.append(evolve_record, event.enrollment_id, events, inbound.context())
