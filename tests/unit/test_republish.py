"""Choosing what to republish: only what the check found missing, within what the operator names."""

from __future__ import annotations

import pytest

from pathways_infra.operator_cli import _republish_summary
from pathways_infra.republish import Republished, parse_ranges, within
from pathways_infra.stream_audit import IdRanges

MISSING = IdRanges(count=21, ranges=((41, 57), (90, 90), (120, 124)))


def test_ranges_are_read_as_the_check_prints_them() -> None:
    assert parse_ranges("41-57, 90") == [(41, 57), (90, 90)]
    assert parse_ranges("7") == [(7, 7)]


@pytest.mark.parametrize("text", ["", "a-3", "5-2", "0-4", "3-", "-3", "1.5"])
def test_anything_else_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"range|notification ids"):
        parse_ranges(text)


def test_without_a_choice_everything_missing_is_chosen() -> None:
    assert within(MISSING, None) == [(41, 57), (90, 90), (120, 124)]


def test_a_choice_only_narrows_what_is_missing_never_widens_it() -> None:
    assert within(MISSING, [(50, 95)]) == [(50, 57), (90, 90)]
    assert within(MISSING, [(1, 40), (58, 89)]) == []
    assert within(MISSING, [(122, 200), (30, 42)]) == [(41, 42), (122, 124)]


def test_duplicates_refused_are_advice_to_wait_only_while_events_are_still_missing() -> None:
    done = Republished(
        service="enrollment", chosen=IdRanges(count=2, ranges=((5, 6),)), stored=0, refused_as_duplicates=2
    )

    still_missing = _republish_summary(done, dry_run=False, still_missing=2)
    stored_by_another_run = _republish_summary(done, dry_run=False, still_missing=0)

    assert "run again once it has passed" in still_missing
    assert "run again" not in stored_by_another_run
    assert "2 were stored already (by another run" in stored_by_another_run
