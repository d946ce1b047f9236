"""A participant's outcomes case (id = enrollment id): follow-ups after training, employment, income.

The case learns from other services' events: the baseline income and a withdrawal from enrollment,
completion or dropout from training. Whichever arrives first creates the case; the 3/6/12-month
follow-ups are scheduled when the training completion is learned.

Decisions:
- **Dropout means a case marked dropped**, not no case: a dropout learned from training is kept on
  the case (programme indicators count dropouts in the completion rate), it never gets follow-ups
  and accepts no outcome (rule ``training-must-be-completed``, not retryable: it will not complete).
- **A withdrawn case** (withdrawal learned from enrollment) gets no new follow-ups; open ones become
  missed (reason WITHDRAWN) and no outcome observed on or after the withdrawal day is accepted (rule
  ``case-withdrawn``). A completion learned after the withdrawal is kept (``TrainingCompletionNoted``)
  without scheduling follow-ups. The same holds from the day consent to be followed up is withdrawn
  (rule ``follow-up-consent-withdrawn``). Consent given again (restored) opens again the follow-ups missed
  for want of it (CONSENT_WITHDRAWN) that are due on or after that day, in a case neither withdrawn nor
  closed: they are answered as if never missed. Those due before stay missed, as do those missed otherwise.
- **Late data entry.** What was observed before a withdrawal, before consent was withdrawn, or before
  a follow-up was marked missed, may still be recorded (answers are often collected on paper and typed
  in later): an answer dated before the day a follow-up was marked missed completes it, and the
  completion stands in place of the miss.
- **A late answer after staff gave up.** A follow-up staff marked missed (NO_RESPONSE, REFUSED,
  UNREACHABLE, MOVED_AWAY) is completed by an answer given after the miss too (the participant calls
  back), in a case neither withdrawn nor closed and before the next follow-up is due: the completion
  stands in place of the miss from the answer's day (as of a day between, the follow-up was missed). A
  miss of the case's own (WITHDRAWN, CASE_CLOSED, CONSENT_WITHDRAWN) takes only an answer given before it.
- **A closed case** accepts no new outcome (rule ``case-closed``); follow-ups still open when it is
  closed become missed (reason CASE_CLOSED). The reason must fit the case (rule
  ``closure-reason-does-not-fit``): FOLLOW_UP_FINISHED and LOST_CONTACT a case whose training completed
  and which was not withdrawn, FOLLOW_UP_FINISHED only once every follow-up is answered (rule
  ``follow-ups-not-finished``), DROPPED_OUT a dropout, WITHDRAWN a withdrawal; OTHER any case.
- **Baseline**: the enrollment service's baseline (income, employment status, informal work,
  COVID-19 impact; learned from its events, before or after the case opens) is the one compared
  against. A baseline observation (month 0) may be recorded here only while enrollment has not
  reported an income (rule ``baseline-from-enrollment``); a later enrollment baseline wins. A baseline
  enrollment corrects after enrollment (``BaselineCorrectionNoted``) replaces it from then on: incomes
  are compared with the corrected one (each observation keeps, as recorded, the baseline known when it
  was observed). An enrollment's baseline told again after a correction (a message republished) does not
  undo it, nor does an earlier correction told again after a later one.
- **Told to integrators once the case opens.** Integrators read OUTCOMES only, and know a case from the
  moment its training completion opens it here (``followups.scheduled`` names its project; its
  ``income.observed`` carry its baseline). A baseline correction or a transfer to another project
  (``CaseTransferNoted``) learned from then on is noted ``told`` and published, so that they place and
  measure the case as the programme's totals and indicators do. One learned before is kept on the case
  (created if need be, as other early news is) and not told: what outcomes publishes later already says
  it (incomes carry the corrected baseline), except a transfer to another project than the one training
  completes the case in (heard before the completion, though it may have happened after), told right
  after the case opens. A transfer older than the one kept, or to where the latest already moved the case
  (told again), or to another unit of the same project (no place integrators know changes), is not noted.
- Outcomes at a follow-up (employment, income) need that follow-up completed first. An income
  observed without naming its month belongs to the latest completed follow-up. Each observation
  carries the baseline it is compared with, as known when observed.
- Staff mark a follow-up missed for a reason of theirs; WITHDRAWN and CASE_CLOSED are the case's own
  (rule ``missed-reason-reserved``).
- **Days in order.** A follow-up is answered (completed or missed) from its due day on (rule
  ``follow-up-not-yet-due``) and before the next one falls due (rule ``follow-up-round-over``: the 3-month
  one before the 6-month due day, the 6-month one before the 12-month due day; the 12-month one has no end).
  The rule is on the day of the answer, not on the day it is typed in. What a follow-up found (an employment
  or an income at that follow-up) is observed from its due day on too (rule ``observed-before-follow-up-due``),
  though possibly before the follow-up itself is recorded as answered (an employer's payslip may come first).
  A case closes no earlier than the latest day it knows of: training's end, a withdrawal, an answered follow-up,
  an observation (rule ``closed-before-last-fact``). An employment recorded outside a follow-up may
  be observed before training completed (a participant may find work while still in training), but
  not before the enrollment day learned from enrollment (rule ``employment-before-enrollment``: a job
  held before is the baseline, not an outcome). A baseline observed here describes the situation
  before the programme: it has no lower bound. The days to a first job, counted from training's
  completion, end no later than the day the job is observed (rule ``first-job-after-observation``).
- **In work or not** (:func:`in_work`): a follow-up answered "not working" ends the employment recorded
  before it, as far as the case knows; an employment observed on or after that answer, or recorded at
  that same follow-up (typed in after the answer), means in work again. The employments stay recorded:
  days to a first job and the employment at each follow-up do not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pathways_outcomes.domain.errors import OutcomesRuleError, refuse_if_before
from pathways_outcomes.domain.follow_ups import (
    FOLLOW_UP_MONTHS,
    FollowUp,
    FollowUpStatus,
    MissedReason,
    add_months,
    due_dates,
)

__all__ = [
    "BASELINE_MONTH",
    "FOLLOW_UP_MONTHS",
    "RESERVED_MISSED_REASONS",
    "BaselineCorrectionNoted",
    "BaselineIncomeNoted",
    "Case",
    "CaseClosed",
    "CaseEvent",
    "CaseTransferNoted",
    "ClosureReason",
    "EmploymentRecorded",
    "EmploymentType",
    "EnrollmentWithdrawalNoted",
    "FollowUpCompleted",
    "FollowUpConsentNoted",
    "FollowUpMissed",
    "FollowUpsScheduled",
    "IncomeObservation",
    "IncomeObserved",
    "OutcomesRuleError",
    "TrainingCompletionNoted",
    "TrainingDropoutNoted",
    "TrainingResult",
    "accepting_outcomes",
    "add_months",
    "close_case",
    "complete_follow_up",
    "evolve_case",
    "in_work",
    "mark_follow_up_missed",
    "note_baseline_correction",
    "note_baseline_income",
    "note_dropout",
    "note_follow_up_consent",
    "note_transfer",
    "note_withdrawal",
    "observe_income",
    "record_employment",
    "schedule_follow_ups",
]

BASELINE_MONTH = 0  # an income observation "at month 0" is the baseline
RESERVED_MISSED_REASONS = frozenset({MissedReason.CASE_CLOSED, MissedReason.WITHDRAWN, MissedReason.CONSENT_WITHDRAWN})
_STAFF_MISSED_REASONS = frozenset(MissedReason) - RESERVED_MISSED_REASONS


class EmploymentType(StrEnum):
    WAGE = "WAGE"
    SELF_EMPLOYED = "SELF_EMPLOYED"


class TrainingResult(StrEnum):
    UNKNOWN = "UNKNOWN"  # not learned yet (still in training, or the event has not arrived)
    COMPLETED = "COMPLETED"
    DROPPED_OUT = "DROPPED_OUT"


class ClosureReason(StrEnum):
    FOLLOW_UP_FINISHED = "FOLLOW_UP_FINISHED"
    LOST_CONTACT = "LOST_CONTACT"
    WITHDRAWN = "WITHDRAWN"
    DROPPED_OUT = "DROPPED_OUT"
    OTHER = "OTHER"


@dataclass(frozen=True, kw_only=True)
class FollowUpsScheduled:
    """Training completion was learned: the case follows up at 3, 6 and 12 months."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    completed_on: date
    due_dates: tuple[date, ...]


@dataclass(frozen=True, kw_only=True)
class TrainingCompletionNoted:
    """Training completion learned for a withdrawn case: kept, with no follow-ups."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    completed_on: date


@dataclass(frozen=True, kw_only=True)
class TrainingDropoutNoted:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    dropped_out_on: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class EnrollmentWithdrawalNoted:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    withdrawn_on: date


@dataclass(frozen=True, kw_only=True)
class BaselineIncomeNoted:
    """The baseline enrollment reported (its income may be unknown while the rest is known)."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    monthly_income_thb: Decimal | None
    employment_status: str | None = None  # enrollment's vocabulary: EMPLOYED, UNEMPLOYED, ...
    informal_worker: bool | None = None
    covid_affected: bool | None = None
    enrolled_on: date | None = None  # None in events noted before it was kept


@dataclass(frozen=True, kw_only=True)
class BaselineCorrectionNoted:
    """Enrollment corrected the case's baseline after enrollment: it replaces the one noted before."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    monthly_income_thb: Decimal
    employment_status: str
    informal_worker: bool
    covid_affected: bool
    corrected_on: date
    told: bool = False  # published to integrators: the case had opened (False in events noted before)


@dataclass(frozen=True, kw_only=True)
class CaseTransferNoted:
    """Enrollment moved the case to another project (``project_id``, in ``province_code`` and ``region``).
    The case stays with the project training completed it in (enterprises are that project's); this is
    where the programme counts it, and tells integrators (``told``) once the case has opened."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    province_code: str
    region: str
    from_project_id: UUID
    transferred_on: date
    told: bool = False


@dataclass(frozen=True, kw_only=True)
class FollowUpCompleted:
    enrollment_id: UUID
    participant_id: UUID
    month: int
    completed_on: date
    working: bool | None = None  # what they answered; None in events recorded before it was asked


@dataclass(frozen=True, kw_only=True)
class FollowUpMissed:
    enrollment_id: UUID
    participant_id: UUID
    month: int
    missed_on: date
    reason: MissedReason = MissedReason.NO_RESPONSE


@dataclass(frozen=True, kw_only=True)
class FollowUpConsentNoted:
    """Enrollment told whether the participant consents to be followed up (withdrawn, or given again), and
    the last day that consent covers (``valid_until``; None: no end). ``restored``: given again after it was
    withdrawn or had ended, so the case takes outcomes again (False in events noted before it was kept).
    ``reopened_months``: when restored, the follow-ups missed for want of consent (CONSENT_WITHDRAWN) and due
    on or after ``noted_on``, open again from then on (empty in events noted before they were reopened)."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    consented: bool
    noted_on: date
    valid_until: date | None = None
    restored: bool = False
    reopened_months: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EmploymentRecorded:
    enrollment_id: UUID
    participant_id: UUID
    employment_type: EmploymentType
    related_to_training: bool
    monthly_income_thb: Decimal
    days_to_first_job: int | None
    follow_up_month: int | None = None  # the follow-up it was learned at, if any
    observed_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class IncomeObserved:
    enrollment_id: UUID
    participant_id: UUID
    at_month: int  # BASELINE_MONTH or a follow-up month
    monthly_income_thb: Decimal
    observed_on: date
    source: str | None = None  # how it was learned: SELF_REPORTED, EMPLOYER, ...
    baseline_monthly_income_thb: Decimal | None = None  # compared with, as known when observed


@dataclass(frozen=True, kw_only=True)
class CaseClosed:
    enrollment_id: UUID
    participant_id: UUID
    closed_on: date
    reason: ClosureReason


CaseEvent = (
    FollowUpsScheduled
    | TrainingCompletionNoted
    | TrainingDropoutNoted
    | EnrollmentWithdrawalNoted
    | BaselineIncomeNoted
    | BaselineCorrectionNoted
    | CaseTransferNoted
    | FollowUpConsentNoted
    | FollowUpCompleted
    | FollowUpMissed
    | EmploymentRecorded
    | IncomeObserved
    | CaseClosed
)


@dataclass(frozen=True, kw_only=True)
class IncomeObservation:
    at_month: int
    monthly_income_thb: Decimal
    observed_on: date
    source: str | None = None


@dataclass(frozen=True, kw_only=True)
class Case:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    training: TrainingResult = TrainingResult.UNKNOWN
    completed_on: date | None = None
    dropped_out_on: date | None = None
    follow_ups: tuple[FollowUp, ...] = ()
    withdrawn_on: date | None = None
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    baseline_income_thb: Decimal | None = None  # as learned from enrollment
    baseline_employment_status: str | None = None
    informal_worker: bool | None = None
    covid_affected: bool | None = None
    enrolled_on: date | None = None  # as learned from enrollment
    baseline_corrected_on: date | None = None  # the day of the latest correction enrollment told, if any
    latest_transfer: CaseTransferNoted | None = None  # to another project, by its day then order heard
    follow_up_consented: bool = True  # as learned from enrollment: False, nobody follows the case up
    follow_up_consent_until: date | None = None  # as learned from enrollment: after it, no outcome is recorded
    follow_up_consent_withdrawn_on: date | None = None  # while consent is withdrawn: from when
    employments: tuple[EmploymentRecorded, ...] = ()
    incomes: tuple[IncomeObservation, ...] = ()  # the latest observation per month
    income_observations: tuple[IncomeObservation, ...] = ()  # every observation, corrections too, in order

    @property
    def due_dates(self) -> tuple[date, ...]:
        return tuple(f.due_on for f in self.follow_ups)

    @property
    def employment(self) -> EmploymentRecorded | None:
        """The latest employment recorded."""
        return self.employments[-1] if self.employments else None

    def follow_up(self, month: int) -> FollowUp | None:
        return next((f for f in self.follow_ups if f.month == month), None)

    def follow_up_statuses(self, day: date) -> dict[int, FollowUpStatus]:
        return {f.month: f.status_on(day) for f in self.follow_ups}

    def income_at(self, month: int) -> Decimal | None:
        return next((i.monthly_income_thb for i in self.incomes if i.at_month == month), None)

    @property
    def baseline_income(self) -> Decimal | None:
        """The baseline compared against: enrollment's when known, else one observed here."""
        return self.baseline_income_thb if self.baseline_income_thb is not None else self.income_at(BASELINE_MONTH)

    def income_change(self, month: int) -> Decimal | None:
        """Monthly income at a follow-up minus the baseline, when both are known."""
        income, baseline = self.income_at(month), self.baseline_income
        return None if income is None or baseline is None else income - baseline

    def employed_at(self, month: int) -> EmploymentRecorded | None:
        return next((e for e in reversed(self.employments) if e.follow_up_month == month), None)


def in_work(
    *,
    employment_on: date | None,
    employment_month: int | None,
    not_working_on: date | None,
    not_working_month: int | None,
    employed: bool,
) -> bool | None:
    """Whether the participant is in work as far as the case knows, from the latest employment recorded
    (``employed``: there is one; its day and follow-up month) and the latest follow-up answered "not working"
    (its day and month). None: the case was told neither."""
    if not_working_on is None:
        return True if employed else None
    if not employed:
        return False
    if employment_month is not None and employment_month == not_working_month:
        return True
    return employment_on is None or employment_on >= not_working_on


def accepting_outcomes(state: Case | None, enrollment_id: UUID, *, on: date | None = None) -> Case:
    """The case, if it accepts a new outcome (observed ``on``, if said): training completed, not closed,
    and, on that day, not withdrawn yet and the participant consenting to be followed up."""
    state = _open_case(state, enrollment_id)
    _refuse_from(state.withdrawn_on, on, rule="case-withdrawn", what=f"enrollment {enrollment_id} was withdrawn")
    if not state.follow_up_consented:
        _refuse_from(
            state.follow_up_consent_withdrawn_on,
            on,
            rule="follow-up-consent-withdrawn",
            what=f"the participant of enrollment {enrollment_id} withdrew consent to be followed up",
            always=True,
        )
    until = state.follow_up_consent_until
    if on is not None and until is not None and on > until:
        raise OutcomesRuleError(
            f"the participant of enrollment {enrollment_id} consented to be followed up until {until}, not on {on}; "
            "record it once they give consent again",
            rule="follow-up-consent-expired",
        )
    if state.training is TrainingResult.DROPPED_OUT:
        raise _training_must_be_completed(enrollment_id, retryable=False)
    if state.training is not TrainingResult.COMPLETED:
        raise _training_must_be_completed(enrollment_id, retryable=True)
    return state


def _refuse_from(since: date | None, on: date | None, *, rule: str, what: str, always: bool = False) -> None:
    """Refuse an outcome observed ``on`` or after the day ``since`` (if any; ``always``: even when that day is
    not known); one observed before it is recorded late, not new."""
    if since is None and not always:
        return
    if since is not None and on is not None and on < since:
        return
    when = "" if since is None else f" on {since}"
    late = "" if since is None else "; what was observed before then may still be recorded, dated so"
    raise OutcomesRuleError(f"{what}{when}{late}", rule=rule)


def schedule_follow_ups(
    state: Case | None, *, enrollment_id: UUID, participant_id: UUID, project_id: UUID, completed_on: date
) -> list[FollowUpsScheduled | TrainingCompletionNoted | FollowUpMissed | CaseTransferNoted]:
    """Reaction to a training completion: schedule the follow-ups (idempotent). A transfer to another project
    than training's, heard before, is told with them."""
    if state is not None:
        if state.training is TrainingResult.COMPLETED:
            return []  # completion was heard of before: scheduling is idempotent
        if state.training is TrainingResult.DROPPED_OUT:
            raise OutcomesRuleError(
                f"training reported enrollment {enrollment_id} completed after it dropped out",
                rule="completion-after-dropout",
            )
        if state.withdrawn_on is not None:
            noted = TrainingCompletionNoted(
                enrollment_id=enrollment_id,
                participant_id=participant_id,
                project_id=project_id,
                completed_on=completed_on,
            )
            return [noted, *_transfer_told_on_opening(state, project_id)]
    scheduled = FollowUpsScheduled(
        enrollment_id=enrollment_id,
        participant_id=participant_id,
        project_id=project_id,
        completed_on=completed_on,
        due_dates=due_dates(completed_on),
    )
    told = _transfer_told_on_opening(state, project_id)
    if state is not None and not state.follow_up_consented:
        # Scheduled and missed at once, so that every reader counts them the one way.
        return [scheduled, *told, *_missed_for_want_of_consent(evolve_case(state, scheduled), completed_on)]
    return [scheduled, *told]


def _transfer_told_on_opening(state: Case | None, training_project_id: UUID) -> list[CaseTransferNoted]:
    """The latest transfer heard before the case opened, when it moved the case elsewhere than the project
    ``followups.scheduled`` names: integrators would otherwise place the case where it no longer is."""
    transfer = state.latest_transfer if state is not None else None
    if transfer is None or transfer.project_id == training_project_id:
        return []
    return [replace(transfer, told=True)]


def note_follow_up_consent(
    state: Case | None,
    *,
    enrollment_id: UUID,
    participant_id: UUID,
    project_id: UUID,
    consented: bool,
    noted_on: date,
    valid_until: date | None = None,
) -> list[FollowUpConsentNoted | FollowUpMissed]:
    """Reaction to enrollment telling whether the participant consents to be followed up (the case is
    created if need be). Withdrawn: each open follow-up is missed (CONSENT_WITHDRAWN) and no new outcome
    is recorded; given again: outcomes are recorded again, up to the consent's last day (``valid_until``),
    if it ends. Given again after it was withdrawn, or after its last day had passed, it is noted as
    restored (integrators are told), and the follow-ups missed for want of consent that are due on or
    after that day are open again (``reopened_months``); those due before it stay missed, as do those
    missed for another reason."""
    until = valid_until if consented else None
    known = (state.follow_up_consented, state.follow_up_consent_until) if state is not None else (True, None)
    if known == (consented, until):
        return []
    restored = consented and state is not None and _follow_up_consent_stopped(state, noted_on)
    noted = FollowUpConsentNoted(
        enrollment_id=enrollment_id,
        participant_id=participant_id,
        project_id=project_id,
        consented=consented,
        noted_on=noted_on,
        valid_until=until,
        restored=restored,
        reopened_months=_reopened_by_consent(state, noted_on) if restored and state is not None else (),
    )
    if consented or state is None:
        return [noted]
    return [noted, *_missed_for_want_of_consent(state, noted_on)]


def _follow_up_consent_stopped(case: Case, day: date) -> bool:
    """Whether, on ``day``, the case took no outcome for want of consent: withdrawn, or past its last day."""
    until = case.follow_up_consent_until
    return not case.follow_up_consented or (until is not None and day > until)


def _reopened_by_consent(case: Case, day: date) -> tuple[int, ...]:
    """The months of the follow-ups consent given again on ``day`` opens again: missed for want of it and due
    on or after ``day``, in a case neither withdrawn nor closed (those take no outcome whatever the consent)."""
    if case.withdrawn_on is not None or case.closed_on is not None:
        return ()
    return tuple(
        f.month
        for f in case.follow_ups
        if f.completed_on is None
        and f.missed_on is not None
        and f.missed_reason is MissedReason.CONSENT_WITHDRAWN
        and f.due_on >= day
    )


def _missed_for_want_of_consent(case: Case, day: date) -> list[FollowUpMissed]:
    return [
        FollowUpMissed(
            enrollment_id=case.enrollment_id,
            participant_id=case.participant_id,
            month=follow_up.month,
            missed_on=day,
            reason=MissedReason.CONSENT_WITHDRAWN,
        )
        for follow_up in case.follow_ups
        if follow_up.is_open
    ]


def note_dropout(
    state: Case | None,
    *,
    enrollment_id: UUID,
    participant_id: UUID,
    project_id: UUID,
    dropped_out_on: date,
    reason: str,
) -> list[TrainingDropoutNoted]:
    """Reaction to a dropout reported by training: the case is marked dropped (created if need be)."""
    if state is not None:
        if state.training is TrainingResult.DROPPED_OUT:
            return []
        if state.training is TrainingResult.COMPLETED:
            raise OutcomesRuleError(
                f"training reported enrollment {enrollment_id} dropped out after it completed",
                rule="dropout-after-completion",
            )
    return [
        TrainingDropoutNoted(
            enrollment_id=enrollment_id,
            participant_id=participant_id,
            project_id=project_id,
            dropped_out_on=dropped_out_on,
            reason=reason,
        )
    ]


def note_withdrawal(
    state: Case | None, *, enrollment_id: UUID, participant_id: UUID, project_id: UUID, withdrawn_on: date
) -> list[EnrollmentWithdrawalNoted]:
    """Reaction to a withdrawal reported by enrollment (idempotent; nothing changes on a closed case)."""
    if state is not None and (state.withdrawn_on is not None or state.closed_on is not None):
        return []
    return [
        EnrollmentWithdrawalNoted(
            enrollment_id=enrollment_id, participant_id=participant_id, project_id=project_id, withdrawn_on=withdrawn_on
        )
    ]


def note_baseline_income(
    state: Case | None,
    *,
    enrollment_id: UUID,
    participant_id: UUID,
    project_id: UUID,
    monthly_income_thb: Decimal | None,
    employment_status: str | None = None,
    informal_worker: bool | None = None,
    covid_affected: bool | None = None,
    enrolled_on: date | None = None,
) -> list[BaselineIncomeNoted]:
    """Reaction to the enrollment and the baseline it reported (kept on the case, created if need be).

    Nothing is noted when enrollment reported neither a day nor a baseline, or the same again.
    """
    noted = BaselineIncomeNoted(
        enrollment_id=enrollment_id,
        participant_id=participant_id,
        project_id=project_id,
        monthly_income_thb=monthly_income_thb,
        employment_status=employment_status,
        informal_worker=informal_worker,
        covid_affected=covid_affected,
        enrolled_on=enrolled_on,
    )
    if _baseline_of(noted) == (None, None, None, None, None):
        return []
    if state is not None and _baseline_of(state) == _baseline_of(noted):
        return []
    if state is not None and state.baseline_corrected_on is not None and enrolled_on in (None, state.enrolled_on):
        return []  # told again (republished) after a correction, which stands: nothing new
    return [noted]


def note_baseline_correction(
    state: Case | None,
    *,
    enrollment_id: UUID,
    participant_id: UUID,
    project_id: UUID,
    monthly_income_thb: Decimal,
    employment_status: str,
    informal_worker: bool,
    covid_affected: bool,
    corrected_on: date,
) -> list[BaselineCorrectionNoted]:
    """Reaction to enrollment correcting the baseline after enrollment: the case compares incomes with the
    corrected one from now on (kept on the case, created if need be, closed or not: the closed case's
    figures are measured against it too). Told the same again, or a correction older than the one kept,
    nothing is noted."""
    noted = BaselineCorrectionNoted(
        enrollment_id=enrollment_id,
        participant_id=participant_id,
        project_id=project_id,
        monthly_income_thb=monthly_income_thb,
        employment_status=employment_status,
        informal_worker=informal_worker,
        covid_affected=covid_affected,
        corrected_on=corrected_on,
    )
    if state is not None and state.baseline_corrected_on is not None:
        if corrected_on < state.baseline_corrected_on:
            return []
        if _baseline_of(state)[:4] == _baseline_of(noted)[:4]:
            return []
    return [replace(noted, told=_opened(state))]


def note_transfer(
    state: Case | None,
    *,
    enrollment_id: UUID,
    participant_id: UUID,
    project_id: UUID,
    province_code: str,
    region: str,
    from_project_id: UUID,
    transferred_on: date,
) -> list[CaseTransferNoted]:
    """Reaction to enrollment moving the case to another project: kept on the case (created if need be, closed
    or not: the programme counts it where it moved), and told to integrators once the case has opened. A
    transfer older than the latest kept, or to where the latest moved the case on the same day (told again),
    or within the same project (another unit), is not noted."""
    if project_id == from_project_id:
        return []
    latest = state.latest_transfer if state is not None else None
    if latest is not None:
        if transferred_on < latest.transferred_on:
            return []
        if transferred_on == latest.transferred_on and project_id == latest.project_id:
            return []
    return [
        CaseTransferNoted(
            enrollment_id=enrollment_id,
            participant_id=participant_id,
            project_id=project_id,
            province_code=province_code,
            region=region,
            from_project_id=from_project_id,
            transferred_on=transferred_on,
            told=_opened(state),
        )
    ]


def _opened(state: Case | None) -> bool:
    """Whether integrators know the case: its training completion opened it here."""
    return state is not None and state.training is TrainingResult.COMPLETED


def _baseline_of(
    source: Case | BaselineIncomeNoted | BaselineCorrectionNoted,
) -> tuple[Decimal | None, str | None, bool | None, bool | None, date | None]:
    if isinstance(source, Case):
        return (
            source.baseline_income_thb,
            source.baseline_employment_status,
            source.informal_worker,
            source.covid_affected,
            source.enrolled_on,
        )
    return (
        source.monthly_income_thb,
        source.employment_status,
        source.informal_worker,
        source.covid_affected,
        source.enrolled_on if isinstance(source, BaselineIncomeNoted) else None,
    )


def complete_follow_up(
    state: Case | None, *, enrollment_id: UUID, month: int, completed_on: date, working: bool | None = None
) -> list[FollowUpCompleted]:
    case = accepting_outcomes(state, enrollment_id, on=completed_on)
    follow_up = _answerable(case, month, day=completed_on, completing=True)
    return [
        FollowUpCompleted(
            enrollment_id=enrollment_id,
            participant_id=case.participant_id,
            month=follow_up.month,
            completed_on=completed_on,
            working=working,
        )
    ]


def mark_follow_up_missed(
    state: Case | None,
    *,
    enrollment_id: UUID,
    month: int,
    missed_on: date,
    reason: MissedReason = MissedReason.NO_RESPONSE,
) -> list[FollowUpMissed]:
    case = accepting_outcomes(state, enrollment_id)
    if reason in RESERVED_MISSED_REASONS:
        raise OutcomesRuleError(
            f"a follow-up is missed for {reason} only when the case is withdrawn or closed",
            rule="missed-reason-reserved",
        )
    follow_up = _answerable(case, month, day=missed_on)
    return [
        FollowUpMissed(
            enrollment_id=enrollment_id,
            participant_id=case.participant_id,
            month=follow_up.month,
            missed_on=missed_on,
            reason=reason,
        )
    ]


def record_employment(
    state: Case | None,
    *,
    enrollment_id: UUID,
    employment_type: EmploymentType,
    related_to_training: bool,
    monthly_income_thb: Decimal,
    days_to_first_job: int | None,
    follow_up_month: int | None = None,
    observed_on: date | None = None,
) -> list[EmploymentRecorded]:
    case = accepting_outcomes(state, enrollment_id, on=observed_on)
    _check_income(monthly_income_thb)
    if days_to_first_job is not None and days_to_first_job < 0:
        raise OutcomesRuleError(
            f"days to first job cannot be negative ({days_to_first_job})", rule="days-to-first-job-not-negative"
        )
    if follow_up_month is not None:
        _check_observed_at(_completed_follow_up(case, follow_up_month), observed_on)
    _check_first_job_by(case, days_to_first_job, observed_on)
    if observed_on is not None:
        refuse_if_before(
            observed_on,
            case.enrolled_on,
            rule="employment-before-enrollment",
            message=f"enrollment {enrollment_id} was enrolled on {case.enrolled_on}; an employment observed on "
            f"{observed_on}, before it, is not an outcome of the programme",
        )
    return [
        EmploymentRecorded(
            enrollment_id=enrollment_id,
            participant_id=case.participant_id,
            employment_type=employment_type,
            related_to_training=related_to_training,
            monthly_income_thb=monthly_income_thb,
            days_to_first_job=days_to_first_job,
            follow_up_month=follow_up_month,
            observed_on=observed_on,
        )
    ]


def observe_income(
    state: Case | None,
    *,
    enrollment_id: UUID,
    at_month: int | None,
    monthly_income_thb: Decimal,
    observed_on: date,
    source: str | None = None,
) -> list[IncomeObserved]:
    """Monthly income at a completed follow-up, or at baseline (month 0) when enrollment gave none.

    ``at_month`` None: at the latest completed follow-up.
    """
    case = accepting_outcomes(state, enrollment_id, on=observed_on)
    _check_income(monthly_income_thb)
    if at_month is None:
        at_month = _latest_completed_month(case)
    if at_month == BASELINE_MONTH:
        if case.baseline_income_thb is not None:
            raise OutcomesRuleError(
                f"the baseline income of enrollment {enrollment_id} is known from enrollment",
                rule="baseline-from-enrollment",
            )
    else:
        _check_observed_at(_completed_follow_up(case, at_month), observed_on)
    return [
        IncomeObserved(
            enrollment_id=enrollment_id,
            participant_id=case.participant_id,
            at_month=at_month,
            monthly_income_thb=monthly_income_thb,
            observed_on=observed_on,
            source=source,
            baseline_monthly_income_thb=None if at_month == BASELINE_MONTH else case.baseline_income,
        )
    ]


def close_case(state: Case | None, *, enrollment_id: UUID, closed_on: date, reason: ClosureReason) -> list[CaseClosed]:
    """Close a case whose training is over (completed or dropped out) or which was withdrawn."""
    state = _open_case(state, enrollment_id)
    if state.training is TrainingResult.UNKNOWN and state.withdrawn_on is None:
        raise _training_must_be_completed(enrollment_id, retryable=True)
    _check_closure_reason(state, reason)
    _check_closed_after_last_fact(state, closed_on)
    return [
        CaseClosed(enrollment_id=enrollment_id, participant_id=state.participant_id, closed_on=closed_on, reason=reason)
    ]


def evolve_case(state: Case | None, event: object) -> Case:
    match event:
        case FollowUpsScheduled():
            follow_ups = tuple(
                FollowUp(month=m, due_on=d) for m, d in zip(FOLLOW_UP_MONTHS, event.due_dates, strict=False)
            )
            # Training's project is the latest: a participant transferred mid-training completes in the new one.
            return replace(
                _case(state, event),
                project_id=event.project_id,
                training=TrainingResult.COMPLETED,
                completed_on=event.completed_on,
                follow_ups=follow_ups,
            )
        case TrainingCompletionNoted():
            return replace(
                _case(state, event),
                project_id=event.project_id,
                training=TrainingResult.COMPLETED,
                completed_on=event.completed_on,
            )
        case TrainingDropoutNoted():
            return replace(
                _case(state, event), training=TrainingResult.DROPPED_OUT, dropped_out_on=event.dropped_out_on
            )
        case EnrollmentWithdrawalNoted():
            case = _case(state, event)
            return replace(
                case,
                withdrawn_on=event.withdrawn_on,
                follow_ups=_miss_open(case.follow_ups, event.withdrawn_on, MissedReason.WITHDRAWN),
            )
        case FollowUpConsentNoted():
            case = _case(state, event)
            return replace(
                case,
                follow_up_consented=event.consented,
                follow_up_consent_until=event.valid_until,
                follow_up_consent_withdrawn_on=None if event.consented else event.noted_on,
                follow_ups=tuple(
                    replace(f, missed_on=None, missed_reason=None) if f.month in event.reopened_months else f
                    for f in case.follow_ups
                ),
            )
        case BaselineIncomeNoted() | BaselineCorrectionNoted():
            return _with_baseline(_case(state, event), event)
        case CaseTransferNoted():
            return replace(_case(state, event), latest_transfer=event)
        case FollowUpCompleted() if state is not None:
            return _with_follow_up(state, event.month, completed_on=event.completed_on)
        case FollowUpMissed() if state is not None:
            return _with_follow_up(state, event.month, missed_on=event.missed_on, missed_reason=event.reason)
        case EmploymentRecorded() if state is not None:
            return replace(state, employments=(*state.employments, event))
        case IncomeObserved() if state is not None:
            observation = IncomeObservation(
                at_month=event.at_month,
                monthly_income_thb=event.monthly_income_thb,
                observed_on=event.observed_on,
                source=event.source,
            )
            others = tuple(i for i in state.incomes if i.at_month != event.at_month)
            return replace(
                state, incomes=(*others, observation), income_observations=(*state.income_observations, observation)
            )
        case CaseClosed() if state is not None:
            return replace(
                state,
                closed_on=event.closed_on,
                closure_reason=event.reason,
                follow_ups=_miss_open(state.follow_ups, event.closed_on, MissedReason.CASE_CLOSED),
            )
    raise TypeError(f"a case does not follow from {type(event).__name__} at {state}")


def _with_baseline(case: Case, event: BaselineIncomeNoted | BaselineCorrectionNoted) -> Case:
    if isinstance(event, BaselineCorrectionNoted):
        return replace(
            case,
            baseline_income_thb=event.monthly_income_thb,
            baseline_employment_status=event.employment_status,
            informal_worker=event.informal_worker,
            covid_affected=event.covid_affected,
            baseline_corrected_on=event.corrected_on,
        )
    enrolled_on = event.enrolled_on or case.enrolled_on
    if case.baseline_corrected_on is not None:  # the correction stands over the enrollment's baseline
        return replace(case, enrolled_on=enrolled_on)
    return replace(
        case,
        baseline_income_thb=event.monthly_income_thb,
        baseline_employment_status=event.employment_status,
        informal_worker=event.informal_worker,
        covid_affected=event.covid_affected,
        enrolled_on=enrolled_on,
    )


def _open_case(state: Case | None, enrollment_id: UUID) -> Case:
    """The case, if it exists and is not closed."""
    if state is None:
        raise _training_must_be_completed(enrollment_id, retryable=True)
    if state.closed_on is not None:
        raise OutcomesRuleError(f"the case of enrollment {enrollment_id} is closed", rule="case-closed")
    return state


def _training_must_be_completed(enrollment_id: UUID, *, retryable: bool) -> OutcomesRuleError:
    if retryable:
        message = (
            f"no completed training is known for enrollment {enrollment_id}; an outcome needs a completed training "
            "(if training was just completed, retry shortly; if it stays refused, check the id: "
            "GET /cases/{id} says what is known of it)"
        )
    else:
        message = f"enrollment {enrollment_id} dropped out of training; it has no outcomes"
    return OutcomesRuleError(message, rule="training-must-be-completed", retryable=retryable)


def _check_income(monthly_income_thb: Decimal) -> None:
    if monthly_income_thb < 0:
        raise OutcomesRuleError(
            f"a monthly income cannot be negative ({monthly_income_thb})", rule="income-must-not-be-negative"
        )


def _follow_up(case: Case, month: int) -> FollowUp:
    follow_up = case.follow_up(month)
    if follow_up is None:
        raise OutcomesRuleError(
            f"there is no {month}-month follow-up for enrollment {case.enrollment_id}", rule="unknown-follow-up"
        )
    return follow_up


def _answerable(case: Case, month: int, *, day: date, completing: bool = False) -> FollowUp:
    """A follow-up that can be completed or marked missed on ``day``: due or overdue. When ``completing``,
    also a missed one the answer stands in place of (:func:`_answer_replaces_miss`)."""
    follow_up = _follow_up(case, month)
    if follow_up.completed_on is not None:
        raise OutcomesRuleError(f"the {month}-month follow-up is already completed", rule="follow-up-completed-once")
    missed_on = follow_up.missed_on
    if missed_on is not None and not (completing and _answer_replaces_miss(case, follow_up, missed_on, day)):
        raise OutcomesRuleError(
            f"the {month}-month follow-up was marked missed on {missed_on} ({follow_up.missed_reason}); only an "
            "answer given before then may still be recorded",
            rule="follow-up-missed",
        )
    if day < follow_up.due_on:
        raise OutcomesRuleError(
            f"the {month}-month follow-up is due on {follow_up.due_on}, not on {day}", rule="follow-up-not-yet-due"
        )
    _check_round_not_over(case, follow_up, day)
    return follow_up


def _answer_replaces_miss(case: Case, follow_up: FollowUp, missed_on: date, day: date) -> bool:
    """Whether an answer given on ``day`` stands in place of the miss: given before it was recorded (typed in
    later), or given after staff gave up on reaching the participant (who called back) in a case still followed
    up. A miss of the case's own (withdrawn, closed, consent withdrawn) is a decision no answer undoes."""
    if day < missed_on:
        return True
    return follow_up.missed_reason in _STAFF_MISSED_REASONS and case.withdrawn_on is None


def _check_round_not_over(case: Case, follow_up: FollowUp, day: date) -> None:
    """A follow-up's round ends when the next one falls due: what is learned from then on (typed in under the
    wrong month, most likely) answers the next one, and would otherwise leave it open or answer it twice."""
    later = [f for f in case.follow_ups if f.month > follow_up.month]
    if not later:
        return
    next_round = min(later, key=lambda f: f.month)
    if day < next_round.due_on:
        return
    raise OutcomesRuleError(
        f"the {follow_up.month}-month follow-up was due on {follow_up.due_on} and its round ended when the "
        f"{next_round.month}-month follow-up fell due on {next_round.due_on}: what was learned on {day} is "
        f"recorded as the {next_round.month}-month follow-up",
        rule="follow-up-round-over",
    )


def _completed_follow_up(case: Case, month: int) -> FollowUp:
    follow_up = _follow_up(case, month)
    if follow_up.completed_on is None:
        raise OutcomesRuleError(
            f"the {month}-month follow-up is not completed; complete it before recording what it found",
            rule="follow-up-must-be-completed",
        )
    return follow_up


def _check_observed_at(follow_up: FollowUp, observed_on: date | None) -> None:
    """What a follow-up found describes the participant at that follow-up: not before it was due."""
    if observed_on is None:
        return
    refuse_if_before(
        observed_on,
        follow_up.due_on,
        rule="observed-before-follow-up-due",
        message=f"the {follow_up.month}-month follow-up is due on {follow_up.due_on}; what it found cannot be "
        f"observed on {observed_on}, before it was due",
    )


def _check_first_job_by(case: Case, days_to_first_job: int | None, observed_on: date | None) -> None:
    """A first job counted from training's completion began by the day it is observed."""
    if days_to_first_job is None or observed_on is None or case.completed_on is None:
        return
    if observed_on < case.completed_on:  # found while still in training: it has no days after completion
        return
    most = (observed_on - case.completed_on).days
    if days_to_first_job > most:
        raise OutcomesRuleError(
            f"training of enrollment {case.enrollment_id} completed on {case.completed_on}: a first job observed on "
            f"{observed_on} began at most {most} days after it, not {days_to_first_job}",
            rule="first-job-after-observation",
        )


def _check_closure_reason(case: Case, reason: ClosureReason) -> None:
    """The reason fits what the case knows: a follow-up that ended needs a case that was followed up."""
    fits = {
        ClosureReason.FOLLOW_UP_FINISHED: case.training is TrainingResult.COMPLETED and case.withdrawn_on is None,
        ClosureReason.LOST_CONTACT: case.training is TrainingResult.COMPLETED and case.withdrawn_on is None,
        ClosureReason.DROPPED_OUT: case.training is TrainingResult.DROPPED_OUT,
        ClosureReason.WITHDRAWN: case.withdrawn_on is not None,
        ClosureReason.OTHER: True,
    }[reason]
    if not fits:
        raise OutcomesRuleError(
            f"the case of enrollment {case.enrollment_id} cannot close as {reason}: {_what_the_case_is(case)}",
            rule="closure-reason-does-not-fit",
        )
    open_months = [f.month for f in case.follow_ups if f.is_open]
    if reason is ClosureReason.FOLLOW_UP_FINISHED and open_months:
        months = ", ".join(f"{month}-month" for month in open_months)
        raise OutcomesRuleError(
            f"the case of enrollment {case.enrollment_id} still has its {months} follow-up open: complete or mark "
            "each missed first, or close it as LOST_CONTACT or OTHER",
            rule="follow-ups-not-finished",
        )


def _what_the_case_is(case: Case) -> str:
    if case.withdrawn_on is not None:
        return f"it was withdrawn on {case.withdrawn_on}"
    if case.training is TrainingResult.DROPPED_OUT:
        return "its participant dropped out of training"
    return "its participant completed training and was not withdrawn"


def _check_closed_after_last_fact(case: Case, closed_on: date) -> None:
    last = _last_fact(case)
    if last is None:
        return
    day, fact = last
    refuse_if_before(
        closed_on,
        day,
        rule="closed-before-last-fact",
        message=f"the case of enrollment {case.enrollment_id} cannot close on {closed_on}, before {fact} on {day}",
    )


def _last_fact(case: Case) -> tuple[date, str] | None:
    """The latest dated fact the case knows of (day, what happened), if any."""
    facts = [
        (case.completed_on, "training completed"),
        (case.dropped_out_on, "a dropout"),
        (case.withdrawn_on, "a withdrawal"),
        *((f.completed_on, f"the {f.month}-month follow-up completed") for f in case.follow_ups),
        *((f.missed_on, f"the {f.month}-month follow-up missed") for f in case.follow_ups),
        *((e.observed_on, "an employment observed") for e in case.employments),
        *((i.observed_on, f"an income at month {i.at_month} observed") for i in case.incomes),
    ]
    dated = [(day, fact) for day, fact in facts if day is not None]
    return max(dated, key=lambda dated_fact: dated_fact[0], default=None)


def _latest_completed_month(case: Case) -> int:
    completed = [f.month for f in case.follow_ups if f.completed_on is not None]
    if not completed:
        raise OutcomesRuleError(
            f"no follow-up of enrollment {case.enrollment_id} is completed; complete one before recording its income",
            rule="follow-up-must-be-completed",
        )
    return max(completed)


def _case(
    state: Case | None,
    event: FollowUpsScheduled
    | TrainingCompletionNoted
    | TrainingDropoutNoted
    | EnrollmentWithdrawalNoted
    | BaselineIncomeNoted
    | BaselineCorrectionNoted
    | CaseTransferNoted
    | FollowUpConsentNoted,
) -> Case:
    """The case, or a new one for the participant's enrollment when ``event`` is the first heard of it."""
    if state is not None:
        return state
    return Case(enrollment_id=event.enrollment_id, participant_id=event.participant_id, project_id=event.project_id)


def _with_follow_up(
    state: Case,
    month: int,
    *,
    completed_on: date | None = None,
    missed_on: date | None = None,
    missed_reason: MissedReason | None = None,
) -> Case:
    follow_ups = tuple(
        replace(f, completed_on=completed_on, missed_on=missed_on, missed_reason=missed_reason)
        if f.month == month
        else f
        for f in state.follow_ups
    )
    return replace(state, follow_ups=follow_ups)


def _miss_open(follow_ups: Sequence[FollowUp], day: date, reason: MissedReason) -> tuple[FollowUp, ...]:
    return tuple(replace(f, missed_on=day, missed_reason=reason) if f.is_open else f for f in follow_ups)
