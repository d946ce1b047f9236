"""A participant's audit history: which stored events concern them, as of when, in which order, to which stage."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from pathways_enrollment.domain.consent import ConsentGranted, ConsentPurpose
from pathways_enrollment.domain.enrollment import EnrollmentApplied, ParticipantEnrolled, ParticipantScreened
from pathways_enrollment.domain.participant import (
    ParticipantFlaggedAsPotentialDuplicate,
    ParticipantRegistered,
    RegistrationDayCorrected,
    Sex,
)
from pathways_infra.eventstore import Actor, EventMetadata, RecordedEvent
from pathways_infra.history import (
    Cutoffs,
    HistoryEvent,
    describe,
    history,
    history_event,
    mark_backdated,
    ordered,
    parse_moment,
    relation,
    select,
    summarise,
    within,
)
from pathways_infra.settings import ServiceName
from pathways_outcomes.domain.case import EmploymentRecorded, EmploymentType, FollowUpCompleted, FollowUpsScheduled
from pathways_outcomes.domain.enterprise import (
    EnterpriseKind,
    EnterpriseRegistered,
    EnterpriseStarted,
)
from pathways_training.domain.training import (
    AssignedToCohort,
    AttendanceRecorded,
    TrainingCompleted,
    TrainingRecordOpened,
)

ICT = timezone(timedelta(hours=7))
PARTICIPANT, OTHER = uuid4(), uuid4()
ENROLLMENT, OTHER_ENROLLMENT = uuid4(), uuid4()
PROJECT, COHORT, ENTERPRISE = uuid4(), uuid4(), uuid4()
P = str(PARTICIPANT)
WHERE: dict[str, Any] = {"project_id": PROJECT, "unit_id": None, "province_code": "TH-50", "region": "NORTH"}
_notifications: dict[str, int] = {}


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2025, 5, day, hour, tzinfo=UTC)


def stored(
    service: ServiceName,
    event: object,
    *,
    occurred: datetime,
    recorded: datetime | None = None,
    aggregate: UUID = ENROLLMENT,
    version: int = 1,
) -> HistoryEvent:
    """A domain event as its service stores it, put through its own relay translation."""
    _notifications[service] = _notifications.get(service, 0) + 1
    meta = EventMetadata(
        event_id=uuid4(),
        occurred_at=occurred,
        actor=Actor(id="officer-7", role="programme-officer", unit="cdu-50"),
        correlation_id=uuid4(),
        causation_id="enrollment:12",
    )
    record = RecordedEvent(
        originator_id=aggregate,
        originator_version=version,
        timestamp=recorded or occurred,
        event=event,
        metadata=meta,
        notification_id=_notifications[service],
    )
    translate = __import__(f"pathways_{service}.outbound", fromlist=["translate"]).translate
    integration = translate(record)
    return history_event(service, record, None if integration is None else integration.SUBJECT)


def registration(*, version: int, day: int) -> HistoryEvent:
    """The enterprise's registration, at ``version`` of its history."""
    event = EnterpriseRegistered(enterprise_id=ENTERPRISE, registration_number="CE-1", registered_on=date(2025, 5, day))
    return stored("outcomes", event, occurred=at(day), aggregate=ENTERPRISE, version=version)


def case(enrollment: UUID = ENROLLMENT, participant: UUID = PARTICIPANT) -> dict[str, Any]:
    return {"enrollment_id": enrollment, "participant_id": participant, **WHERE}


def journey() -> list[HistoryEvent]:
    """Registered and enrolled in May; training recorded in June for days in May (backdated); completed;
    followed up and employed; in an enterprise with another participant."""
    registered = stored(
        "enrollment",
        ParticipantRegistered(participant_id=PARTICIPANT, sex=Sex.FEMALE, age_band="35-44"),
        occurred=at(1),
        aggregate=PARTICIPANT,
    )
    consented = stored(
        "enrollment",
        ConsentGranted(
            participant_id=PARTICIPANT,
            purposes=(ConsentPurpose.PROGRAMME_PARTICIPATION,),
            notice_version="2025-01",
            granted_at=at(1),
        ),
        occurred=at(1, 10),
        aggregate=PARTICIPANT,
        version=2,
    )
    applied = stored("enrollment", EnrollmentApplied(**case(), applied_on=date(2025, 5, 2)), occurred=at(2))
    screened = stored(
        "enrollment",
        ParticipantScreened(
            **case(), screened_on=date(2025, 5, 3), passed=True, reasons=(), income_threshold_thb=Decimal(9000)
        ),
        occurred=at(3),
        version=2,
    )
    enrolled = stored(
        "enrollment",
        ParticipantEnrolled(
            **case(), enrolled_on=date(2025, 5, 20), consent_notice_version="2025-01", screened_on=date(2025, 5, 3)
        ),
        occurred=at(20),
        version=3,
    )
    ids: dict[str, Any] = {"enrollment_id": ENROLLMENT, "participant_id": PARTICIPANT}
    opened = stored("training", TrainingRecordOpened(**ids, project_id=PROJECT), occurred=at(20), recorded=at(20, 10))
    # Recorded in June for days in May: the assignment happened before the enrollment recorded earlier.
    assigned = stored(
        "training",
        AssignedToCohort(**ids, cohort_id=COHORT, assigned_on=date(2025, 5, 12)),
        occurred=datetime(2025, 5, 12, tzinfo=ICT),
        recorded=datetime(2025, 6, 2, 8, tzinfo=UTC),
        version=2,
    )
    session = uuid4()
    absent = stored(
        "training",
        AttendanceRecorded(**ids, cohort_id=COHORT, session_id=session, attended=False),
        occurred=datetime(2025, 5, 13, tzinfo=ICT),
        recorded=datetime(2025, 6, 2, 8, 1, tzinfo=UTC),
        version=3,
    )
    present = stored(
        "training",
        AttendanceRecorded(**ids, cohort_id=COHORT, session_id=session, attended=True),
        occurred=datetime(2025, 5, 13, tzinfo=ICT),
        recorded=datetime(2025, 6, 2, 8, 2, tzinfo=UTC),
        version=4,
    )
    completed = stored(
        "training",
        TrainingCompleted(**ids, project_id=PROJECT, attendance_rate=1.0, completed_on=date(2025, 8, 29)),
        occurred=datetime(2025, 8, 29, tzinfo=ICT),
        recorded=datetime(2025, 9, 1, 9, tzinfo=UTC),
        version=5,
    )
    due = (date(2025, 11, 29), date(2026, 2, 28), date(2026, 8, 29))
    scheduled = stored(
        "outcomes",
        FollowUpsScheduled(**ids, project_id=PROJECT, completed_on=date(2025, 8, 29), due_dates=due),
        occurred=datetime(2025, 8, 29, tzinfo=ICT),
        recorded=datetime(2025, 9, 1, 9, 1, tzinfo=UTC),
    )
    followed_up = stored(
        "outcomes",
        FollowUpCompleted(**ids, month=3, completed_on=date(2025, 11, 29)),
        occurred=datetime(2025, 11, 29, 10, tzinfo=UTC),
        version=2,
    )
    employed = stored(
        "outcomes",
        EmploymentRecorded(
            **ids,
            employment_type=EmploymentType.WAGE,
            related_to_training=True,
            monthly_income_thb=Decimal("9500.00"),
            days_to_first_job=21,
            follow_up_month=3,
        ),
        occurred=datetime(2025, 11, 29, 10, tzinfo=UTC),
        version=3,
    )
    started = stored(
        "outcomes",
        EnterpriseStarted(
            enterprise_id=ENTERPRISE,
            kind=EnterpriseKind.COMMUNITY_ENTERPRISE,
            name="Ban Don indigo weavers",
            project_id=PROJECT,
            participant_enrollment_ids=(ENROLLMENT, OTHER_ENROLLMENT),
            members_count=9,
            products=("indigo scarf",),
            started_on=date(2025, 12, 1),
        ),
        occurred=datetime(2025, 12, 1, 10, tzinfo=UTC),
        aggregate=ENTERPRISE,
    )
    return [
        registered,
        consented,
        applied,
        screened,
        enrolled,
        opened,
        assigned,
        absent,
        present,
        completed,
        scheduled,
        followed_up,
        employed,
        started,
    ]


def types(events: list[HistoryEvent]) -> list[str]:
    return [e.event_type for e in events]


def stage_of(events: list[HistoryEvent], kind: str) -> tuple[str, dict[str, Any]]:
    stages = [s for s in summarise(events, P) if s.kind == kind]
    assert len(stages) == 1, stages
    return stages[0].stage, dict(stages[0].facts)


# --- which events concern the participant ---


def test_an_event_naming_the_participant_or_their_enrollment_is_theirs() -> None:
    enrollments = {str(ENROLLMENT)}
    assert relation({"participant_id": P, "enrollment_id": str(ENROLLMENT)}, P, enrollments) == "own"
    assert relation({"enterprise_id": str(ENTERPRISE), "enrollment_id": str(ENROLLMENT)}, P, enrollments) == "own"
    assert relation({"participant_id": str(OTHER), "enrollment_id": str(OTHER_ENROLLMENT)}, P, enrollments) is None


def test_an_event_naming_the_participant_among_others_is_shared() -> None:
    enrollments = {str(ENROLLMENT)}
    newcomer_flagged = {"participant_id": str(OTHER), "duplicate_of": P}
    assert relation(newcomer_flagged, P, enrollments) == "shared"
    flagged_themselves = {"participant_id": P, "duplicate_of": str(OTHER)}
    assert relation(flagged_themselves, P, enrollments) == "shared"
    founders = {"enterprise_id": str(ENTERPRISE), "participant_enrollment_ids": [str(OTHER_ENROLLMENT), *enrollments]}
    assert relation(founders, P, enrollments) == "shared"
    assert relation({**founders, "participant_enrollment_ids": [str(OTHER_ENROLLMENT)]}, P, enrollments) is None


def test_a_byte_match_that_is_not_the_id_itself_is_not_kept() -> None:
    look_alike = {"participant_id": str(OTHER), "note": f"see {P}", "session_id": P.upper()}
    assert relation(look_alike, P, set()) is None


def test_selection_keeps_only_events_concerning_the_participant_and_the_enterprise_after_they_joined() -> None:
    events = journey()
    others = [
        stored(
            "enrollment",
            EnrollmentApplied(**case(OTHER_ENROLLMENT, OTHER), applied_on=date(2025, 5, 2)),
            occurred=at(2),
        ),
        stored(
            "enrollment",
            ParticipantFlaggedAsPotentialDuplicate(participant_id=OTHER, duplicate_of=PARTICIPANT),
            occurred=at(4),
            aggregate=OTHER,
            version=2,
        ),
    ]
    before_joining = registration(version=1, day=30)
    registered = registration(version=2, day=31)
    chosen = select([*events, *others, events[0]], P, [events[-1], registered, before_joining])
    assert types(chosen) == [*types(events), "ParticipantFlaggedAsPotentialDuplicate", "EnterpriseRegistered"]
    shared = {e.event_type for e in chosen if e.shared}
    assert shared == {"ParticipantFlaggedAsPotentialDuplicate", "EnterpriseStarted", "EnterpriseRegistered"}


# --- as of, in order ---


def test_a_date_cutoff_is_the_end_of_that_day_in_thailand_and_a_time_without_offset_is_thai_time() -> None:
    assert parse_moment("2025-08-28") == datetime(2025, 8, 28, 16, 59, 59, 999999, tzinfo=UTC)
    assert parse_moment("2025-08-28T12:00:00") == datetime(2025, 8, 28, 5, tzinfo=UTC)
    assert parse_moment("2025-08-28T12:00:00+07:00") == datetime(2025, 8, 28, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_moment("yesterday")


def test_happened_by_keeps_what_had_happened_however_late_it_was_recorded() -> None:
    events = journey()
    by_may_15 = within(events, Cutoffs(happened_by=parse_moment("2025-05-15")))
    assert "AssignedToCohort" in types(by_may_15), "recorded in June, happened on 12 May"
    assert "AttendanceRecorded" in types(by_may_15)
    assert "ParticipantEnrolled" not in types(by_may_15)
    assert "TrainingCompleted" not in types(by_may_15)


def test_recorded_by_hides_a_backdated_event_the_system_did_not_know_yet() -> None:
    events = journey()
    known_on_june_1 = within(events, Cutoffs(recorded_by=parse_moment("2025-06-01")))
    assert "ParticipantEnrolled" in types(known_on_june_1)
    assert "AssignedToCohort" not in types(known_on_june_1), "it happened in May but was recorded on 2 June"
    both = within(events, Cutoffs(happened_by=parse_moment("2025-05-15"), recorded_by=parse_moment("2025-06-01")))
    assert types(both) == ["ParticipantRegistered", "ConsentGranted", "EnrollmentApplied", "ParticipantScreened"]


def test_the_timeline_is_in_happened_order_unless_recorded_order_is_asked_for() -> None:
    events = journey()
    happened = ordered(reversed(events), "happened")
    assert types(happened)[4:8] == [
        "AssignedToCohort",
        "AttendanceRecorded",
        "AttendanceRecorded",
        "ParticipantEnrolled",
    ]
    assert [e.occurred_at for e in happened] == sorted(e.occurred_at for e in events)
    recorded = ordered(reversed(events), "recorded")
    assert types(recorded)[4:7] == ["ParticipantEnrolled", "TrainingRecordOpened", "AssignedToCohort"]
    # Events committed at the same time: enrollment before training, then each store's own order.
    same = ordered([replace(e, recorded_at=at(1)) for e in reversed(events)], "recorded")
    assert [(e.service, e.notification_id) for e in same] == sorted(
        ((e.service, e.notification_id) for e in events),
        key=lambda k: (["enrollment", "training", "outcomes"].index(k[0]), k[1]),
    )


def test_an_event_that_happened_before_one_recorded_earlier_is_marked_backdated() -> None:
    marked = {e.event_type: e.backdated for e in mark_backdated(journey())}
    assert marked["AssignedToCohort"] is True
    assert marked["AttendanceRecorded"] is True
    assert marked["ParticipantEnrolled"] is False
    assert marked["TrainingRecordOpened"] is False, "it happened when the enrollment it follows did"
    assert marked["TrainingCompleted"] is False, "happened after everything recorded before it"


# --- the state as of the cutoffs ---


def test_the_summary_gives_each_aggregates_stage_in_every_service() -> None:
    events = journey()
    assert stage_of(events, "participant") == (
        "consented",
        {"sex": "F", "age_band": "35-44", "consents": {"programme-participation": "granted"}},
    )
    stage, facts = stage_of(events, "enrollment")
    assert (stage, facts["enrolled_on"], facts["project_id"]) == ("enrolled", "2025-05-20", str(PROJECT))
    stage, facts = stage_of(events, "training record")
    assert (stage, facts["sessions_attended"], facts["sessions_marked"]) == ("completed", 1, 1)
    assert facts["attendance_rate"] == 1.0
    stage, facts = stage_of(events, "outcomes case")
    assert stage == "following up"
    assert facts["follow_ups"] == {"3": "completed on 2025-11-29"}
    assert facts["employment"]["monthly_income_thb"] == "9500.00"
    assert stage_of(events, "enterprise")[0] == "forming"


def test_as_recorded_before_the_completion_training_is_not_completed_and_outcomes_has_nothing() -> None:
    known = within(journey(), Cutoffs(recorded_by=datetime(2025, 8, 31, tzinfo=UTC)))
    stage, facts = stage_of(known, "training record")
    assert stage == "in a cohort"
    assert facts["sessions_attended"] == 1
    assert not [s for s in summarise(known, P) if s.service == "outcomes"]


def test_a_corrected_registration_day_shows_as_it_happened_from_the_corrected_day() -> None:
    """Registered without a day on 20 May (so dated then), corrected on 25 May to 2 May, the day it happened."""
    first = ParticipantRegistered(
        participant_id=PARTICIPANT, sex=Sex.FEMALE, age_band="35-44", registered_on=date(2025, 5, 20)
    )
    corrected = RegistrationDayCorrected(
        participant_id=PARTICIPANT,
        registered_on=date(2025, 5, 2),
        previous_registered_on=date(2025, 5, 20),
        reason="paper form",
        age_band="35-44",
    )
    events = [
        stored("enrollment", first, occurred=at(20), aggregate=PARTICIPANT),
        stored("enrollment", corrected, occurred=at(2), recorded=at(25), aggregate=PARTICIPANT, version=2),
    ]
    assert stage_of(events, "participant")[1]["registered_on"] == "2025-05-02"
    assert stage_of(events[:1], "participant")[1]["registered_on"] == "2025-05-20"
    as_it_happened = within(events, Cutoffs(happened_by=at(10)))
    assert stage_of(as_it_happened, "participant") == (
        "registered",
        {"registered_on": "2025-05-02", "age_band": "35-44"},
    )


def test_an_absence_corrected_to_presence_counts_once_and_screening_out_shows() -> None:
    events = journey()
    absent_only = [e for e in events if not (e.event_type == "AttendanceRecorded" and e.version == 4)]
    assert stage_of(absent_only[:9], "training record")[1]["sessions_attended"] == 0
    screened_out = replace(events[3], data={**events[3].data, "passed": False})
    assert stage_of([events[2], screened_out], "enrollment")[0] == "screened out"


def test_another_participants_event_naming_this_one_does_not_change_their_summary() -> None:
    flagged = stored(
        "enrollment",
        ParticipantFlaggedAsPotentialDuplicate(participant_id=OTHER, duplicate_of=PARTICIPANT),
        occurred=at(4),
        aggregate=OTHER,
        version=2,
    )
    stages = summarise([*journey()[:2], replace(flagged, shared=True)], P)
    assert [(s.kind, s.aggregate_id, s.stage) for s in stages] == [("participant", PARTICIPANT, "consented")]


# --- what scripts and people are given ---


def test_the_json_document_carries_every_field_of_every_event_and_the_summary() -> None:
    found = history(
        PARTICIPANT,
        mark_backdated(journey()),
        services=["training", "outcomes"],
        cutoffs=Cutoffs(recorded_by=parse_moment("2025-12-31")),
        order="happened",
    )
    document = json.loads(json.dumps(found.as_dict()))
    assert set(document) == {
        "participant_id", "services", "happened_by", "recorded_by", "order",
        "events_concerning_participant", "events_shown", "events", "summary",
    }  # fmt: skip
    assert document["participant_id"] == P
    assert document["recorded_by"] == "2025-12-31T23:59:59.999999+07:00"
    assert document["happened_by"] is None
    assert (document["events_concerning_participant"], document["events_shown"]) == (14, 9)
    assert {e["service"] for e in document["events"]} == {"training", "outcomes"}
    completed = next(e for e in document["events"] if e["event_type"] == "TrainingCompleted")
    assert set(completed) == {
        "service", "notification_id", "aggregate_id", "version", "event_type", "occurred_at", "recorded_at",
        "public", "subject", "event_id", "actor", "correlation_id", "causation_id", "shared", "backdated", "data",
    }  # fmt: skip
    assert (completed["public"], completed["subject"]) == (True, "training.v1.training.completed")
    assert completed["actor"] == {"id": "officer-7", "role": "programme-officer", "unit": "cdu-50"}
    assert completed["occurred_at"] == "2025-08-29T00:00:00+07:00"
    assert completed["data"]["attendance_rate"] == 1.0
    assert completed["data"]["participant_id"] == P
    private = next(e for e in document["events"] if e["event_type"] == "AssignedToCohort")
    assert private["public"] is (private["subject"] is not None)
    assert [s["kind"] for s in document["summary"]] == ["training record", "outcomes case", "enterprise"]


def test_the_text_has_a_header_a_line_per_event_and_the_state() -> None:
    found = history(PARTICIPANT, mark_backdated(journey()), cutoffs=Cutoffs(happened_by=parse_moment("2025-05-15")))
    text = describe(found)
    lines = text.splitlines()
    assert (
        lines[0]
        == f"Participant {P}: 7 of 14 events (enrollment, training, outcomes), as it happened (by occurred time)"
    )
    assert "happened by  2025-05-15T23:59:59.999999+07:00" in lines[1]
    events = [line for line in lines if line.startswith("2025-")]
    assert len(events) == 7
    assert "↶AssignedToCohort" in events[4]
    assert "(private)" in events[0]
    assert "officer-7/programme-officer@cdu-50" in events[0]
    assert lines[-1] == "  outcomes    nothing recorded"
    assert any("training record" in line and "in a cohort" in line for line in lines)
