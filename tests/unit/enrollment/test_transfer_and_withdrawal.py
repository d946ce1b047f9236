"""After enrollment: transfers to another unit or project (placements kept), and withdrawal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from pathways_enrollment.domain.consent import ConsentPurpose, ConsentWithdrawn
from pathways_enrollment.domain.enrollment import (
    EnrollmentApplied,
    EnrollmentStatus,
    EnrollmentTransferred,
    EnrollmentWithdrawn,
    FollowUpConsentChanged,
    Placement,
    TransferReason,
    WithdrawalReason,
    evolve_enrollment,
    left_for_want_of_consent,
    note_follow_up_consent,
    transfer,
    withdraw,
    withdraw_as_duplicate,
    withdraw_for_want_of_consent,
)
from pathways_enrollment.domain.participant import evolve_participant
from pathways_enrollment.domain.project import ProjectApproved, ProjectClosed, evolve_project
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitSuspended,
    evolve_unit,
)
from tests.unit.enrollment.facts import (
    APPLIED_ON,
    ENROLLED_ON,
    OTHER_PROJECT,
    OTHER_PROVINCE,
    OTHER_REGION,
    OTHER_UNIT,
    PARTICIPANT,
    PROJECT,
    PROVINCE,
    REGION,
    SCREENED_ON,
    TRANSFERRED_ON,
    UNIT,
    active_project,
    active_unit,
    applied,
    at,
    case_at,
    consenting_participant,
    enrolled,
    proposed_project,
    screened,
    uid,
    unit_registered,
)
from tests.unit.enrollment.given import fold, given

OTHER_WHERE: dict[str, Any] = {"unit_id": OTHER_UNIT, "province_code": OTHER_PROVINCE, "region": OTHER_REGION}
OTHER_PROJECT_STATE = fold(evolve_project, active_project(OTHER_PROJECT, **OTHER_WHERE))
SAME_PROJECT_STATE = fold(evolve_project, active_project())
OTHER_UNIT_STATE = fold(evolve_unit, active_unit(OTHER_UNIT))
PARTICIPANT_STATE = fold(evolve_participant, consenting_participant())
TO_OTHER_PROJECT = EnrollmentTransferred(
    **case_at(OTHER_PROJECT, **OTHER_WHERE),
    from_project_id=PROJECT,
    from_unit_id=UNIT,
    from_province_code=PROVINCE,
    from_region=REGION,
    transferred_on=TRANSFERRED_ON,
    reason=TransferReason.RELOCATION,
)
TRANSFERRED = [*enrolled(), TO_OTHER_PROJECT]
ANOTHER_CASE_THERE = [
    EnrollmentApplied(
        **{**case_at(OTHER_PROJECT, **OTHER_WHERE), "enrollment_id": uid("another case")}, applied_on=APPLIED_ON
    )
]


def moving(**overrides: Any) -> dict[str, Any]:
    command = {
        "participant": PARTICIPANT_STATE,
        "to_project": OTHER_PROJECT_STATE,
        "to_project_id": OTHER_PROJECT,
        "to_unit": OTHER_UNIT_STATE,  # the project's unit, which would run the case there
        "transferred_on": TRANSFERRED_ON,
        "reason": TransferReason.RELOCATION,
    }
    return {**command, **overrides}


def withdrawn(*, was_enrolled: bool = True) -> EnrollmentWithdrawn:
    return EnrollmentWithdrawn(
        **case_at(), reason=WithdrawalReason.FOUND_EMPLOYMENT, withdrawn_on=date(2025, 7, 1), was_enrolled=was_enrolled
    )


def test_transfer_to_another_project_keeps_the_placement_history() -> None:
    then = given(evolve_enrollment, *enrolled()).when(transfer, **moving())
    assert then.events == [TO_OTHER_PROJECT]
    assert then.state is not None
    assert then.state.status == EnrollmentStatus.TRANSFERRED
    assert then.state.placements == (
        Placement(
            project_id=PROJECT,
            unit_id=UNIT,
            province_code=PROVINCE,
            region=REGION,
            since=APPLIED_ON,
            until=TRANSFERRED_ON,
        ),
        Placement(project_id=OTHER_PROJECT, **OTHER_WHERE, since=TRANSFERRED_ON),
    )


def test_transfer_to_another_unit_within_the_project() -> None:
    then = given(evolve_enrollment, *enrolled()).when(
        transfer,
        **moving(to_project=SAME_PROJECT_STATE, to_project_id=PROJECT, to_unit_id=OTHER_UNIT, to_unit=OTHER_UNIT_STATE),
    )
    event = then.events[0]
    assert isinstance(event, EnrollmentTransferred)
    assert (event.project_id, event.unit_id, event.from_unit_id) == (PROJECT, OTHER_UNIT, UNIT)


def test_transfer_on_the_day_of_the_enrollment() -> None:
    assert given(evolve_enrollment, *enrolled()).when(transfer, **moving(transferred_on=ENROLLED_ON)).events


def test_a_transferred_case_transfers_again_and_back() -> None:
    then = given(evolve_enrollment, *TRANSFERRED).when(
        transfer,
        **moving(
            to_project=SAME_PROJECT_STATE,
            to_project_id=PROJECT,
            transferred_on=date(2025, 9, 1),
            cases_in_target_project=[fold(evolve_enrollment, TRANSFERRED)],  # itself: not another case
        ),
    )
    assert then.state is not None
    assert [p.project_id for p in then.state.placements] == [PROJECT, OTHER_PROJECT, PROJECT]


def test_a_withdrawn_case_cannot_transfer() -> None:
    given(evolve_enrollment, *enrolled(), withdrawn()).rejects(
        transfer, rule="withdrawn-case-cannot-transfer", **moving()
    )


@pytest.mark.parametrize("history", [applied(), screened()], ids=["applied", "screened"])
def test_only_an_enrolled_case_transfers(history: list[object]) -> None:
    given(evolve_enrollment, *history).rejects(transfer, rule="enrollment-transition-not-allowed", **moving())


def test_a_transfer_goes_somewhere_else() -> None:
    given(evolve_enrollment, *enrolled()).rejects(
        transfer, rule="transfer-to-same-placement", **moving(to_project=SAME_PROJECT_STATE, to_project_id=PROJECT)
    )
    given(evolve_enrollment, *enrolled()).rejects(
        transfer,
        rule="transfer-to-same-placement",
        **moving(
            to_project=SAME_PROJECT_STATE,
            to_project_id=PROJECT,
            to_unit_id=UNIT,
            to_unit=fold(evolve_unit, active_unit()),
        ),
    )


@pytest.mark.parametrize(
    ("overrides", "rule", "retryable"),
    [
        ({"to_project": None}, "must-exist", False),
        (
            {"to_project": fold(evolve_project, proposed_project(OTHER_PROJECT))},
            "project-not-open-for-enrollment",
            True,
        ),
        (
            {"to_project": fold(evolve_project, [*active_project(OTHER_PROJECT), ProjectClosed(**at(OTHER_PROJECT))])},
            "project-not-open-for-enrollment",
            False,
        ),
        ({"to_unit_id": OTHER_UNIT, "to_unit": None}, "must-exist", False),
        (
            {"to_unit_id": OTHER_UNIT, "to_unit": fold(evolve_unit, [unit_registered(OTHER_UNIT)])},
            "unit-not-active",
            True,
        ),
        (
            {
                "to_unit_id": OTHER_UNIT,
                "to_unit": fold(
                    evolve_unit,
                    [*active_unit(OTHER_UNIT), CareerDevelopmentUnitSuspended(unit_id=OTHER_UNIT, reason="x")],
                ),
            },
            "unit-not-active",
            True,
        ),
        (
            {"cases_in_target_project": [fold(evolve_enrollment, ANOTHER_CASE_THERE)]},
            "enrolled-once-per-project",
            False,
        ),
        ({"transferred_on": date(2025, 6, 1)}, "transfer-before-placement-start", False),
        ({"transferred_on": ENROLLED_ON - timedelta(days=1)}, "transfer-before-enrollment", False),
    ],
    ids=[
        "unknown-project",
        "project-proposed",
        "project-closed",
        "unknown-unit",
        "unit-not-yet-active",
        "unit-suspended",
        "already-has-a-case-there",
        "before-the-placement-began",
        "applied-but-not-yet-enrolled-then",
    ],
)
def test_transfers_that_break_a_rule(overrides: dict[str, Any], rule: str, retryable: bool) -> None:
    given(evolve_enrollment, *enrolled()).rejects(transfer, rule=rule, retryable=retryable, **moving(**overrides))


def test_no_transfer_into_a_project_before_it_opened_for_enrollment() -> None:
    opened = [ProjectApproved(**at(OTHER_PROJECT, **OTHER_WHERE), on=TRANSFERRED_ON + timedelta(days=1))]
    opened_late = fold(evolve_project, [*proposed_project(OTHER_PROJECT, **OTHER_WHERE), *opened])

    error = given(evolve_enrollment, *enrolled()).rejects(
        transfer, rule="transfer-before-project-opened", **moving(to_project=opened_late)
    )
    assert f"opened for enrollment on {TRANSFERRED_ON + timedelta(days=1)}" in str(error)


@pytest.mark.parametrize(
    ("history", "was_enrolled"),
    [(applied(), False), (screened(), False), (enrolled(), True)],
    ids=["applied", "screened", "enrolled"],
)
def test_withdraw_a_case_with_a_reason(history: list[object], was_enrolled: bool) -> None:
    then = given(evolve_enrollment, *history).when(
        withdraw, reason=WithdrawalReason.FOUND_EMPLOYMENT, withdrawn_on=date(2025, 7, 1)
    )
    assert then.events == [withdrawn(was_enrolled=was_enrolled)]
    assert then.state is not None
    assert (then.state.status, then.state.withdrawal_reason) == (
        EnrollmentStatus.WITHDRAWN,
        WithdrawalReason.FOUND_EMPLOYMENT,
    )


def test_withdrawing_a_transferred_case_says_where_it_was() -> None:
    then = given(evolve_enrollment, *TRANSFERRED).when(
        withdraw, reason=WithdrawalReason.MOVED_AWAY, withdrawn_on=date(2025, 9, 1)
    )
    event = then.events[0]
    assert isinstance(event, EnrollmentWithdrawn)
    assert (event.project_id, event.unit_id, event.province_code, event.region) == (
        OTHER_PROJECT,
        OTHER_UNIT,
        OTHER_PROVINCE,
        OTHER_REGION,
    )


THE_DAY_BEFORE = timedelta(days=1)


@pytest.mark.parametrize(
    ("history", "withdrawn_on", "rule"),
    [
        (applied(), APPLIED_ON - THE_DAY_BEFORE, "withdrawn-before-application"),
        (screened(), APPLIED_ON - THE_DAY_BEFORE, "withdrawn-before-application"),
        (enrolled(), APPLIED_ON - THE_DAY_BEFORE, "withdrawn-before-application"),
        (enrolled(), ENROLLED_ON - THE_DAY_BEFORE, "withdrawn-before-enrollment"),
        (TRANSFERRED, ENROLLED_ON - THE_DAY_BEFORE, "withdrawn-before-enrollment"),
        (TRANSFERRED, TRANSFERRED_ON - THE_DAY_BEFORE, "withdrawn-before-placement-start"),
    ],
    ids=[
        "applied",
        "screened",
        "enrolled-before-applying",
        "enrolled",
        "transferred-before-enrolling",
        "transferred-before-the-transfer",
    ],
)
def test_a_withdrawal_is_not_dated_before_the_case_got_where_it_is(
    history: list[object], withdrawn_on: date, rule: str
) -> None:
    error = given(evolve_enrollment, *history).rejects(
        withdraw, rule=rule, reason=WithdrawalReason.OTHER, withdrawn_on=withdrawn_on
    )
    assert f"before, on {withdrawn_on}" in str(error)


@pytest.mark.parametrize(
    ("history", "withdrawn_on"),
    [
        (applied(), APPLIED_ON),
        (enrolled(), ENROLLED_ON),
        (TRANSFERRED, TRANSFERRED_ON),
        (screened(), SCREENED_ON - THE_DAY_BEFORE),
    ],
    ids=["on-the-application-day", "on-the-enrollment-day", "on-the-transfer-day", "before-a-later-dated-screening"],
)
def test_withdrawals_on_the_boundary_day_or_before_a_desk_screening(history: list[object], withdrawn_on: date) -> None:
    then = given(evolve_enrollment, *history).when(withdraw, reason=WithdrawalReason.OTHER, withdrawn_on=withdrawn_on)
    assert then.state is not None and then.state.status == EnrollmentStatus.WITHDRAWN


def test_a_case_is_withdrawn_once() -> None:
    given(evolve_enrollment, *enrolled(), withdrawn()).rejects(
        withdraw, rule="enrollment-transition-not-allowed", reason=WithdrawalReason.OTHER, withdrawn_on=date(2025, 8, 1)
    )


def test_transfer_or_withdraw_an_unknown_case() -> None:
    given(evolve_enrollment).rejects(transfer, rule="must-exist", **moving())
    given(evolve_enrollment).rejects(
        withdraw, rule="must-exist", reason=WithdrawalReason.OTHER, withdrawn_on=date(2025, 8, 1)
    )


@pytest.mark.parametrize(
    "unit_events",
    [
        [CareerDevelopmentUnitSuspended(unit_id=OTHER_UNIT, reason="audit")],
        [
            CareerDevelopmentUnitSuspended(unit_id=OTHER_UNIT, reason="x"),
            CareerDevelopmentUnitDeactivated(unit_id=OTHER_UNIT, reason="y"),
        ],
    ],
    ids=["suspended", "deactivated"],
)
def test_no_transfer_into_a_project_whose_unit_is_not_active(unit_events: list[object]) -> None:
    not_active = fold(evolve_unit, [*active_unit(OTHER_UNIT), *unit_events])
    given(evolve_enrollment, *enrolled()).rejects(
        transfer,
        rule="unit-not-active",
        retryable=len(unit_events) == 1,
        **moving(to_unit=not_active),
    )


def test_no_transfer_into_a_project_whose_criteria_the_baseline_misses() -> None:
    """Applying there directly would be screened out; a transfer is no way around its criteria."""
    stricter = fold(evolve_project, active_project(OTHER_PROJECT, **OTHER_WHERE))
    assert stricter is not None
    stricter = replace(stricter, eligibility=replace(stricter.eligibility, income_threshold_thb=Decimal("5000")))
    error = given(evolve_enrollment, *enrolled()).rejects(
        transfer, rule="transfer-target-criteria-not-met", **moving(to_project=stricter)
    )
    assert f"the criteria of project {OTHER_PROJECT}: income-above-threshold" in str(error)


def test_a_transfer_to_another_unit_of_the_same_project_is_not_screened_again() -> None:
    strict = fold(evolve_project, active_project())
    assert strict is not None
    strict = replace(strict, eligibility=replace(strict.eligibility, income_threshold_thb=Decimal("5000")))
    then = given(evolve_enrollment, *enrolled()).when(
        transfer, **moving(to_project=strict, to_project_id=PROJECT, to_unit_id=OTHER_UNIT)
    )
    assert then.state is not None and then.state.unit_id == OTHER_UNIT


# --- consent to take part ---------------------------------------------------------------------------


def without_consent_to_take_part() -> object:
    withdrawal = ConsentWithdrawn(
        participant_id=PARTICIPANT,
        purposes=(ConsentPurpose.PROGRAMME_PARTICIPATION,),
        withdrawn_at=datetime(2025, 7, 1, 9, 0, tzinfo=UTC),
    )
    return fold(evolve_participant, [*consenting_participant(), withdrawal])


def test_no_transfer_once_consent_to_take_part_is_withdrawn() -> None:
    """The case, and what it holds, would go to another unit without the participant's consent."""
    given(evolve_enrollment, *enrolled()).rejects(
        transfer, rule="consent-required", **moving(participant=without_consent_to_take_part())
    )


def test_a_case_in_the_programme_is_withdrawn_with_consent_to_take_part() -> None:
    then = given(evolve_enrollment, *enrolled()).when(withdraw_for_want_of_consent, withdrawn_on=date(2025, 7, 1))
    assert [(e.reason, e.withdrawn_on) for e in then.events if isinstance(e, EnrollmentWithdrawn)] == [
        (WithdrawalReason.CONSENT_WITHDRAWN, date(2025, 7, 1))
    ]
    assert then.state is not None and then.state.status is EnrollmentStatus.WITHDRAWN


@pytest.mark.parametrize(
    "history", [applied(), screened(), [*enrolled(), withdrawn()]], ids=["applied", "screened", "already-withdrawn"]
)
def test_a_case_not_in_the_programme_is_left_as_it_is_when_consent_is_withdrawn(history: list[object]) -> None:
    then = given(evolve_enrollment, *history).when(withdraw_for_want_of_consent, withdrawn_on=date(2025, 7, 1))
    assert then.events == []


def test_a_case_withdrawn_with_consent_to_take_part_stays_withdrawn_when_consent_is_given_again() -> None:
    left = given(evolve_enrollment, *enrolled()).when(withdraw_for_want_of_consent, withdrawn_on=date(2025, 7, 1))
    assert left_for_want_of_consent(left.state)


@pytest.mark.parametrize(
    "history", [enrolled(), [*enrolled(), withdrawn()]], ids=["in-the-programme", "withdrawn-for-another-reason"]
)
def test_only_a_case_withdrawn_with_consent_is_named_as_staying_withdrawn(history: list[object]) -> None:
    assert not left_for_want_of_consent(given(evolve_enrollment, *history).state)


@pytest.mark.parametrize(
    "history", [applied(), screened(), screened(passed=False)], ids=["applied", "screened-in", "screened-out"]
)
def test_an_open_application_is_withdrawn_as_a_duplicate_when_its_registration_is_merged(
    history: list[object],
) -> None:
    then = given(evolve_enrollment, *history).when(withdraw_as_duplicate, withdrawn_on=date(2025, 7, 1))
    assert [(e.reason, e.withdrawn_on, e.was_enrolled) for e in then.events if isinstance(e, EnrollmentWithdrawn)] == [
        (WithdrawalReason.DUPLICATE, date(2025, 7, 1), False)
    ]


@pytest.mark.parametrize(
    "history", [enrolled(), [*screened(), withdrawn(was_enrolled=False)]], ids=["enrolled", "already-withdrawn"]
)
def test_a_case_past_its_application_is_left_as_it_is_by_a_merge(history: list[object]) -> None:
    assert given(evolve_enrollment, *history).when(withdraw_as_duplicate, withdrawn_on=date(2025, 7, 1)).events == []


def test_a_merge_dated_before_the_application_is_refused_rather_than_withdrawing_it_before_it_existed() -> None:
    given(evolve_enrollment, *applied()).rejects(
        withdraw_as_duplicate, rule="withdrawn-before-application", withdrawn_on=APPLIED_ON - timedelta(days=1)
    )


# --- consent to be followed up ----------------------------------------------------------------------


def test_a_case_in_the_programme_tells_when_consent_to_be_followed_up_is_withdrawn_then_given_again() -> None:
    day = date(2025, 9, 1)
    withdrawn_then = given(evolve_enrollment, *enrolled()).when(note_follow_up_consent, consented=False, changed_on=day)
    assert withdrawn_then.events == [FollowUpConsentChanged(**case_at(), consented=False, changed_on=day)]
    after = given(evolve_enrollment, *enrolled(), *withdrawn_then.events)
    assert after.when(note_follow_up_consent, consented=False, changed_on=day).events == [], "told once"
    regiven = after.when(note_follow_up_consent, consented=True, changed_on=day + timedelta(days=9))
    assert [e.consented for e in regiven.events if isinstance(e, FollowUpConsentChanged)] == [True]


def test_a_case_not_in_the_programme_has_no_follow_up_consent_to_tell() -> None:
    for history in (applied(), [*enrolled(), withdrawn()]):
        then = given(evolve_enrollment, *history).when(
            note_follow_up_consent, consented=False, changed_on=date(2025, 9, 1)
        )
        assert then.events == []


def test_consent_to_be_followed_up_given_again_with_another_end_is_told_and_the_same_end_is_not() -> None:
    day, until = date(2025, 9, 1), date(2026, 6, 30)
    then = given(evolve_enrollment, *enrolled()).when(
        note_follow_up_consent, consented=True, changed_on=day, valid_until=until
    )
    assert then.events == [FollowUpConsentChanged(**case_at(), consented=True, changed_on=day, valid_until=until)]
    same = given(evolve_enrollment, *enrolled(), *then.events)
    assert same.when(note_follow_up_consent, consented=True, changed_on=day, valid_until=until).events == []
    no_end = same.when(note_follow_up_consent, consented=True, changed_on=day)
    assert [e.valid_until for e in no_end.events if isinstance(e, FollowUpConsentChanged)] == [None]
