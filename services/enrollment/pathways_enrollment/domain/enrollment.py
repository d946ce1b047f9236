"""The enrollment case: one participant in one project, from application to enrollment and beyond.

Lifecycle: Applied → Screened → Enrolled, then Transferred (to another unit or project, any number
of times) or Withdrawn (from any state but Withdrawn). Training, completion and dropout are facts of
the training service; the case notes the day training ended, as training reports it. The case keeps
where it has been as a list of placements.

Rules: an application needs valid consent to programme participation (data is collected from then
on); enrollment needs it again on the enrollment day, plus a passed screening of the current baseline,
a project open for enrollment (Approved or Active), and a participant who is neither merged nor an
unresolved potential duplicate. A participant has one open case per project: once their case there is
withdrawn, or its training ended in a dropout, they may apply to it again, which opens a new case (the
old one stays, as history); a case that completed training there keeps its place. The unit that runs a case
(the project's, or the one a transfer names) takes a new one only while Active: an application, an
enrollment or a transfer in is refused while it is suspended (retryable) or deactivated.

Days follow each other: screening, enrollment, transfers and withdrawal are not dated before the
application; enrollment not before the screening it passed; a transfer or a withdrawal of an enrolled
case not before its enrollment, nor before the case came to where it is (its last transfer), nor
before the day training reported it completed or dropped out (training had it there until then). The
same day is fine. A withdrawal may come before a screening recorded on a later day: screening is a desk
review of the baseline, and the participant may have left in the meantime.

The baseline is recorded (again, as often as needed) before enrollment; each time it calls for a new
screening. Once the case is enrolled (or transferred), a mistake in it is corrected instead: the
corrected baseline is what outcomes measure against from then on, but screening is not run again (the
participant was admitted on what was known then, and a typing mistake found later does not take their
place away). A corrected baseline that would have missed the project's income or target-group criteria
is still accepted, the criteria it misses kept with it (``would_have_failed_screening``) for staff to
see. A withdrawn case's baseline is not corrected: nothing is measured against it any more. Nor is a
correction dated before the enrollment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypedDict
from uuid import UUID

from pathways_enrollment.domain.consent import ConsentPurpose
from pathways_enrollment.domain.errors import (
    EnrollmentRuleError,
    TransitionNotAllowedError,
    refuse_earlier,
    require_existing,
)
from pathways_enrollment.domain.participant import Participant, ParticipantStatus, Sex, refuse_erased
from pathways_enrollment.domain.project import Project, require_open_project
from pathways_enrollment.domain.screening import (
    BaselineProfile,
    EligibilityCriteria,
    ScreeningReason,
    baseline_misses,
    check_profile,
    evaluate,
)
from pathways_enrollment.domain.unit import CareerDevelopmentUnit, require_active_unit


class EnrollmentStatus(StrEnum):
    APPLIED = "APPLIED"
    SCREENED = "SCREENED"
    ENROLLED = "ENROLLED"
    TRANSFERRED = "TRANSFERRED"
    WITHDRAWN = "WITHDRAWN"


BEFORE_ENROLLMENT = (EnrollmentStatus.APPLIED, EnrollmentStatus.SCREENED)
IN_PROGRAMME = (EnrollmentStatus.ENROLLED, EnrollmentStatus.TRANSFERRED)


class TransferReason(StrEnum):
    RELOCATION = "RELOCATION"
    BETTER_FIT = "BETTER_FIT"
    PROJECT_ENDED = "PROJECT_ENDED"
    OTHER = "OTHER"


class TrainingEnd(StrEnum):
    COMPLETED = "COMPLETED"
    DROPPED_OUT = "DROPPED_OUT"


class WithdrawalReason(StrEnum):
    PARTICIPANT_REQUEST = "PARTICIPANT_REQUEST"
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"
    FOUND_EMPLOYMENT = "FOUND_EMPLOYMENT"
    MOVED_AWAY = "MOVED_AWAY"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    DUPLICATE = "DUPLICATE"
    OTHER = "OTHER"


@dataclass(frozen=True, kw_only=True)
class CaseEvent:
    """What every case event carries: the case, its participant, and where the case is now."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    unit_id: UUID | None
    province_code: str
    region: str


@dataclass(frozen=True, kw_only=True)
class EnrollmentApplied(CaseEvent):
    applied_on: date


@dataclass(frozen=True, kw_only=True)
class BaselineProfileRecorded(CaseEvent):
    """The baseline; recording it again before enrollment replaces it and calls for a new screening."""

    profile: BaselineProfile


@dataclass(frozen=True, kw_only=True)
class ParticipantScreened(CaseEvent):
    screened_on: date
    passed: bool
    reasons: tuple[ScreeningReason, ...]
    income_threshold_thb: Decimal


@dataclass(frozen=True, kw_only=True)
class ParticipantEnrolled(CaseEvent):
    """The case is enrolled; it carries the baseline it was screened on, for the services that measure against it,
    and the participant's sex and age band, for the breakdowns they report (None in events enrolled before)."""

    enrolled_on: date
    consent_notice_version: str
    screened_on: date
    baseline: BaselineProfile | None = None
    sex: Sex | None = None
    age_band: str | None = None
    follow_up_consented: bool | None = None  # None in events recorded before it was kept
    follow_up_consent_until: date | None = None  # the last day that consent covers; None: no end given


@dataclass(frozen=True, kw_only=True)
class EnrollmentTransferred(CaseEvent):
    """The case moved; ``project_id`` … ``region`` say where to, ``from_*`` where from."""

    from_project_id: UUID
    from_unit_id: UUID | None
    from_province_code: str
    from_region: str
    transferred_on: date
    reason: TransferReason


@dataclass(frozen=True, kw_only=True)
class EnrollmentWithdrawn(CaseEvent):
    reason: WithdrawalReason
    withdrawn_on: date
    was_enrolled: bool


@dataclass(frozen=True, kw_only=True)
class FollowUpConsentChanged(CaseEvent):
    """Consent to be followed up after training (outcome-follow-up) was withdrawn, or given again (until
    ``valid_until``, if it ends)."""

    consented: bool
    changed_on: date
    valid_until: date | None = None


@dataclass(frozen=True, kw_only=True)
class BaselineCorrected(CaseEvent):
    """The baseline of an enrolled case, corrected (a mistake found after enrollment): ``profile`` replaces
    the one the case was enrolled on. Screening is not run again; ``would_have_failed_screening`` keeps the
    criteria of the case's project the corrected baseline misses (income, target group), if any."""

    profile: BaselineProfile
    reason: str
    corrected_on: date
    would_have_failed_screening: tuple[ScreeningReason, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TrainingEndNoted(CaseEvent):
    """The training service reported the case's training over (private: training told it already)."""

    how: TrainingEnd
    ended_on: date


EVENTS: tuple[type, ...] = (
    EnrollmentApplied,
    BaselineProfileRecorded,
    ParticipantScreened,
    ParticipantEnrolled,
    EnrollmentTransferred,
    EnrollmentWithdrawn,
    TrainingEndNoted,
    FollowUpConsentChanged,
    BaselineCorrected,
)


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where the case belonged from ``since`` until (not including) ``until``."""

    project_id: UUID
    unit_id: UUID | None
    province_code: str
    region: str
    since: date | None
    until: date | None = None


@dataclass(frozen=True, kw_only=True)
class Screening:
    screened_on: date
    passed: bool
    reasons: tuple[ScreeningReason, ...]


@dataclass(frozen=True, kw_only=True)
class Enrollment:
    id: UUID
    participant_id: UUID
    status: EnrollmentStatus
    applied_on: date
    placements: tuple[Placement, ...] = field(metadata={"description": "Where the case belonged, over time."})
    baseline: BaselineProfile | None = None
    screening: Screening | None = None
    enrolled_on: date | None = None
    was_enrolled: bool = field(
        default=False, metadata={"description": "Enrolled at some time, withdrawn since or not."}
    )
    withdrawal_reason: WithdrawalReason | None = None
    withdrawn_on: date | None = None
    training_ended: TrainingEndNoted | None = field(
        default=None, metadata={"description": "How training ended, as the training service reported it."}
    )
    follow_up_consented: bool | None = field(
        default=None,
        metadata={
            "description": "Consent to be followed up after training; null: not known (enrolled before it was kept)."
        },
    )
    follow_up_consent_until: date | None = None

    @property
    def placement(self) -> Placement:
        return self.placements[-1]

    @property
    def project_id(self) -> UUID:
        return self.placement.project_id

    @property
    def unit_id(self) -> UUID | None:
        return self.placement.unit_id


class _CaseEventFields(TypedDict):
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    unit_id: UUID | None
    province_code: str
    region: str


def _event_fields(enrollment_id: UUID, participant_id: UUID, where: Placement) -> _CaseEventFields:
    """What every case event carries (see :class:`CaseEvent`), for a case placed at ``where``."""
    return _CaseEventFields(
        enrollment_id=enrollment_id,
        participant_id=participant_id,
        project_id=where.project_id,
        unit_id=where.unit_id,
        province_code=where.province_code,
        region=where.region,
    )


def _case_event_fields(case: Enrollment) -> _CaseEventFields:
    return _event_fields(case.id, case.participant_id, case.placement)


def _placed(project: Project, *, unit_id: UUID | None = None, since: date | None) -> Placement:
    return Placement(
        project_id=project.id,
        unit_id=project.unit_id if unit_id is None else unit_id,
        province_code=project.province_code,
        region=project.region,
        since=since,
    )


def _refuse_merged(participant: Participant) -> None:
    if participant.merged_into is not None:
        raise EnrollmentRuleError(
            f"participant {participant.id} was merged into {participant.merged_into}; enroll that participant",
            rule="merged-participant-cannot-enroll",
        )


def _require_consent(participant: Participant, on: date) -> str:
    consent = participant.consent_for(ConsentPurpose.PROGRAMME_PARTICIPATION)
    if consent is None or not consent.covers(on):
        raise EnrollmentRuleError(
            f"participant {participant.id} has no valid consent to {ConsentPurpose.PROGRAMME_PARTICIPATION.value} "
            f"on {on}",
            rule="consent-required",
        )
    return consent.notice_version


def _follow_up_consent(participant: Participant, on: date) -> tuple[bool, date | None]:
    """Whether the participant consents, on ``on``, to be followed up, and the last day that consent covers."""
    consent = participant.consent_for(ConsentPurpose.OUTCOME_FOLLOW_UP)
    if consent is None or not consent.covers(on):
        return False, None
    return True, consent.valid_until


def note_follow_up_consent(
    state: Enrollment | None, *, consented: bool, changed_on: date, valid_until: date | None = None
) -> list[FollowUpConsentChanged]:
    """The participant withdrew, or gave again, consent to be followed up (perhaps with another end): a
    case in the programme tells it (outcomes stops, resumes, or stops on the consent's last day following
    it up); any other case, or one told this already, has nothing to tell."""
    case = _case(state)
    until = valid_until if consented else None
    known = (case.follow_up_consented is not False, case.follow_up_consent_until)
    if case.status not in IN_PROGRAMME or known == (consented, until):
        return []
    fields = _case_event_fields(case)
    return [FollowUpConsentChanged(**fields, consented=consented, changed_on=changed_on, valid_until=until)]


def _case(state: Enrollment | None) -> Enrollment:
    return require_existing(state, "this enrollment")


def _only_from(case: Enrollment, action: str, allowed_from: tuple[EnrollmentStatus, ...]) -> None:
    if case.status not in allowed_from:
        raise TransitionNotAllowedError(
            aggregate="enrollment", status=case.status, action=action, allowed_from=allowed_from
        )


def apply_for_enrollment(
    state: Enrollment | None,
    *,
    enrollment_id: UUID,
    participant: Participant | None,
    participant_id: UUID,
    project: Project | None,
    project_id: UUID,
    unit: CareerDevelopmentUnit | None,
    applied_on: date,
    cases_in_project: Sequence[Enrollment] = (),
) -> list[EnrollmentApplied]:
    """Open the case. ``unit``: the project's unit, which would run it; ``cases_in_project``: the
    participant's other cases now placed in this project (one still there refuses a new one)."""
    found = require_existing(participant, f"participant {participant_id}")
    open_project = require_existing(project, f"project {project_id}")
    if state is not None:
        raise EnrollmentRuleError(
            f"participant {participant_id} already has case {enrollment_id} in project {project_id}",
            rule="enrolled-once-per-project",
        )
    others = (other for other in cases_in_project if other.id != enrollment_id)
    _refuse_second_case_in(project_id, participant_id, others, on=applied_on)
    _refuse_merged(found)
    refuse_erased(found, "apply")
    require_open_project(open_project, project_id, on=applied_on)
    _require_taking_participants(unit, open_project.unit_id)
    refuse_earlier(
        applied_on,
        than=open_project.opened_on,
        rule="applied-before-project-opened",
        message=f"project {project_id} opened for enrollment on {open_project.opened_on}; nobody applied to it before, "
        f"on {applied_on}",
    )
    refuse_earlier(
        applied_on,
        than=found.registered_on,
        rule="applied-before-registration",
        message=f"participant {found.id} registered on {found.registered_on}; they cannot have applied before, "
        f"on {applied_on}",
    )
    _require_consent(found, applied_on)
    where = _placed(open_project, since=applied_on)
    return [EnrollmentApplied(**_event_fields(enrollment_id, found.id, where), applied_on=applied_on)]


def record_baseline(state: Enrollment | None, *, profile: BaselineProfile) -> list[BaselineProfileRecorded]:
    case = _case(state)
    if case.status not in BEFORE_ENROLLMENT:
        raise EnrollmentRuleError(
            f"the baseline of enrollment {case.id} is fixed once the case is {case.status.value}"
            + (
                "" if case.status == EnrollmentStatus.WITHDRAWN else ": correct it instead (screening is not run again)"
            ),
            rule="baseline-only-before-enrollment",
        )
    return [BaselineProfileRecorded(**_case_event_fields(case), profile=check_profile(profile))]


def correct_baseline(
    state: Enrollment | None,
    *,
    profile: BaselineProfile,
    reason: str,
    corrected_on: date,
    criteria: EligibilityCriteria,
) -> list[BaselineCorrected]:
    """Correct the baseline of a case in the programme (enrolled or transferred). ``criteria``: those of
    the project the case is with now, which the corrected baseline is judged against, not screened on."""
    case = _case(state)
    if case.status == EnrollmentStatus.WITHDRAWN:
        raise EnrollmentRuleError(
            f"enrollment {case.id} is withdrawn: its baseline is no longer corrected",
            rule="withdrawn-case-baseline-fixed",
        )
    if case.status in BEFORE_ENROLLMENT:
        raise EnrollmentRuleError(
            f"enrollment {case.id} is not enrolled yet ({case.status.value}): record its baseline again instead, "
            "and screen it",
            rule="baseline-correction-after-enrollment",
        )
    checked = check_profile(profile)
    if checked == case.baseline:
        raise EnrollmentRuleError(
            f"the baseline of enrollment {case.id} is already that one", rule="baseline-correction-changes-nothing"
        )
    refuse_earlier(
        corrected_on,
        than=case.enrolled_on,
        rule="baseline-corrected-before-enrollment",
        message=f"enrollment {case.id} was enrolled on {case.enrolled_on}; its baseline cannot be corrected before, "
        f"on {corrected_on}",
    )
    return [
        BaselineCorrected(
            **_case_event_fields(case),
            profile=checked,
            reason=reason,
            corrected_on=corrected_on,
            would_have_failed_screening=baseline_misses(checked, criteria),
        )
    ]


def screen(
    state: Enrollment | None, *, criteria: EligibilityCriteria, date_of_birth: date, screened_on: date
) -> list[ParticipantScreened]:
    """Screen the baseline against the project's criteria. ``date_of_birth`` comes from the vault; it is not kept."""
    case = _case(state)
    _only_from(case, "screen", BEFORE_ENROLLMENT)
    if case.baseline is None:
        raise EnrollmentRuleError(f"enrollment {case.id} has no baseline profile to screen", rule="baseline-required")
    refuse_earlier(
        screened_on,
        than=case.applied_on,
        rule="screened-before-application",
        message=f"enrollment {case.id} was applied for on {case.applied_on}; it cannot be screened before, "
        f"on {screened_on}",
    )
    outcome = evaluate(case.baseline, criteria, date_of_birth=date_of_birth, on=screened_on)
    return [
        ParticipantScreened(
            **_case_event_fields(case),
            screened_on=screened_on,
            passed=outcome.passed,
            reasons=outcome.reasons,
            income_threshold_thb=criteria.income_threshold_thb,
        )
    ]


def enroll(
    state: Enrollment | None,
    *,
    participant: Participant | None,
    project: Project | None,
    unit: CareerDevelopmentUnit | None,
    enrolled_on: date,
    other_cases: Sequence[Enrollment] = (),
) -> list[ParticipantEnrolled]:
    """Enroll the case's participant: consent valid on ``enrolled_on``, screening passed, project open,
    ``unit`` (the case's, which runs it) active, and not in training in another project on that day
    (``other_cases``: the participant's other cases; rule ``in-training-elsewhere``)."""
    case = _case(state)
    if case.was_enrolled or case.status in IN_PROGRAMME:
        raise EnrollmentRuleError(
            f"participant {case.participant_id} is already enrolled in project {case.project_id}",
            rule="enrolled-once-per-project",
        )
    _only_from(case, "enroll", BEFORE_ENROLLMENT)
    found = require_existing(participant, f"participant {case.participant_id}")
    open_project = require_existing(project, f"project {case.project_id}")
    _refuse_merged(found)
    refuse_erased(found, "be enrolled")  # erased since applying: the case stays, as history
    if found.status == ParticipantStatus.POTENTIAL_DUPLICATE:
        raise EnrollmentRuleError(
            f"participant {found.id} may be a duplicate of {found.duplicate_of}; resolve that first",
            rule="potential-duplicate-unresolved",
            retryable=True,
        )
    require_open_project(open_project, case.project_id, on=enrolled_on)
    _require_taking_participants(unit, case.unit_id)
    _refuse_in_training_elsewhere(case, other_cases, enrolled_on)
    if case.screening is None or not case.screening.passed:
        raise EnrollmentRuleError(_not_screened_in(case), rule="passed-screening-required")
    _refuse_enrolling_before_applying_or_screening(case, case.screening, enrolled_on)
    notice_version = _require_consent(found, enrolled_on)
    follow_up_consented, follow_up_consent_until = _follow_up_consent(found, enrolled_on)
    return [
        ParticipantEnrolled(
            **_case_event_fields(case),
            enrolled_on=enrolled_on,
            consent_notice_version=notice_version,
            screened_on=case.screening.screened_on,
            baseline=case.baseline,
            sex=found.sex,
            age_band=found.age_band,
            follow_up_consented=follow_up_consented,
            follow_up_consent_until=follow_up_consent_until,
        )
    ]


_AGE_REASONS = (ScreeningReason.BELOW_WORKING_AGE, ScreeningReason.ABOVE_WORKING_AGE)


def _not_screened_in(case: Enrollment) -> str:
    """Why the case cannot enroll for want of a passed screening, and the way on: staff act on this answer."""
    screen_it = f"POST /enrollments/{case.id}/screening"
    record_baseline = f"POST /enrollments/{case.id}/baseline"
    if case.baseline is None:
        return (
            f"enrollment {case.id} has no baseline yet and was not screened for project {case.project_id}: "
            f"record its baseline ({record_baseline}), then screen it ({screen_it})"
        )
    if case.screening is None:
        return (
            f"enrollment {case.id} has not been screened for project {case.project_id} on its current baseline: "
            f"screen it ({screen_it})"
        )
    missed = ", ".join(reason.value for reason in case.screening.reasons)
    return (
        f"enrollment {case.id} was screened out of project {case.project_id} on {case.screening.screened_on} "
        f"({missed}); if that came from a mistake in the data, {_how_to_correct(case, case.screening.reasons)}, "
        f"then screen it again ({screen_it})"
    )


def _how_to_correct(case: Enrollment, missed: tuple[ScreeningReason, ...]) -> str:
    """Before enrollment the baseline is recorded again, not corrected (a correction is for enrolled cases);
    age comes from the date of birth in the vault, which only a rectification changes."""
    ways = []
    if any(reason not in _AGE_REASONS for reason in missed):
        ways.append(f"record its baseline again (POST /enrollments/{case.id}/baseline)")
    if any(reason in _AGE_REASONS for reason in missed):
        ways.append(
            "rectify the participant's date of birth "
            f"(POST /participants/{case.participant_id}/personal-data/rectification)"
        )
    return " and ".join(ways)


def _require_baseline_eligible_for(case: Enrollment, target: Project) -> None:
    """A transfer takes the case into another project's programme: its baseline meets that project's
    income and target-group criteria too (age was judged at screening, and the participant has aged since)."""
    misses = () if case.baseline is None else baseline_misses(case.baseline, target.eligibility)
    if misses:
        raise EnrollmentRuleError(
            f"enrollment {case.id}'s baseline does not meet the criteria of project {target.id}: "
            f"{', '.join(miss.value for miss in misses)}",
            rule="transfer-target-criteria-not-met",
        )


def _require_taking_participants(
    unit: CareerDevelopmentUnit | None, unit_id: UUID | None, *, to: str = "take participants in"
) -> None:
    """The unit that runs a case takes new ones only while active (a suspended one may be reinstated)."""
    if unit_id is not None:
        require_active_unit(unit, unit_id, to=to)


def _left_on(case: Enrollment) -> date | None:
    """The day the case gave up its place in its project: withdrawn, or dropped out of training."""
    if case.status == EnrollmentStatus.WITHDRAWN:
        return case.withdrawn_on
    ended = case.training_ended
    return ended.ended_on if ended is not None and ended.how == TrainingEnd.DROPPED_OUT else None


def _moved_out_of(case: Enrollment, project_id: UUID) -> date | None:
    """The day the case last left the project by a transfer (it is placed elsewhere now)."""
    return max((p.until for p in case.placements if p.project_id == project_id and p.until is not None), default=None)


def _refuse_second_case_in(project_id: UUID, participant_id: UUID, cases_there: Iterable[Enrollment], on: date) -> None:
    """One open case per participant and project: a withdrawn or dropped-out case leaves room for a new one
    from the day it left, and so does one transferred to another project from the day it moved."""
    for other in cases_there:
        left = _left_on(other) if other.project_id == project_id else _moved_out_of(other, project_id)
        if left is not None:
            refuse_earlier(
                on,
                than=left,
                rule="new-case-before-earlier-case-left",
                message=f"participant {participant_id}'s case {other.id} left project {project_id} on {left}; a new "
                f"case there cannot start before, on {on}",
            )
        else:
            raise EnrollmentRuleError(
                f"participant {participant_id} already has case {other.id} in project {project_id}, "
                f"{_what_keeps_it_there(other)}",
                rule="enrolled-once-per-project",
            )


def _what_keeps_it_there(case: Enrollment) -> str:
    """Why a case holds its place, and what would free it, in the words the lists use."""
    if case.training_ended is not None:  # not dropped out, or it would have left
        return "which completed training there: a case that completed training keeps its place"
    status = case.status.value
    if case.status == EnrollmentStatus.SCREENED and case.screening is not None:
        status = "SCREENED_IN" if case.screening.passed else "SCREENED_OUT"
    way = f"withdraw it first (POST /enrollments/{case.id}/withdrawal)"
    if status == "SCREENED_OUT":
        way += ", or record its baseline again for a new screening"
    return f"which is still open ({status}): {way}; a dropout's or a withdrawn case's place is free again"


def _refuse_in_training_elsewhere(case: Enrollment, other_cases: Sequence[Enrollment], enrolled_on: date) -> None:
    """One programme place at a time: a case in training elsewhere on the day moves by a transfer. One whose
    training ended by then (completed or dropped out) leaves the participant free to take another course."""
    for other in other_cases:
        if other.id == case.id or other.status not in IN_PROGRAMME or other.enrolled_on is None:
            continue
        ended_by = other.training_ended is not None and other.training_ended.ended_on <= enrolled_on
        if other.enrolled_on <= enrolled_on and not ended_by:
            raise EnrollmentRuleError(
                f"participant {case.participant_id} is in training in project {other.project_id} (enrollment "
                f"{other.id}, enrolled on {other.enrolled_on}) on {enrolled_on}: transfer that case to project "
                f"{case.project_id} instead, or enroll here once its training has ended",
                rule="in-training-elsewhere",
            )


def _refuse_enrolling_before_applying_or_screening(case: Enrollment, screening: Screening, enrolled_on: date) -> None:
    refuse_earlier(
        enrolled_on,
        than=case.applied_on,
        rule="enrolled-before-application",
        message=f"enrollment {case.id} was applied for on {case.applied_on}; it cannot be enrolled before, "
        f"on {enrolled_on}",
    )
    refuse_earlier(
        enrolled_on,
        than=screening.screened_on,
        rule="enrolled-before-screening",
        message=f"enrollment {case.id} passed screening on {screening.screened_on}; it cannot be enrolled before, "
        f"on {enrolled_on}",
    )


def transfer(
    state: Enrollment | None,
    *,
    participant: Participant | None,
    to_project: Project | None,
    to_project_id: UUID,
    transferred_on: date,
    reason: TransferReason,
    to_unit_id: UUID | None = None,
    to_unit: CareerDevelopmentUnit | None = None,
    cases_in_target_project: Sequence[Enrollment] = (),
) -> list[EnrollmentTransferred]:
    """Move an enrolled case to another project, or to another unit (``to_unit_id``; default: the project's).

    ``participant``: the case's, whose consent to take part must cover the day (the case and what it
    holds go to another unit); ``to_unit``: the unit that would run the case there (``to_unit_id``'s,
    else the project's);
    ``cases_in_target_project``: the participant's cases now placed in the target project (one still there
    refuses the transfer).
    """
    case = _case(state)
    if case.status == EnrollmentStatus.WITHDRAWN:
        raise EnrollmentRuleError(
            f"enrollment {case.id} is withdrawn and cannot transfer", rule="withdrawn-case-cannot-transfer"
        )
    _only_from(case, "transfer", IN_PROGRAMME)
    _require_consent(require_existing(participant, f"participant {case.participant_id}"), transferred_on)
    target = require_open_project(to_project, to_project_id, on=transferred_on)
    _require_taking_participants(to_unit, to_unit_id or target.unit_id, to="take over an enrollment")
    current = case.placement
    where = _placed(target, unit_id=to_unit_id, since=transferred_on)
    if (where.project_id, where.unit_id) == (current.project_id, current.unit_id):
        raise EnrollmentRuleError(
            f"enrollment {case.id} is already with project {current.project_id} and unit {current.unit_id}",
            rule="transfer-to-same-placement",
        )
    if where.project_id != current.project_id:
        others = (other for other in cases_in_target_project if other.id != case.id)
        _refuse_second_case_in(where.project_id, case.participant_id, others, on=transferred_on)
        _require_baseline_eligible_for(case, target)
        refuse_earlier(
            transferred_on,
            than=target.opened_on,
            rule="transfer-before-project-opened",
            message=f"project {to_project_id} opened for enrollment on {target.opened_on}; nobody moved into it "
            f"before, on {transferred_on}",
        )
    refuse_earlier(
        transferred_on,
        than=current.since,
        rule="transfer-before-placement-start",
        message=f"enrollment {case.id} is placed since {current.since}; it cannot transfer before, on {transferred_on}",
    )
    refuse_earlier(
        transferred_on,
        than=case.enrolled_on,
        rule="transfer-before-enrollment",
        message=f"enrollment {case.id} was enrolled on {case.enrolled_on}; it cannot transfer before, "
        f"on {transferred_on}",
    )
    _refuse_before_training_ended(case, transferred_on, rule="transfer-before-training-ended", what="transfer")
    return [
        EnrollmentTransferred(
            **_event_fields(case.id, case.participant_id, where),
            from_project_id=current.project_id,
            from_unit_id=current.unit_id,
            from_province_code=current.province_code,
            from_region=current.region,
            transferred_on=transferred_on,
            reason=reason,
        )
    ]


def withdraw(state: Enrollment | None, *, reason: WithdrawalReason, withdrawn_on: date) -> list[EnrollmentWithdrawn]:
    """Withdraw the case, before or after enrollment."""
    case = _case(state)
    _only_from(case, "withdraw", (*BEFORE_ENROLLMENT, *IN_PROGRAMME))
    _refuse_withdrawing_before_the_case_got_here(case, withdrawn_on)
    return [
        EnrollmentWithdrawn(
            **_case_event_fields(case),
            reason=reason,
            withdrawn_on=withdrawn_on,
            was_enrolled=case.was_enrolled,
        )
    ]


def withdraw_for_want_of_consent(state: Enrollment | None, *, withdrawn_on: date) -> list[EnrollmentWithdrawn]:
    """The participant withdrew consent to take part: a case still in the programme is withdrawn with it
    (reason CONSENT_WITHDRAWN), on that day; a case not enrolled yet cannot enroll anyway, and one
    already withdrawn stays as it is.

    A consent withdrawal is always recorded (PDPA §19): when the case's own history is dated later (its
    training reported over on a later day, say), the case is withdrawn on the first day that history
    allows rather than the consent withdrawal being refused."""
    case = _case(state)
    if case.status not in IN_PROGRAMME:
        return []
    ended_on = None if case.training_ended is None else case.training_ended.ended_on
    history = (case.applied_on, case.enrolled_on, case.placement.since, ended_on)
    day = max(withdrawn_on, *(d for d in history if d is not None))
    return withdraw(case, reason=WithdrawalReason.CONSENT_WITHDRAWN, withdrawn_on=day)


TAKING_PART_AGAIN = (
    "a withdrawn case is final: consent given again does not reopen it; to take part again, the participant "
    "applies to the project again (POST /enrollments), which opens a new case, screened and enrolled anew"
)


def left_for_want_of_consent(state: Enrollment | None) -> bool:
    """Withdrawn when the participant withdrew consent to take part. It stays withdrawn when consent is given
    again (a withdrawal is final: training and outcomes have closed the case); the person applies anew."""
    return (
        state is not None
        and state.status == EnrollmentStatus.WITHDRAWN
        and state.withdrawal_reason == WithdrawalReason.CONSENT_WITHDRAWN
    )


def withdraw_as_duplicate(state: Enrollment | None, *, withdrawn_on: date) -> list[EnrollmentWithdrawn]:
    """The case's participant was merged into another registration of the same person: an application still
    open (never enrolled: a potential duplicate cannot enroll) is withdrawn with it (reason DUPLICATE), for
    the person to apply again as the registration that stays; any other case stays as it is."""
    case = _case(state)
    if case.status not in BEFORE_ENROLLMENT:
        return []
    return withdraw(case, reason=WithdrawalReason.DUPLICATE, withdrawn_on=withdrawn_on)


def _refuse_withdrawing_before_the_case_got_here(case: Enrollment, withdrawn_on: date) -> None:
    """Not before the application, the enrollment (if enrolled), nor the start of the placement it is withdrawn from."""
    refuse_earlier(
        withdrawn_on,
        than=case.applied_on,
        rule="withdrawn-before-application",
        message=f"enrollment {case.id} was applied for on {case.applied_on}; it cannot be withdrawn before, "
        f"on {withdrawn_on}",
    )
    refuse_earlier(
        withdrawn_on,
        than=case.enrolled_on,
        rule="withdrawn-before-enrollment",
        message=f"enrollment {case.id} was enrolled on {case.enrolled_on}; it cannot be withdrawn before, "
        f"on {withdrawn_on}",
    )
    refuse_earlier(
        withdrawn_on,
        than=case.placement.since,
        rule="withdrawn-before-placement-start",
        message=f"enrollment {case.id} is placed since {case.placement.since}; it cannot be withdrawn before, "
        f"on {withdrawn_on}",
    )
    _refuse_before_training_ended(case, withdrawn_on, rule="withdrawn-before-training-ended", what="be withdrawn")


def _refuse_before_training_ended(case: Enrollment, day: date, *, rule: str, what: str) -> None:
    ended = case.training_ended
    if ended is None:
        return
    how = "completed" if ended.how is TrainingEnd.COMPLETED else "ended by dropout"
    refuse_earlier(
        day,
        than=ended.ended_on,
        rule=rule,
        message=f"enrollment {case.id}'s training {how} on {ended.ended_on}; it cannot {what} before, on {day}",
    )


def note_training_end(state: Enrollment | None, *, how: TrainingEnd, ended_on: date) -> list[TrainingEndNoted]:
    """Reaction to training's completion or dropout: later withdrawals and transfers are dated from it.
    Noted in any state (a withdrawal may have crossed it on the way); told again, nothing new."""
    case = _case(state)
    if case.training_ended is not None and (case.training_ended.how, case.training_ended.ended_on) == (how, ended_on):
        return []
    return [TrainingEndNoted(**_case_event_fields(case), how=how, ended_on=ended_on)]


def _placement_of(event: CaseEvent, since: date | None) -> Placement:
    return Placement(
        project_id=event.project_id,
        unit_id=event.unit_id,
        province_code=event.province_code,
        region=event.region,
        since=since,
    )


def evolve_enrollment(state: Enrollment | None, event: object) -> Enrollment:
    match event:
        case EnrollmentApplied():
            return Enrollment(
                id=event.enrollment_id,
                participant_id=event.participant_id,
                status=EnrollmentStatus.APPLIED,
                applied_on=event.applied_on,
                placements=(_placement_of(event, event.applied_on),),
            )
        case ParticipantEnrolled() if state is not None:
            return replace(
                state,
                status=EnrollmentStatus.ENROLLED,
                enrolled_on=event.enrolled_on,
                was_enrolled=True,
                follow_up_consented=event.follow_up_consented,
                follow_up_consent_until=event.follow_up_consent_until,
            )
        case FollowUpConsentChanged() if state is not None:
            return replace(state, follow_up_consented=event.consented, follow_up_consent_until=event.valid_until)
        case BaselineProfileRecorded() if state is not None:
            return replace(state, status=EnrollmentStatus.APPLIED, baseline=event.profile, screening=None)
        case BaselineCorrected() if state is not None:
            return replace(state, baseline=event.profile)
        case ParticipantScreened() if state is not None:
            screening = Screening(screened_on=event.screened_on, passed=event.passed, reasons=event.reasons)
            return replace(state, status=EnrollmentStatus.SCREENED, screening=screening)
        case EnrollmentTransferred() if state is not None:
            left = replace(state.placement, until=event.transferred_on)
            placements = (*state.placements[:-1], left, _placement_of(event, event.transferred_on))
            return replace(state, status=EnrollmentStatus.TRANSFERRED, placements=placements)
        case EnrollmentWithdrawn() if state is not None:
            return replace(
                state,
                status=EnrollmentStatus.WITHDRAWN,
                withdrawal_reason=event.reason,
                withdrawn_on=event.withdrawn_on,
            )
        case TrainingEndNoted() if state is not None:
            return replace(state, training_ended=event)
    raise TypeError(f"an enrollment does not follow from {type(event).__name__}")
