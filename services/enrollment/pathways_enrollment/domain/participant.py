"""Participants: pseudonymous registry entries. Personal data lives in the vault, never here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from pathways_enrollment.domain.errors import EnrollmentRuleError


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


@dataclass(frozen=True, kw_only=True)
class ParticipantRegistered:
    participant_id: UUID
    sex: Sex
    birth_year: int


@dataclass(frozen=True, kw_only=True)
class Participant:
    id: UUID
    sex: Sex
    birth_year: int


def register_participant(
    state: Participant | None, *, participant_id: UUID, sex: Sex, birth_year: int
) -> list[ParticipantRegistered]:
    if state is not None:
        raise EnrollmentRuleError(
            f"participant {participant_id} is already registered", rule="participant-registered-once"
        )
    return [ParticipantRegistered(participant_id=participant_id, sex=sex, birth_year=birth_year)]


def evolve_participant(state: Participant | None, event: object) -> Participant:
    match event:
        case ParticipantRegistered():
            return Participant(id=event.participant_id, sex=event.sex, birth_year=event.birth_year)
    raise TypeError(f"a participant does not follow from {type(event).__name__}")
