"""Command bodies refuse days outside the calendar the read models and follow-up schedules hold, days
not written out, and days or moments of what happened that are in the future; they take decimals in plain
notation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from pathways_enrollment.commands import RegisterParticipant, phone_number
from pathways_infra.command_model import CLOCK_GRACE, CalendarDay, CommandModel, IsoDay, MayBeLater, PastDay
from pathways_infra.thai_time import THAI_TIME, thai_midnight, thai_today
from pathways_outcomes.application import CompleteFollowUp, RecordEmployment
from pathways_training.application import CompleteTraining, HoldSession


class Dated(CommandModel):
    """Days that may be later than today (plans, limits): only held to the calendar."""

    on: Annotated[date, MayBeLater] | None = None
    at: Annotated[datetime | None, MayBeLater] = None
    days: list[Annotated[date, MayBeLater]] = Field(default_factory=list)


class Happened(CommandModel):
    """Days and moments that say when something happened, as most commands' are."""

    on: date | None = None
    at: datetime | None = None
    days: list[date] = Field(default_factory=list)


@pytest.mark.parametrize(
    "body",
    [
        {"on": "1900-01-01"},
        {"on": "2399-12-31"},
        {"at": "2399-12-31T23:00:00+07:00"},
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
        ({"on": "0001-01-01"}, "on"),
        ({"at": "2399-12-31T23:00:00-05:00"}, "at"),  # 2400-01-01 in UTC
        ({"at": "0001-01-01T00:00:00+05:00"}, "at"),
        ({"days": ["2025-01-01", "1800-10-15"]}, "days"),
    ],
)
def test_days_outside_it_are_refused_naming_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Dated.model_validate(body)
    [error] = refused.value.errors()
    assert error["loc"] == (field,)
    assert "between 1900-01-01 and 2399-12-31" in error["msg"]


@pytest.mark.parametrize(
    ("body", "field", "meant"),
    [
        ({"on": "2568-05-01"}, "on", 2025),  # as Thai forms write years
        ({"at": "2569-12-31T09:00:00+07:00"}, "at", 2026),
        ({"days": ["2025-01-01", "9999-10-15"]}, "days", 9456),
    ],
)
def test_a_buddhist_era_year_is_refused_with_the_year_meant(body: dict[str, object], field: str, meant: int) -> None:
    with pytest.raises(ValidationError) as refused:
        Dated.model_validate(body)
    [error] = refused.value.errors()
    assert error["loc"][0] == field
    assert "looks like a Buddhist-era year" in error["msg"] and f"= {meant})" in error["msg"]


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
    for given in ("1899-12-31", "2400-01-01"):
        with pytest.raises(ValidationError):
            TypeAdapter(CalendarDay).validate_python(given)
    with pytest.raises(ValidationError, match="Buddhist-era year"):
        TypeAdapter(IsoDay).validate_python("2568-12-31")


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


def _soon() -> str:
    """The day after tomorrow: tomorrow is taken in the last minutes of today (``CLOCK_GRACE``)."""
    return (thai_today() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"on": "2099-05-02"}, "on", "date_in_future"),
        ({"on": "__soon__"}, "on", "date_in_future"),
        ({"days": ["2025-01-01", "2099-01-01"]}, "days", "date_in_future"),
        ({"at": "2099-05-01T09:00:00+07:00"}, "at", "datetime_in_future"),
        ({"at": "__soon__"}, "at", "datetime_in_future"),  # a day given for a moment: its start, Thai time
    ],
)
def test_what_happened_is_not_dated_in_the_future(body: dict[str, object], field: str, error: str) -> None:
    given = {name: _soon() if value == "__soon__" else value for name, value in body.items()}
    with pytest.raises(ValidationError) as refused:
        Happened.model_validate(given)
    [found] = refused.value.errors()
    assert (found["loc"], found["type"]) == ((field,), error)
    assert "happened" in found["msg"]


def test_what_happened_may_be_today_in_thailand_or_just_now_or_long_ago() -> None:
    a_little_ahead = datetime.now(UTC) + CLOCK_GRACE / 2  # the caller's clock runs a little ahead
    taken = Happened.model_validate(
        {"on": thai_today().isoformat(), "at": a_little_ahead.isoformat(), "days": ["1984-04-01"]}
    )
    assert taken.on == thai_today() and taken.at == a_little_ahead


def test_a_moment_later_than_the_grace_is_refused() -> None:
    too_late = datetime.now(THAI_TIME) + CLOCK_GRACE + timedelta(minutes=1)
    with pytest.raises(ValidationError):
        Happened.model_validate({"at": too_late.isoformat()})


def test_days_marked_as_plans_or_limits_may_be_later_than_today() -> None:
    assert Dated.model_validate({"on": "2099-05-02"}).on == date(2099, 5, 2)


def test_a_past_day_is_not_after_today_in_thailand() -> None:
    past = TypeAdapter(PastDay)
    assert past.validate_python(thai_today().isoformat()) == thai_today()
    with pytest.raises(ValidationError) as refused:
        past.validate_python("2030-04-01")
    assert refused.value.errors()[0]["type"] == "date_in_future"
    assert thai_midnight(thai_today()) <= datetime.now(UTC)


def test_a_moment_alone_gives_the_fact_its_thai_day_and_a_day_that_disagrees_is_refused() -> None:
    late_evening = "2025-06-20T20:00:00Z"  # 03:00 on the 21st in Thailand
    job = {"employment_type": "WAGE", "related_to_training": True, "monthly_income_thb": "9000"}
    assert CompleteTraining.model_validate({"occurred_at": late_evening}).completed_on == date(2025, 6, 21)
    assert CompleteFollowUp.model_validate({"occurred_at": late_evening}).completed_on == date(2025, 6, 21)
    assert RecordEmployment.model_validate({"occurred_at": late_evening, **job}).observed_on == date(2025, 6, 21)
    both = {"completed_on": "2025-06-21", "occurred_at": late_evening}
    assert CompleteTraining.model_validate(both).completed_on == date(2025, 6, 21)
    with pytest.raises(
        ValidationError, match="occurred_at falls on 2025-06-21 in Thailand and completed_on is 2025-06-20"
    ):
        CompleteTraining.model_validate({"completed_on": "2025-06-20", "occurred_at": late_evening})


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"monthly_income_thb": "9000"}, ["related_to_training"]),
        ({"related_to_training": True}, ["monthly_income_thb"]),
        ({}, ["related_to_training", "monthly_income_thb"]),
    ],
)
def test_a_follow_up_answer_with_an_employment_names_only_the_fields_it_left_out(
    given: dict[str, object], missing: list[str]
) -> None:
    with pytest.raises(ValidationError) as refused:
        CompleteFollowUp.model_validate({"employment_type": "WAGE", **given})

    assert [error["loc"] for error in refused.value.errors()] == [(name,) for name in missing]
    assert all(
        error["msg"] == f"{error['loc'][0]} is required with employment_type" for error in refused.value.errors()
    )


def test_text_is_stripped_so_a_name_of_spaces_is_refused() -> None:
    class Named(CommandModel):
        name: str = Field(min_length=1)

    assert Named.model_validate({"name": "  CDU Nan "}).name == "CDU Nan"
    with pytest.raises(ValidationError, match="at least 1 character"):
        Named.model_validate({"name": "   "})


def test_a_session_lasts_at_most_a_day() -> None:
    assert HoldSession.model_validate({"held_on": "2025-06-01", "hours": "24"}).hours == Decimal(24)
    with pytest.raises(ValidationError, match="less than or equal to 24"):
        HoldSession.model_validate({"held_on": "2025-06-01", "hours": "25"})


def test_a_session_start_time_is_taken_only_as_hh_mm_on_the_units_clock() -> None:
    session = {"held_on": "2025-05-13", "hours": "3"}
    assert HoldSession.model_validate(session | {"starts_at": "13:30"}).starts_at == time(13, 30)
    assert HoldSession.model_validate(session).starts_at is None
    for given in ("9:30", "13:30:00", "13:30+07:00", 48600, "25:00"):
        with pytest.raises(ValidationError, match="written HH:MM"):
            HoldSession.model_validate(session | {"starts_at": given})


def test_a_buddhist_era_birth_year_is_refused_with_the_year_meant() -> None:
    body = {"personal_data": {"full_name": "Somsri Jaidee"}, "sex": "F", "birth_year": 2527}
    with pytest.raises(ValidationError, match=r"Buddhist-era year: give the Common Era year \(2527 − 543 = 1984\)"):
        RegisterParticipant.model_validate(body)


def test_a_phone_in_thai_digits_is_kept_in_digits_0_to_9_and_other_scripts_are_refused() -> None:
    assert phone_number("๐๘๑-๒๓๔-๕๖๗๘") == "081-234-5678"
    with pytest.raises(ValueError, match="9 to 15 digits"):
        phone_number("٠٨١٢٣٤٥٦٧٨")  # Arabic-Indic digits: not a number Thai staff would dial


def test_an_amount_with_thousands_separators_is_refused_saying_how_to_write_it() -> None:
    with pytest.raises(ValidationError, match=r"without thousands separators, e\.g\. 450000\.50"):
        Priced.model_validate({"amount": "450,000.50"})


@pytest.mark.parametrize("name", ["\u200b", " \u200b ", "-", "123"])
def test_a_name_without_a_letter_is_refused(name: str) -> None:
    body = {"personal_data": {"full_name": name}, "sex": "F", "birth_year": 1984}
    with pytest.raises(ValidationError, match="a name needs at least one letter"):
        RegisterParticipant.model_validate(body)


def test_a_thai_name_is_kept_without_the_invisible_characters_at_its_ends() -> None:
    body = {"personal_data": {"full_name": "\u200bสมศรี ใจดี\ufeff"}, "sex": "F", "birth_year": 1984}
    assert RegisterParticipant.model_validate(body).personal_data.full_name == "สมศรี ใจดี"
