"""Correcting a registration day recorded wrong: left out at registration, it was dated the day the form was
typed in, and every step dated before it was refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from pathways_enrollment.commands import CorrectRegistrationDay
from pathways_enrollment.domain.errors import UnknownAggregateError
from pathways_enrollment.domain.participant import (
    DuplicateResolution,
    ParticipantDuplicateResolved,
    ParticipantErased,
    ParticipantFlaggedAsPotentialDuplicate,
    PersonalDataRectified,
    RegistrationDayCorrected,
    correct_registration_day,
    evolve_participant,
    rectify_personal_data,
)
from tests.unit.enrollment.facts import AGE_BAND, CASE, OTHER_PARTICIPANT, PARTICIPANT, consented, registered, uid
from tests.unit.enrollment.given import given

TYPED_IN_ON = date(2025, 6, 20)  # the day staff typed the paper form in, recorded as the registration day
ON_PAPER = date(2025, 5, 2)
DEFAULTED = replace(registered(), registered_on=TYPED_IN_ON)
REASON = "paper form dated 2 May 2025"


def correction(**overrides: Any) -> dict[str, Any]:
    command: dict[str, Any] = {
        "registered_on": ON_PAPER,
        "reason": REASON,
        "age_band": AGE_BAND,
        "applications": {},
    }
    return {**command, **overrides}


def test_a_correction_keeps_the_day_it_replaces_and_the_participant_is_registered_on_the_right_day() -> None:
    then = given(evolve_participant, DEFAULTED).when(correct_registration_day, **correction())

    assert then.events == [
        RegistrationDayCorrected(
            participant_id=PARTICIPANT,
            registered_on=ON_PAPER,
            previous_registered_on=TYPED_IN_ON,
            reason=REASON,
            age_band=AGE_BAND,
        )
    ]
    assert then.state is not None and then.state.registered_on == ON_PAPER


def test_the_band_taken_on_the_corrected_day_replaces_the_one_told() -> None:
    then = given(evolve_participant, DEFAULTED).when(correct_registration_day, **correction(age_band="25-34"))
    assert then.state is not None and then.state.age_band == "25-34"


def test_a_registration_recorded_before_days_were_kept_is_given_one() -> None:
    then = given(evolve_participant, registered()).when(correct_registration_day, **correction())
    assert [e.previous_registered_on for e in then.events if isinstance(e, RegistrationDayCorrected)] == [None]
    assert then.state is not None and then.state.registered_on == ON_PAPER


def test_the_day_already_recorded_records_nothing() -> None:
    then = given(evolve_participant, DEFAULTED).when(correct_registration_day, **correction(registered_on=TYPED_IN_ON))
    assert then.events == []


def test_the_day_may_move_later_up_to_the_first_application() -> None:
    early = replace(registered(), registered_on=date(2025, 4, 1))
    then = given(evolve_participant, early).when(
        correct_registration_day, **correction(applications={CASE: ON_PAPER, uid("case 2"): date(2025, 6, 1)})
    )
    assert then.state is not None and then.state.registered_on == ON_PAPER


def test_consent_granted_before_or_after_the_corrected_day_is_no_obstacle() -> None:
    """PDPA asks for consent before or at collection: one granted earlier is as it should be, and one granted
    later is recorded on its own day (a registration takes either)."""
    for day in (date(2025, 4, 1), date(2025, 6, 1)):
        granted = consented(granted_at=consented().granted_at.replace(year=day.year, month=day.month, day=day.day))
        then = given(evolve_participant, DEFAULTED, granted).when(correct_registration_day, **correction())
        assert len(then.events) == 1


def test_a_corrected_registration_day_lets_personal_data_be_corrected_from_then_on() -> None:
    corrected = RegistrationDayCorrected(
        participant_id=PARTICIPANT, registered_on=ON_PAPER, previous_registered_on=TYPED_IN_ON, reason=REASON
    )
    then = given(evolve_participant, DEFAULTED, corrected).when(
        rectify_personal_data, fields=["phone"], rectified_on=date(2025, 5, 3)
    )
    assert len(then.events) == 1


RECTIFIED = PersonalDataRectified(participant_id=PARTICIPANT, fields=("phone",), rectified_on=date(2025, 6, 25))
MERGED = [
    ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT),
    ParticipantDuplicateResolved(
        participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
    ),
]


@pytest.mark.parametrize(
    ("history", "command", "rule"),
    [
        ([DEFAULTED, ParticipantErased(participant_id=PARTICIPANT, erased_on=date(2025, 6, 21))], {},
         "participant-erased"),
        ([DEFAULTED, *MERGED], {}, "participant-merged"),
        ([DEFAULTED], {"reason": "  "}, "reason-required"),
        ([DEFAULTED], {"applications": {CASE: date(2025, 5, 1), uid("case 2"): date(2025, 6, 20)}},
         "registered-after-application"),
        ([DEFAULTED, RECTIFIED], {"registered_on": date(2025, 6, 26)}, "registered-after-rectification"),
    ],
    ids=["erased", "merged", "no-reason", "after-an-application", "after-a-rectification"],
)  # fmt: skip
def test_a_correction_that_breaks_a_rule(history: list[object], command: dict[str, Any], rule: str) -> None:
    given(evolve_participant, *history).rejects(correct_registration_day, rule=rule, **correction(**command))


def test_the_refusal_names_the_first_application_and_both_days() -> None:
    refused = given(evolve_participant, DEFAULTED).rejects(
        correct_registration_day,
        rule="registered-after-application",
        **correction(registered_on=date(2025, 6, 1), applications={uid("case 2"): date(2025, 5, 20), CASE: ON_PAPER}),
    )
    assert f"applied on {ON_PAPER} (case {CASE})" in str(refused)
    assert "on 2025-06-01" in str(refused)


def test_a_correction_on_the_day_of_an_application_or_a_rectification_is_fine() -> None:
    rectified = replace(RECTIFIED, rectified_on=ON_PAPER)
    then = given(evolve_participant, DEFAULTED, rectified).when(
        correct_registration_day, **correction(applications={CASE: ON_PAPER})
    )
    assert len(then.events) == 1


def test_no_correction_for_a_participant_never_registered() -> None:
    with pytest.raises(UnknownAggregateError):
        correct_registration_day(None, **correction())


# --- the day as the command takes it ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "error"),
    [("2099-05-02", "date_in_future"), ("2568-05-02", "buddhist_era_year"), ("2025-5-2", "iso_date")],
    ids=["in-the-future", "buddhist-era", "not-written-out"],
)
def test_the_corrected_day_is_a_day_that_has_been_written_out_in_the_common_era(day: str, error: str) -> None:
    with pytest.raises(ValidationError) as refused:
        CorrectRegistrationDay.model_validate({"registered_on": day, "reason": REASON})
    [found] = refused.value.errors()
    assert (found["loc"], found["type"]) == (("registered_on",), error)


def test_a_correction_gives_a_reason() -> None:
    with pytest.raises(ValidationError) as refused:
        CorrectRegistrationDay.model_validate({"registered_on": "2025-05-02"})
    assert [found["loc"] for found in refused.value.errors()] == [("reason",)]
