"""Integration events published by the outcomes service (stream OUTCOMES), for integrators too."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pathways_contracts.base import OPEN_SET, IntegrationEvent, ParticipantEvent
from pathways_contracts.decimals import MonthlyBaht
from pathways_contracts.enrollment import ProvinceCode, Region

FollowUpMonth = Literal[3, 6, 12]


class _OutcomesEvent(ParticipantEvent):
    SOURCE_SERVICE: ClassVar[str] = "outcomes"


class EmploymentType(StrEnum):
    WAGE = "WAGE"
    SELF_EMPLOYED = "SELF_EMPLOYED"


class FollowUpsScheduledV1(_OutcomesEvent):
    """Follow-ups at 3, 6 and 12 months after completion were scheduled for a case."""

    SUBJECT: ClassVar[str] = "outcomes.v1.followups.scheduled"

    enrollment_id: UUID
    project_id: UUID
    due_dates: list[date] = Field(description="Due dates of the 3-, 6- and 12-month follow-ups.")
    completed_on: date | None = Field(default=None, description="The training completion they count from.")


class EmploymentRecordedV1(_OutcomesEvent):
    """A participant's employment after training was recorded. Each is a fact of its own, never a correction:
    the case's current employment is the latest *observed* (by ``observed_on``, then stream order), so one
    observed earlier and typed in later does not replace it."""

    SUBJECT: ClassVar[str] = "outcomes.v1.employment.recorded"

    enrollment_id: UUID
    employment_type: EmploymentType
    related_to_training: bool
    monthly_income_thb: MonthlyBaht
    days_to_first_job: int | None = Field(
        default=None, ge=0, description="From training's completion; the first employment that gives it counts."
    )
    follow_up_month: FollowUpMonth | None = Field(default=None, description="The follow-up it was learned at.")
    observed_on: date | None = Field(
        default=None, description="When it was observed; null: the day of ``occurred_at`` in Thailand (UTC+7)."
    )


class EnterpriseKind(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    COMMUNITY_ENTERPRISE = "COMMUNITY_ENTERPRISE"


class EnterpriseStartedV1(IntegrationEvent):
    """Participants who completed training started an enterprise or a community enterprise."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.started"
    SOURCE_SERVICE: ClassVar[str] = "outcomes"

    enterprise_id: UUID
    kind: EnterpriseKind
    name: str
    project_id: UUID
    enrollment_ids: list[UUID] = Field(description="The participants' enrollments (pseudonymous).")
    members_count: int = Field(ge=1, description="Members in all, participants of the programme or not.")
    products: list[str]
    started_on: date

    def partition_key(self) -> UUID:
        return self.enterprise_id


class FollowUpCompletedV1(_OutcomesEvent):
    """A participant answered a follow-up (3, 6 or 12 months after completing training).

    It may come after a ``followup.missed`` of the same follow-up: an answer given before the follow-up
    was marked missed (or before the case was withdrawn), typed in later; or, after a miss staff recorded
    (``NO_RESPONSE``, ``REFUSED``, ``UNREACHABLE``, ``MOVED_AWAY``), an answer the participant gave later
    (``completed_on`` after ``missed_on``, before the next follow-up was due). The completion then stands in
    place of the miss from ``completed_on``: as of a day before it, the follow-up was missed."""

    SUBJECT: ClassVar[str] = "outcomes.v1.followup.completed"

    enrollment_id: UUID
    month: FollowUpMonth = Field(description="Months after training completion.")
    completed_on: date
    working: bool | None = Field(
        default=None,
        description="Whether they answered that they were working (true: an ``employment.recorded`` of this "
        "follow-up follows). False: the participant is out of work from ``completed_on``, as far as outcomes "
        "knows, until an ``employment.recorded`` observed on or after that day, or recorded at this same "
        "follow-up (typed in after the answer); an employment observed before it has ended. Null: not said "
        "(events published before this field).",
    )


class FollowUpMissedV1(_OutcomesEvent):
    """A follow-up was not answered and will not be."""

    SUBJECT: ClassVar[str] = "outcomes.v1.followup.missed"

    enrollment_id: UUID
    month: FollowUpMonth = Field(description="Months after training completion.")
    missed_on: date
    reason: str = Field(
        description="NO_RESPONSE, REFUSED, UNREACHABLE, MOVED_AWAY (marked by staff) or CONSENT_WITHDRAWN (the "
        "participant withdrew consent to be followed up, or had their personal data erased). A ``case.closed`` "
        "or ``case.withdrawn`` misses the case's unanswered follow-ups itself (CASE_CLOSED, WITHDRAWN), with no "
        "message here. " + OPEN_SET
    )


class IncomeObservedV1(_OutcomesEvent):
    """A participant's monthly income at a follow-up (or at baseline, month 0, when enrollment had none)."""

    SUBJECT: ClassVar[str] = "outcomes.v1.income.observed"

    enrollment_id: UUID
    at_month: Literal[0, 3, 6, 12] = Field(description="0 (baseline), or the follow-up's month.")
    monthly_income_thb: MonthlyBaht
    observed_on: date
    source: str | None = Field(default=None, description="How it was learned: SELF_REPORTED, EMPLOYER, ...")
    baseline_monthly_income_thb: MonthlyBaht | None = Field(
        default=None, description="The baseline it is compared with, as known when observed."
    )


class CaseWithdrawnV1(_OutcomesEvent):
    """Outcomes learned the enrollment was withdrawn: nothing observed on or after ``withdrawn_on`` is recorded
    (what was observed before it, typed in later, still is: an ``employment.recorded`` may follow). The case's
    unanswered follow-ups become missed with reason WITHDRAWN, without a ``followup.missed`` of their own."""

    SUBJECT: ClassVar[str] = "outcomes.v1.case.withdrawn"

    enrollment_id: UUID
    withdrawn_on: date


class CaseClosedV1(_OutcomesEvent):
    """A case was closed: no new outcome. Its unanswered follow-ups become missed with reason CASE_CLOSED,
    without a ``followup.missed`` of their own."""

    SUBJECT: ClassVar[str] = "outcomes.v1.case.closed"

    enrollment_id: UUID
    closed_on: date
    reason: str = Field(description="FOLLOW_UP_FINISHED, LOST_CONTACT, WITHDRAWN, DROPPED_OUT or OTHER. " + OPEN_SET)


class FollowUpConsentWithdrawnV1(_OutcomesEvent):
    """The participant withdrew consent to be followed up (enrollment recorded it on ``withdrawn_on``): from
    that day the case takes no outcome until a ``case.follow_up_consent_restored``. Its unanswered
    follow-ups are missed (``followup.missed`` with reason CONSENT_WITHDRAWN, right after this message);
    a case still in training has none yet, so this message is all that tells it. Published once per
    withdrawal."""

    SUBJECT: ClassVar[str] = "outcomes.v1.case.follow_up_consent_withdrawn"

    enrollment_id: UUID
    withdrawn_on: date


class FollowUpConsentRestoredV1(_OutcomesEvent):
    """The participant gave consent to be followed up again (enrollment recorded it on ``restored_on``) after
    withdrawing it or after its last day had passed: the case takes outcomes again, observed up to
    ``valid_until`` if the consent ends. Follow-ups missed for want of it (``followup.missed`` with reason
    CONSENT_WITHDRAWN) and due on or after ``restored_on`` are open again (``follow_ups_reopened``, with no
    ``followup.missed`` or other message of their own): each may be completed, or missed, again. Those due
    before ``restored_on`` stay missed, unless an answer given before the withdrawal is typed in (a
    ``followup.completed``), as do those missed for another reason. It may come for a case whose follow-ups
    are not scheduled yet (consent withdrawn and given again during training). Published once per
    restoration."""

    SUBJECT: ClassVar[str] = "outcomes.v1.case.follow_up_consent_restored"

    enrollment_id: UUID
    restored_on: date
    valid_until: date | None = Field(default=None, description="The last day the consent covers; null: no end.")
    follow_ups_reopened: list[FollowUpMonth] | None = Field(
        default=None,
        description="The months of the follow-ups open again from ``restored_on``: missed for want of consent "
        "(``followup.missed`` with reason CONSENT_WITHDRAWN) and due on or after ``restored_on``. A consumer "
        "undoes those misses: each follow-up is scheduled, due or overdue by its due day again, until a "
        "``followup.completed`` or ``followup.missed`` answers it. Empty: none. Null: not said (published "
        "before this field; the follow-ups missed then stayed missed).",
    )


class _EnterpriseEvent(IntegrationEvent):
    SOURCE_SERVICE: ClassVar[str] = "outcomes"

    enterprise_id: UUID

    def partition_key(self) -> UUID:
        return self.enterprise_id


class EnterpriseMemberJoinedV1(_EnterpriseEvent):
    """A participant who completed training joined an enterprise; its members count grew by one."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.member_joined"

    enrollment_id: UUID = Field(description="The participant's enrollment (pseudonymous).")
    joined_on: date


class EnterpriseMembersCountedV1(_EnterpriseEvent):
    """An enterprise's members, participants of the programme or not, were counted again."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.members_counted"

    members_count: int = Field(ge=1)
    counted_on: date


class EnterpriseProductAddedV1(_EnterpriseEvent):
    """An enterprise makes or sells a new product or service."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.product_added"

    product: str
    added_on: date


class EnterpriseOnlineSalesOpenedV1(_EnterpriseEvent):
    """An enterprise opened an online sales channel (a marketplace, a shop page, a chat shop)."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.online_sales_opened"

    channel: str
    opened_on: date


class EnterpriseRegisteredV1(_EnterpriseEvent):
    """An enterprise was registered (a community enterprise with at least 7 members)."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.registered"

    registration_number: str
    registered_on: date


class EnterpriseBeganOperatingV1(_EnterpriseEvent):
    """A registered enterprise began operating, or a dormant one operates again."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.began_operating"

    began_on: date


class EnterpriseWentDormantV1(_EnterpriseEvent):
    """An operating enterprise went dormant."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.went_dormant"

    dormant_on: date


class EnterpriseDissolvedV1(_EnterpriseEvent):
    """An enterprise was dissolved; it takes no further change."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.dissolved"

    dissolved_on: date
    reason: str


class ProjectPlaceV1(IntegrationEvent):
    """Where a project runs, for integrators: outcomes events name a case's project (``project_id`` on
    ``followups.scheduled`` and ``enterprise.*``) by id alone. Published when outcomes learns it opened:
    usually long before any of its cases completes training, but join on ``project_id`` whenever it comes.
    A project's province and region do not change; its name may: a project renamed after it opened is
    published again with its new name (the latest message of a project is its place now)."""

    SOURCE_SERVICE: ClassVar[str] = "outcomes"
    SUBJECT: ClassVar[str] = "outcomes.v1.project.placed"

    project_id: UUID
    name: str | None = Field(default=None, description="As the programme names it; absent when not told.")
    province_code: ProvinceCode
    region: Region
    opened_on: date | None = Field(default=None, description="The day it was approved, when told.")

    def partition_key(self) -> UUID:
        return self.project_id


class ParticipantErasureNoticeV1(_OutcomesEvent):
    """The participant's personal data was erased (PDPA §33; enrollment erased it on ``erased_on``).

    Whoever keeps what they learned of this ``participant_id`` where it can be linked back to the person
    (outcomes events joined with records of their own) must erase it too. Outcomes keeps the pseudonymous
    journey and the counts, and follows the participant's cases up no more: their unanswered follow-ups
    come as ``followup.missed`` with reason CONSENT_WITHDRAWN. Published once per participant."""

    SOURCE_SERVICE: ClassVar[str] = "outcomes"
    SUBJECT: ClassVar[str] = "outcomes.v1.participant.erased"

    erased_on: date


class CaseBaselineCorrectedV1(_OutcomesEvent):
    """Enrollment corrected the case's baseline after enrollment (a mistake found later, such as a monthly
    income typed 45000 for 4500), and outcomes measures the case against it from now on: it replaces the
    ``baseline_monthly_income_thb`` of every ``income.observed`` of the case, earlier ones too (they carry the
    baseline known when observed). Told for a case whose follow-ups were scheduled (training completed); one
    corrected before then needs no message: its ``income.observed`` carry the corrected baseline. The
    latest, in stream order, is the case's baseline. Besides the income, it carries what the programme's
    indicators group income figures by; the rest of the baseline, and why it was corrected, stay with
    enrollment."""

    SUBJECT: ClassVar[str] = "outcomes.v1.case.baseline_corrected"

    enrollment_id: UUID
    baseline_monthly_income_thb: MonthlyBaht = Field(description="The corrected baseline monthly income.")
    informal_worker: bool = Field(description="An informal worker at baseline, as corrected.")
    covid_affected: bool = Field(description="Affected by COVID-19 at baseline, as corrected.")
    corrected_on: date


class CaseTransferredV1(_OutcomesEvent):
    """Enrollment moved the case to another project (``project_id``, in ``province_code`` and ``region``):
    the programme counts it there from now on, though its follow-ups and outcomes carry on as before (its
    ``followups.scheduled`` and any enterprise name the project training completed it in). Told for a case
    whose follow-ups were scheduled (training completed), and right after ``followups.scheduled`` when a
    transfer heard before moved the case elsewhere than the project it names; a transfer while in training
    needs no message otherwise: the follow-ups name the project it completed in. The latest, in stream order,
    is where the case is."""

    SUBJECT: ClassVar[str] = "outcomes.v1.case.transferred"

    enrollment_id: UUID
    project_id: UUID = Field(description="The project the case is with from now on.")
    province_code: ProvinceCode
    region: Region
    from_project_id: UUID = Field(description="The project it moved from.")
    transferred_on: date


EVENTS: tuple[type[IntegrationEvent], ...] = (
    FollowUpsScheduledV1,
    EmploymentRecordedV1,
    EnterpriseStartedV1,
    FollowUpCompletedV1,
    FollowUpMissedV1,
    IncomeObservedV1,
    CaseWithdrawnV1,
    CaseClosedV1,
    EnterpriseMemberJoinedV1,
    EnterpriseMembersCountedV1,
    EnterpriseProductAddedV1,
    EnterpriseOnlineSalesOpenedV1,
    EnterpriseRegisteredV1,
    EnterpriseBeganOperatingV1,
    EnterpriseWentDormantV1,
    EnterpriseDissolvedV1,
    ParticipantErasureNoticeV1,
    ProjectPlaceV1,
    FollowUpConsentRestoredV1,
    FollowUpConsentWithdrawnV1,
    CaseBaselineCorrectedV1,
    CaseTransferredV1,
)
