"""Command bodies refuse days outside the calendar the read models and follow-up schedules hold."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import Field, ValidationError

from pathways_infra.command_model import CommandModel


class Dated(CommandModel):
    on: date | None = None
    at: datetime | None = None
    days: list[date] = Field(default_factory=list)


@pytest.mark.parametrize(
    "body",
    [
        {"on": "1900-01-01"},
        {"on": "2999-12-31"},
        {"at": "2999-12-31T23:00:00+07:00"},
        {"days": ["2025-01-01", "2025-02-01"]},
        {"at": "2025-08-29T10:00:00"},
    ],
)
def test_days_within_the_calendar_are_taken(body: dict[str, object]) -> None:
    Dated.model_validate(body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"on": "1899-12-31"}, "on"),
        ({"on": "3000-01-01"}, "on"),
        ({"on": "0001-01-01"}, "on"),
        ({"at": "2999-12-31T23:00:00-05:00"}, "at"),  # 3000-01-01 in UTC
        ({"at": "9999-12-31T23:00:00-05:00"}, "at"),  # beyond what Python's datetime holds in UTC
        ({"at": "0001-01-01T00:00:00+05:00"}, "at"),
        ({"days": ["2025-01-01", "9999-10-15"]}, "days"),
    ],
)
def test_days_outside_it_are_refused_naming_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Dated.model_validate(body)
    [error] = refused.value.errors()
    assert error["loc"] == (field,)
    assert "between 1900-01-01 and 2999-12-31" in error["msg"]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        Dated.model_validate({"when": "2025-01-01"})
