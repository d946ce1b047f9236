"""The one error of the training domain (a command would break a rule), and the check of days in order."""

from __future__ import annotations

from datetime import date


class TrainingRuleError(Exception):
    """A command would break a rule of the training domain.

    ``rule`` names the rule (kebab-case, stable: clients branch on it). ``retryable`` is true when the
    command arrived before an event it depends on (for example an enrollment not yet learned from the
    enrollment service): the same command may succeed later.
    """

    rule = "training-rule"
    retryable = False

    def __init__(self, message: str, *, rule: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        if rule is not None:
            self.rule = rule
        self.retryable = retryable


def refuse_if_before(day: date, earliest: date | None, *, rule: str, what: str, after: str) -> None:
    """Refuse ``what`` on ``day`` when it is before ``after`` happened on ``earliest``; the same day is fine.

    ``earliest`` is None when the history does not know that day (events recorded before it was kept):
    nothing is refused then.
    """
    if earliest is not None and day < earliest:
        raise TrainingRuleError(f"{what} on {day} is before {after} on {earliest}", rule=rule)
