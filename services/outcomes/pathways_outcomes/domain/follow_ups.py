"""Follow-ups at 3, 6 and 12 months after training: Scheduled → Due → Overdue → Completed / Missed.

Completed and Missed are facts (events). Scheduled, Due and Overdue follow from the date asked
about: a follow-up is due from its due date and overdue from 30 days after it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

FOLLOW_UP_MONTHS = (3, 6, 12)
OVERDUE_AFTER = timedelta(days=30)
_ONE_DAY = timedelta(days=1)


class FollowUpStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    COMPLETED = "COMPLETED"
    MISSED = "MISSED"


class MissedReason(StrEnum):
    NO_RESPONSE = "NO_RESPONSE"  # marked missed by staff, as the next three
    REFUSED = "REFUSED"  # the participant declined to answer
    UNREACHABLE = "UNREACHABLE"  # the contact details no longer reach them
    MOVED_AWAY = "MOVED_AWAY"
    CASE_CLOSED = "CASE_CLOSED"  # the case was closed before it was answered
    WITHDRAWN = "WITHDRAWN"  # the enrollment was withdrawn before it was answered
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"  # the participant withdrew consent to be followed up


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    month: int
    due_on: date
    completed_on: date | None = None
    missed_on: date | None = None
    missed_reason: MissedReason | None = None

    @property
    def is_open(self) -> bool:
        """Neither completed nor missed."""
        return self.completed_on is None and self.missed_on is None

    def status_as_of(self, day: date) -> FollowUpStatus:
        """Its status as it stood on ``day``: an answer given after it is not known yet."""
        as_it_stood = replace(self, completed_on=_by(self.completed_on, day), missed_on=_by(self.missed_on, day))
        return as_it_stood.status_on(day)

    def status_on(self, day: date) -> FollowUpStatus:
        """Its status on ``day`` as far as it is known now: once answered, whatever ``day``."""
        if self.completed_on is not None:
            return FollowUpStatus.COMPLETED
        if self.missed_on is not None:
            return FollowUpStatus.MISSED
        if day < self.due_on:
            return FollowUpStatus.SCHEDULED
        if day < self.due_on + OVERDUE_AFTER:
            return FollowUpStatus.DUE
        return FollowUpStatus.OVERDUE


def _by(answered_on: date | None, day: date) -> date | None:
    """The day of an answer, if it was given by ``day``."""
    return answered_on if answered_on is not None and answered_on <= day else None


@dataclass(frozen=True, kw_only=True)
class StatusSelection:
    """The stored facts of the follow-ups that have one status on a day.

    ``answered`` COMPLETED: completed; MISSED: missed and not completed; None: neither, and due from
    ``due_from`` to ``due_to`` (inclusive; None: unbounded).
    """

    answered: FollowUpStatus | None = None
    due_from: date | None = None
    due_to: date | None = None


def selecting(status: FollowUpStatus, day: date) -> StatusSelection:
    """Which follow-ups ``FollowUp.status_on(day)`` gives ``status``, for a query to select them."""
    match status:
        case FollowUpStatus.COMPLETED | FollowUpStatus.MISSED:
            return StatusSelection(answered=status)
        case FollowUpStatus.SCHEDULED:
            return StatusSelection(due_from=day + _ONE_DAY)
        case FollowUpStatus.DUE:
            return StatusSelection(due_from=day - OVERDUE_AFTER + _ONE_DAY, due_to=day)
        case FollowUpStatus.OVERDUE:
            return StatusSelection(due_to=day - OVERDUE_AFTER)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(completed_on: date) -> tuple[date, ...]:
    return tuple(add_months(completed_on, months) for months in FOLLOW_UP_MONTHS)
