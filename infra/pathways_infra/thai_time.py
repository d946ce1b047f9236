"""The programme's clock: Thailand keeps one time zone, UTC+7, with no daylight saving time.

The days people give (``enrolled_on``, ``completed_on``, …) are Thai days, and a day given for a
moment is that day's start in Thai time. So "today", where a command or a query gives no day, is
today in Thailand as well: until 07:00 there, the UTC day is still yesterday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

THAI_TIME = timezone(timedelta(hours=7), "ICT")


def thai_day(moment: datetime) -> date:
    """The day it is in Thailand at ``moment`` (which carries its UTC offset)."""
    return moment.astimezone(THAI_TIME).date()


def thai_today() -> date:
    return thai_day(datetime.now(UTC))


def thai_midnight(day: date) -> datetime:
    """The moment ``day`` starts in Thailand."""
    return datetime.combine(day, time(), THAI_TIME)
