"""Participants: pseudonymous registry entries. Personal data lives in the vault, never here.

Events carry the random participant id, the sex given and the band of the participant's age when
registering (for equity breakdowns; never the date of birth or the birth year, which stay in the
vault) and, for duplicate detection, a keyed hash of the national ID computed outside the domain
(never the ID itself). Registering with a hash the registry already
knows flags the newcomer as a potential duplicate of the participant holding it; a person resolves
the flag by merging the newcomer into the other, or by declaring them different people. A merged
participant is final: it cannot consent or enroll again (its history stays). So is an erased one; its
erasure is not dated before a consent it gave, since nothing is collected after an erasure.

The participant a newcomer is flagged against knows it too (``PotentialDuplicateNoted``, then
``PotentialDuplicateSettled``): its registrations merged into it and those still unresolved are in its
own state. Erasing it erases the registrations merged into it (the same person's data), each with its
own ``ParticipantErased``; nothing can be merged into an erased participant. A registration only
flagged, never resolved, is not erased with it: the national ID matching does not prove it is the same
person, and an erasure cannot be undone. The erasure names it instead, for a person to erase it too or
declare it someone else.

A registration day recorded wrong (left out, so dated the day staff typed the form in) is corrected with
``RegistrationDayCorrected``, which keeps the day it replaces (see ``registration_day.py``). The corrected day
is held to what the registration itself is held to: no later than the application day of any of the
participant's cases, nor than a correction of their personal data (neither is dated before the registration).
Consent is not compared with it: PDPA asks for consent before or at collection, so one granted before the
registration day is as it should be, and a registration takes consent granted earlier than its day; a consent
granted later is no reason to refuse either. Merged and erased registrations are final; their days are not
corrected.

Consent (PDPA) is recorded on the participant: see ``consent.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pathways_enrollment.domain.consent import (
    Consent,
    ConsentGranted,
    ConsentPurpose,
    ConsentWithdrawn,
    consent_for,
    thai_day,
    with_grant,
    with_withdrawal,
)
from pathways_enrollment.domain.errors import (
    EnrollmentRuleError,
    refuse_earlier,
    refuse_later,
    require_existing,
)
from pathways_enrollment.domain.national_id import is_valid_national_id
from pathways_enrollment.domain.registration_day import reason_for_correcting, refuse_registered_after_any


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


class ParticipantStatus(StrEnum):
    REGISTERED = "REGISTERED"
    POTENTIAL_DUPLICATE = "POTENTIAL_DUPLICATE"
    MERGED = "MERGED"
    ERASED = "ERASED"


class DuplicateResolution(StrEnum):
    MERGED = "MERGED"
    NOT_A_DUPLICATE = "NOT_A_DUPLICATE"


class DuplicateOutcome(StrEnum):
    """How a potential duplicate was settled, as the participant it was flagged against records it."""

    MERGED = "MERGED"
    NOT_A_DUPLICATE = "NOT_A_DUPLICATE"
    ERASED = "ERASED"  # the flagged registration was erased before anyone resolved it


@dataclass(frozen=True, kw_only=True)
class ParticipantRegistered:
    """``age_band`` is None when unknown: registered before bands were kept (those events held a birth
    year, which is no longer read), or only a birth year was given and it spans two bands."""

    participant_id: UUID
    sex: Sex
    age_band: str | None = None
    national_id_hash: str | None = None
    registered_on: date | None = None  # None in events recorded before it was kept


@dataclass(frozen=True, kw_only=True)
class PersonalDataRectified:
    """Personal data in the vault was corrected (PDPA §35): which fields, never their values. A corrected
    date of birth gives the age band on the registration day again (``age_band``; None if not known)."""

    participant_id: UUID
    fields: tuple[str, ...]
    rectified_on: date
    age_band: str | None = None


@dataclass(frozen=True, kw_only=True)
class RegistrationDayCorrected:
    """The participant registered on ``registered_on``, not on ``previous_registered_on`` as recorded until then
    (None: registered before the day was kept). ``age_band``: of the participant's age on the corrected day
    (None if not known)."""

    participant_id: UUID
    registered_on: date
    previous_registered_on: date | None
    reason: str
    age_band: str | None = None


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
class PotentialDuplicateNoted:
    """On the participant a newcomer (``duplicate_id``) was flagged as a potential duplicate of."""

    participant_id: UUID
    duplicate_id: UUID


@dataclass(frozen=True, kw_only=True)
class PotentialDuplicateSettled:
    """On the participant a potential duplicate was flagged against: how the flag ended."""

    participant_id: UUID
    duplicate_id: UUID
    outcome: DuplicateOutcome


@dataclass(frozen=True, kw_only=True)
class ParticipantErased:
    """The participant's personal data was destroyed (PDPA); the pseudonymous history stays.

    ``merged_into``: erased because the participant this registration was merged into was erased."""

    participant_id: UUID
    erased_on: date
    merged_into: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class ApplicationNoted:
    """On the participant: a case was opened for them (``enrollment_id``). The registry is where consent
    withdrawal, erasure and merge find every case, including one opened a moment before them."""

    participant_id: UUID
    enrollment_id: UUID


EVENTS: tuple[type, ...] = (
    ParticipantRegistered,
    ApplicationNoted,
    PersonalDataRectified,
    RegistrationDayCorrected,
    ParticipantErased,
    ParticipantFlaggedAsPotentialDuplicate,
    ParticipantDuplicateResolved,
    PotentialDuplicateNoted,
    PotentialDuplicateSettled,
    ConsentGranted,
    ConsentWithdrawn,
)


@dataclass(frozen=True, kw_only=True)
class Participant:
    id: UUID
    sex: Sex
    age_band: str | None = field(
        default=None, metadata={"description": "Of the age on the registration day; null when not known."}
    )
    national_id_hash: str | None = field(
        default=None,
        metadata={"description": "The keyed hash of the national ID, where one was recorded; never the ID."},
    )
    registered_on: date | None = None
    status: ParticipantStatus = ParticipantStatus.REGISTERED
    duplicate_of: UUID | None = field(
        default=None, metadata={"description": "The registration this one may duplicate (it held the national ID)."}
    )
    merged_into: UUID | None = None
    consents: tuple[Consent, ...] = ()
    erased_on: date | None = None
    potential_duplicates: tuple[UUID, ...] = field(
        default=(), metadata={"description": "Registrations flagged as duplicates of this one, unresolved."}
    )
    merged_registrations: tuple[UUID, ...] = field(
        default=(), metadata={"description": "Registrations merged into this one."}
    )
    cases: tuple[UUID, ...] = field(
        default=(), metadata={"description": "Enrollment cases opened since the registry notes them."}
    )
    rectified_on: date | None = field(
        default=None, metadata={"description": "The latest day its personal data was corrected."}
    )

    @property
    def erased(self) -> bool:
        return self.erased_on is not None

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
    registered_on: date | None = None,
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
            participant_id=participant_id,
            sex=sex,
            age_band=age_band,
            national_id_hash=national_id_hash,
            registered_on=registered_on,
        )
    ]
    if existing_participant_id is not None and existing_participant_id != participant_id:
        events.append(
            ParticipantFlaggedAsPotentialDuplicate(participant_id=participant_id, duplicate_of=existing_participant_id)
        )
    return events


def flagged_against(holder: Participant | None) -> UUID | None:
    """Whom a newcomer with the national ID ``holder`` was registered with is flagged against: nobody if
    the holder is unknown or erased (an erased participant's national ID is forgotten: a new registration)."""
    return None if holder is None or holder.erased else holder.id


def note_potential_duplicate(state: Participant | None, *, duplicate_id: UUID) -> list[PotentialDuplicateNoted]:
    """The participant learns a newcomer was flagged as its potential duplicate."""
    participant = require_existing(state, "the participant a duplicate is flagged against")
    if duplicate_id in participant.potential_duplicates:
        return []
    return [PotentialDuplicateNoted(participant_id=participant.id, duplicate_id=duplicate_id)]


def note_application(state: Participant | None, *, enrollment_id: UUID) -> list[ApplicationNoted]:
    """The participant knows each case opened for them, once."""
    found = require_existing(state, "this participant")
    if enrollment_id in found.cases:
        return []
    return [ApplicationNoted(participant_id=found.id, enrollment_id=enrollment_id)]


def note_duplicate_settled(
    state: Participant | None, *, duplicate_id: UUID, outcome: DuplicateOutcome
) -> list[PotentialDuplicateSettled]:
    """The participant learns how a potential duplicate of it was settled (also one flagged before it noted them)."""
    participant = require_existing(state, "the participant a duplicate was flagged against")
    return [PotentialDuplicateSettled(participant_id=participant.id, duplicate_id=duplicate_id, outcome=outcome)]


def resolve_duplicate(
    state: Participant | None,
    *,
    resolution: DuplicateResolution,
    other: Participant | None = None,
) -> list[ParticipantDuplicateResolved]:
    """Settle a potential duplicate; merging needs ``other`` (the participant it duplicates), not merged itself."""
    participant = require_existing(state, "this participant")
    refuse_erased(participant, "be resolved as a duplicate")
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
        if survivor.merged_into is not None:
            raise EnrollmentRuleError(
                f"participant {survivor.id} was itself merged into {survivor.merged_into}; merge into that one",
                rule="merge-target-merged",
            )
        if survivor.erased_on is not None:
            raise EnrollmentRuleError(
                f"participant {survivor.id} was erased on {survivor.erased_on}: nothing is merged into an erased "
                f"participant. If {participant.id} is the same person, erase it too; if not, resolve it "
                f"{DuplicateResolution.NOT_A_DUPLICATE.value}",
                rule="merge-target-erased",
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
    if participant.merged_into is not None:
        raise EnrollmentRuleError(
            f"participant {participant.id} was merged into {participant.merged_into}; record consent there",
            rule="participant-merged",
        )
    refuse_erased(participant, "consent")
    chosen = _purposes(purposes)
    if not notice_version.strip():
        raise EnrollmentRuleError("consent names the privacy notice version it was given for", rule="notice-required")
    if valid_until is not None and valid_until < thai_day(granted_at):
        raise EnrollmentRuleError(
            f"consent granted on {thai_day(granted_at)} cannot expire before, on {valid_until}",
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


DATE_OF_BIRTH = "date_of_birth"
NATIONAL_ID = "national_id"
RECTIFIABLE: tuple[str, ...] = ("full_name", NATIONAL_ID, "phone", "address", DATE_OF_BIRTH)


def rectify_personal_data(
    state: Participant | None,
    *,
    fields: Iterable[str],
    rectified_on: date,
    age_band: str | None = None,
    holder: Participant | None = None,
) -> list[PersonalDataRectified | ParticipantFlaggedAsPotentialDuplicate]:
    """Record that the vault's personal data was corrected. ``age_band``: of the corrected date of birth on the
    registration day (``registered_on``), worked out by the caller: the domain never sees a date of birth.

    A corrected national ID decides anew who this is a duplicate of: ``holder`` is the registration that holds
    the corrected ID, if any; this one is flagged as its potential duplicate, as a registration would be. A
    participant already in a duplicate check (flagged, with potential duplicates, or with registrations merged
    into it) keeps its national ID until that is settled: the check was made with it."""
    participant = require_existing(state, "this participant")
    refuse_erased(participant, "have personal data corrected")
    if participant.merged_into is not None:
        raise EnrollmentRuleError(
            f"participant {participant.id} was merged into {participant.merged_into}; correct the data there",
            rule="participant-merged",
        )
    corrected = tuple(field for field in RECTIFIABLE if field in set(fields))
    if not corrected or set(fields) - set(RECTIFIABLE):
        raise EnrollmentRuleError(
            f"name at least one of {', '.join(RECTIFIABLE)} to correct, and nothing else", rule="rectify-what"
        )
    refuse_earlier(
        rectified_on,
        than=participant.registered_on,
        rule="rectified-before-registration",
        message=f"participant {participant.id} registered on {participant.registered_on}; its data cannot be "
        f"corrected before, on {rectified_on}",
    )
    # Registered before the day was kept: the band cannot be worked out again, so the one told stays.
    band = age_band if participant.registered_on is not None else participant.age_band
    band = band if DATE_OF_BIRTH in corrected else None
    rectified = PersonalDataRectified(
        participant_id=participant.id, fields=corrected, rectified_on=rectified_on, age_band=band
    )
    if NATIONAL_ID not in corrected:
        return [rectified]
    _refuse_in_a_duplicate_check(participant)
    against = flagged_against(holder)
    if against is None or against == participant.id:
        return [rectified]
    return [rectified, ParticipantFlaggedAsPotentialDuplicate(participant_id=participant.id, duplicate_of=against)]


def _refuse_in_a_duplicate_check(participant: Participant) -> None:
    involved = (participant.duplicate_of, participant.potential_duplicates, participant.merged_registrations)
    if any(involved):
        raise EnrollmentRuleError(
            f"participant {participant.id} is in a duplicate check made with its national ID (flagged, with potential "
            "duplicates, or with registrations merged into it): settle that first, then correct the national ID",
            rule="national-id-in-duplicate-check",
        )


def correct_registration_day(
    state: Participant | None,
    *,
    registered_on: date,
    reason: str,
    age_band: str | None,
    applications: Mapping[UUID, date],
) -> list[RegistrationDayCorrected]:
    """Correct the day the participant registered; the same day again records nothing (a retry, say).

    ``applications``: the application day of each of the participant's cases, by case. ``age_band``: of the
    participant's age on ``registered_on``, worked out by the caller (the domain never sees a date of birth);
    the band told so far when it cannot be worked out."""
    participant = require_existing(state, "this participant")
    refuse_erased(participant, "have its registration day corrected")
    if participant.merged_into is not None:
        raise EnrollmentRuleError(
            f"participant {participant.id} was merged into {participant.merged_into}: the registration that stays "
            "is the person's, correct the day there",
            rule="participant-merged",
        )
    why = reason_for_correcting(reason)
    if registered_on == participant.registered_on:
        return []
    refuse_registered_after_any(
        registered_on,
        applications,
        rule="registered-after-application",
        message=lambda case, applied_on: f"participant {participant.id} applied on {applied_on} (case {case}); they "
        f"cannot have registered later, on {registered_on}",
    )
    refuse_later(
        registered_on,
        than=participant.rectified_on,
        rule="registered-after-rectification",
        message=f"participant {participant.id}'s personal data was corrected on {participant.rectified_on}; they "
        f"cannot have registered later, on {registered_on}",
    )
    return [
        RegistrationDayCorrected(
            participant_id=participant.id,
            registered_on=registered_on,
            previous_registered_on=participant.registered_on,
            reason=why,
            age_band=age_band,
        )
    ]


def refuse_erased(participant: Participant, action: str) -> None:
    if participant.erased_on is not None:
        raise EnrollmentRuleError(
            f"participant {participant.id} was erased on {participant.erased_on} and cannot {action} again",
            rule="participant-erased",
        )


def erase_participant(state: Participant | None, *, erased_on: date) -> list[ParticipantErased]:
    """Record that the participant's personal data is destroyed. Cases and counts stay, pseudonymous.

    The registrations merged into it are erased with it: see :func:`erase_merged_registration`."""
    participant = require_existing(state, "this participant")
    refuse_erased(participant, "be erased")
    _refuse_erasing_before_consent(participant, erased_on)
    return [ParticipantErased(participant_id=participant.id, erased_on=erased_on)]


def erase_merged_registration(
    state: Participant | None, *, survivor: Participant, erased_on: date
) -> list[ParticipantErased]:
    """Erase a registration merged into ``survivor`` as ``survivor`` is erased (nothing, if it already was)."""
    registration = require_existing(state, "the merged registration")
    if registration.merged_into != survivor.id:
        raise EnrollmentRuleError(
            f"participant {registration.id} was not merged into {survivor.id}", rule="merge-target-mismatch"
        )
    if registration.erased:
        return []
    _refuse_erasing_before_consent(registration, erased_on)
    return [ParticipantErased(participant_id=registration.id, erased_on=erased_on, merged_into=survivor.id)]


def merged_registrations_of(survivor: Participant, registrations: Iterable[Participant]) -> list[Participant]:
    """Of ``registrations``, those merged into ``survivor``, by id."""
    return sorted((r for r in registrations if r.merged_into == survivor.id), key=lambda r: r.id)


def unresolved_duplicates_of(survivor: Participant, registrations: Iterable[Participant]) -> list[UUID]:
    """Of ``registrations``, those flagged as potential duplicates of ``survivor`` and not resolved nor erased."""
    return sorted(
        r.id
        for r in registrations
        if r.status == ParticipantStatus.POTENTIAL_DUPLICATE and r.duplicate_of == survivor.id
    )


def flag_settled_by_erasure(participant: Participant) -> UUID | None:
    """Whom an unresolved potential duplicate was flagged against: erasing it settles that flag."""
    if participant.status == ParticipantStatus.POTENTIAL_DUPLICATE:
        return participant.duplicate_of
    return None


def _refuse_erasing_before_consent(participant: Participant, erased_on: date) -> None:
    last_granted = max((consent.granted_on for consent in participant.consents), default=None)
    refuse_earlier(
        erased_on,
        than=last_granted,
        rule="erased-before-consent-granted",
        message=f"participant {participant.id} gave consent on {last_granted}; their personal data cannot be erased "
        f"before, on {erased_on}",
    )


def evolve_participant(state: Participant | None, event: object) -> Participant:
    match event:
        case ParticipantRegistered():
            return Participant(
                id=event.participant_id,
                sex=event.sex,
                age_band=event.age_band,
                national_id_hash=event.national_id_hash,
                registered_on=event.registered_on,
            )
        case PersonalDataRectified() if state is not None:
            band = event.age_band if DATE_OF_BIRTH in event.fields else state.age_band
            latest = max(event.rectified_on, state.rectified_on or event.rectified_on)
            return replace(state, age_band=band, rectified_on=latest)
        case RegistrationDayCorrected() if state is not None:
            return replace(state, registered_on=event.registered_on, age_band=event.age_band)
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
            return replace(state, status=ParticipantStatus.ERASED, erased_on=event.erased_on)
        case ApplicationNoted() if state is not None:
            return replace(state, cases=(*state.cases, event.enrollment_id))
        case PotentialDuplicateNoted() if state is not None:
            return replace(state, potential_duplicates=(*state.potential_duplicates, event.duplicate_id))
        case PotentialDuplicateSettled() if state is not None:
            return _settled(state, event)
    raise TypeError(f"a participant does not follow from {type(event).__name__}")


def _settled(state: Participant, event: PotentialDuplicateSettled) -> Participant:
    unresolved = tuple(d for d in state.potential_duplicates if d != event.duplicate_id)
    merged = state.merged_registrations
    if event.outcome == DuplicateOutcome.MERGED and event.duplicate_id not in merged:
        merged = (*merged, event.duplicate_id)
    return replace(state, potential_duplicates=unresolved, merged_registrations=merged)
