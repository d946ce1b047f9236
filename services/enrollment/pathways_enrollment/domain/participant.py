"""Participants: pseudonymous registry entries. Personal data lives in the vault, never here.

Events carry the random participant id, the sex given and the band of the participant's age when
registering (for equity breakdowns; never the date of birth or the birth year, which stay in the
vault) and, for duplicate detection, a keyed hash of the national ID computed outside the domain
(never the ID itself). Registering with a hash the registry already
knows flags the newcomer as a potential duplicate of the participant holding it; a person resolves
the flag by merging the newcomer into the other, or by declaring them different people. A merged
participant is final: it cannot consent or enroll again (its history stays). So is an erased one; its
erasure is not dated before a consent it gave, since nothing is collected after an erasure.

Consent (PDPA) is recorded on the participant: see ``consent.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pathways_enrollment.domain.consent import (
    Consent,
    ConsentGranted,
    ConsentPurpose,
    ConsentWithdrawn,
    consent_for,
    with_grant,
    with_withdrawal,
)
from pathways_enrollment.domain.errors import EnrollmentRuleError, refuse_earlier, require_existing
from pathways_enrollment.domain.national_id import is_valid_national_id


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


class ParticipantStatus(StrEnum):
    REGISTERED = "REGISTERED"
    POTENTIAL_DUPLICATE = "POTENTIAL_DUPLICATE"
    MERGED = "MERGED"


class DuplicateResolution(StrEnum):
    MERGED = "MERGED"
    NOT_A_DUPLICATE = "NOT_A_DUPLICATE"


@dataclass(frozen=True, kw_only=True)
class ParticipantRegistered:
    """``age_band`` is None when unknown: registered before bands were kept (those events held a birth
    year, which is no longer read), or only a birth year was given and it spans two bands."""

    participant_id: UUID
    sex: Sex
    age_band: str | None = None
    national_id_hash: str | None = None


@dataclass(frozen=True, kw_only=True)
class ParticipantFlaggedAsPotentialDuplicate:
    participant_id: UUID
    duplicate_of: UUID


@dataclass(frozen=True, kw_only=True)
class ParticipantDuplicateResolved:
    participant_id: UUID
    duplicate_of: UUID
    resolution: DuplicateResolution


@dataclass(frozen=True, kw_only=True)
class ParticipantErased:
    """The participant's personal data was destroyed (PDPA); the pseudonymous history stays."""

    participant_id: UUID
    erased_on: date


EVENTS: tuple[type, ...] = (
    ParticipantRegistered,
    ParticipantErased,
    ParticipantFlaggedAsPotentialDuplicate,
    ParticipantDuplicateResolved,
    ConsentGranted,
    ConsentWithdrawn,
)


@dataclass(frozen=True, kw_only=True)
class Participant:
    id: UUID
    sex: Sex
    age_band: str | None = None
    national_id_hash: str | None = None
    status: ParticipantStatus = ParticipantStatus.REGISTERED
    duplicate_of: UUID | None = None
    merged_into: UUID | None = None
    consents: tuple[Consent, ...] = ()
    erased_on: date | None = None

    def consent_for(self, purpose: ConsentPurpose) -> Consent | None:
        return consent_for(self.consents, purpose)

    def consents_to(self, purpose: ConsentPurpose, *, on: date) -> bool:
        consent = self.consent_for(purpose)
        return consent is not None and consent.covers(on)


def register_participant(
    state: Participant | None,
    *,
    participant_id: UUID,
    sex: Sex,
    age_band: str | None,
    national_id_hash: str | None = None,
    existing_participant_id: UUID | None = None,
) -> list[ParticipantRegistered | ParticipantFlaggedAsPotentialDuplicate]:
    """Register a participant; ``existing_participant_id`` is whoever already holds ``national_id_hash``.

    ``age_band`` is worked out by the caller from the date of birth, which the domain never sees.
    """
    if state is not None:
        raise EnrollmentRuleError(
            f"participant {participant_id} is already registered", rule="participant-registered-once"
        )
    if national_id_hash is not None and (not national_id_hash.strip() or is_valid_national_id(national_id_hash)):
        raise EnrollmentRuleError(
            "national_id_hash must be the keyed hash of the national ID, never the ID itself or blank",
            rule="national-id-must-be-hashed",
        )
    events: list[ParticipantRegistered | ParticipantFlaggedAsPotentialDuplicate] = [
        ParticipantRegistered(
            participant_id=participant_id, sex=sex, age_band=age_band, national_id_hash=national_id_hash
        )
    ]
    if existing_participant_id is not None and existing_participant_id != participant_id:
        events.append(
            ParticipantFlaggedAsPotentialDuplicate(participant_id=participant_id, duplicate_of=existing_participant_id)
        )
    return events


def resolve_duplicate(
    state: Participant | None,
    *,
    resolution: DuplicateResolution,
    other: Participant | None = None,
) -> list[ParticipantDuplicateResolved]:
    """Settle a potential duplicate; merging needs ``other`` (the participant it duplicates), not merged itself."""
    participant = require_existing(state, "this participant")
    if participant.status != ParticipantStatus.POTENTIAL_DUPLICATE or participant.duplicate_of is None:
        raise EnrollmentRuleError(
            f"participant {participant.id} is not flagged as a potential duplicate", rule="no-potential-duplicate"
        )
    if resolution == DuplicateResolution.MERGED:
        survivor = require_existing(other, f"participant {participant.duplicate_of}")
        if survivor.id != participant.duplicate_of:
            raise EnrollmentRuleError(
                f"participant {participant.id} is flagged as a duplicate of {participant.duplicate_of}, "
                f"not of {survivor.id}",
                rule="merge-target-mismatch",
            )
        if survivor.status == ParticipantStatus.MERGED:
            raise EnrollmentRuleError(
                f"participant {survivor.id} was itself merged into {survivor.merged_into}; merge into that one",
                rule="merge-target-merged",
            )
    return [
        ParticipantDuplicateResolved(
            participant_id=participant.id, duplicate_of=participant.duplicate_of, resolution=resolution
        )
    ]


def _purposes(purposes: Iterable[ConsentPurpose]) -> tuple[ConsentPurpose, ...]:
    chosen = tuple(dict.fromkeys(purposes))
    if not chosen:
        raise EnrollmentRuleError("consent names at least one purpose", rule="consent-purpose-required")
    return chosen


def grant_consent(
    state: Participant | None,
    *,
    purposes: Iterable[ConsentPurpose],
    notice_version: str,
    granted_at: datetime,
    valid_until: date | None = None,
) -> list[ConsentGranted]:
    participant = require_existing(state, "this participant")
    if participant.status == ParticipantStatus.MERGED:
        raise EnrollmentRuleError(
            f"participant {participant.id} was merged into {participant.merged_into}; record consent there",
            rule="participant-merged",
        )
    refuse_erased(participant, "consent")
    chosen = _purposes(purposes)
    if not notice_version.strip():
        raise EnrollmentRuleError("consent names the privacy notice version it was given for", rule="notice-required")
    if valid_until is not None and valid_until < granted_at.date():
        raise EnrollmentRuleError(
            f"consent granted on {granted_at.date()} cannot expire before, on {valid_until}",
            rule="consent-expires-before-granted",
        )
    _refuse_granting_before_a_withdrawal(participant, chosen, granted_at)
    return [
        ConsentGranted(
            participant_id=participant.id,
            purposes=chosen,
            notice_version=notice_version.strip(),
            granted_at=granted_at,
            valid_until=valid_until,
        )
    ]


def _refuse_granting_before_a_withdrawal(
    participant: Participant, purposes: Iterable[ConsentPurpose], granted_at: datetime
) -> None:
    """A grant replaces the consent for its purposes; dated before their withdrawal, it would cover days withdrawn."""
    for purpose in purposes:
        current = participant.consent_for(purpose)
        if current is not None and current.withdrawn_at is not None and granted_at < current.withdrawn_at:
            raise EnrollmentRuleError(
                f"consent for {purpose.value} was withdrawn at {current.withdrawn_at.isoformat()}; "
                f"it cannot be granted again before, at {granted_at.isoformat()}",
                rule="consent-granted-before-withdrawal",
            )


def withdraw_consent(
    state: Participant | None, *, purposes: Iterable[ConsentPurpose], withdrawn_at: datetime
) -> list[ConsentWithdrawn]:
    """Withdraw consent for some purposes. Always possible for what was granted, merged or not (PDPA §19)."""
    participant = require_existing(state, "this participant")
    chosen = _purposes(purposes)
    for purpose in chosen:
        consent = participant.consent_for(purpose)
        if consent is None or consent.withdrawn:
            raise EnrollmentRuleError(
                f"participant {participant.id} has no consent for {purpose.value} to withdraw",
                rule="consent-not-granted",
            )
        if withdrawn_at < consent.granted_at:
            raise EnrollmentRuleError(
                f"consent for {purpose.value} was granted at {consent.granted_at.isoformat()}; "
                f"it cannot be withdrawn before, at {withdrawn_at.isoformat()}",
                rule="consent-withdrawn-before-granted",
            )
    return [ConsentWithdrawn(participant_id=participant.id, purposes=chosen, withdrawn_at=withdrawn_at)]


def refuse_erased(participant: Participant, action: str) -> None:
    if participant.erased_on is not None:
        raise EnrollmentRuleError(
            f"participant {participant.id} was erased on {participant.erased_on} and cannot {action} again",
            rule="participant-erased",
        )


def erase_participant(state: Participant | None, *, erased_on: date) -> list[ParticipantErased]:
    """Record that the participant's personal data is destroyed. Cases and counts stay, pseudonymous."""
    participant = require_existing(state, "this participant")
    refuse_erased(participant, "be erased")
    last_granted = max((consent.granted_at.date() for consent in participant.consents), default=None)
    refuse_earlier(
        erased_on,
        than=last_granted,
        rule="erased-before-consent-granted",
        message=f"participant {participant.id} gave consent on {last_granted}; their personal data cannot be erased "
        f"before, on {erased_on}",
    )
    return [ParticipantErased(participant_id=participant.id, erased_on=erased_on)]


def evolve_participant(state: Participant | None, event: object) -> Participant:
    match event:
        case ParticipantRegistered():
            return Participant(
                id=event.participant_id,
                sex=event.sex,
                age_band=event.age_band,
                national_id_hash=event.national_id_hash,
            )
        case ParticipantFlaggedAsPotentialDuplicate() if state is not None:
            return replace(state, status=ParticipantStatus.POTENTIAL_DUPLICATE, duplicate_of=event.duplicate_of)
        case ParticipantDuplicateResolved(resolution=DuplicateResolution.MERGED) if state is not None:
            return replace(state, status=ParticipantStatus.MERGED, merged_into=event.duplicate_of)
        case ParticipantDuplicateResolved() if state is not None:
            return replace(state, status=ParticipantStatus.REGISTERED, duplicate_of=None)
        case ConsentGranted() if state is not None:
            return replace(state, consents=with_grant(state.consents, event))
        case ConsentWithdrawn() if state is not None:
            return replace(state, consents=with_withdrawal(state.consents, event))
        case ParticipantErased() if state is not None:
            return replace(state, erased_on=event.erased_on)
    raise TypeError(f"a participant does not follow from {type(event).__name__}")
