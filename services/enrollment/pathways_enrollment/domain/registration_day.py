"""Registration days recorded wrong, and corrected: what participants and career development units share.

A registration sent without its day is dated the day it was typed in, and everything dated before that day is
then refused; a day mistyped does the same. Staff correct the day, saying why; the correction keeps the day it
replaces, and the day already recorded records nothing (a retry, say). The corrected day is held to what the
registration itself is held to: it is no later than anything dated that could only follow it (a participant's
applications, a unit's projects), each aggregate listing its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from uuid import UUID

from pathways_enrollment.domain.errors import refuse_later, require_reason


def reason_for_correcting(reason: str) -> str:
    """Why the day is corrected, stripped; blank is refused (``reason-required``)."""
    return require_reason(reason, action="correct a registration day")


def refuse_registered_after_any(
    registered_on: date, days: Mapping[UUID, date], *, rule: str, message: Callable[[UUID, date], str]
) -> None:
    """Refuse ``registered_on`` after the earliest of ``days`` (keyed by what each is the day of); ``message`` tells
    which one, and its day. Of several on that day, the smallest id is named, so a refusal says the same each
    time. The same day is fine."""
    first = min(days.items(), key=lambda item: (item[1], item[0]), default=None)
    if first is not None:
        refuse_later(registered_on, than=first[1], rule=rule, message=message(*first))
