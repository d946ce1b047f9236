"""What enrollment's users send: one pydantic model per command, validated before anything is stored."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self
from uuid import UUID, uuid4

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from pathways_contracts.reference import age_band_of, normalise_province_iso
from pathways_enrollment.domain.consent import ConsentPurpose
from pathways_enrollment.domain.enrollment import TransferReason, WithdrawalReason
from pathways_enrollment.domain.mentor import CONTACT_FIELDS, FULL_NAME
from pathways_enrollment.domain.national_id import normalise_national_id, thai_digits_as_arabic
from pathways_enrollment.domain.participant import DATE_OF_BIRTH, NATIONAL_ID, RECTIFIABLE, DuplicateResolution, Sex
from pathways_enrollment.domain.screening import EmploymentStatus, age_on
from pathways_enrollment.vault import PersonalData
from pathways_infra.command_model import CommandModel, MayBeLater, PastDay, refuse_buddhist_era
from pathways_infra.thai_time import thai_today

Baht = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Findings = Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(min_length=1)]


_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def readable_name(value: str) -> str:
    """A name with at least one letter (any script), without invisible characters at its ends (a zero-width
    space pasted from a chat is no name)."""
    value = value.strip().strip(_INVISIBLE).strip()
    if not any(character.isalpha() for character in value):
        raise ValueError("a name needs at least one letter")
    return value


_PHONE = re.compile(r"\+?[0-9\s()-]*")


def phone_number(value: str) -> str:
    """Kept with digits 0-9: Thai digits (๐-๙) are written as those; other scripts' digits are refused."""
    value = thai_digits_as_arabic(value)
    if not (_PHONE.fullmatch(value) and 9 <= sum(c in "0123456789" for c in value) <= 15):
        raise ValueError("a phone number is 9 to 15 digits, with + - ( ) and spaces at most")
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(readable_name)]
"""A person's name as staff type it: at least one letter."""
Phone = Annotated[str, StringConstraints(min_length=1), AfterValidator(phone_number)]
"""A phone number: 9 to 15 digits 0-9 (Thai digits read as those), with + - ( ) and spaces."""


class Command(CommandModel):
    """The body of a command of this service."""


class ProvinceCommand(Command):
    province_code: str = Field(description="ISO 3166-2:TH code, e.g. TH-50 (Chiang Mai).", examples=["TH-50"])

    @field_validator("province_code")
    @classmethod
    def known_province(cls, code: str) -> str:
        return normalise_province_iso(code)


OrganisationName = Annotated[str, Field(min_length=1, max_length=200)]
"""A unit's or project's name: blank is refused (text is stripped)."""


class RegisterUnit(ProvinceCommand):
    unit_id: UUID = Field(default_factory=uuid4)
    name: OrganisationName
    registered_on: date | None = Field(
        default=None,
        description="The day the unit was registered; default: today. Its projects are proposed on that day or later. "
        "A day left out or mistyped is corrected with POST /units/{id}/registration-day/correction.",
    )


class Rename(Command):
    """A unit's or project's new name, from a day on."""

    name: OrganisationName = Field(description="The new name: not the one it has.")
    renamed_on: date | None = Field(
        default=None,
        description="The day the new name took effect; default: today. Not before the registration (a unit's) or "
        "the proposal (a project's), nor before its last rename.",
    )


class Reason(Command):
    reason: str = Field(min_length=1, max_length=500)


class ProjectStep(Command):
    """A step of a project's lifecycle; the body may be left out (the step is then dated today)."""

    on: date | None = Field(default=None, description="The day the step was taken; default: today.")


class ProjectStepWithReason(ProjectStep, Reason):
    pass


class ProposeProject(ProvinceCommand):
    project_id: UUID = Field(default_factory=uuid4)
    name: OrganisationName
    unit_id: UUID = Field(description="The career development unit that runs the project.")
    grant_thb: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    income_threshold_thb: Decimal | None = Field(
        default=None, gt=0, max_digits=12, decimal_places=2, description="Screening threshold; default 15,000."
    )
    proposed_on: date | None = Field(
        default=None, description="The day it was proposed; default: today. Not before its unit was registered."
    )


class AssessCommunityNeeds(Command):
    problems: Findings
    community_capital: Findings
    opportunities: Findings
    assessed_on: date


_NOT_KEPT_FOR_MENTORS = ("national_id", "address", "date_of_birth")


def _refuse_what_is_not_kept_for_mentors(value: Any) -> Any:
    if isinstance(value, dict):
        for name in _NOT_KEPT_FOR_MENTORS:
            if name in value:
                raise PydanticCustomError(
                    "not_kept_for_mentors",
                    "a mentor's contact is a full_name and a phone only: {name} is not kept for mentors",
                    {"name": name},
                )
    return value


class MentorContact(Command):
    """A mentor's contact, kept encrypted in the vault: a full name, and a phone if given. Nothing else of a
    mentor is kept (a national ID, an address or a date of birth is refused)."""

    model_config = ConfigDict(hide_input_in_errors=True)

    full_name: Name = Field(repr=False)
    phone: Phone | None = Field(default=None, repr=False, description="9 to 15 digits, with + - ( ) and spaces.")

    @model_validator(mode="before")
    @classmethod
    def _only_a_contact(cls, value: Any) -> Any:
        return _refuse_what_is_not_kept_for_mentors(value)

    def as_personal_data(self) -> PersonalData:
        return PersonalData(full_name=self.full_name, phone=self.phone)


class RegisterMentor(Command):
    model_config = ConfigDict(hide_input_in_errors=True)

    mentor_id: UUID = Field(default_factory=uuid4)
    contact: MentorContact | None = Field(
        default=None,
        description="The mentor's full name and phone, if given: encrypted in the vault under a key of the "
        "mentor's own, never in events, streams or read models (`GET /mentors` decrypts the name as it lists).",
    )
    registered_on: date | None = Field(
        default=None, description="The day the mentor (and the contact, if given) was registered; default: today."
    )


class GiveMentorContact(Command):
    """The contact's fields to set, each with its right value; the others stay as they are. A mentor without a
    contact yet needs a full_name; a phone given as null is removed."""

    model_config = ConfigDict(hide_input_in_errors=True)

    full_name: Name | None = Field(default=None, repr=False)
    phone: Phone | None = Field(
        default=None, repr=False, description="9 to 15 digits, with + - ( ) and spaces; null removes it."
    )
    given_on: date | None = Field(default=None, description="The day it was given or corrected; default: today.")

    @model_validator(mode="before")
    @classmethod
    def _only_a_contact(cls, value: Any) -> Any:
        return _refuse_what_is_not_kept_for_mentors(value)

    @model_validator(mode="after")
    def names_what_to_set(self) -> Self:
        if not self.corrections():
            raise ValueError(f"give at least one of {', '.join(CONTACT_FIELDS)}")
        if FULL_NAME in self.model_fields_set and self.full_name is None:
            raise ValueError("full_name cannot be removed, only corrected")
        return self

    def corrections(self) -> dict[str, Any]:
        """The fields given, with their new values (None: remove it)."""
        return {name: getattr(self, name) for name in CONTACT_FIELDS if name in self.model_fields_set}


class EraseMentorContact(Command):
    erased_on: date | None = Field(default=None, description="The day the contact is erased; default: today.")


class AssignMentor(Command):
    assignment_id: UUID = Field(default_factory=uuid4)
    unit_id: UUID | None = None
    project_id: UUID | None = None
    from_date: Annotated[date, MayBeLater] = Field(
        description="The first day the mentor coaches it; a later day plans the assignment ahead."
    )

    @model_validator(mode="after")
    def one_target(self) -> Self:
        if (self.unit_id is None) == (self.project_id is None):
            raise ValueError("assign a mentor to a unit_id or to a project_id, not both or neither")
        return self


class EndMentorAssignment(Command):
    to_date: Annotated[date, MayBeLater] = Field(
        description="The last day (included; may be later than today). The day before the assignment's "
        "`from_date` withdraws an assignment planned ahead, as never begun."
    )


class DeactivateMentor(Command):
    deactivated_on: date = Field(description="The mentor's open assignments end on this day (included).")


class LogCoachingVisit(Command):
    visit_id: UUID = Field(default_factory=uuid4)
    assignment_id: UUID = Field(description="The assignment visited under: its unit or project is the one visited.")
    visited_on: date = Field(description="One visit a day per assignment: a second is a 409 coaching-visit-duplicate.")
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        default=None,
        description="What was found and what was agreed (blank: none). Free text, published as written (in "
        "`enrollment.v1.mentor.coaching_visit_logged`): write no participant's name, phone or ID here.",
    )

    @field_validator("notes")
    @classmethod
    def _blank_is_none(cls, notes: str | None) -> str | None:
        """A form's empty notes box means no notes, not a refusal."""
        return notes or None


class GrantConsent(Command):
    purposes: list[ConsentPurpose] = Field(min_length=1)
    notice_version: str = Field(min_length=1, max_length=50, description="Version of the privacy notice shown.")
    granted_at: datetime
    valid_until: Annotated[date, MayBeLater] | None = Field(default=None, description="The last day it covers.")


class WithdrawConsent(Command):
    purposes: list[ConsentPurpose] = Field(min_length=1)
    withdrawn_at: datetime


class GivenPersonalData(PersonalData):
    """Personal data as a registration gives it: a date of birth, if any, from 1900 (as a birth year) and
    not after today (Thai time); a phone number, if any, written with digits (and + - ( ) spaces)."""

    full_name: Name = Field(repr=False)
    phone: Phone | None = Field(default=None, repr=False)
    date_of_birth: PastDay | None = Field(default=None, repr=False, ge=date(1900, 1, 1))


_Text = Annotated[str, StringConstraints(min_length=1)]


class RectifyPersonalData(Command):
    """The personal data to correct (PDPA §35), each field with its right value; the others stay as they are.
    A phone or address given as null is removed. A corrected national ID decides anew who this is a potential
    duplicate of (as at registration); it is refused while the participant is in a duplicate check."""

    model_config = ConfigDict(hide_input_in_errors=True)

    full_name: Name | None = Field(default=None, repr=False)
    national_id: str | None = Field(default=None, repr=False, description="13 digits, with a valid check digit.")
    phone: Phone | None = Field(default=None, repr=False)
    address: _Text | None = Field(default=None, repr=False)
    date_of_birth: PastDay | None = Field(default=None, repr=False, ge=date(1900, 1, 1))
    rectified_on: date | None = Field(default=None, description="The day the data was corrected; default: today.")

    @field_validator("national_id")
    @classmethod
    def _national_id(cls, value: str | None) -> str | None:
        return None if value is None else normalise_national_id(value)

    @model_validator(mode="after")
    def names_what_to_correct(self) -> Self:
        if not self.corrections():
            raise ValueError(f"give at least one of {', '.join(RECTIFIABLE)} to correct")
        for required in ("full_name", NATIONAL_ID, DATE_OF_BIRTH):
            if required in self.model_fields_set and getattr(self, required) is None:
                raise ValueError(f"{required} cannot be removed, only corrected")
        return self

    def corrections(self) -> dict[str, Any]:
        """The fields given, with their new values (None: remove it)."""
        return {name: getattr(self, name) for name in RECTIFIABLE if name in self.model_fields_set}


class RegisterParticipant(Command):
    """Personal data goes to the vault, encrypted; events carry the random participant id, the sex and an age band."""

    participant_id: UUID = Field(default_factory=uuid4)
    personal_data: GivenPersonalData
    sex: Sex
    birth_year: int | None = Field(default=None, ge=1900, le=2100, description="Needed when no date of birth.")
    registered_on: date | None = Field(
        default=None,
        description="The day the participant registered (default: today); the age band is taken on it. A day "
        "left out or mistyped is corrected with POST /participants/{id}/registration-day/correction.",
    )
    consent: GrantConsent | None = Field(default=None, description="Consent given at registration, if any.")

    @field_validator("birth_year", mode="before")
    @classmethod
    def common_era(cls, year: Any) -> Any:
        if isinstance(year, int) and not isinstance(year, bool):
            refuse_buddhist_era(year)
        return year

    @field_validator("birth_year")
    @classmethod
    def not_born_later(cls, year: int | None) -> int | None:
        if year is not None and year > thai_today().year:
            raise ValueError(f"must not be after this year ({thai_today().year})")
        return year

    @model_validator(mode="after")
    def birth_year_known(self) -> Self:
        born = self.personal_data.date_of_birth
        if born is None and self.birth_year is None:
            raise ValueError("give personal_data.date_of_birth or birth_year")
        if born is not None and self.birth_year not in (None, born.year):
            raise ValueError("birth_year differs from the year of personal_data.date_of_birth")
        if born is not None and self.registered_on is not None and born > self.registered_on:
            raise ValueError("personal_data.date_of_birth is after registered_on")
        return self

    def age_band_on(self, day: date) -> str | None:
        """The band of the participant's age on ``day``; from a birth year alone, only if it allows one band."""
        born = self.personal_data.date_of_birth
        if born is not None:
            return age_band_of(age_on(born, day))
        turning = day.year - int(self.birth_year or 0)  # the age reached this year; one less before the birthday
        bands = {age_band_of(turning - 1), age_band_of(turning)}
        return bands.pop() if len(bands) == 1 else None


CorrectionReason = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description="Why the day is corrected, e.g. the paper form's date. Free text, "
        "kept in the event: write no name, phone or ID here.",
    ),
]


class CorrectRegistrationDay(Command):
    """The day the participant really registered, where the one recorded is wrong (left out at registration, it
    was dated the day the form was typed in). Not after today, nor a Buddhist-era year, as every day a command
    says something happened on."""

    registered_on: date = Field(
        description="The right day: not after any of the participant's applications, nor after a correction of "
        "their personal data. The age band is taken on it again (from the date of birth held, if any)."
    )
    reason: CorrectionReason


class CorrectUnitRegistrationDay(Command):
    """The day the career development unit really was registered, where the one recorded is wrong (left out at
    registration, it was dated the day it was typed in). Not after today, nor a Buddhist-era year, as every day
    a command says something happened on."""

    registered_on: date = Field(
        description="The right day: not after the proposal of any of the unit's projects, nor after its first "
        "rename. Its projects are proposed on it or later."
    )
    reason: CorrectionReason


class ResolveDuplicate(Command):
    resolution: DuplicateResolution
    resolved_on: date | None = Field(
        default=None,
        description="The day it was settled; default: today. A merge withdraws the merged registration's open "
        "applications on that day.",
    )


class Erase(Command):
    erased_on: date | None = Field(default=None, description="The day the personal data is erased; default: today.")


class Baseline(Command):
    employment_status: EmploymentStatus
    occupation: str | None = Field(default=None, max_length=200)
    monthly_income_thb: Baht
    informal_worker: bool
    covid_affected: bool


class CorrectBaseline(Baseline):
    """The whole corrected baseline (every field, as when it was recorded), and why it is corrected."""

    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Why it is corrected (e.g. monthly income typed 45000 for 4500); kept by enrollment, never "
        "published.",
    )
    corrected_on: date | None = Field(default=None, description="The day it was corrected; default: today.")


class Apply(Command):
    participant_id: UUID
    project_id: UUID
    applied_on: date
    baseline: Baseline | None = Field(default=None, description="The baseline profile, if taken with the application.")


class Screen(Command):
    screened_on: date


class Enroll(Command):
    enrolled_on: date


class Transfer(Command):
    to_project_id: UUID
    to_unit_id: UUID | None = Field(default=None, description="Another unit; default: the project's own.")
    transferred_on: date
    reason: TransferReason


class Withdraw(Command):
    reason: WithdrawalReason
    withdrawn_on: date
