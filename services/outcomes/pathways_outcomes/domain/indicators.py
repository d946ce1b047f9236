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
  baseline is enrollment's, else an income observed at month 0.
- Days to first job: median, over cases that gave one, of the days to first job of their first
  employment that gave it.
- Employment related to training: cases whose latest employment is related / cases with an employment.
- Enterprises started, by kind; online sales adoption: those selling online / enterprises started.

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

from pathways_outcomes.domain.case import Case, TrainingResult
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
    median_days_to_first_job: float | None
    employment_related_to_training: Rate
    enterprises_started: dict[EnterpriseKind, int]
    online_sales_adoption: Rate


def training_completion_rate(cases: Sequence[Case]) -> Rate:
    completed = sum(1 for c in cases if c.training is TrainingResult.COMPLETED)
    ended_otherwise = sum(
        1
        for c in cases
        if c.training is TrainingResult.DROPPED_OUT
        or (c.training is TrainingResult.UNKNOWN and c.withdrawn_on is not None)
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


def median_income_change(cases: Sequence[Case], month: int) -> Decimal | None:
    changes = [change for c in cases if (change := c.income_change(month)) is not None]
    return median(changes) if changes else None


def median_days_to_first_job(cases: Sequence[Case]) -> float | None:
    days = [d for c in cases if (d := _days_to_first_job(c)) is not None]
    return float(median(days)) if days else None


def employment_related_to_training_rate(cases: Sequence[Case]) -> Rate:
    employed = [e for c in cases if (e := c.employment) is not None]
    return Rate(numerator=sum(1 for e in employed if e.related_to_training), denominator=len(employed))


def enterprises_started(enterprises: Sequence[Enterprise], cases: Sequence[Case]) -> dict[EnterpriseKind, int]:
    started = _relevant(enterprises, cases)
    return {kind: sum(1 for e in started if e.kind is kind) for kind in EnterpriseKind}


def online_sales_adoption(enterprises: Sequence[Enterprise], cases: Sequence[Case]) -> Rate:
    started = _relevant(enterprises, cases)
    return Rate(numerator=sum(1 for e in started if e.sells_online), denominator=len(started))


def programme_indicators(
    cases: Sequence[Case], *, on: date, enterprises: Sequence[Enterprise] = (), panel: bool = False
) -> ProgrammeIndicators:
    return ProgrammeIndicators(
        cases=len(cases),
        training_completion=training_completion_rate(cases),
        follow_up_completion={m: follow_up_completion_rate(cases, m, on=on) for m in FOLLOW_UP_MONTHS},
        employment={m: employment_rate(cases, m, panel=panel, on=on) for m in FOLLOW_UP_MONTHS},
        median_income_change_thb={m: median_income_change(cases, m) for m in FOLLOW_UP_MONTHS},
        median_days_to_first_job=median_days_to_first_job(cases),
        employment_related_to_training=employment_related_to_training_rate(cases),
        enterprises_started=enterprises_started(enterprises, cases),
        online_sales_adoption=online_sales_adoption(enterprises, cases),
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
) -> IndicatorsByGroup:
    """The indicators of the cases and of each group; a case whose ``group_of`` is None is in ``UNKNOWN_GROUP``."""
    group = {c.enrollment_id: group_of(c) or UNKNOWN_GROUP for c in cases}
    names = groups_in_order(known, group.values())
    members = {name: [c for c in cases if group[c.enrollment_id] == name] for name in names}
    return IndicatorsByGroup(
        overall=programme_indicators(cases, on=on, enterprises=enterprises, panel=panel),
        groups={
            name: programme_indicators(of_group, on=on, enterprises=enterprises, panel=panel)
            for name, of_group in members.items()
        },
    )


def _answered(case: Case, month: int, on: date | None = None) -> bool:
    follow_up = case.follow_up(month)
    completed_on = None if follow_up is None else follow_up.completed_on
    return completed_on is not None and (on is None or completed_on <= on)


def _panel(cases: Sequence[Case], on: date | None = None) -> list[Case]:
    return [c for c in cases if all(_answered(c, m, on) for m in FOLLOW_UP_MONTHS)]


def _days_to_first_job(case: Case) -> int | None:
    return next((e.days_to_first_job for e in case.employments if e.days_to_first_job is not None), None)


def _relevant(enterprises: Sequence[Enterprise], cases: Sequence[Case]) -> list[Enterprise]:
    enrollment_ids = {c.enrollment_id for c in cases}
    return [e for e in enterprises if enrollment_ids.intersection(e.participant_enrollment_ids)]
