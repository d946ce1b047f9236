"""The one error of the outcomes domain: a command would break a rule."""

from __future__ import annotations


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
