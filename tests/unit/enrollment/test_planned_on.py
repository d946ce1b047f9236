"""An assignment planned for a later day is recorded as decided now, never as happening in the future."""

from __future__ import annotations

from datetime import date, timedelta

from pathways_enrollment.application import planned_on
from pathways_infra.commands import CommandContext
from pathways_infra.eventstore import Actor
from pathways_infra.thai_time import thai_midnight, thai_today

CONTEXT = CommandContext(actor=Actor(id="officer-1", role="programme-officer", unit=None))


def test_an_earlier_day_is_when_it_happened() -> None:
    assert planned_on(CONTEXT, date(2025, 1, 1)).occurred_at == thai_midnight(date(2025, 1, 1))
    assert planned_on(CONTEXT, thai_today() - timedelta(days=1)).occurred_at == thai_midnight(
        thai_today() - timedelta(days=1)
    )


def test_today_or_a_later_day_is_a_plan_made_when_it_is_recorded() -> None:
    assert planned_on(CONTEXT, thai_today()).occurred_at is None
    assert planned_on(CONTEXT, thai_today() + timedelta(days=1)).occurred_at is None
