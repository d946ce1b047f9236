"""The pseudonymous registry: registration, duplicate detection by national ID hash, resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pathways_enrollment.domain.consent import ConsentPurpose
from pathways_enrollment.domain.participant import (
    ApplicationNoted,
    DuplicateOutcome,
    DuplicateResolution,
    Participant,
    ParticipantDuplicateResolved,
    ParticipantErased,
    ParticipantFlaggedAsPotentialDuplicate,
    ParticipantRegistered,
    ParticipantStatus,
    PotentialDuplicateNoted,
    PotentialDuplicateSettled,
    Sex,
    erase_merged_registration,
    erase_participant,
    evolve_participant,
    flag_settled_by_erasure,
    flagged_against,
    grant_consent,
    merged_registrations_of,
    note_application,
    note_duplicate_settled,
    note_potential_duplicate,
    register_participant,
    resolve_duplicate,
    unresolved_duplicates_of,
)
from tests.unit.enrollment.facts import (
    AGE_BAND,
    CONSENTED_AT,
    NATIONAL_ID_HASH,
    OTHER_PARTICIPANT,
    PARTICIPANT,
    consented,
    registered,
    uid,
)
from tests.unit.enrollment.given import fold, given

FLAGGED = [
    registered(),
    ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT),
]
THE_OTHER = fold(evolve_participant, [registered(OTHER_PARTICIPANT)])


def test_register_a_participant_with_only_a_hash_of_the_national_id() -> None:
    then = given(evolve_participant).when(
        register_participant,
        participant_id=PARTICIPANT,
        sex=Sex.FEMALE,
        age_band=AGE_BAND,
        national_id_hash=NATIONAL_ID_HASH,
    )
    assert then.events == [registered()]
    assert then.state is not None and then.state.status == ParticipantStatus.REGISTERED


def test_registering_without_a_hash_still_works_as_before() -> None:
    then = given(evolve_participant).when(
        register_participant, participant_id=PARTICIPANT, sex=Sex.MALE, age_band="45-59"
    )
    assert then.events == [ParticipantRegistered(participant_id=PARTICIPANT, sex=Sex.MALE, age_band="45-59")]


def test_the_sex_and_age_band_are_kept_and_an_unknown_band_too() -> None:
    known = given(evolve_participant).when(
        register_participant, participant_id=PARTICIPANT, sex=Sex.OTHER, age_band="15-24"
    )
    unknown = given(evolve_participant).when(
        register_participant, participant_id=PARTICIPANT, sex=Sex.FEMALE, age_band=None
    )
    assert known.state is not None and (known.state.sex, known.state.age_band) == (Sex.OTHER, "15-24")
    assert unknown.events == [ParticipantRegistered(participant_id=PARTICIPANT, sex=Sex.FEMALE, age_band=None)]
    assert unknown.state is not None and unknown.state.age_band is None


def test_a_known_hash_flags_the_newcomer_as_a_potential_duplicate() -> None:
    then = given(evolve_participant).when(
        register_participant,
        participant_id=PARTICIPANT,
        sex=Sex.FEMALE,
        age_band=AGE_BAND,
        national_id_hash=NATIONAL_ID_HASH,
        existing_participant_id=OTHER_PARTICIPANT,
    )
    assert then.events == FLAGGED
    assert then.state is not None
    assert (then.state.status, then.state.duplicate_of) == (ParticipantStatus.POTENTIAL_DUPLICATE, OTHER_PARTICIPANT)


def test_a_participant_is_registered_once() -> None:
    given(evolve_participant, registered()).rejects(
        register_participant,
        rule="participant-registered-once",
        participant_id=PARTICIPANT,
        sex=Sex.FEMALE,
        age_band=AGE_BAND,
    )


@pytest.mark.parametrize("clear", ["3100600445635", "3-1006-00445-63-5", " "], ids=["digits", "formatted", "blank"])
def test_the_national_id_itself_is_never_recorded(clear: str) -> None:
    error = given(evolve_participant).rejects(
        register_participant,
        rule="national-id-must-be-hashed",
        participant_id=PARTICIPANT,
        sex=Sex.FEMALE,
        age_band=AGE_BAND,
        national_id_hash=clear,
    )
    assert "3100600445635" not in str(error)


def test_resolve_as_not_a_duplicate() -> None:
    then = given(evolve_participant, *FLAGGED).when(resolve_duplicate, resolution=DuplicateResolution.NOT_A_DUPLICATE)
    assert then.events == [
        ParticipantDuplicateResolved(
            participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.NOT_A_DUPLICATE
        )
    ]
    assert then.state is not None
    assert (then.state.status, then.state.duplicate_of) == (ParticipantStatus.REGISTERED, None)


def test_resolve_by_merging_into_the_other() -> None:
    then = given(evolve_participant, *FLAGGED).when(
        resolve_duplicate, resolution=DuplicateResolution.MERGED, other=THE_OTHER
    )
    assert then.events == [
        ParticipantDuplicateResolved(
            participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
        )
    ]
    assert then.state is not None
    assert (then.state.status, then.state.merged_into) == (ParticipantStatus.MERGED, OTHER_PARTICIPANT)


def test_only_a_flagged_participant_is_resolved() -> None:
    given(evolve_participant, registered()).rejects(
        resolve_duplicate, rule="no-potential-duplicate", resolution=DuplicateResolution.NOT_A_DUPLICATE
    )


def test_a_merge_is_final() -> None:
    merged = ParticipantDuplicateResolved(
        participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
    )
    given(evolve_participant, *FLAGGED, merged).rejects(
        resolve_duplicate, rule="no-potential-duplicate", resolution=DuplicateResolution.NOT_A_DUPLICATE
    )


def test_merging_needs_the_other_participant() -> None:
    given(evolve_participant, *FLAGGED).rejects(
        resolve_duplicate, rule="must-exist", resolution=DuplicateResolution.MERGED
    )


def test_merging_goes_into_the_participant_it_duplicates() -> None:
    stranger = fold(evolve_participant, [registered(uid("stranger"))])
    given(evolve_participant, *FLAGGED).rejects(
        resolve_duplicate, rule="merge-target-mismatch", resolution=DuplicateResolution.MERGED, other=stranger
    )


def test_no_merging_into_a_participant_that_was_itself_merged() -> None:
    third = uid("third")
    other_merged = fold(
        evolve_participant,
        [
            registered(OTHER_PARTICIPANT),
            ParticipantFlaggedAsPotentialDuplicate(participant_id=OTHER_PARTICIPANT, duplicate_of=third),
            ParticipantDuplicateResolved(
                participant_id=OTHER_PARTICIPANT, duplicate_of=third, resolution=DuplicateResolution.MERGED
            ),
        ],
    )
    given(evolve_participant, *FLAGGED).rejects(
        resolve_duplicate, rule="merge-target-merged", resolution=DuplicateResolution.MERGED, other=other_merged
    )


def test_resolving_an_unknown_participant() -> None:
    given(evolve_participant).rejects(
        resolve_duplicate, rule="must-exist", resolution=DuplicateResolution.NOT_A_DUPLICATE
    )


def test_erasure_is_recorded_once_and_stops_new_consent() -> None:
    erased_on = date(2026, 1, 5)
    then = given(evolve_participant, registered()).when(erase_participant, erased_on=erased_on)
    assert then.events == [ParticipantErased(participant_id=PARTICIPANT, erased_on=erased_on)]
    given(evolve_participant, registered(), *then.events).rejects(
        erase_participant, rule="participant-erased", erased_on=erased_on
    )
    given(evolve_participant, registered(), *then.events).rejects(
        grant_consent,
        rule="participant-erased",
        purposes=[ConsentPurpose.PROGRAMME_PARTICIPATION],
        notice_version="v1",
        granted_at=datetime(2026, 1, 6, tzinfo=UTC),
    )


def test_erasure_is_not_dated_before_a_consent_the_participant_gave() -> None:
    error = given(evolve_participant, registered(), consented()).rejects(
        erase_participant, rule="erased-before-consent-granted", erased_on=CONSENTED_AT.date() - timedelta(days=1)
    )
    assert f"{CONSENTED_AT.date()}" in str(error)


def test_erasure_on_the_day_of_the_consent() -> None:
    then = given(evolve_participant, registered(), consented()).when(erase_participant, erased_on=CONSENTED_AT.date())
    assert then.state is not None and then.state.erased_on == CONSENTED_AT.date()


def test_an_unknown_participant_cannot_be_erased() -> None:
    given(evolve_participant).rejects(erase_participant, rule="must-exist", erased_on=date(2026, 1, 5))


# --- the participant a duplicate is flagged against, and erasure ----------------------------------

ERASED_ON = date(2026, 12, 7)
MERGED = ParticipantDuplicateResolved(
    participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
)
NOTED = PotentialDuplicateNoted(participant_id=OTHER_PARTICIPANT, duplicate_id=PARTICIPANT)


def _participant(*events: object) -> Participant:
    state = fold(evolve_participant, events)
    assert state is not None
    return state


def test_an_erased_participant_shows_it_in_its_status() -> None:
    then = given(evolve_participant, registered()).when(erase_participant, erased_on=ERASED_ON)
    assert then.state is not None
    assert (then.state.status, then.state.erased_on) == (ParticipantStatus.ERASED, ERASED_ON)


def test_nothing_is_merged_into_an_erased_participant() -> None:
    erased_other = fold(
        evolve_participant,
        [registered(OTHER_PARTICIPANT), ParticipantErased(participant_id=OTHER_PARTICIPANT, erased_on=ERASED_ON)],
    )
    error = given(evolve_participant, *FLAGGED).rejects(
        resolve_duplicate, rule="merge-target-erased", resolution=DuplicateResolution.MERGED, other=erased_other
    )
    assert "erase it too" in str(error) and "NOT_A_DUPLICATE" in str(error)


def test_a_potential_duplicate_of_an_erased_participant_may_still_be_declared_someone_else() -> None:
    erased_other = fold(
        evolve_participant,
        [registered(OTHER_PARTICIPANT), ParticipantErased(participant_id=OTHER_PARTICIPANT, erased_on=ERASED_ON)],
    )
    then = given(evolve_participant, *FLAGGED).when(
        resolve_duplicate, resolution=DuplicateResolution.NOT_A_DUPLICATE, other=erased_other
    )
    assert then.state is not None and then.state.status == ParticipantStatus.REGISTERED


def test_an_erased_registration_is_not_resolved_any_more() -> None:
    given(evolve_participant, *FLAGGED, ParticipantErased(participant_id=PARTICIPANT, erased_on=ERASED_ON)).rejects(
        resolve_duplicate, rule="participant-erased", resolution=DuplicateResolution.NOT_A_DUPLICATE
    )


def test_a_newcomer_is_flagged_against_the_holder_of_its_national_id_unless_that_one_was_erased() -> None:
    holder = fold(evolve_participant, [registered(OTHER_PARTICIPANT)])
    erased = fold(
        evolve_participant,
        [registered(OTHER_PARTICIPANT), ParticipantErased(participant_id=OTHER_PARTICIPANT, erased_on=ERASED_ON)],
    )
    assert (flagged_against(holder), flagged_against(erased), flagged_against(None)) == (OTHER_PARTICIPANT, None, None)


def test_the_participant_a_newcomer_is_flagged_against_notes_it_once() -> None:
    then = given(evolve_participant, registered(OTHER_PARTICIPANT)).when(
        note_potential_duplicate, duplicate_id=PARTICIPANT
    )
    assert then.events == [NOTED]
    assert then.state is not None and then.state.potential_duplicates == (PARTICIPANT,)
    again = given(evolve_participant, registered(OTHER_PARTICIPANT), NOTED).when(
        note_potential_duplicate, duplicate_id=PARTICIPANT
    )
    assert again.events == []


@pytest.mark.parametrize(
    ("outcome", "merged"),
    [(DuplicateOutcome.MERGED, (PARTICIPANT,)), (DuplicateOutcome.NOT_A_DUPLICATE, ()), (DuplicateOutcome.ERASED, ())],
)
def test_the_participant_notes_how_its_potential_duplicate_was_settled(
    outcome: DuplicateOutcome, merged: tuple[object, ...]
) -> None:
    then = given(evolve_participant, registered(OTHER_PARTICIPANT), NOTED).when(
        note_duplicate_settled, duplicate_id=PARTICIPANT, outcome=outcome
    )
    assert then.events == [
        PotentialDuplicateSettled(participant_id=OTHER_PARTICIPANT, duplicate_id=PARTICIPANT, outcome=outcome)
    ]
    assert then.state is not None
    assert (then.state.potential_duplicates, then.state.merged_registrations) == ((), merged)


def test_a_merge_flagged_before_the_participant_noted_its_duplicates_is_noted_too() -> None:
    then = given(evolve_participant, registered(OTHER_PARTICIPANT)).when(
        note_duplicate_settled, duplicate_id=PARTICIPANT, outcome=DuplicateOutcome.MERGED
    )
    assert then.state is not None and then.state.merged_registrations == (PARTICIPANT,)


SURVIVOR = _participant(registered(OTHER_PARTICIPANT))


def test_a_registration_merged_into_an_erased_participant_is_erased_with_it() -> None:
    then = given(evolve_participant, *FLAGGED, MERGED).when(
        erase_merged_registration, survivor=SURVIVOR, erased_on=ERASED_ON
    )
    assert then.events == [
        ParticipantErased(participant_id=PARTICIPANT, erased_on=ERASED_ON, merged_into=OTHER_PARTICIPANT)
    ]
    assert then.state is not None
    assert (then.state.status, then.state.merged_into) == (ParticipantStatus.ERASED, OTHER_PARTICIPANT)


def test_a_merged_registration_already_erased_is_left_as_it_is() -> None:
    erased = ParticipantErased(participant_id=PARTICIPANT, erased_on=date(2026, 1, 5))
    then = given(evolve_participant, *FLAGGED, MERGED, erased).when(
        erase_merged_registration, survivor=SURVIVOR, erased_on=ERASED_ON
    )
    assert then.events == []


def test_only_a_registration_merged_into_the_erased_participant_is_erased_with_it() -> None:
    given(evolve_participant, *FLAGGED).rejects(
        erase_merged_registration, rule="merge-target-mismatch", survivor=SURVIVOR, erased_on=ERASED_ON
    )


def test_a_merged_registration_is_not_erased_before_a_consent_it_gave() -> None:
    given(evolve_participant, *FLAGGED, consented(), MERGED).rejects(
        erase_merged_registration,
        rule="erased-before-consent-granted",
        survivor=SURVIVOR,
        erased_on=CONSENTED_AT.date() - timedelta(days=1),
    )


def test_the_erased_participants_merged_and_unresolved_duplicates_are_told_apart() -> None:
    merged = _participant(*FLAGGED, MERGED)
    flagged = _participant(*FLAGGED)
    other_id = uid("someone else")
    someone_else = _participant(
        registered(other_id),
        ParticipantFlaggedAsPotentialDuplicate(participant_id=other_id, duplicate_of=OTHER_PARTICIPANT),
        ParticipantDuplicateResolved(
            participant_id=other_id, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.NOT_A_DUPLICATE
        ),
    )
    erased_flag = _participant(*FLAGGED, ParticipantErased(participant_id=PARTICIPANT, erased_on=ERASED_ON))
    assert merged_registrations_of(SURVIVOR, [flagged, merged, someone_else]) == [merged]
    assert unresolved_duplicates_of(SURVIVOR, [flagged, merged, someone_else, erased_flag]) == [PARTICIPANT]
    assert unresolved_duplicates_of(SURVIVOR, [merged, someone_else, erased_flag]) == []


def test_erasing_an_unresolved_potential_duplicate_settles_its_flag() -> None:
    assert flag_settled_by_erasure(_participant(*FLAGGED)) == OTHER_PARTICIPANT
    assert flag_settled_by_erasure(_participant(*FLAGGED, MERGED)) is None
    assert flag_settled_by_erasure(_participant(registered())) is None


# --- the cases the registry knows ------------------------------------------------------------------


def test_a_case_opened_for_the_participant_is_noted_on_it() -> None:
    then = given(evolve_participant, registered()).when(note_application, enrollment_id=uid("case"))
    assert then.events == [ApplicationNoted(participant_id=PARTICIPANT, enrollment_id=uid("case"))]
    assert then.state is not None and then.state.cases == (uid("case"),)


def test_a_case_is_noted_once() -> None:
    noted = ApplicationNoted(participant_id=PARTICIPANT, enrollment_id=uid("case"))
    then = given(evolve_participant, registered(), noted).when(note_application, enrollment_id=uid("case"))
    assert then.events == []


def test_no_case_is_noted_on_an_unknown_participant() -> None:
    given(evolve_participant).rejects(note_application, rule="must-exist", enrollment_id=uid("case"))
