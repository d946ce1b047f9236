"""What enrollment notes when the training service reports something (reaction "from-training").

Only the day a case's training ended: a withdrawal or transfer dated before it would tell a story
training contradicts (the case left, or moved, while training there was still going on).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pathways_contracts.training import TrainingCompletedV1, TrainingDroppedOutV1
from pathways_enrollment.domain.enrollment import TrainingEnd, evolve_enrollment, note_training_end
from pathways_infra.commands import Session
from pathways_infra.consumer import Inbound
from pathways_infra.thai_time import thai_day


def note_completion(session: Session, inbound: Inbound[TrainingCompletedV1]) -> None:
    event = inbound.event
    ended_on = event.completed_on or thai_day(event.occurred_at)  # older completions carried no day
    _note(session, inbound, event.enrollment_id, TrainingEnd.COMPLETED, ended_on)


def note_dropout(session: Session, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    event = inbound.event
    _note(session, inbound, event.enrollment_id, TrainingEnd.DROPPED_OUT, event.dropped_out_on)


def _note(
    session: Session,
    inbound: Inbound[TrainingCompletedV1] | Inbound[TrainingDroppedOutV1],
    enrollment_id: UUID,
    how: TrainingEnd,
    ended_on: date,
) -> None:
    session.decide(
        evolve_enrollment,
        enrollment_id,
        lambda state: note_training_end(state, how=how, ended_on=ended_on),
        inbound.context(),
    )
