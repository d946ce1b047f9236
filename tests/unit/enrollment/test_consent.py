"""Consent (PDPA): per purpose, for a notice version, withdrawable, possibly expiring."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pathways_enrollment.domain.consent import ConsentGranted, ConsentPurpose, ConsentWithdrawn
from pathways_enrollment.domain.participant import (
    DuplicateResolution,
    ParticipantDuplicateResolved,
    ParticipantFlaggedAsPotentialDuplicate,
    evolve_participant,
    grant_consent,
    withdraw_consent,
)
from tests.unit.enrollment.facts import CONSENTED_AT, NOTICE, OTHER_PARTICIPANT, PARTICIPANT, consented, registered
from tests.unit.enrollment.given import given

PARTICIPATION = ConsentPurpose.PROGRAMME_PARTICIPATION
FOLLOW_UP = ConsentPurpose.OUTCOME_FOLLOW_UP
LATER = CONSENTED_AT + timedelta(days=30)
MERGED = [
    registered(),
    ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT),
    ParticipantDuplicateResolved(
        participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
    ),
]


def test_grant_consent_for_purposes_under_a_notice_version() -> None:
    then = given(evolve_participant, registered()).when(
        grant_consent,
        purposes=[PARTICIPATION, FOLLOW_UP, PARTICIPATION],
        notice_version=f" {NOTICE} ",
        granted_at=CONSENTED_AT,
    )
    assert then.events == [consented()]
    assert then.state is not None
    assert then.state.consents_to(PARTICIPATION, on=CONSENTED_AT.date())
    assert not then.state.consents_to(ConsentPurpose.SENSITIVE_DATA, on=CONSENTED_AT.date())


def test_consent_covers_days_from_its_grant_to_its_expiry() -> None:
    expiring = consented(valid_until=date(2025, 12, 31))
    participant = given(evolve_participant, registered(), expiring).state
    assert participant is not None
    assert not participant.consents_to(PARTICIPATION, on=date(2025, 5, 29))
    assert participant.consents_to(PARTICIPATION, on=date(2025, 5, 30))
    assert participant.consents_to(PARTICIPATION, on=date(2025, 12, 31))
    assert not participant.consents_to(PARTICIPATION, on=date(2026, 1, 1))


@pytest.mark.parametrize(
    ("granted_at", "first_day_covered"),
    [
        (datetime(2025, 5, 2, 0, 30, tzinfo=timezone(timedelta(hours=9))), date(2025, 5, 1)),  # 22:30 in Thailand
        (datetime(2025, 5, 1, 20, 0, tzinfo=UTC), date(2025, 5, 2)),  # 03:00 the next day in Thailand
    ],
    ids=["sent-from-a-later-offset", "sent-in-utc"],
)
def test_consent_counts_from_the_thai_day_it_was_granted_whatever_offset_it_came_with(
    granted_at: datetime, first_day_covered: date
) -> None:
    participant = given(evolve_participant, registered(), consented(granted_at=granted_at)).state
    assert participant is not None
    assert not participant.consents_to(PARTICIPATION, on=first_day_covered - timedelta(days=1))
    assert participant.consents_to(PARTICIPATION, on=first_day_covered)


@pytest.mark.parametrize(
    ("purposes", "notice_version", "valid_until", "rule"),
    [
        ([], NOTICE, None, "consent-purpose-required"),
        ([PARTICIPATION], " ", None, "notice-required"),
        ([PARTICIPATION], NOTICE, date(2025, 5, 29), "consent-expires-before-granted"),
    ],
    ids=["no-purpose", "no-notice", "expires-before-granted"],
)
def test_consent_that_breaks_a_rule(
    purposes: list[ConsentPurpose], notice_version: str, valid_until: date | None, rule: str
) -> None:
    given(evolve_participant, registered()).rejects(
        grant_consent,
        rule=rule,
        purposes=purposes,
        notice_version=notice_version,
        granted_at=CONSENTED_AT,
        valid_until=valid_until,
    )


def test_a_merged_participant_gives_no_new_consent() -> None:
    given(evolve_participant, *MERGED).rejects(
        grant_consent, rule="participant-merged", purposes=[PARTICIPATION], notice_version=NOTICE, granted_at=LATER
    )


def test_withdraw_consent_for_one_purpose() -> None:
    then = given(evolve_participant, registered(), consented()).when(
        withdraw_consent, purposes=[FOLLOW_UP], withdrawn_at=LATER
    )
    assert then.events == [ConsentWithdrawn(participant_id=PARTICIPANT, purposes=(FOLLOW_UP,), withdrawn_at=LATER)]
    assert then.state is not None
    assert not then.state.consents_to(FOLLOW_UP, on=LATER.date())
    assert then.state.consents_to(PARTICIPATION, on=LATER.date())


def test_a_merged_participant_can_still_withdraw_consent() -> None:
    assert (
        given(evolve_participant, *MERGED[:1], consented(), *MERGED[1:])
        .when(withdraw_consent, purposes=[PARTICIPATION], withdrawn_at=LATER)
        .events
    )


def test_consent_given_again_after_withdrawal_counts() -> None:
    withdrawn = ConsentWithdrawn(participant_id=PARTICIPANT, purposes=(PARTICIPATION,), withdrawn_at=LATER)
    again = LATER + timedelta(days=1)
    then = given(evolve_participant, registered(), consented(), withdrawn).when(
        grant_consent, purposes=[PARTICIPATION], notice_version="privacy-notice-2025-02", granted_at=again
    )
    assert then.events == [
        ConsentGranted(
            participant_id=PARTICIPANT,
            purposes=(PARTICIPATION,),
            notice_version="privacy-notice-2025-02",
            granted_at=again,
        )
    ]
    assert then.state is not None and then.state.consents_to(PARTICIPATION, on=again.date())


WITHDRAWN_PARTICIPATION = ConsentWithdrawn(participant_id=PARTICIPANT, purposes=(PARTICIPATION,), withdrawn_at=LATER)


def test_consent_is_not_given_again_before_it_was_withdrawn() -> None:
    error = given(evolve_participant, registered(), consented(), WITHDRAWN_PARTICIPATION).rejects(
        grant_consent,
        rule="consent-granted-before-withdrawal",
        purposes=[FOLLOW_UP, PARTICIPATION],
        notice_version=NOTICE,
        granted_at=LATER - timedelta(hours=1),
    )
    assert LATER.isoformat() in str(error) and (LATER - timedelta(hours=1)).isoformat() in str(error)


def test_consent_recorded_without_a_utc_offset_before_offsets_were_required_is_read_as_thai_time() -> None:
    """Commands took moments without an offset once; such events stay in the store."""
    in_thai_time = timezone(timedelta(hours=7))
    history = [
        registered(),
        consented(granted_at=datetime(2025, 5, 1, 9, 0)),
        ConsentWithdrawn(participant_id=PARTICIPANT, purposes=(PARTICIPATION,), withdrawn_at=datetime(2025, 6, 1, 9)),
    ]
    error = given(evolve_participant, *history).rejects(
        grant_consent,
        rule="consent-granted-before-withdrawal",
        purposes=[PARTICIPATION],
        notice_version=NOTICE,
        granted_at=datetime(2025, 6, 1, 8, 30, tzinfo=in_thai_time),
    )
    assert "2025-06-01T09:00:00+07:00" in str(error)
    then = given(evolve_participant, *history).when(
        grant_consent, purposes=[PARTICIPATION], notice_version=NOTICE, granted_at=datetime(2025, 6, 1, 2, tzinfo=UTC)
    )
    assert then.state is not None and then.state.consents_to(PARTICIPATION, on=date(2025, 6, 1))


@pytest.mark.parametrize(
    ("purposes", "granted_at"),
    [([PARTICIPATION], LATER), ([FOLLOW_UP], LATER - timedelta(days=1))],
    ids=["at-the-moment-of-the-withdrawal", "for-a-purpose-not-withdrawn"],
)
def test_consent_given_again_at_the_withdrawal_or_for_another_purpose(
    purposes: list[ConsentPurpose], granted_at: datetime
) -> None:
    then = given(evolve_participant, registered(), consented(), WITHDRAWN_PARTICIPATION).when(
        grant_consent, purposes=purposes, notice_version=NOTICE, granted_at=granted_at
    )
    assert then.state is not None and then.state.consents_to(purposes[0], on=granted_at.date())


@pytest.mark.parametrize(
    "history",
    [
        [registered()],
        [registered(), consented(purposes=(FOLLOW_UP,))],
        [
            registered(),
            consented(),
            ConsentWithdrawn(participant_id=PARTICIPANT, purposes=(PARTICIPATION,), withdrawn_at=LATER),
        ],
    ],
    ids=["never-granted", "other-purpose", "already-withdrawn"],
)
def test_only_granted_consent_is_withdrawn(history: list[object]) -> None:
    given(evolve_participant, *history).rejects(
        withdraw_consent, rule="consent-not-granted", purposes=[PARTICIPATION], withdrawn_at=LATER
    )


def test_consent_is_not_withdrawn_before_it_was_granted() -> None:
    given(evolve_participant, registered(), consented()).rejects(
        withdraw_consent,
        rule="consent-withdrawn-before-granted",
        purposes=[PARTICIPATION],
        withdrawn_at=datetime(2025, 5, 1, tzinfo=UTC),
    )


def test_withdrawing_names_a_purpose() -> None:
    given(evolve_participant, registered(), consented()).rejects(
        withdraw_consent, rule="consent-purpose-required", purposes=[], withdrawn_at=LATER
    )


def test_consent_for_an_unknown_participant() -> None:
    given(evolve_participant).rejects(
        grant_consent, rule="must-exist", purposes=[PARTICIPATION], notice_version=NOTICE, granted_at=CONSENTED_AT
    )
    given(evolve_participant).rejects(withdraw_consent, rule="must-exist", purposes=[PARTICIPATION], withdrawn_at=LATER)
