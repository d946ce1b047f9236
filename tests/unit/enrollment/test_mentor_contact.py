"""A mentor's contact (full name, phone) lives in the vault: the events say it was given, which fields were
corrected, and that it was erased, never the values."""

from __future__ import annotations

from datetime import date

import pytest

from pathways_enrollment.domain.errors import UnknownAggregateError
from pathways_enrollment.domain.mentor import (
    ContactStatus,
    MentorContactErased,
    MentorContactGiven,
    MentorContactRectified,
    MentorRegistered,
    MentorStatus,
    erase_mentor_contact,
    evolve_mentor,
    give_mentor_contact,
    register_mentor,
)
from tests.unit.enrollment.facts import MENTOR
from tests.unit.enrollment.given import given

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
REGISTERED = MentorRegistered(mentor_id=MENTOR)
GIVEN = MentorContactGiven(mentor_id=MENTOR, fields=("full_name", "phone"), given_on=FEB)
ERASED = MentorContactErased(mentor_id=MENTOR, erased_on=MAR)


def test_a_mentor_registered_with_a_contact_records_that_it_was_given_and_which_fields() -> None:
    then = given(evolve_mentor).when(register_mentor, mentor_id=MENTOR, contact_fields=["phone", "full_name"], on=FEB)
    assert then.events == [REGISTERED, GIVEN]
    assert then.state is not None and (then.state.contact, then.state.contact_changed_on) == (ContactStatus.HELD, FEB)


def test_a_mentor_registered_without_a_contact_has_none() -> None:
    then = given(evolve_mentor).when(register_mentor, mentor_id=MENTOR)
    assert then.events == [REGISTERED]
    assert then.state is not None and then.state.contact is ContactStatus.NONE


def test_a_contact_given_at_registration_needs_a_full_name() -> None:
    given(evolve_mentor).rejects(
        register_mentor, rule="mentor-contact-needs-name", mentor_id=MENTOR, contact_fields=["phone"], on=FEB
    )


def test_a_contact_given_later_is_given_not_corrected() -> None:
    then = given(evolve_mentor, REGISTERED).when(give_mentor_contact, fields={"full_name": "x"}, on=FEB)
    assert then.events == [MentorContactGiven(mentor_id=MENTOR, fields=("full_name",), given_on=FEB)]
    assert then.state is not None and then.state.contact is ContactStatus.HELD


def test_a_first_contact_without_a_full_name_is_refused() -> None:
    given(evolve_mentor, REGISTERED).rejects(
        give_mentor_contact, rule="mentor-contact-needs-name", fields=["phone"], on=FEB
    )


def test_a_correction_names_the_fields_in_a_fixed_order_never_their_values() -> None:
    then = given(evolve_mentor, REGISTERED, GIVEN).when(
        give_mentor_contact, fields={"phone": "+66 81 000 0000", "full_name": "y"}, on=MAR
    )
    assert then.events == [MentorContactRectified(mentor_id=MENTOR, fields=("full_name", "phone"), rectified_on=MAR)]
    assert "+66" not in repr(then.events) and "'y'" not in repr(then.events)
    assert then.state is not None and then.state.contact_changed_on == MAR


@pytest.mark.parametrize(
    ("history", "fields", "day", "rule"),
    [
        ([REGISTERED, GIVEN], ["national_id"], MAR, "mentor-contact-what"),
        ([REGISTERED, GIVEN], [], MAR, "mentor-contact-what"),
        ([REGISTERED, GIVEN], ["phone"], JAN, "mentor-contact-before-last-change"),
        ([REGISTERED, GIVEN, ERASED], ["full_name"], MAR, "mentor-contact-erased"),
    ],
    ids=["another-field", "no-field", "before-it-was-given", "after-its-erasure"],
)
def test_a_correction_is_refused(history: list[object], fields: list[str], day: date, rule: str) -> None:
    given(evolve_mentor, *history).rejects(give_mentor_contact, rule=rule, fields=fields, on=day)


def test_an_erasure_is_recorded_and_the_mentor_stays() -> None:
    then = given(evolve_mentor, REGISTERED, GIVEN).when(erase_mentor_contact, erased_on=MAR)
    assert then.events == [ERASED]
    assert then.state is not None
    assert (then.state.contact, then.state.status) == (ContactStatus.ERASED, MentorStatus.ACTIVE)


@pytest.mark.parametrize(
    ("history", "day", "rule"),
    [
        ([REGISTERED], MAR, "mentor-contact-missing"),
        ([REGISTERED, GIVEN, ERASED], MAR, "mentor-contact-erased"),
        ([REGISTERED, GIVEN], JAN, "mentor-contact-before-last-change"),
    ],
    ids=["none-given", "twice", "before-it-was-given"],
)
def test_an_erasure_is_refused(history: list[object], day: date, rule: str) -> None:
    given(evolve_mentor, *history).rejects(erase_mentor_contact, rule=rule, erased_on=day)


def test_an_unknown_mentor_has_no_contact_to_give_or_erase() -> None:
    with pytest.raises(UnknownAggregateError):
        give_mentor_contact(None, fields=["full_name"], on=FEB)
    with pytest.raises(UnknownAggregateError):
        erase_mentor_contact(None, erased_on=FEB)
