"""Correcting personal data (PDPA §35): the event names the fields, never their values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pathways_enrollment.domain.errors import UnknownAggregateError
from pathways_enrollment.domain.participant import (
    DuplicateResolution,
    ParticipantDuplicateResolved,
    ParticipantErased,
    ParticipantFlaggedAsPotentialDuplicate,
    PersonalDataRectified,
    PotentialDuplicateNoted,
    evolve_participant,
    rectify_personal_data,
)
from tests.unit.enrollment.facts import AGE_BAND, OTHER_PARTICIPANT, PARTICIPANT, registered
from tests.unit.enrollment.given import given

REGISTERED_ON = date(2025, 4, 1)
ON_THE_DAY = replace(registered(), registered_on=REGISTERED_ON)
FLAGGED = ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT)


def test_a_correction_names_the_fields_in_a_fixed_order_and_keeps_the_age_band() -> None:
    then = given(evolve_participant, ON_THE_DAY).when(
        rectify_personal_data, fields={"phone": "x", "full_name": "y"}, rectified_on=date(2025, 6, 1)
    )
    assert then.events == [
        PersonalDataRectified(participant_id=PARTICIPANT, fields=("full_name", "phone"), rectified_on=date(2025, 6, 1))
    ]
    assert then.state is not None and then.state.age_band == AGE_BAND


def test_a_corrected_date_of_birth_gives_the_band_of_the_registration_day() -> None:
    then = given(evolve_participant, ON_THE_DAY).when(
        rectify_personal_data, fields=["date_of_birth"], rectified_on=date(2025, 6, 1), age_band="55-64"
    )
    assert [e.age_band for e in then.events if isinstance(e, PersonalDataRectified)] == ["55-64"]
    assert then.state is not None and then.state.age_band == "55-64"


def test_without_the_registration_day_the_band_told_at_registration_stays() -> None:
    then = given(evolve_participant, registered()).when(
        rectify_personal_data, fields=["date_of_birth"], rectified_on=date(2025, 6, 1), age_band=None
    )
    assert then.state is not None and then.state.age_band == AGE_BAND


@pytest.mark.parametrize(
    ("history", "fields", "day", "rule"),
    [
        ([ON_THE_DAY, ParticipantErased(participant_id=PARTICIPANT, erased_on=date(2025, 5, 1))], ["phone"],
         date(2025, 6, 1), "participant-erased"),
        ([ON_THE_DAY,
          ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT),
          ParticipantDuplicateResolved(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT,
                                       resolution=DuplicateResolution.MERGED)],
         ["phone"], date(2025, 6, 1), "participant-merged"),
        ([ON_THE_DAY], [], date(2025, 6, 1), "rectify-what"),
        ([ON_THE_DAY], ["passport"], date(2025, 6, 1), "rectify-what"),
        ([ON_THE_DAY], ["phone"], date(2025, 3, 31), "rectified-before-registration"),
        ([ON_THE_DAY, FLAGGED], ["national_id"], date(2025, 6, 1), "national-id-in-duplicate-check"),
        ([ON_THE_DAY, PotentialDuplicateNoted(participant_id=PARTICIPANT, duplicate_id=OTHER_PARTICIPANT)],
         ["national_id"], date(2025, 6, 1), "national-id-in-duplicate-check"),
    ],
    ids=["erased", "merged", "nothing", "unknown-field", "before-registration", "flagged", "has-a-duplicate"],
)  # fmt: skip
def test_a_correction_that_breaks_a_rule(history: list[object], fields: list[str], day: date, rule: str) -> None:
    given(evolve_participant, *history).rejects(rectify_personal_data, rule=rule, fields=fields, rectified_on=day)


def test_no_correction_for_a_participant_never_registered() -> None:
    with pytest.raises(UnknownAggregateError):
        rectify_personal_data(None, fields=["phone"], rectified_on=date(2025, 6, 1))


# --- the national ID ---------------------------------------------------------------------------------


def test_a_corrected_national_id_nobody_else_holds_is_only_recorded_as_corrected() -> None:
    then = given(evolve_participant, ON_THE_DAY).when(
        rectify_personal_data, fields=["national_id"], rectified_on=date(2025, 6, 1), holder=None
    )
    assert then.events == [
        PersonalDataRectified(participant_id=PARTICIPANT, fields=("national_id",), rectified_on=date(2025, 6, 1))
    ]


def test_a_corrected_national_id_another_registration_holds_flags_a_potential_duplicate() -> None:
    holder = given(evolve_participant, registered(OTHER_PARTICIPANT)).state

    then = given(evolve_participant, ON_THE_DAY).when(
        rectify_personal_data, fields=["national_id"], rectified_on=date(2025, 6, 1), holder=holder
    )

    assert then.events[1:] == [
        ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT)
    ]
    assert then.state is not None and then.state.duplicate_of == OTHER_PARTICIPANT


def test_a_corrected_national_id_held_by_an_erased_registration_flags_nothing() -> None:
    erased = ParticipantErased(participant_id=OTHER_PARTICIPANT, erased_on=date(2025, 5, 1))
    holder = given(evolve_participant, registered(OTHER_PARTICIPANT), erased).state

    then = given(evolve_participant, ON_THE_DAY).when(
        rectify_personal_data, fields=["national_id"], rectified_on=date(2025, 6, 1), holder=holder
    )

    assert len(then.events) == 1
