"""What every service's command bodies share: unknown fields refused, days written out and within
the calendar, decimals in plain notation. ``IsoDay`` and ``CalendarDay`` hold days given as query
parameters alike.

A day far outside the programme's (year 1, year 9999) validates as a date but breaks later: a
follow-up 12 months after 9999-10-15 cannot be scheduled, and midnight in Thai time on 0001-01-01
is before the first instant PostgreSQL's timestamps hold. Recorded, such an event would be parked
by every read model it reaches; refused here, the caller hears why.

Pydantic's lax mode takes a number, or a string of digits, as a Unix timestamp: ``"20250501"``
as a moment in 1970, ``1746057600`` as 2025-05-01. A caller who sends one has most likely made a
mistake that would be recorded as a fact; days are taken only as ``YYYY-MM-DD`` and moments only
as ISO 8601 text with their UTC offset. A moment without one could be Thai time or UTC, seven hours
apart, and would be published without the offset RFC 3339 (CloudEvents' ``time``) requires; a day
alone, given for a moment, is the start of that day in Thai time.

A day or moment a command gives says when something happened (it becomes the event's
``occurred_at``, or is recorded as the day of the fact): it may be in the past, never in the future.
A day after today in Thailand, or a moment later than now, is refused (a few minutes' grace
for clocks a little ahead, e.g. a day given just before midnight). Days that are plans or limits
(a cohort's planned start, a consent's expiry) are marked ``MayBeLater`` and only held to the
calendar.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from pathways_contracts.decimals import in_plain_notation
from pathways_infra.thai_time import THAI_TIME, thai_day, thai_midnight

EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2399, 12, 31)  # a later year is taken for a Buddhist-era one
CLOCK_GRACE = timedelta(minutes=5)
"""How far past this server's clock a moment (or a day's start, Thai time) may be: the caller's may run ahead."""


class _MayBeLater:
    """Marks a day or moment that may be after today: a plan or a limit, not when something happened."""

    def __repr__(self) -> str:
        return "MayBeLater"


MayBeLater = _MayBeLater()
"""``Annotated[date, MayBeLater]``: a command's day that may lie in the future (it is only held to the calendar)."""

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CommandModel(BaseModel):
    # Text is stripped: a name of only spaces is empty (and refused where one is required), and
    # " CDU Nan" and "CDU Nan" are not two names.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _days_written_out(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _temporal_fields(cls).get(info.field_name or "")
        if kind is None:
            if (info.field_name or "") in _decimal_fields(cls):
                _refuse_thousands_separators(value)
            return value
        for given in value if isinstance(value, list) else [value]:
            _check_written_out(given, kind)
        if kind is not datetime:
            return value
        if isinstance(value, list):
            return [_day_as_thai_midnight(given) for given in value]
        return _day_as_thai_midnight(value)

    @field_validator("*", mode="after")
    @classmethod
    def _days_in_calendar_moments_with_offset_decimals_plain(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if name in _temporal_fields(cls):
            _check_calendar_and_offset(value)
            if name not in _fields_that_may_be_later(cls):
                _refuse_later_than_now(value)
        elif name in _decimal_fields(cls):
            return _in_plain_notation(value)
        return value


_WITH_THOUSANDS_SEPARATORS = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")


def _refuse_thousands_separators(value: Any) -> None:
    """ "450,000" as forms write it: refused saying how to write it, rather than "not a valid decimal"."""
    if isinstance(value, str) and _WITH_THOUSANDS_SEPARATORS.fullmatch(value.strip()):
        raise PydanticCustomError(
            "decimal_thousands_separator",
            "Input should be written without thousands separators, e.g. {plain}",
            {"plain": value.strip().replace(",", "")},
        )


def _check_calendar_and_offset(value: Any) -> None:
    for day in _days_in(value):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise ValueError(f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
    for moment in value if isinstance(value, list) else [value]:
        if isinstance(moment, datetime) and moment.utcoffset() is None:
            raise PydanticCustomError(
                "timezone_aware", "Input should carry its UTC offset, e.g. 2025-05-01T09:30:00+07:00"
            )


def _refuse_later_than_now(value: Any) -> None:
    """A day or moment that says when something happened: not after now (a day: its start in Thai time)."""
    now = datetime.now(THAI_TIME)
    for given in value if isinstance(value, list | tuple) else [value]:
        if isinstance(given, datetime) and given > now + CLOCK_GRACE:
            raise PydanticCustomError(
                "datetime_in_future",
                "Input should not be in the future: it says when something happened (now is {now})",
                {"now": now.isoformat(timespec="seconds")},
            )
        if isinstance(given, date) and not isinstance(given, datetime) and thai_midnight(given) > now + CLOCK_GRACE:
            raise PydanticCustomError(
                "date_in_future",
                "Input should not be after today ({today} in Thailand): it says when something happened",
                {"today": now.date().isoformat()},
            )


def not_later_than_today(value: date | None) -> date | None:
    """For a day outside a ``CommandModel``'s fields (a date of birth): not after today in Thailand."""
    _refuse_later_than_now(value)
    return value


def iso_day(value: Any) -> Any:
    """A day only as ``YYYY-MM-DD`` text (or a ``date`` already); pydantic parses it then."""
    _check_written_out(value, date)
    return value


IsoDay = Annotated[date, BeforeValidator(iso_day)]
"""A day given as ``YYYY-MM-DD`` only: for query parameters and models that are no ``CommandModel``."""

PastDay = Annotated[date, BeforeValidator(iso_day), AfterValidator(not_later_than_today)]
"""An ``IsoDay`` not after today in Thailand, e.g. a date of birth given in a command."""

CalendarDay = Annotated[date, Field(ge=EARLIEST_DAY, le=LATEST_DAY), BeforeValidator(iso_day)]
"""An ``IsoDay`` within the calendar. (The bounds come before the validator: after it, OpenAPI would
show them as unknown keywords.)"""


_CLOCK_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def clock_time(value: Any) -> Any:
    """A time of day only as ``HH:MM`` text (or a ``time`` already): pydantic's lax mode would take a
    number as seconds after midnight, and a time with a UTC offset is no time on the unit's clock."""
    if isinstance(value, time) or value is None:
        return value
    if not (isinstance(value, str) and _CLOCK_TIME.fullmatch(value.strip())):
        raise PydanticCustomError("clock_time", "Input should be a time of day written HH:MM, e.g. 09:30")
    return value.strip()


ClockTime = Annotated[time, BeforeValidator(clock_time)]
"""A time of day on the clock where something happened (Thai time), given as ``HH:MM``."""


def _day_as_thai_midnight(value: Any) -> Any:
    """A day given for a moment is the start of that day in Thai time, as a day given for when
    something happened is (``pathways_infra.http.happened_on``)."""
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return thai_midnight(date.fromisoformat(value)).isoformat()
    return value


BUDDHIST_ERA_OFFSET = 543
BUDDHIST_ERA_FROM = 2400
"""A year from here on is taken for one in the Buddhist era, as Thai forms write them (2568 = 2025): no day of
the programme lies centuries ahead, and one taken as written would run 543 years too late."""


def refuse_buddhist_era(year: int) -> None:
    """A Buddhist-era year (2568 for 2025), refused with the year meant."""
    if year >= BUDDHIST_ERA_FROM:
        raise PydanticCustomError(
            "buddhist_era_year",
            "Input year {year} looks like a Buddhist-era year: give the Common Era year ({year} − 543 = {meant})",
            {"year": year, "meant": year - BUDDHIST_ERA_OFFSET},
        )


def _check_written_out(value: Any, kind: type[date]) -> None:
    if isinstance(value, date) or value is None:
        return  # built in code, or left out: nothing a caller wrote
    if isinstance(value, str) and _ISO_DAY.match(value):
        refuse_buddhist_era(int(value[:4]))
    if kind is datetime:
        if not (isinstance(value, str) and _ISO_DAY.match(value)):
            raise PydanticCustomError(
                "iso_datetime", "Input should be a date and time in ISO 8601, e.g. 2025-05-01T09:30:00+07:00"
            )
    elif not (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        raise PydanticCustomError("iso_date", "Input should be a day written YYYY-MM-DD, e.g. 2025-05-01")


@functools.cache
def _temporal_fields(model: type[BaseModel]) -> Mapping[str, type[date]]:
    """Each field that holds days (``date``) or moments (``datetime``), directly or in a list.

    A field that may hold either is held to the rule of moments, the looser one."""
    found: dict[str, type[date]] = {}
    for name, field in model.model_fields.items():
        types = set(_types_in(field.annotation))
        if datetime in types:
            found[name] = datetime
        elif date in types:
            found[name] = date
    return found


@functools.cache
def _fields_that_may_be_later(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if MayBeLater in field.metadata or _marked_later(field.annotation)
    )


def _marked_later(annotation: Any) -> bool:
    """Whether ``MayBeLater`` annotates the type or one of its parts (``Annotated[date, MayBeLater] | None``)."""
    if get_origin(annotation) is Annotated:
        return MayBeLater in get_args(annotation)[1:] or _marked_later(get_args(annotation)[0])
    return any(_marked_later(argument) for argument in get_args(annotation))


@functools.cache
def _decimal_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name, field in model.model_fields.items() if Decimal in set(_types_in(field.annotation)))


def _types_in(annotation: Any) -> Iterable[Any]:
    """The types an annotation is made of: ``date`` in ``list[date] | None``, ``Decimal`` in ``dict[str, Decimal]``."""
    if get_origin(annotation) is Annotated:
        yield from _types_in(get_args(annotation)[0])
    elif arguments := get_args(annotation):
        for argument in arguments:
            yield from _types_in(argument)
    else:
        yield annotation


def _in_plain_notation(value: Any) -> Any:
    if isinstance(value, Decimal):
        return in_plain_notation(value)
    if isinstance(value, dict):
        return {key: _in_plain_notation(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_plain_notation(item) for item in value]
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


def day_of_fact(day: date | None, occurred_at: datetime | None, *, day_field: str) -> date | None:
    """The day a fact happened on, for a command that takes both a day and a moment: the day given,
    or the Thai day of ``occurred_at``. Both given on different days, the command would say two
    things at once (the event's time one, the day the domain checks another): refused."""
    if occurred_at is None:
        return day
    moment_day = thai_day(occurred_at)
    if day is not None and day != moment_day:
        raise ValueError(
            f"occurred_at falls on {moment_day} in Thailand and {day_field} is {day}: give one of them, "
            "or both on the same day"
        )
    return moment_day
