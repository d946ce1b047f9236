"""Days are Thai days: "today", where a command gives no day, is today in Thailand, not in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pathways_infra.commands import GroupView, Session
from pathways_infra.thai_time import thai_day, thai_midnight


def test_before_seven_in_the_morning_in_thailand_the_utc_day_is_still_yesterday() -> None:
    half_past_midnight_in_bangkok = datetime(2025, 5, 11, 17, 30, tzinfo=UTC)

    assert half_past_midnight_in_bangkok.date() == date(2025, 5, 11)
    assert thai_day(half_past_midnight_in_bangkok) == date(2025, 5, 12)
    assert thai_day(datetime(2025, 5, 12, 16, 59, tzinfo=UTC)) == date(2025, 5, 12)


def test_a_day_starts_at_thai_midnight() -> None:
    assert thai_midnight(date(2025, 8, 29)) == datetime(2025, 8, 28, 17, 0, tzinfo=UTC)
    assert thai_midnight(date(2025, 8, 29)).isoformat() == "2025-08-29T00:00:00+07:00"


def test_a_command_that_gives_no_day_happened_on_todays_thai_day() -> None:
    session = Session(store=None, group=GroupView(), now=datetime(2025, 5, 11, 23, 0, tzinfo=UTC))  # type: ignore[arg-type]

    assert session.today == date(2025, 5, 12)
