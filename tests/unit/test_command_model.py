"""Command bodies refuse days outside the calendar the read models and follow-up schedules hold, and days
not written out; they take decimals in plain notation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from pathways_infra.command_model import CalendarDay, CommandModel, IsoDay


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
        {"at": "2025-08-29T10:00:00Z"},
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


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"on": 1746057600}, "on", "iso_date"),  # pydantic's lax mode: 2025-05-01 as a Unix timestamp
        ({"on": "1746057600"}, "on", "iso_date"),
        ({"on": "20250501"}, "on", "iso_date"),
        ({"on": "2025-05-01T00:00:00Z"}, "on", "iso_date"),
        ({"on": "๒๕๖๘-๐๕-๐๑"}, "on", "iso_date"),  # Thai digits
        ({"days": ["2025-01-01", 1746057600]}, "days", "iso_date"),
        ({"at": 1746057600}, "at", "iso_datetime"),
        ({"at": "20250501"}, "at", "iso_datetime"),  # lax mode: 1970-08-23T09:08:21Z
        ({"at": "2025-05-01T09:30:00"}, "at", "timezone_aware"),  # Thai time, or UTC seven hours later?
        ({"at": "2025-05-01 09:30"}, "at", "timezone_aware"),
    ],
)
def test_days_and_moments_are_taken_only_written_out(body: dict[str, object], field: str, error: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Dated.model_validate(body)
    [refusal] = refused.value.errors()
    assert (refusal["loc"], refusal["type"]) == ((field,), error)


def test_days_and_moments_built_in_code_or_left_out_are_taken() -> None:
    built = Dated(on=date(2025, 5, 1), at=datetime(2025, 5, 1, 9, 30, tzinfo=UTC), days=[date(2025, 5, 2)])
    assert Dated.model_validate({"on": None, "at": None}).at is None
    assert built.on == date(2025, 5, 1)


def test_a_day_given_for_a_moment_is_the_start_of_that_day_in_thai_time() -> None:
    at = Dated.model_validate({"at": "2025-05-01"}).at
    assert at == datetime(2025, 4, 30, 17, tzinfo=UTC)
    assert at is not None and at.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("given", ["1746057600", "2025-05-01T00:00:00", 1746057600])
def test_a_day_parameter_is_taken_only_written_out(given: object) -> None:
    for day in (TypeAdapter(IsoDay), TypeAdapter(CalendarDay)):
        with pytest.raises(ValidationError):
            day.validate_python(given)
        assert day.validate_python("2025-05-01") == date(2025, 5, 1)


def test_a_calendar_day_parameter_is_within_the_calendar() -> None:
    for given in ("1899-12-31", "3000-01-01"):
        with pytest.raises(ValidationError):
            TypeAdapter(CalendarDay).validate_python(given)
    assert TypeAdapter(IsoDay).validate_python("9999-12-31") == date(9999, 12, 31)


class Priced(CommandModel):
    amount: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
    scores: dict[str, Decimal] = Field(default_factory=dict)


@pytest.mark.parametrize(
    ("given", "written"),
    [("1e5", "100000"), ("1E+5", "100000"), ("4.5E+5", "450000"), ("0E-10", "0"), ("100000", "100000"),
     ("9000.50", "9000.50"), ("1e-2", "0.01"), (100000.0, "100000.0")],
)  # fmt: skip
def test_decimals_are_taken_in_plain_notation(given: object, written: str) -> None:
    priced = Priced.model_validate({"amount": given, "scores": {"welding": given}})
    assert json.loads(priced.model_dump_json()) == {"amount": written, "scores": {"welding": written}}
