"""A participant's personal data was erased (enrollment told it): outcomes passes the notice on.

Integrators read the OUTCOMES stream only, and may keep what they learned of a participant (their
incomes, their employment) under its pseudonymous id, where it can be linked back to the person. The
notice (one per participant, keyed by the participant id) tells them to erase it too; the counts and the
pseudonymous journey stay here, as they do in enrollment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class ErasureNoted:
    participant_id: UUID
    erased_on: date


@dataclass(frozen=True, kw_only=True)
class ErasureNotice:
    participant_id: UUID
    erased_on: date


def note_erasure(state: ErasureNotice | None, *, participant_id: UUID, erased_on: date) -> list[ErasureNoted]:
    """The notice, once: a participant is erased once (enrollment refuses a second erasure)."""
    if state is not None:
        return []
    return [ErasureNoted(participant_id=participant_id, erased_on=erased_on)]


def evolve_erasure_notice(state: ErasureNotice | None, event: object) -> ErasureNotice:
    if isinstance(event, ErasureNoted):
        return ErasureNotice(participant_id=event.participant_id, erased_on=event.erased_on)
    raise TypeError(f"an erasure notice does not follow from {type(event).__name__} at {state}")
