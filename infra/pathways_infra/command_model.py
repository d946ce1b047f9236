"""What every service's command bodies share: unknown fields refused, days within the calendar.

A day far outside the programme's (year 1, year 9999) validates as a date but breaks later: a
follow-up 12 months after 9999-10-15 cannot be scheduled, and midnight in Thai time on 0001-01-01
is before the first instant PostgreSQL's timestamps hold. Recorded, such an event would be parked
by every read model it reaches; refused here, the caller hears why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class CommandModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _within_calendar(cls, value: Any) -> Any:
        for day in _days_in(value):
            if not EARLIEST_DAY <= day <= LATEST_DAY:
                raise ValueError(f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
        return value


def _days_in(value: Any) -> Iterable[date]:
    if isinstance(value, datetime):
        try:
            yield value.astimezone(UTC).date() if value.tzinfo is not None else value.date()
        except OverflowError:  # its UTC instant is beyond the calendar: so is its own day
            yield value.date()
    elif isinstance(value, date):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _days_in(item)
