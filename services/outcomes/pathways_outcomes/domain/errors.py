"""The one error of the outcomes domain: a command would break a rule; and the date-order check that raises it."""

from __future__ import annotations

from datetime import date


class OutcomesRuleError(Exception):
    """A command would break a rule of the outcomes domain.

    ``rule`` names the rule (kebab-case, stable: clients branch on it). ``retryable`` is true when the
    command arrived before an event it depends on (for example an outcome before the training
    completion is learned): the same command may succeed later.
    """

    rule = "outcomes-rule"
    retryable = False

    def __init__(self, message: str, *, rule: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        if rule is not None:
            self.rule = rule
        self.retryable = retryable


def refuse_if_before(day: date, earliest: date | None, *, rule: str, message: str) -> None:
    """Refuse a step on ``day`` when it is before ``earliest`` (None: nothing to compare); the same day is fine."""
    if earliest is not None and day < earliest:
        raise OutcomesRuleError(message, rule=rule)
