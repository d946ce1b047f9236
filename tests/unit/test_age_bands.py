"""Age bands: every age has one, and a registration works out the participant's from what it is given."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

import pytest

from pathways_contracts.enrollment import SEXES
from pathways_contracts.reference import AGE_BAND_IDS, AGE_BANDS, age_band_of
from pathways_contracts.training import TRACKS
from pathways_enrollment.commands import RegisterParticipant
from pathways_enrollment.domain.participant import Sex
from pathways_training.domain.curriculum import Track

REGISTERED_ON = date(2025, 5, 1)


@pytest.mark.parametrize(
    ("age", "band"),
    [(0, "0-14"), (14, "0-14"), (15, "15-24"), (24, "15-24"), (25, "25-34"), (34, "25-34"), (35, "35-44"),
     (44, "35-44"), (45, "45-59"), (59, "45-59"), (60, "60+"), (104, "60+"), (-1, None)],
)  # fmt: skip
def test_each_age_falls_in_one_band(age: int, band: str | None) -> None:
    assert age_band_of(age) == band
    assert sum(1 for b in AGE_BANDS if b.holds(age)) == (0 if band is None else 1)


def test_the_bands_run_from_birth_without_gap_or_overlap() -> None:
    assert AGE_BANDS[0].youngest == 0 and AGE_BANDS[-1].oldest is None
    for younger, older in pairwise(AGE_BANDS):
        assert younger.oldest is not None and older.youngest == younger.oldest + 1
    assert AGE_BAND_IDS == ("0-14", "15-24", "25-34", "35-44", "45-59", "60+")


def test_the_contracts_groups_are_the_domains_values() -> None:
    assert set(SEXES) == {sex.value for sex in Sex}
    assert set(TRACKS) == {track.value for track in Track}


def registration(**fields: Any) -> RegisterParticipant:
    return RegisterParticipant.model_validate({"sex": "F", "personal_data": {"full_name": "Malee Srisuk"}, **fields})


@pytest.mark.parametrize(
    ("born", "band"),
    [("2000-05-01", "25-34"), ("2000-05-02", "15-24"), ("1965-04-30", "60+"), ("1965-05-02", "45-59")],
    ids=["turned-25-that-day", "25-tomorrow", "turned-60", "60-tomorrow"],
)
def test_the_band_is_of_the_age_on_the_registration_day(born: str, band: str) -> None:
    command = registration(personal_data={"full_name": "Malee Srisuk", "date_of_birth": born})
    assert command.age_band_on(REGISTERED_ON) == band


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [(1991, "25-34"), (1989, "35-44"), (1990, None), (2000, None), (1965, None), (1950, "60+")],
    ids=["33-or-34", "35-or-36", "34-or-35", "24-or-25", "59-or-60", "74-or-75"],
)
def test_a_birth_year_alone_gives_a_band_only_when_both_possible_ages_share_it(
    birth_year: int, band: str | None
) -> None:
    assert registration(birth_year=birth_year).age_band_on(REGISTERED_ON) == band
