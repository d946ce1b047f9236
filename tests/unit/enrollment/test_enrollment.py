"""The enrollment case up to enrollment: Applied → Screened → Enrolled, and the rules on the way."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from pathways_enrollment.domain.consent import ConsentPurpose, ConsentWithdrawn
from pathways_enrollment.domain.enrollment import (
    BaselineProfileRecorded,
    EnrollmentApplied,
    EnrollmentStatus,
    EnrollmentTransferred,
    EnrollmentWithdrawn,
    ParticipantEnrolled,
    ParticipantScreened,
    TrainingEnd,
    TrainingEndNoted,
    TransferReason,
    WithdrawalReason,
    apply_for_enrollment,
    enroll,
    evolve_enrollment,
    record_baseline,
    screen,
)
from pathways_enrollment.domain.participant import (
    DuplicateResolution,
    ParticipantDuplicateResolved,
    ParticipantErased,
    ParticipantFlaggedAsPotentialDuplicate,
    Sex,
    evolve_participant,
)
from pathways_enrollment.domain.project import (
    ProjectActivated,
    ProjectApproved,
    ProjectClosed,
    ProjectRejected,
    ProjectTerminated,
    evolve_project,
)
from pathways_enrollment.domain.screening import EligibilityCriteria, EmploymentStatus, ScreeningReason
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitSuspended,
    evolve_unit,
)
from tests.unit.enrollment.facts import (
    AGE_BAND,
    APPLIED_ON,
    BORN,
    CASE,
    CONSENTED_AT,
    ENROLLED_ON,
    NOTICE,
    OTHER_PARTICIPANT,
    PARTICIPANT,
    PROJECT,
    SCREENED_ON,
    UNIT,
    active_project,
    active_unit,
    applied,
    approved_project,
    assessed,
    at,
    case_at,
    consented,
    consenting_participant,
    enrolled,
    profile,
    proposed_project,
    registered,
    screened,
    uid,
    with_baseline,
)
from tests.unit.enrollment.given import fold, given

ACTIVE_PROJECT = fold(evolve_project, active_project())
ACTIVE_UNIT = fold(evolve_unit, active_unit())
PARTICIPANT_STATE = fold(evolve_participant, consenting_participant())
FLAG = ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT)
MERGE = ParticipantDuplicateResolved(
    participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
)
ERASED = ParticipantErased(participant_id=PARTICIPANT, erased_on=APPLIED_ON)
WITHDRAW_PARTICIPATION = ConsentWithdrawn(
    participant_id=PARTICIPANT,
    purposes=(ConsentPurpose.PROGRAMME_PARTICIPATION,),
    withdrawn_at=CONSENTED_AT + timedelta(days=5),
)


def participant(*events: object) -> object:
    return fold(evolve_participant, events)


def project(*events: object) -> object:
    return fold(evolve_project, events)


def application(**overrides: Any) -> dict[str, Any]:
    command = {
        "enrollment_id": CASE,
        "participant": PARTICIPANT_STATE,
        "participant_id": PARTICIPANT,
        "project": ACTIVE_PROJECT,
        "project_id": PROJECT,
        "unit": ACTIVE_UNIT,
        "applied_on": APPLIED_ON,
    }
    return {**command, **overrides}


def enrollment(**overrides: Any) -> dict[str, Any]:
    command = {
        "participant": PARTICIPANT_STATE,
        "project": ACTIVE_PROJECT,
        "unit": ACTIVE_UNIT,
        "enrolled_on": ENROLLED_ON,
    }
    return {**command, **overrides}


def screening(**overrides: Any) -> dict[str, Any]:
    return {"criteria": EligibilityCriteria(), "date_of_birth": BORN, "screened_on": SCREENED_ON, **overrides}


CLOSED = project(*active_project(), ProjectClosed(**at()))
REJECTED = project(*proposed_project(), ProjectRejected(**at(), reason="x"))
TERMINATED = project(*active_project(), ProjectTerminated(**at(), reason="x"))
PROPOSED = project(*proposed_project())


# --- applying -----------------------------------------------------------------------------------


def test_apply_opens_a_case_where_the_project_is() -> None:
    then = given(evolve_enrollment).when(apply_for_enrollment, **application())
    assert then.events == [EnrollmentApplied(**case_at(), applied_on=APPLIED_ON)]
    assert then.state is not None
    assert then.state.status == EnrollmentStatus.APPLIED
    assert then.state.placement.since == APPLIED_ON


def test_apply_to_an_approved_project_not_yet_started() -> None:
    assert (
        given(evolve_enrollment).when(apply_for_enrollment, **application(project=project(*approved_project()))).events
    )


def closed_on(day: date) -> object:
    opened = [*proposed_project(), *assessed(), ProjectApproved(**at(), on=date(2025, 4, 1))]
    return project(*opened, ProjectActivated(**at(), on=date(2025, 5, 1)), ProjectClosed(**at(), on=day))


def test_a_form_dated_while_the_project_was_open_is_taken_after_it_closed() -> None:
    """Paper forms are typed in late: what happened while the project was open still counts."""
    later = given(evolve_enrollment).when(apply_for_enrollment, **application(project=closed_on(date(2025, 7, 1))))
    assert later.events == [EnrollmentApplied(**case_at(), applied_on=APPLIED_ON)]


def test_a_form_dated_on_or_after_the_closing_day_is_refused_naming_it() -> None:
    error = given(evolve_enrollment).rejects(
        apply_for_enrollment, rule="project-not-open-for-enrollment", **application(project=closed_on(APPLIED_ON))
    )
    assert f"CLOSED since {APPLIED_ON}" in str(error) and f"(not on {APPLIED_ON})" in str(error)


def test_a_potential_duplicate_may_apply_while_it_is_checked() -> None:
    flagged = participant(*consenting_participant(), FLAG)
    assert given(evolve_enrollment).when(apply_for_enrollment, **application(participant=flagged)).events


@pytest.mark.parametrize(
    ("overrides", "rule", "retryable"),
    [
        ({"participant": None}, "must-exist", False),
        ({"project": None}, "must-exist", False),
        (
            {"participant": participant(*consenting_participant(), FLAG, MERGE)},
            "merged-participant-cannot-enroll",
            False,
        ),
        ({"participant": participant(*consenting_participant(), ERASED)}, "participant-erased", False),
        ({"project": PROPOSED}, "project-not-open-for-enrollment", True),
        ({"project": CLOSED}, "project-not-open-for-enrollment", False),
        ({"project": REJECTED}, "project-not-open-for-enrollment", False),
        ({"project": TERMINATED}, "project-not-open-for-enrollment", False),
        ({"participant": participant(registered())}, "consent-required", False),
        ({"participant": participant(*consenting_participant(), WITHDRAW_PARTICIPATION)}, "consent-required", False),
        (
            {"participant": participant(registered(), consented(purposes=(ConsentPurpose.OUTCOME_FOLLOW_UP,)))},
            "consent-required",
            False,
        ),
        (
            {"participant": participant(registered(), consented(valid_until=date(2025, 6, 1)))},
            "consent-required",
            False,
        ),
        ({"applied_on": date(2025, 5, 29)}, "consent-required", False),
        (
            {"cases_in_project": [fold(evolve_enrollment, [*applied()][:1])], "enrollment_id": uid("new case")},
            "enrolled-once-per-project",
            False,
        ),
    ],
    ids=[
        "unknown-participant",
        "unknown-project",
        "merged-participant",
        "erased-participant",
        "project-proposed",
        "project-closed",
        "project-rejected",
        "project-terminated",
        "no-consent",
        "consent-withdrawn",
        "consent-for-another-purpose",
        "consent-expired",
        "applied-before-consent",
        "participant-has-a-case-in-the-project",
    ],
)
def test_applications_that_break_a_rule(overrides: dict[str, Any], rule: str, retryable: bool) -> None:
    given(evolve_enrollment).rejects(apply_for_enrollment, rule=rule, retryable=retryable, **application(**overrides))


def test_one_case_per_participant_and_project() -> None:
    given(evolve_enrollment, *applied()).rejects(
        apply_for_enrollment, rule="enrolled-once-per-project", **application()
    )


# --- baseline and screening ----------------------------------------------------------------------


def test_record_the_baseline_profile() -> None:
    then = given(evolve_enrollment, *applied()).when(record_baseline, profile=profile())
    assert then.events == [BaselineProfileRecorded(**case_at(), profile=profile())]
    assert then.state is not None and then.state.baseline == profile()


def test_a_corrected_baseline_calls_for_a_new_screening() -> None:
    then = given(evolve_enrollment, *screened()).when(
        record_baseline, profile=profile(monthly_income_thb=Decimal(7000))
    )
    assert then.state is not None
    assert (then.state.status, then.state.screening) == (EnrollmentStatus.APPLIED, None)


@pytest.mark.parametrize("income", ["-1", "NaN"], ids=["negative", "not-a-number"])
def test_income_is_an_amount_of_baht(income: str) -> None:
    given(evolve_enrollment, *applied()).rejects(
        record_baseline, rule="monthly-income-invalid", profile=profile(monthly_income_thb=Decimal(income))
    )


@pytest.mark.parametrize(
    "history",
    [
        enrolled(),
        [
            *applied(),
            EnrollmentWithdrawn(
                **case_at(), reason=WithdrawalReason.OTHER, withdrawn_on=APPLIED_ON, was_enrolled=False
            ),
        ],
    ],
    ids=["enrolled", "withdrawn"],
)
def test_the_baseline_is_fixed_once_enrolled(history: list[object]) -> None:
    given(evolve_enrollment, *history).rejects(
        record_baseline, rule="baseline-only-before-enrollment", profile=profile()
    )


def test_screening_passes_and_records_the_threshold_used() -> None:
    then = given(evolve_enrollment, *with_baseline()).when(screen, **screening())
    assert then.events == [
        ParticipantScreened(
            **case_at(), screened_on=SCREENED_ON, passed=True, reasons=(), income_threshold_thb=Decimal("15000")
        )
    ]
    assert then.state is not None and then.state.status == EnrollmentStatus.SCREENED


def test_screening_fails_with_its_reasons() -> None:
    history = with_baseline(
        monthly_income_thb=Decimal("20000"), employment_status=EmploymentStatus.EMPLOYED, informal_worker=False
    )
    then = given(evolve_enrollment, *history).when(screen, **screening())
    assert then.events == [
        ParticipantScreened(
            **case_at(),
            screened_on=SCREENED_ON,
            passed=False,
            reasons=(ScreeningReason.INCOME_ABOVE_THRESHOLD, ScreeningReason.NOT_IN_TARGET_GROUP),
            income_threshold_thb=Decimal("15000"),
        )
    ]


def test_screening_uses_the_projects_threshold() -> None:
    then = given(evolve_enrollment, *with_baseline()).when(
        screen, **screening(criteria=EligibilityCriteria(income_threshold_thb=Decimal("6000")))
    )
    event = then.events[0]
    assert isinstance(event, ParticipantScreened)
    assert (event.passed, event.reasons, event.income_threshold_thb) == (
        False,
        (ScreeningReason.INCOME_ABOVE_THRESHOLD,),
        Decimal("6000"),
    )


def test_screening_again_after_a_failed_screening() -> None:
    then = given(evolve_enrollment, *screened(passed=False)).when(screen, **screening())
    assert then.state is not None and then.state.screening is not None and then.state.screening.passed


def test_screening_is_not_dated_before_the_application() -> None:
    error = given(evolve_enrollment, *with_baseline()).rejects(
        screen, rule="screened-before-application", **screening(screened_on=APPLIED_ON - timedelta(days=1))
    )
    assert f"{APPLIED_ON}" in str(error) and f"{APPLIED_ON - timedelta(days=1)}" in str(error)


def test_screening_on_the_day_of_the_application() -> None:
    assert given(evolve_enrollment, *with_baseline()).when(screen, **screening(screened_on=APPLIED_ON)).events


def test_screening_needs_a_baseline() -> None:
    given(evolve_enrollment, *applied()).rejects(screen, rule="baseline-required", **screening())


def test_an_enrolled_case_is_not_screened_again() -> None:
    given(evolve_enrollment, *enrolled()).rejects(screen, rule="enrollment-transition-not-allowed", **screening())


@pytest.mark.parametrize(
    ("decision", "command"),
    [(record_baseline, {"profile": profile()}), (screen, screening())],
    ids=["baseline", "screen"],
)
def test_commands_for_an_unknown_case(decision: Any, command: dict[str, Any]) -> None:
    given(evolve_enrollment).rejects(decision, rule="must-exist", **command)


# --- enrolling -----------------------------------------------------------------------------------


def test_enroll_a_screened_participant_with_consent() -> None:
    then = given(evolve_enrollment, *screened()).when(enroll, **enrollment())
    assert then.events == [
        ParticipantEnrolled(
            **case_at(),
            enrolled_on=ENROLLED_ON,
            consent_notice_version=NOTICE,
            screened_on=SCREENED_ON,
            baseline=profile(),
            sex=Sex.FEMALE,
            age_band=AGE_BAND,
            follow_up_consented=True,
        )
    ]
    assert then.state is not None
    assert (then.state.status, then.state.enrolled_on) == (EnrollmentStatus.ENROLLED, ENROLLED_ON)
    assert then.state.placements[0].since == APPLIED_ON


def test_a_participant_registered_without_an_age_band_enrolls_with_none() -> None:
    unbanded = participant(registered(age_band=None), consented())
    then = given(evolve_enrollment, *screened()).when(enroll, **enrollment(participant=unbanded))
    [enrolled_event] = then.events
    assert isinstance(enrolled_event, ParticipantEnrolled)
    assert (enrolled_event.sex, enrolled_event.age_band) == (Sex.FEMALE, None)


def test_enroll_in_an_approved_project_not_yet_started() -> None:
    approved = project(*approved_project())
    assert given(evolve_enrollment, *screened()).when(enroll, **enrollment(project=approved)).events


def test_a_resolved_potential_duplicate_may_enroll() -> None:
    cleared = participant(
        *consenting_participant(),
        FLAG,
        ParticipantDuplicateResolved(
            participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.NOT_A_DUPLICATE
        ),
    )
    assert given(evolve_enrollment, *screened()).when(enroll, **enrollment(participant=cleared)).events


@pytest.mark.parametrize(
    ("history", "overrides", "rule", "retryable"),
    [
        (screened(), {"participant": None}, "must-exist", False),
        (screened(), {"project": None}, "must-exist", False),
        (
            screened(),
            {"participant": participant(*consenting_participant(), FLAG, MERGE)},
            "merged-participant-cannot-enroll",
            False,
        ),
        (
            screened(),
            {"participant": participant(*consenting_participant(), FLAG)},
            "potential-duplicate-unresolved",
            True,
        ),
        (screened(), {"participant": participant(*consenting_participant(), ERASED)}, "participant-erased", False),
        (screened(), {"project": PROPOSED}, "project-not-open-for-enrollment", True),
        (screened(), {"project": CLOSED}, "project-not-open-for-enrollment", False),
        (screened(), {"project": TERMINATED}, "project-not-open-for-enrollment", False),
        ([], {}, "must-exist", False),
        (applied(), {}, "passed-screening-required", False),
        (with_baseline(), {}, "passed-screening-required", False),
        (screened(passed=False), {}, "passed-screening-required", False),
        (
            [*screened(), BaselineProfileRecorded(**case_at(), profile=profile())],
            {},
            "passed-screening-required",
            False,
        ),
        (
            screened(),
            {"participant": participant(*consenting_participant(), WITHDRAW_PARTICIPATION)},
            "consent-required",
            False,
        ),
        (
            screened(),
            {"participant": participant(registered(), consented(valid_until=date(2025, 6, 8)))},
            "consent-required",
            False,
        ),
    ],
    ids=[
        "unknown-participant",
        "unknown-project",
        "merged-participant",
        "unresolved-potential-duplicate",
        "erased-since-applying",
        "project-proposed",
        "project-closed",
        "project-terminated",
        "no-case",
        "not-screened",
        "baseline-but-not-screened",
        "failed-screening",
        "baseline-changed-after-screening",
        "consent-withdrawn-since-application",
        "consent-expired-by-enrollment-day",
    ],
)
def test_enrollments_that_break_a_rule(
    history: list[object], overrides: dict[str, Any], rule: str, retryable: bool
) -> None:
    given(evolve_enrollment, *history).rejects(enroll, rule=rule, retryable=retryable, **enrollment(**overrides))


def test_a_screened_out_case_is_refused_naming_the_case_what_it_missed_and_how_to_screen_again() -> None:
    error = given(evolve_enrollment, *screened(passed=False)).rejects(
        enroll, rule="passed-screening-required", **enrollment()
    )
    message = str(error)
    assert f"enrollment {CASE} was screened out of project {PROJECT} on {SCREENED_ON} (income-above-threshold)" in (
        message
    )
    assert f"record its baseline again (POST /enrollments/{CASE}/baseline)" in message
    assert f"then screen it again (POST /enrollments/{CASE}/screening)" in message
    assert "date of birth" not in message, "income is not a matter of the date of birth"


def test_a_case_screened_out_on_age_is_told_to_rectify_the_date_of_birth() -> None:
    too_young = ParticipantScreened(
        **case_at(),
        screened_on=SCREENED_ON,
        passed=False,
        reasons=(ScreeningReason.BELOW_WORKING_AGE,),
        income_threshold_thb=Decimal("15000"),
    )
    message = str(
        given(evolve_enrollment, *with_baseline(), too_young).rejects(
            enroll, rule="passed-screening-required", **enrollment()
        )
    )
    assert "(below-working-age)" in message
    rectify = f"POST /participants/{PARTICIPANT}/personal-data/rectification"
    assert f"rectify the participant's date of birth ({rectify})" in message
    assert "record its baseline again" not in message, "the baseline holds no age"


def test_a_case_not_screened_on_its_current_baseline_is_told_to_screen_it() -> None:
    rerecorded = [*screened(), BaselineProfileRecorded(**case_at(), profile=profile())]
    refused = given(evolve_enrollment, *rerecorded).rejects(enroll, rule="passed-screening-required", **enrollment())
    message = str(refused)
    assert f"enrollment {CASE} has not been screened for project {PROJECT} on its current baseline" in message
    assert f"screen it (POST /enrollments/{CASE}/screening)" in message


def test_enrollment_is_not_dated_before_the_screening_it_passed() -> None:
    error = given(evolve_enrollment, *screened()).rejects(
        enroll, rule="enrolled-before-screening", **enrollment(enrolled_on=APPLIED_ON)
    )
    assert f"{SCREENED_ON}" in str(error) and f"{APPLIED_ON}" in str(error)


def test_enrollment_on_the_day_of_the_screening() -> None:
    assert given(evolve_enrollment, *screened()).when(enroll, **enrollment(enrolled_on=SCREENED_ON)).events


def test_enrollment_is_not_dated_before_the_application_even_when_an_old_screening_was() -> None:
    screened_before_the_rule = ParticipantScreened(
        **case_at(),
        screened_on=APPLIED_ON - timedelta(days=2),
        passed=True,
        reasons=(),
        income_threshold_thb=Decimal("15000"),
    )
    given(evolve_enrollment, *with_baseline(), screened_before_the_rule).rejects(
        enroll, rule="enrolled-before-application", **enrollment(enrolled_on=APPLIED_ON - timedelta(days=1))
    )


def test_unknown_participants_and_projects_are_named() -> None:
    error = given(evolve_enrollment, *screened()).rejects(enroll, rule="must-exist", **enrollment(participant=None))
    assert f"participant {PARTICIPANT} is not registered" in str(error)


@pytest.mark.parametrize(
    "history",
    [
        enrolled(),
        [
            *enrolled(),
            EnrollmentTransferred(
                **case_at(),
                from_project_id=PROJECT,
                from_unit_id=None,
                from_province_code="TH-50",
                from_region="NORTH",
                transferred_on=date(2025, 7, 1),
                reason=TransferReason.OTHER,
            ),
        ],
        [
            *enrolled(),
            EnrollmentWithdrawn(
                **case_at(), reason=WithdrawalReason.OTHER, withdrawn_on=date(2025, 7, 1), was_enrolled=True
            ),
        ],
    ],
    ids=["enrolled", "transferred", "withdrawn-after-enrollment"],
)
def test_enrolled_once_per_project(history: list[object]) -> None:
    given(evolve_enrollment, *history).rejects(enroll, rule="enrolled-once-per-project", **enrollment())


def test_an_application_withdrawn_before_enrollment_is_not_enrolled() -> None:
    withdrawn = EnrollmentWithdrawn(
        **case_at(), reason=WithdrawalReason.OTHER, withdrawn_on=APPLIED_ON, was_enrolled=False
    )
    given(evolve_enrollment, *screened(), withdrawn).rejects(
        enroll, rule="enrollment-transition-not-allowed", **enrollment()
    )


# --- the unit that runs the case ------------------------------------------------------------------

SUSPENDED_UNIT = fold(evolve_unit, [*active_unit(), CareerDevelopmentUnitSuspended(unit_id=UNIT, reason="audit")])
DEACTIVATED_UNIT = fold(evolve_unit, [*active_unit(), CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="closed")])


@pytest.mark.parametrize(
    ("unit", "retryable"), [(SUSPENDED_UNIT, True), (DEACTIVATED_UNIT, False)], ids=["suspended", "deactivated"]
)
def test_a_unit_that_is_not_active_takes_no_application_and_enrolls_no_one(unit: object, retryable: bool) -> None:
    """Its projects stay approved or active on paper; the unit that would run the case is what stops intake."""
    error = given(evolve_enrollment).rejects(
        apply_for_enrollment, rule="unit-not-active", retryable=retryable, **application(unit=unit)
    )
    assert "it must be ACTIVE to take participants in" in str(error)
    given(evolve_enrollment, *screened()).rejects(
        enroll, rule="unit-not-active", retryable=retryable, **enrollment(unit=unit)
    )


def test_an_enrollment_tells_whether_the_participant_consented_to_be_followed_up() -> None:
    only_taking_part = participant(registered(), consented(purposes=(ConsentPurpose.PROGRAMME_PARTICIPATION,)))
    then = given(evolve_enrollment, *screened()).when(enroll, **enrollment(participant=only_taking_part))
    [enrolled_event] = then.events
    assert isinstance(enrolled_event, ParticipantEnrolled) and enrolled_event.follow_up_consented is False


def test_an_enrollment_tells_the_last_day_the_consent_to_be_followed_up_covers() -> None:
    until = date(2026, 12, 31)
    with_an_end = participant(registered(), consented(valid_until=until))
    then = given(evolve_enrollment, *screened()).when(enroll, **enrollment(participant=with_an_end))
    [enrolled_event] = then.events
    assert isinstance(enrolled_event, ParticipantEnrolled)
    assert (enrolled_event.follow_up_consented, enrolled_event.follow_up_consent_until) == (True, until)


def test_no_application_dated_before_the_participant_registered() -> None:
    registered_late = participant(replace(registered(), registered_on=APPLIED_ON + timedelta(days=1)), consented())
    error = given(evolve_enrollment).rejects(
        apply_for_enrollment, rule="applied-before-registration", **application(participant=registered_late)
    )
    assert f"registered on {APPLIED_ON + timedelta(days=1)}; they cannot have applied before" in str(error)


def test_no_application_dated_before_the_project_opened_for_enrollment() -> None:
    opened_late = project(*proposed_project(), *assessed(), ProjectApproved(**at(), on=APPLIED_ON + timedelta(days=1)))
    error = given(evolve_enrollment).rejects(
        apply_for_enrollment, rule="applied-before-project-opened", **application(project=opened_late)
    )
    assert f"opened for enrollment on {APPLIED_ON + timedelta(days=1)}" in str(error)
    on_the_day = project(*proposed_project(), *assessed(), ProjectApproved(**at(), on=APPLIED_ON))
    assert given(evolve_enrollment).when(apply_for_enrollment, **application(project=on_the_day)).events


def in_training_elsewhere(*, ended_on: date | None = None) -> object:
    """The participant's case in another project, enrolled on ENROLLED_ON; its training ended on ``ended_on``."""
    ended = [] if ended_on is None else [TrainingEndNoted(**case_at(), how=TrainingEnd.COMPLETED, ended_on=ended_on)]
    other = fold(evolve_enrollment, [*enrolled(), *ended])
    assert other is not None
    return replace(other, id=uid("case in another project"))


def test_a_participant_in_training_in_another_project_is_not_enrolled_again() -> None:
    error = given(evolve_enrollment, *screened()).rejects(
        enroll, rule="in-training-elsewhere", **enrollment(other_cases=[in_training_elsewhere()])
    )
    assert "transfer that case" in str(error)


def test_a_participant_whose_training_elsewhere_ended_takes_another_course() -> None:
    done = in_training_elsewhere(ended_on=ENROLLED_ON - timedelta(days=1))
    assert given(evolve_enrollment, *screened()).when(enroll, **enrollment(other_cases=[done])).events
