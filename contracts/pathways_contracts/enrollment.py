"""Integration events published by the enrollment service (stream ENROLLMENT).

Four kinds: a participant's case and registry entry (``enrollment.v1.participant.*``,
``…application.*``; ordered per participant), projects (``enrollment.v1.project.*``; ordered per
project), career development units (``enrollment.v1.unit.*``; ordered per unit) and mentors
(``enrollment.v1.mentor.*``; ordered per mentor).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field, field_validator

from pathways_contracts.base import OPEN_SET, IntegrationEvent, ParticipantEvent
from pathways_contracts.decimals import PLAIN_NOTATION, MonthlyBaht
from pathways_contracts.reference.age_bands import AGE_BAND_IDS

SEXES: tuple[str, ...] = ("F", "M", "X")
"""Sex as given at registration: F (female), M (male), X (another, or not said)."""

ProvinceCode = Annotated[str, Field(pattern=r"^TH-\d{2}$", description="ISO 3166-2:TH code of the province.")]
Region = Annotated[str, Field(description="Region of the province in the programme's 4-region scheme.")]


class _EnrollmentEvent(ParticipantEvent):
    SOURCE_SERVICE: ClassVar[str] = "enrollment"


class ProjectOpenedV1(IntegrationEvent):
    """A project opened for enrollment: where it runs and which career development unit runs it."""

    SUBJECT: ClassVar[str] = "enrollment.v1.project.opened"
    SOURCE_SERVICE: ClassVar[str] = "enrollment"

    project_id: UUID
    name: str | None = Field(default=None, description="Not always known to the event that opened it.")
    unit_id: UUID | None = None
    province_code: ProvinceCode
    region: Region
    opened_on: date | None = Field(default=None, description="The day it was approved; absent in earlier events.")

    def partition_key(self) -> UUID:
        return self.project_id


class _ProjectEvent(IntegrationEvent):
    SOURCE_SERVICE: ClassVar[str] = "enrollment"

    project_id: UUID
    unit_id: UUID | None = None
    province_code: ProvinceCode
    region: Region

    def partition_key(self) -> UUID:
        return self.project_id


class ProjectProposedV1(_ProjectEvent):
    """A career development unit proposed a project: a grant to run in one province."""

    SUBJECT: ClassVar[str] = "enrollment.v1.project.proposed"

    name: str
    grant_thb: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2), PLAIN_NOTATION]
    proposed_on: date | None = Field(default=None, description="The day it was proposed; absent in earlier events.")


class ProjectStatusChangedV1(_ProjectEvent):
    """A project moved on in its lifecycle (approval is published as ``enrollment.v1.project.opened``)."""

    SUBJECT: ClassVar[str] = "enrollment.v1.project.status_changed"

    status: str = Field(description="The project's status from now on: ACTIVE, REJECTED, CLOSED or TERMINATED.")
    changed_on: date | None = Field(default=None, description="The day of the step; absent in earlier events.")
    reason: str | None = Field(
        default=None,
        description="Why it was REJECTED or TERMINATED, as the programme officer gave it (about the project, never "
        "a person's data); absent for the other statuses and in earlier events.",
    )


class ProjectNeedsAssessmentChangedV1(_ProjectEvent):
    """The project's community needs assessment was drafted (again) or validated."""

    SUBJECT: ClassVar[str] = "enrollment.v1.project.needs_assessment_changed"

    needs_assessment_status: str = Field(description="DRAFTED (may be redrafted) or VALIDATED (final).")
    assessed_on: date | None = Field(default=None, description="The day of the draft; absent on validation.")


class ProjectRenamedV1(_ProjectEvent):
    """A project was renamed (a name mistyped at its proposal, or changed since): from ``renamed_on`` on it is
    called ``name``. Renames of one project come in the order of their days; the latest is its name. An ended
    project (closed, rejected or terminated) is not renamed."""

    SUBJECT: ClassVar[str] = "enrollment.v1.project.renamed"

    name: str
    previous_name: str = Field(description="The name it had until then.")
    renamed_on: date


class _UnitEvent(IntegrationEvent):
    SOURCE_SERVICE: ClassVar[str] = "enrollment"

    unit_id: UUID

    def partition_key(self) -> UUID:
        return self.unit_id


class UnitRegisteredV1(_UnitEvent):
    """A career development unit (a local organisation that runs projects) was registered."""

    SUBJECT: ClassVar[str] = "enrollment.v1.unit.registered"

    name: str
    province_code: ProvinceCode
    region: Region
    registered_on: date | None = Field(default=None, description="The day it was registered; absent in earlier events.")


class UnitRenamedV1(_UnitEvent):
    """A career development unit was renamed (a name mistyped at its registration, or changed since): from
    ``renamed_on`` on it is called ``name``. Renames of one unit come in the order of their days; the latest is
    its name. A deactivated unit is not renamed."""

    SUBJECT: ClassVar[str] = "enrollment.v1.unit.renamed"

    name: str
    previous_name: str = Field(description="The name it had until then.")
    renamed_on: date


class UnitRegistrationDayCorrectedV1(_UnitEvent):
    """A career development unit's registration day was recorded wrong (left out, so dated the day it was typed
    in, or mistyped): it was registered on ``registered_on``. It replaces ``registered_on`` of
    ``enrollment.v1.unit.registered`` and of any earlier correction; the latest is the unit's day. The day is no
    later than any of the unit's projects' proposals. A deactivated unit's day is not corrected."""

    SUBJECT: ClassVar[str] = "enrollment.v1.unit.registration_day_corrected"

    registered_on: date
    previous_registered_on: date | None = Field(
        default=None, description="The day recorded until then; absent for a unit registered before it was kept."
    )


class UnitStatusChangedV1(_UnitEvent):
    """A career development unit was activated, suspended, reinstated or deactivated."""

    SUBJECT: ClassVar[str] = "enrollment.v1.unit.status_changed"

    status: str = Field(description="The unit's status from now on: ACTIVE, SUSPENDED or DEACTIVATED (final).")


class _MentorEvent(IntegrationEvent):
    SOURCE_SERVICE: ClassVar[str] = "enrollment"

    mentor_id: UUID = Field(description="Mentors are identified by id only; no personal data.")

    def partition_key(self) -> UUID:
        return self.mentor_id


class MentorRegisteredV1(_MentorEvent):
    """A mentor was registered (active)."""

    SUBJECT: ClassVar[str] = "enrollment.v1.mentor.registered"


class MentorStatusChangedV1(_MentorEvent):
    """A mentor was deactivated (their open assignments end first) or reactivated."""

    SUBJECT: ClassVar[str] = "enrollment.v1.mentor.status_changed"

    status: str = Field(description="The mentor's status from now on: ACTIVE or INACTIVE.")


class MentorAssignedV1(_MentorEvent):
    """A mentor was assigned to coach a project (``project_id`` set) or a career development unit."""

    SUBJECT: ClassVar[str] = "enrollment.v1.mentor.assigned"

    assignment_id: UUID
    unit_id: UUID | None = None
    project_id: UUID | None = None
    province_code: ProvinceCode
    region: Region
    from_date: date


class MentorAssignmentEndedV1(_MentorEvent):
    """A mentor's assignment ended on ``to_date`` (included)."""

    SUBJECT: ClassVar[str] = "enrollment.v1.mentor.assignment_ended"

    assignment_id: UUID
    to_date: date


class MentorCoachingVisitLoggedV1(_MentorEvent):
    """A mentor visited, under one of their assignments, the project (``project_id`` set) or career development
    unit it names, on ``visited_on``. One a day per assignment. Visits logged before this event was published
    reach the stream only if republished from the event store (``pathways streams republish enrollment``)."""

    SUBJECT: ClassVar[str] = "enrollment.v1.mentor.coaching_visit_logged"

    visit_id: UUID
    assignment_id: UUID
    unit_id: UUID | None = None
    project_id: UUID | None = None
    province_code: ProvinceCode
    region: Region
    visited_on: date
    notes: str | None = Field(
        default=None,
        description="What the mentor found and what was agreed: free text as the mentor wrote it (no personal data "
        "is asked for there, but none is filtered out). Absent when none was written.",
    )


class ParticipantEnrolledV1(_EnrollmentEvent):
    """A screened participant, with consent, was enrolled in a project.

    The baseline fields are the situation the participant applied in (absent for enrollments made
    before screening was recorded); outcomes measure income against them. ``sex`` and ``age_band``
    are for equity breakdowns (absent for enrollments published before they were added); neither
    identifies anyone on its own, and no date of birth or birth year is ever published.
    """

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.enrolled"

    enrollment_id: UUID
    project_id: UUID
    unit_id: UUID | None = None
    province_code: ProvinceCode
    region: Region
    enrolled_on: date | None = None
    baseline_employment_status: str | None = Field(
        default=None, description="EMPLOYED, SELF_EMPLOYED, UNEMPLOYED or NOT_IN_LABOUR_FORCE at baseline."
    )
    baseline_monthly_income_thb: MonthlyBaht | None = None
    informal_worker: bool | None = None
    covid_affected: bool | None = None
    sex: Literal["F", "M", "X"] | None = Field(
        default=None, description=f"As given at registration: {', '.join(SEXES)} (X: another)."
    )
    age_band: str | None = Field(
        default=None,
        description=f"Age band on the day the participant registered: {', '.join(AGE_BAND_IDS)}; "
        "absent when only a birth year was given and it could be either of two bands.",
        json_schema_extra={"enum": [*AGE_BAND_IDS, None]},
    )

    @field_validator("age_band")
    @classmethod
    def _known_band(cls, band: str | None) -> str | None:
        if band is not None and band not in AGE_BAND_IDS:
            raise ValueError(f"not an age band: {', '.join(AGE_BAND_IDS)}")
        return band

    follow_up_consented: bool | None = Field(
        default=None,
        description="Whether the participant consented, on the enrollment day, to be followed up after training "
        "(outcome-follow-up); absent for enrollments published before it was told. Later changes come as "
        "enrollment.v1.participant.follow_up_consent_changed.",
    )
    follow_up_consent_until: date | None = Field(
        default=None,
        description="The last day that consent covers, if it ends (absent: no end, or enrolled before ends were "
        "told). After it, outcomes are not recorded until consent is given again.",
    )


class BaselineCorrectedV1(_EnrollmentEvent):
    """The baseline of an enrolled case was corrected (a mistake found after enrollment, such as a monthly
    income typed 45000 for 4500): from now on it replaces the baseline ``enrollment.v1.participant.enrolled``
    carried, for whatever is measured against it. The participant stays enrolled: screening is not run
    again. Each correction carries the whole baseline; the latest (in stream order) is the case's.
    Why it was corrected stays with enrollment.
    """

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.baseline_corrected"

    enrollment_id: UUID
    project_id: UUID = Field(description="The project the case is with now.")
    province_code: ProvinceCode
    region: Region
    corrected_on: date
    baseline_employment_status: str = Field(
        description="EMPLOYED, SELF_EMPLOYED, UNEMPLOYED or NOT_IN_LABOUR_FORCE at baseline."
    )
    baseline_monthly_income_thb: MonthlyBaht
    informal_worker: bool
    covid_affected: bool


class ApplicationReceivedV1(_EnrollmentEvent):
    """A registered participant, with consent, applied to a project: the case is open, not yet screened.

    Applications made before this event was published are first heard of when screened out or enrolled.
    """

    SUBJECT: ClassVar[str] = "enrollment.v1.application.received"

    enrollment_id: UUID
    project_id: UUID
    unit_id: UUID | None = None
    province_code: ProvinceCode
    region: Region
    applied_on: date


class ApplicationScreenedInV1(_EnrollmentEvent):
    """An applicant passed screening for a project (perhaps after being screened out on an earlier baseline):
    the case may now be enrolled."""

    SUBJECT: ClassVar[str] = "enrollment.v1.application.screened_in"

    enrollment_id: UUID
    project_id: UUID
    province_code: ProvinceCode
    region: Region
    screened_on: date


class ApplicationScreenedOutV1(_EnrollmentEvent):
    """An applicant did not pass screening for a project; the case stays open for a new baseline."""

    SUBJECT: ClassVar[str] = "enrollment.v1.application.screened_out"

    enrollment_id: UUID
    project_id: UUID
    province_code: ProvinceCode
    region: Region
    screened_on: date
    reasons: list[str] = Field(
        description="below-working-age, above-working-age, income-above-threshold or not-in-target-group. " + OPEN_SET
    )


class ParticipantTransferredV1(_EnrollmentEvent):
    """An enrolled case moved to another project or unit; its history stays with it."""

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.transferred"

    enrollment_id: UUID
    project_id: UUID = Field(description="The project the case is with from now on.")
    unit_id: UUID | None = None
    province_code: ProvinceCode
    region: Region
    from_project_id: UUID
    from_unit_id: UUID | None = None
    from_province_code: ProvinceCode
    from_region: Region
    transferred_on: date
    reason: str = Field(description="RELOCATION, BETTER_FIT, PROJECT_ENDED or OTHER. " + OPEN_SET)


class ParticipantWithdrawnV1(_EnrollmentEvent):
    """A participant's case was withdrawn (before or after enrollment); it gets no further training or follow-ups."""

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.withdrawn"

    enrollment_id: UUID
    project_id: UUID
    reason: str = Field(
        description="PARTICIPANT_REQUEST, CONSENT_WITHDRAWN, FOUND_EMPLOYMENT, MOVED_AWAY, NOT_ELIGIBLE, DUPLICATE "
        "or OTHER. " + OPEN_SET
    )
    withdrawn_on: date
    was_enrolled: bool


class FollowUpConsentChangedV1(_EnrollmentEvent):
    """The participant withdrew, or gave again, consent to be followed up after training (PDPA): without
    it, nobody follows the case up, and its outcomes are not recorded. Also told when consent is given
    again with another last day."""

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.follow_up_consent_changed"

    enrollment_id: UUID
    project_id: UUID
    consented: bool
    changed_on: date
    valid_until: date | None = Field(
        default=None,
        description="The last day the consent covers (given, consented only); absent: no end, or told before "
        "ends were told. After it, outcomes are not recorded until consent is given again.",
    )


class ParticipantErasedV1(_EnrollmentEvent):
    """A participant's personal data was erased (PDPA). Anyone holding a copy of it must erase it too.

    The pseudonymous id, the journey and the counts stay.
    """

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.erased"

    erased_on: date


class PotentialDuplicateFlaggedV1(_EnrollmentEvent):
    """A new registration's national ID is already registered: it may be the same person, to be resolved.

    Only the two pseudonymous ids; the national ID and its hash stay in the vault.
    """

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.potential_duplicate_flagged"

    duplicate_of: UUID = Field(description="The participant who already holds the national ID.")


class DuplicateResolvedV1(_EnrollmentEvent):
    """A potential duplicate was resolved."""

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.duplicate_resolved"

    duplicate_of: UUID
    resolution: str = Field(description="MERGED (into duplicate_of) or NOT_A_DUPLICATE.")


EVENTS: tuple[type[IntegrationEvent], ...] = (
    ProjectOpenedV1,
    ParticipantEnrolledV1,
    ApplicationReceivedV1,
    ApplicationScreenedInV1,
    ApplicationScreenedOutV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    FollowUpConsentChangedV1,
    BaselineCorrectedV1,
    ParticipantErasedV1,
    ProjectProposedV1,
    ProjectStatusChangedV1,
    ProjectNeedsAssessmentChangedV1,
    ProjectRenamedV1,
    UnitRegisteredV1,
    UnitStatusChangedV1,
    UnitRenamedV1,
    UnitRegistrationDayCorrectedV1,
    MentorRegisteredV1,
    MentorStatusChangedV1,
    MentorAssignedV1,
    MentorAssignmentEndedV1,
    MentorCoachingVisitLoggedV1,
    PotentialDuplicateFlaggedV1,
    DuplicateResolvedV1,
)
