"""Broken rules of the enrollment domain. Each names its rule, so callers can tell them apart.

``rule`` is kebab-case and stable: clients branch on it. ``retryable`` is true when the same command
may succeed later without being changed, because it waits for something that is expected to happen
(a project still to be approved, a duplicate still to be resolved, a suspended unit); it is false when
the command itself is wrong or its target has reached an end state.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")


class EnrollmentRuleError(Exception):
    """A command would break a rule of the enrollment domain."""

    rule = "enrollment-rule"
    retryable = False

    def __init__(self, message: str, *, rule: str | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        if rule is not None:
            self.rule = rule
        if retryable is not None:
            self.retryable = retryable


class UnknownAggregateError(EnrollmentRuleError):
    """The command names a project, unit, mentor, participant or enrollment that does not exist."""

    rule = "must-exist"


class TransitionNotAllowedError(EnrollmentRuleError):
    """A lifecycle command was given in a state it does not start from.

    The rule is ``<aggregate>-transition-not-allowed``; ``status`` is the state the aggregate is in,
    ``action`` what was asked and ``allowed_from`` the states that action starts from.
    """

    def __init__(
        self, *, aggregate: str, status: StrEnum, action: str, allowed_from: Iterable[StrEnum], retryable: bool = False
    ) -> None:
        self.aggregate = aggregate
        self.status = status.value
        self.action = action
        self.allowed_from = tuple(s.value for s in allowed_from)
        super().__init__(
            f"cannot {action}: the {aggregate} is {self.status} (allowed only from {', '.join(self.allowed_from)})",
            rule=f"{aggregate}-transition-not-allowed",
            retryable=retryable,
        )


def require_reason(reason: str, *, action: str) -> str:
    """A reason given for an action that ends or suspends something; blank is refused."""
    if not reason.strip():
        raise EnrollmentRuleError(f"a reason is required to {action}", rule="reason-required")
    return reason.strip()


def refuse_earlier(day: date, *, than: date | None, rule: str, message: str) -> None:
    """Refuse a step dated before the one it follows (``than``; None: nothing to compare). The same day is fine."""
    if than is not None and day < than:
        raise EnrollmentRuleError(message, rule=rule)


def refuse_later(day: date, *, than: date | None, rule: str, message: str) -> None:
    """Refuse a day after one it must not follow (``than``; None: nothing to compare). The same day is fine."""
    if than is not None and day > than:
        raise EnrollmentRuleError(message, rule=rule)


def require_existing(state: T | None, what: str) -> T:
    """The aggregate a command is for, or :class:`UnknownAggregateError` when it was never registered."""
    if state is None:
        raise UnknownAggregateError(f"{what} is not registered")
    return state
