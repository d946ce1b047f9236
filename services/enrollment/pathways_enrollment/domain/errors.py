"""Broken rules of the enrollment domain. Each names its rule, so callers can tell them apart."""


class EnrollmentRuleError(Exception):
    """A command would break a rule of the enrollment domain."""

    rule = "enrollment-rule"
    retryable = False

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        if rule is not None:
            self.rule = rule


class UnknownAggregateError(EnrollmentRuleError):
    """The command names a project, participant or enrollment that does not exist."""

    rule = "must-exist"
