"""Consent to be followed up (PDPA), as enrollment tells it: without it nobody follows the case up and
no outcome is recorded; given again, outcomes are recorded again."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pathways_outcomes.domain.case import (
    ClosureReason,
    EmploymentType,
    FollowUpConsentNoted,
    FollowUpMissed,
    complete_follow_up,
    evolve_case,
    mark_follow_up_missed,
    note_follow_up_consent,
    record_employment,
    schedule_follow_ups,
)
from pathways_outcomes.domain.follow_ups import FollowUpStatus, MissedReason
from tests.unit.outcomes.given import (
    COMPLETED_ON,
    DUE,
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    closed,
    follow_up_completed,
    given,
    scheduled,
    then_rejected,
)

WITHDRAWN_ON = DUE[3] + timedelta(days=10)  # the 3-month follow-up answered, the 6- and 12-month ones open
IDS: dict[str, Any] = {"enrollment_id": ENROLLMENT, "participant_id": PARTICIPANT, "project_id": PROJECT}
JOB: dict[str, Any] = {
    "employment_type": EmploymentType.WAGE,
    "related_to_training": True,
    "monthly_income_thb": Decimal(9000),
    "days_to_first_job": 20,
}


def noted(
    consented: bool, on: date = WITHDRAWN_ON, *, restored: bool = False, reopened: tuple[int, ...] = ()
) -> FollowUpConsentNoted:
    return FollowUpConsentNoted(**IDS, consented=consented, noted_on=on, restored=restored, reopened_months=reopened)


def missed(month: int, on: date = WITHDRAWN_ON) -> FollowUpMissed:
    return FollowUpMissed(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=month, missed_on=on,
        reason=MissedReason.CONSENT_WITHDRAWN,
    )  # fmt: skip


def test_withdrawn_consent_misses_the_open_follow_ups_and_no_outcome_is_recorded() -> None:
    state = given(evolve_case, scheduled(), follow_up_completed(3))

    events = note_follow_up_consent(state, **IDS, consented=False, noted_on=WITHDRAWN_ON)

    assert events == [noted(False), missed(6), missed(12)]
    after = given(evolve_case, scheduled(), follow_up_completed(3), *events)
    then_rejected(lambda: record_employment(after, enrollment_id=ENROLLMENT, **JOB), rule="follow-up-consent-withdrawn")
    assert note_follow_up_consent(after, **IDS, consented=False, noted_on=WITHDRAWN_ON) == [], "told once"


def test_consent_given_again_lets_outcomes_be_recorded_and_reopens_the_follow_ups_not_yet_due() -> None:
    history = [scheduled(), noted(False), missed(3), missed(6), missed(12)]
    again = note_follow_up_consent(given(evolve_case, *history), **IDS, consented=True, noted_on=WITHDRAWN_ON)

    assert again == [noted(True, restored=True, reopened=(6, 12))], "restored: integrators are told which reopen"
    state = given(evolve_case, *history, *again)
    assert state is not None
    assert state.follow_up_statuses(WITHDRAWN_ON) == {
        3: FollowUpStatus.MISSED,
        6: FollowUpStatus.SCHEDULED,
        12: FollowUpStatus.SCHEDULED,
    }
    assert record_employment(state, enrollment_id=ENROLLMENT, **JOB)


def test_follow_ups_missed_for_want_of_consent_and_due_on_or_after_the_restore_day_are_answered_again() -> None:
    withdrawn_on = COMPLETED_ON + timedelta(days=10)
    history = [scheduled(), noted(False, withdrawn_on), missed(3, withdrawn_on), missed(6, withdrawn_on)]
    history += [missed(12, withdrawn_on)]

    again = note_follow_up_consent(given(evolve_case, *history), **IDS, consented=True, noted_on=DUE[3])

    assert again == [noted(True, DUE[3], restored=True, reopened=(3, 6, 12))], "due on the restore day: reopened"
    state = given(evolve_case, *history, *again)
    assert complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=DUE[3])
    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=6, completed_on=DUE[3]),
        rule="follow-up-not-yet-due",
    )
    assert mark_follow_up_missed(
        state, enrollment_id=ENROLLMENT, month=6, missed_on=DUE[6], reason=MissedReason.NO_RESPONSE
    ), "open again: it may be missed again, for a reason of staff's"


def test_follow_ups_due_before_consent_was_given_again_stay_missed() -> None:
    history = [scheduled(), noted(False, COMPLETED_ON), missed(3, COMPLETED_ON), missed(6, COMPLETED_ON)]
    history += [missed(12, COMPLETED_ON)]
    restored_on = DUE[6] + timedelta(days=1)

    again = note_follow_up_consent(given(evolve_case, *history), **IDS, consented=True, noted_on=restored_on)

    assert again == [noted(True, restored_on, restored=True, reopened=(12,))]
    state = given(evolve_case, *history, *again)
    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=6, completed_on=restored_on),
        rule="follow-up-missed",
    )


def test_a_follow_up_staff_marked_missed_is_not_reopened_when_consent_is_given_again() -> None:
    lost = FollowUpMissed(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=3, missed_on=DUE[3], reason=MissedReason.UNREACHABLE
    )
    history = [scheduled(), lost, noted(False), missed(6), missed(12)]

    again = note_follow_up_consent(given(evolve_case, *history), **IDS, consented=True, noted_on=WITHDRAWN_ON)

    assert again == [noted(True, restored=True, reopened=(6, 12))]
    state = given(evolve_case, *history, *again)
    assert state is not None and state.follow_up_statuses(WITHDRAWN_ON)[3] is FollowUpStatus.MISSED


def test_consent_given_again_after_its_last_day_passed_reopens_the_same_way() -> None:
    until = DUE[3] - timedelta(days=1)
    ended = note_follow_up_consent(
        given(evolve_case, scheduled()), **IDS, consented=True, noted_on=COMPLETED_ON, valid_until=until
    )
    history = [scheduled(), *ended, noted(False, DUE[3]), missed(3, DUE[3]), missed(6, DUE[3]), missed(12, DUE[3])]

    again = note_follow_up_consent(given(evolve_case, *history), **IDS, consented=True, noted_on=DUE[6])

    assert again == [noted(True, DUE[6], restored=True, reopened=(6, 12))], "the 3-month one was due before"
    state = given(evolve_case, *history, *again)
    assert complete_follow_up(state, enrollment_id=ENROLLMENT, month=6, completed_on=DUE[6])


def test_consent_given_again_reopens_nothing_in_a_closed_case() -> None:
    history = [scheduled(), noted(False), missed(6), missed(12), closed(on=WITHDRAWN_ON, reason=ClosureReason.OTHER)]

    again = note_follow_up_consent(given(evolve_case, *history), **IDS, consented=True, noted_on=WITHDRAWN_ON)

    assert again == [noted(True, restored=True)], "a closed case takes no outcome whatever the consent"


def test_a_completion_learned_after_consent_was_withdrawn_schedules_follow_ups_missed_at_once() -> None:
    """Before training ended: the case is made to keep it, and every reader counts its follow-ups missed."""
    before_completion = COMPLETED_ON - timedelta(days=5)
    consent = note_follow_up_consent(None, **IDS, consented=False, noted_on=before_completion)
    assert consent == [noted(False, before_completion)]

    events = schedule_follow_ups(given(evolve_case, *consent), **IDS, completed_on=COMPLETED_ON)

    assert events == [scheduled(), missed(3, COMPLETED_ON), missed(6, COMPLETED_ON), missed(12, COMPLETED_ON)]


def test_consent_a_case_always_had_is_nothing_to_note() -> None:
    assert note_follow_up_consent(None, **IDS, consented=True, noted_on=WITHDRAWN_ON) == []
    assert note_follow_up_consent(given(evolve_case, scheduled()), **IDS, consented=True, noted_on=WITHDRAWN_ON) == []


def test_after_the_last_day_consent_covers_no_outcome_is_recorded_until_it_is_given_again() -> None:
    until = DUE[6] - timedelta(days=1)
    told = note_follow_up_consent(
        given(evolve_case, scheduled()), **IDS, consented=True, noted_on=COMPLETED_ON, valid_until=until
    )
    assert told == [FollowUpConsentNoted(**IDS, consented=True, noted_on=COMPLETED_ON, valid_until=until)]
    state = given(evolve_case, scheduled(), *told)
    assert record_employment(state, enrollment_id=ENROLLMENT, **JOB, observed_on=until)
    then_rejected(
        lambda: record_employment(state, enrollment_id=ENROLLMENT, **JOB, observed_on=DUE[6]),
        rule="follow-up-consent-expired",
    )
    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=6, completed_on=DUE[6]),
        rule="follow-up-consent-expired",
    )
    renewed = note_follow_up_consent(state, **IDS, consented=True, noted_on=DUE[6])
    assert renewed == [FollowUpConsentNoted(**IDS, consented=True, noted_on=DUE[6], restored=True)], "no end any more"
    after = given(evolve_case, scheduled(), *told, *renewed)
    assert complete_follow_up(after, enrollment_id=ENROLLMENT, month=6, completed_on=DUE[6])
    assert note_follow_up_consent(after, **IDS, consented=True, noted_on=DUE[6]) == [], "told once"


def test_consent_given_again_while_in_training_is_restored_before_any_follow_up() -> None:
    withdrawn = note_follow_up_consent(None, **IDS, consented=False, noted_on=COMPLETED_ON - timedelta(days=9))

    again = note_follow_up_consent(given(evolve_case, *withdrawn), **IDS, consented=True, noted_on=COMPLETED_ON)

    assert again == [noted(True, COMPLETED_ON, restored=True)]


def test_an_end_told_at_enrollment_or_moved_before_it_passed_restores_nothing() -> None:
    until = DUE[6] - timedelta(days=1)
    at_enrollment = note_follow_up_consent(None, **IDS, consented=True, noted_on=COMPLETED_ON, valid_until=until)
    state = given(evolve_case, scheduled(), *at_enrollment)

    moved = note_follow_up_consent(state, **IDS, consented=True, noted_on=until, valid_until=DUE[12])

    assert at_enrollment == [FollowUpConsentNoted(**IDS, consented=True, noted_on=COMPLETED_ON, valid_until=until)]
    assert moved == [FollowUpConsentNoted(**IDS, consented=True, noted_on=until, valid_until=DUE[12])], (
        "given again on its last day: it had not ended, so outcomes never stopped"
    )
