"""Programme indicators from case (and enterprise) states, tracer-study style. Pure functions.

Pass the cases of whatever slice is reported on (a project, a province, a track...): every indicator
is computed over those cases, and enterprise indicators over the enterprises with at least one of
their participants. Rates keep their numerator and denominator so a report can show both.

These are the reference definitions: ``projections/indicators.py`` answers the same indicators in
SQL for the HTTP API, and a test checks that both agree on the same cases.

- Training completion: completed / (completed + dropped out + withdrawn before completion). Cases
  still in training are left out.
- Follow-up completion at m months: completed / follow-ups at m that were due by the given date
  (due, overdue, completed or missed).
- Employment at m months: cases with an employment recorded at the m-month follow-up / cases whose
  m-month follow-up was completed. ``panel=True`` keeps the same people each round: only cases
  that completed all three follow-ups.
- Income change at m months: median of (income at m months − baseline), over cases with both; the
  baseline is enrollment's, else an income observed at month 0. Over the same cases: the share whose
  income at m months is above their baseline (income rose), the median baseline and the median income
  at m months (two medians of the same people, not a baseline of everyone beside an income of some).
- Days to first job: median, over cases that gave one, of the days to first job of their first
  employment that gave it.
- Employment related to training: cases whose latest employment is related / cases with an employment.
- Enterprises started, by kind; online sales adoption: those selling online / enterprises started.

As of a day (``facts_by``), each indicator counts only what had happened by then, by the day each
fact carries: the cases enrolled by then, trainings completed or dropped out and withdrawals by then,
the employments and incomes observed by then (a month's income: its latest observation made by then;
the latest employment: the latest recorded of those observed by then), enterprises started by then
with a participant who was a member by then, online sales opened by then. An employment recorded
without ``observed_on`` happened on its event's ``occurred_at`` (its day in Thailand), which the case
state does not hold: give it that day, as the read model does; a fact with no day at all counts as
having happened. Follow-ups are as they stood on ``on``
(due, answered by then) whatever ``facts_by`` is. :func:`facts_counted_by` says which day the API
counts facts by.

Broken down by a grouping of the cases (sex, age band, track...), the groups partition the cases:
each case is in exactly one group, those whose group is not known in ``UNKNOWN_GROUP``, so the
groups' cases add up to the whole. Each group's indicators are the indicators of its cases; an
enterprise counts in every group one of its participants is in (so not in a sum over groups).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

from pathways_outcomes.domain.case import BASELINE_MONTH, Case, EmploymentRecorded, TrainingResult
from pathways_outcomes.domain.enterprise import Enterprise, EnterpriseKind
from pathways_outcomes.domain.follow_ups import FOLLOW_UP_MONTHS, FollowUpStatus


@dataclass(frozen=True, kw_only=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True, kw_only=True)
class ProgrammeIndicators:
    cases: int
    training_completion: Rate
    follow_up_completion: dict[int, Rate]
    employment: dict[int, Rate]
    median_income_change_thb: dict[int, Decimal | None]
    income_rose: dict[int, Rate]
    median_baseline_income_thb: dict[int, Decimal | None]
    median_income_thb: dict[int, Decimal | None]
    median_days_to_first_job: float | None
    employment_related_to_training: Rate
    enterprises_started: dict[EnterpriseKind, int]
    online_sales_adoption: Rate


def facts_counted_by(on: date, today: date) -> date | None:
    """The day facts are counted by for indicators as of ``on``: ``on`` itself when it is before today,
    else none (every fact recorded counts). A fact is recorded only once it happened, so as of today
    or later everything recorded counts, even a fact dated after today (a clock a little ahead, an
    event published by hand): it counts from today, never later than it is known."""
    return on if on < today else None


def training_completion_rate(cases: Sequence[Case], *, facts_by: date | None = None) -> Rate:
    results = [_training_by(c, facts_by) for c in cases]
    completed = sum(1 for r in results if r is TrainingResult.COMPLETED)
    ended_otherwise = sum(
        1
        for c, r in zip(cases, results, strict=True)
        if r is TrainingResult.DROPPED_OUT or (r is TrainingResult.UNKNOWN and _withdrawn_by(c, facts_by))
    )
    return Rate(numerator=completed, denominator=completed + ended_otherwise)


def follow_up_completion_rate(cases: Sequence[Case], month: int, *, on: date) -> Rate:
    statuses = [f.status_as_of(on) for c in cases if (f := c.follow_up(month)) is not None]
    due = [s for s in statuses if s is not FollowUpStatus.SCHEDULED]
    return Rate(numerator=sum(1 for s in due if s is FollowUpStatus.COMPLETED), denominator=len(due))


def employment_rate(cases: Sequence[Case], month: int, *, panel: bool = False, on: date | None = None) -> Rate:
    """Of the cases that answered that follow-up (by ``on``, if given), those employed at it."""
    respondents = [c for c in (_panel(cases, on) if panel else cases) if _answered(c, month, on)]
    return Rate(numerator=sum(1 for c in respondents if c.employed_at(month) is not None), denominator=len(respondents))


def median_income_change(cases: Sequence[Case], month: int, *, facts_by: date | None = None) -> Decimal | None:
    changes = [income - baseline for baseline, income in _incomes_against_baseline(cases, month, facts_by)]
    return median(changes) if changes else None


def income_rose_rate(cases: Sequence[Case], month: int, *, facts_by: date | None = None) -> Rate:
    """Of the cases with both a baseline and an income at ``month``, those whose income is above the baseline."""
    pairs = _incomes_against_baseline(cases, month, facts_by)
    return Rate(numerator=sum(1 for baseline, income in pairs if income > baseline), denominator=len(pairs))


def median_baseline_income(cases: Sequence[Case], month: int, *, facts_by: date | None = None) -> Decimal | None:
    """The median baseline of the cases with both a baseline and an income at ``month``."""
    baselines = [baseline for baseline, _ in _incomes_against_baseline(cases, month, facts_by)]
    return median(baselines) if baselines else None


def median_income(cases: Sequence[Case], month: int, *, facts_by: date | None = None) -> Decimal | None:
    """The median income at ``month`` of the cases with both a baseline and an income then."""
    incomes = [income for _, income in _incomes_against_baseline(cases, month, facts_by)]
    return median(incomes) if incomes else None


def median_days_to_first_job(cases: Sequence[Case], *, facts_by: date | None = None) -> float | None:
    days = [d for c in cases if (d := _days_to_first_job(c, facts_by)) is not None]
    return float(median(days)) if days else None


def employment_related_to_training_rate(cases: Sequence[Case], *, facts_by: date | None = None) -> Rate:
    employed = [e for c in cases if (e := _latest_employment(c, facts_by)) is not None]
    return Rate(numerator=sum(1 for e in employed if e.related_to_training), denominator=len(employed))


def enterprises_started(
    enterprises: Sequence[Enterprise], cases: Sequence[Case], *, facts_by: date | None = None
) -> dict[EnterpriseKind, int]:
    started = _relevant(enterprises, cases, facts_by)
    return {kind: sum(1 for e in started if e.kind is kind) for kind in EnterpriseKind}


def online_sales_adoption(
    enterprises: Sequence[Enterprise], cases: Sequence[Case], *, facts_by: date | None = None
) -> Rate:
    started = _relevant(enterprises, cases, facts_by)
    online = sum(1 for e in started if e.sells_online and _by(e.online_sales_since, facts_by))
    return Rate(numerator=online, denominator=len(started))


def programme_indicators(
    cases: Sequence[Case],
    *,
    on: date,
    enterprises: Sequence[Enterprise] = (),
    panel: bool = False,
    facts_by: date | None = None,
) -> ProgrammeIndicators:
    """The indicators of ``cases`` (those enrolled by ``facts_by``), with follow-ups as they stood on ``on``."""
    cases = [c for c in cases if _by(c.enrolled_on, facts_by)]
    return ProgrammeIndicators(
        cases=len(cases),
        training_completion=training_completion_rate(cases, facts_by=facts_by),
        follow_up_completion={m: follow_up_completion_rate(cases, m, on=on) for m in FOLLOW_UP_MONTHS},
        employment={m: employment_rate(cases, m, panel=panel, on=on) for m in FOLLOW_UP_MONTHS},
        median_income_change_thb={m: median_income_change(cases, m, facts_by=facts_by) for m in FOLLOW_UP_MONTHS},
        income_rose={m: income_rose_rate(cases, m, facts_by=facts_by) for m in FOLLOW_UP_MONTHS},
        median_baseline_income_thb={m: median_baseline_income(cases, m, facts_by=facts_by) for m in FOLLOW_UP_MONTHS},
        median_income_thb={m: median_income(cases, m, facts_by=facts_by) for m in FOLLOW_UP_MONTHS},
        median_days_to_first_job=median_days_to_first_job(cases, facts_by=facts_by),
        employment_related_to_training=employment_related_to_training_rate(cases, facts_by=facts_by),
        enterprises_started=enterprises_started(enterprises, cases, facts_by=facts_by),
        online_sales_adoption=online_sales_adoption(enterprises, cases, facts_by=facts_by),
    )


UNKNOWN_GROUP = "UNKNOWN"


@dataclass(frozen=True, kw_only=True)
class IndicatorsByGroup:
    """The indicators of all the cases, and of each group of them (in :func:`groups_in_order`)."""

    overall: ProgrammeIndicators
    groups: dict[str, ProgrammeIndicators]


def groups_in_order(known: Sequence[str], found: Iterable[str]) -> list[str]:
    """Every known group (shown even with no case), then any other group found, then ``UNKNOWN_GROUP``."""
    others = sorted(set(found) - {*known, UNKNOWN_GROUP})
    return [*known, *others, UNKNOWN_GROUP]


def indicators_by_group(
    cases: Sequence[Case],
    group_of: Callable[[Case], str | None],
    *,
    known: Sequence[str] = (),
    on: date,
    enterprises: Sequence[Enterprise] = (),
    panel: bool = False,
    facts_by: date | None = None,
) -> IndicatorsByGroup:
    """The indicators of the cases and of each group; a case whose ``group_of`` is None is in ``UNKNOWN_GROUP``."""
    group = {c.enrollment_id: group_of(c) or UNKNOWN_GROUP for c in cases}
    names = groups_in_order(known, group.values())
    members = {name: [c for c in cases if group[c.enrollment_id] == name] for name in names}
    return IndicatorsByGroup(
        overall=programme_indicators(cases, on=on, enterprises=enterprises, panel=panel, facts_by=facts_by),
        groups={
            name: programme_indicators(of_group, on=on, enterprises=enterprises, panel=panel, facts_by=facts_by)
            for name, of_group in members.items()
        },
    )


def _answered(case: Case, month: int, on: date | None = None) -> bool:
    follow_up = case.follow_up(month)
    completed_on = None if follow_up is None else follow_up.completed_on
    return completed_on is not None and (on is None or completed_on <= on)


def _panel(cases: Sequence[Case], on: date | None = None) -> list[Case]:
    return [c for c in cases if all(_answered(c, m, on) for m in FOLLOW_UP_MONTHS)]


def _by(day: date | None, facts_by: date | None) -> bool:
    """Whether a fact of ``day`` (None: a fact with no day) had happened by ``facts_by`` (None: at all)."""
    return day is None or facts_by is None or day <= facts_by


def _withdrawn_by(case: Case, facts_by: date | None) -> bool:
    return case.withdrawn_on is not None and _by(case.withdrawn_on, facts_by)


def _training_by(case: Case, facts_by: date | None) -> TrainingResult:
    if case.training is TrainingResult.COMPLETED and _by(case.completed_on, facts_by):
        return TrainingResult.COMPLETED
    if case.training is TrainingResult.DROPPED_OUT and _by(case.dropped_out_on, facts_by):
        return TrainingResult.DROPPED_OUT
    return TrainingResult.UNKNOWN


def _employments_by(case: Case, facts_by: date | None) -> list[EmploymentRecorded]:
    return [e for e in case.employments if _by(e.observed_on, facts_by)]


def _latest_employment(case: Case, facts_by: date | None) -> EmploymentRecorded | None:
    employments = _employments_by(case, facts_by)
    return employments[-1] if employments else None


def _days_to_first_job(case: Case, facts_by: date | None) -> int | None:
    employments = _employments_by(case, facts_by)
    return next((e.days_to_first_job for e in employments if e.days_to_first_job is not None), None)


def _income_at(case: Case, month: int, facts_by: date | None) -> Decimal | None:
    """The latest observation of the month made by ``facts_by``."""
    if facts_by is None:
        return case.income_at(month)
    observed = [i for i in case.income_observations if i.at_month == month and i.observed_on <= facts_by]
    return observed[-1].monthly_income_thb if observed else None


def _income_against_baseline(case: Case, month: int, facts_by: date | None) -> tuple[Decimal, Decimal] | None:
    """(baseline, income at ``month``) when the case has both."""
    income = _income_at(case, month, facts_by)
    baseline = case.baseline_income_thb
    if baseline is None:
        baseline = _income_at(case, BASELINE_MONTH, facts_by)
    return None if income is None or baseline is None else (baseline, income)


def _incomes_against_baseline(
    cases: Sequence[Case], month: int, facts_by: date | None
) -> list[tuple[Decimal, Decimal]]:
    return [pair for c in cases if (pair := _income_against_baseline(c, month, facts_by)) is not None]


def _relevant(enterprises: Sequence[Enterprise], cases: Sequence[Case], facts_by: date | None) -> list[Enterprise]:
    enrollment_ids = {c.enrollment_id for c in cases}
    return [
        e
        for e in enterprises
        if _by(e.started_on, facts_by) and enrollment_ids.intersection(e.participants_by(facts_by))
    ]
