"""Units, projects, mentors and potential duplicates, projected from hand-written ENROLLMENT events.

Only the enrollment service runs (no relay): the events are published straight onto the stream,
then again as redeliveries, and some are sent back late as an operator's replay from the DLQ would
(carrying their original, earlier, stream position).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from nats.js import JetStreamContext

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import (
    ApplicationReceivedV1,
    ApplicationScreenedInV1,
    ApplicationScreenedOutV1,
    DuplicateResolvedV1,
    MentorAssignedV1,
    MentorAssignmentEndedV1,
    MentorRegisteredV1,
    MentorStatusChangedV1,
    ParticipantEnrolledV1,
    ParticipantTransferredV1,
    PotentialDuplicateFlaggedV1,
    ProjectNeedsAssessmentChangedV1,
    ProjectOpenedV1,
    ProjectProposedV1,
    ProjectRenamedV1,
    ProjectStatusChangedV1,
    UnitRegisteredV1,
    UnitRegistrationDayCorrectedV1,
    UnitRenamedV1,
    UnitStatusChangedV1,
)
from pathways_contracts.registry import STREAMS
from pathways_infra.consumer import DLQ_ORIGINAL_SEQUENCE, DLQ_ORIGINAL_STREAM, DLQ_ORIGINAL_SUBJECT
from pathways_infra.service import ServiceRuntime
from pathways_infra.settings import Settings
from tests.support.messages import as_operator, envelope_headers, publish_event
from tests.support.system import RunningSystem, eventually, running_system

AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
CHIANG_MAI_UNIT, BANGKOK_UNIT = uuid4(), uuid4()
WEAVING, BATIK, OPENED_ONLY = uuid4(), uuid4(), uuid4()
COACHING, RETIRED = uuid4(), uuid4()
NOW_ON_WEAVING, ONCE_ON_WEAVING, ON_BANGKOK_UNIT = uuid4(), uuid4(), uuid4()
FLAGGED, CLEARED, HOLDER = uuid4(), uuid4(), uuid4()
ENROLLMENT = STREAMS["enrollment"].name


def unit_stream() -> list[IntegrationEvent]:
    return [
        UnitRegisteredV1(
            occurred_at=AT, unit_id=CHIANG_MAI_UNIT, name="CDU Chiang Mai", province_code="TH-50", region="NORTH"
        ),
        UnitRegisteredV1(
            occurred_at=AT, unit_id=BANGKOK_UNIT, name="CDU Bangkok", province_code="TH-10", region="CENTRAL"
        ),
        UnitStatusChangedV1(occurred_at=AT, unit_id=CHIANG_MAI_UNIT, status="ACTIVE"),
        UnitStatusChangedV1(occurred_at=AT, unit_id=BANGKOK_UNIT, status="ACTIVE"),
        UnitStatusChangedV1(occurred_at=AT, unit_id=BANGKOK_UNIT, status="SUSPENDED"),
    ]


def where(project_id: UUID) -> dict[str, Any]:
    if project_id == BATIK:
        return {"occurred_at": AT, "project_id": BATIK, "unit_id": BANGKOK_UNIT, "province_code": "TH-10",
                "region": "CENTRAL"}  # fmt: skip
    return {"occurred_at": AT, "project_id": project_id, "unit_id": CHIANG_MAI_UNIT, "province_code": "TH-50",
            "region": "NORTH"}  # fmt: skip


def project_stream() -> list[IntegrationEvent]:
    return [
        ProjectProposedV1(**where(WEAVING), name="Weaving co-op", grant_thb=Decimal("450000")),
        ProjectProposedV1(**where(BATIK), name="Batik studio", grant_thb=Decimal("300000")),
        ProjectNeedsAssessmentChangedV1(
            **where(WEAVING), needs_assessment_status="DRAFTED", assessed_on=date(2025, 2, 1)
        ),
        ProjectNeedsAssessmentChangedV1(
            **where(WEAVING), needs_assessment_status="DRAFTED", assessed_on=date(2025, 3, 1)
        ),
        ProjectNeedsAssessmentChangedV1(**where(WEAVING), needs_assessment_status="VALIDATED"),
        ProjectOpenedV1(**where(WEAVING)),
        ProjectStatusChangedV1(**where(WEAVING), status="ACTIVE"),
        ProjectStatusChangedV1(**where(BATIK), status="REJECTED"),
        ProjectOpenedV1(**where(OPENED_ONLY)),  # as published before proposals were
    ]


def assigned(mentor_id: UUID, assignment_id: UUID, from_date: date, *, unit: bool = False) -> MentorAssignedV1:
    place = where(BATIK if unit else WEAVING)
    return MentorAssignedV1(
        occurred_at=AT,
        mentor_id=mentor_id,
        assignment_id=assignment_id,
        unit_id=place["unit_id"],
        project_id=None if unit else place["project_id"],
        province_code=place["province_code"],
        region=place["region"],
        from_date=from_date,
    )


def mentor_stream() -> list[IntegrationEvent]:
    return [
        MentorRegisteredV1(occurred_at=AT, mentor_id=COACHING),
        MentorRegisteredV1(occurred_at=AT, mentor_id=RETIRED),
        assigned(RETIRED, ONCE_ON_WEAVING, date(2024, 1, 1)),
        MentorAssignmentEndedV1(
            occurred_at=AT, mentor_id=RETIRED, assignment_id=ONCE_ON_WEAVING, to_date=date(2024, 12, 31)
        ),
        MentorStatusChangedV1(occurred_at=AT, mentor_id=RETIRED, status="INACTIVE"),
        assigned(COACHING, NOW_ON_WEAVING, date(2025, 1, 1)),
        assigned(COACHING, ON_BANGKOK_UNIT, date(2025, 2, 1), unit=True),
    ]


def duplicate_stream() -> list[IntegrationEvent]:
    return [
        PotentialDuplicateFlaggedV1(occurred_at=AT, participant_id=FLAGGED, duplicate_of=HOLDER),
        PotentialDuplicateFlaggedV1(occurred_at=AT, participant_id=CLEARED, duplicate_of=HOLDER),
        DuplicateResolvedV1(occurred_at=AT, participant_id=CLEARED, duplicate_of=HOLDER, resolution="NOT_A_DUPLICATE"),
    ]


async def caught_up(runtime: ServiceRuntime) -> bool | None:
    """Every consumer of the service, on every stream it reads (replays included), has acked all it was sent."""
    for consumer in runtime.consumers:
        for stream, config in consumer.consumer_configs():
            info = await runtime.js.consumer_info(stream, config.durable_name or "")
            if info.num_pending or info.num_ack_pending:
                return None
    return True


async def publish_in_order(js: JetStreamContext, events: list[IntegrationEvent], *, event_ids: list[str]) -> None:
    for event, event_id in zip(events, event_ids, strict=True):
        await publish_event(js, event, event_id=event_id, msg_id=str(uuid4()))


async def replay_late(js: JetStreamContext, consumer: str, event: IntegrationEvent, *, as_if_at: int) -> None:
    """As ``pathways dlq replay`` sends a parked event back to one consumer, with its place in the stream."""
    headers = envelope_headers(f"test:{uuid4()}", subject=str(event.partition_key()), ce_type=event.cloudevent_type())
    headers |= {
        DLQ_ORIGINAL_SUBJECT: event.SUBJECT,
        DLQ_ORIGINAL_STREAM: ENROLLMENT,
        DLQ_ORIGINAL_SEQUENCE: str(as_if_at),
    }
    await js.publish(f"replay.{consumer}.{event.SUBJECT}", event.model_dump_json().encode(), headers=headers)


async def get(system: RunningSystem, path: str, **params: Any) -> Any:
    response = await system.client("enrollment").get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def answers(system: RunningSystem) -> dict[str, Any]:
    queries: list[tuple[str, dict[str, Any]]] = [
        ("/units", {}),
        ("/units", {"region": "north"}),
        ("/units", {"province_code": "10"}),
        ("/units", {"status": "SUSPENDED"}),
        ("/units", {"limit": 1, "offset": 1}),
        ("/projects", {}),
        ("/projects", {"unit_id": str(BANGKOK_UNIT)}),
        ("/projects", {"mentor_id": str(COACHING)}),
        ("/projects", {"mentor_id": str(RETIRED)}),
        ("/projects", {"status": "APPROVED", "region": "NORTH"}),
        ("/mentors", {}),
        ("/mentors", {"project_id": str(WEAVING)}),
        ("/mentors", {"region": "CENTRAL"}),
        ("/mentors", {"status": "INACTIVE"}),
        ("/participants/potential-duplicates", {}),
    ]
    return {f"{path} {params}": await get(system, path, **params) for path, params in queries}


def ids(listed: list[dict[str, Any]], key: str = "id") -> list[UUID]:
    return [UUID(item[key]) for item in listed]


async def test_lists_follow_the_stream_and_redelivered_events_change_nothing(settings: Settings) -> None:
    events = [*unit_stream(), *project_stream(), *mentor_stream(), *duplicate_stream()]
    event_ids = [f"enrollment:{n}" for n in range(1, len(events) + 1)]
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        await publish_in_order(runtime.js, events, event_ids=event_ids)
        await eventually(lambda: caught_up(runtime), what="the read models to catch up")
        first = await answers(system)
        await publish_in_order(runtime.js, events, event_ids=event_ids)  # the same events, delivered again
        await eventually(lambda: caught_up(runtime), what="the redeliveries to be acked")
        again = await answers(system)
    assert again == first
    units = first["/units {}"]
    assert [(u["name"], u["province_code"], u["region"], u["status"]) for u in units] == [
        ("CDU Bangkok", "TH-10", "CENTRAL", "SUSPENDED"),
        ("CDU Chiang Mai", "TH-50", "NORTH", "ACTIVE"),
    ]
    assert ids(first["/units {'region': 'north'}"]) == [CHIANG_MAI_UNIT]
    assert ids(first["/units {'province_code': '10'}"]) == [BANGKOK_UNIT]
    assert ids(first["/units {'status': 'SUSPENDED'}"]) == [BANGKOK_UNIT]
    assert ids(first["/units {'limit': 1, 'offset': 1}"]) == [CHIANG_MAI_UNIT]

    batik, weaving, opened_only = first["/projects {}"]
    assert (batik["name"], batik["status"], batik["needs_assessment_status"]) == ("Batik studio", "REJECTED", None)
    assert (weaving["name"], weaving["status"], weaving["grant_thb"]) == ("Weaving co-op", "ACTIVE", "450000.00")
    assert (weaving["needs_assessment_status"], weaving["assessed_on"]) == ("VALIDATED", "2025-03-01")
    assert ids([{"id": m} for m in weaving["mentor_ids"]]) == [COACHING]
    assert [(a["mentor_id"], a["from_date"], a["to_date"]) for a in weaving["mentor_assignments"]] == [
        (str(RETIRED), "2024-01-01", "2024-12-31"),
        (str(COACHING), "2025-01-01", None),
    ]
    assert (opened_only["id"], opened_only["name"], opened_only["status"]) == (str(OPENED_ONLY), None, "APPROVED")
    assert ids(first[f"/projects {{'unit_id': '{BANGKOK_UNIT}'}}"]) == [BATIK]
    assert ids(first[f"/projects {{'mentor_id': '{COACHING}'}}"]) == [WEAVING]
    assert first[f"/projects {{'mentor_id': '{RETIRED}'}}"] == []
    assert ids(first["/projects {'status': 'APPROVED', 'region': 'NORTH'}"]) == [OPENED_ONLY]

    mentors = {UUID(m["id"]): m for m in first["/mentors {}"]}
    assert (mentors[RETIRED]["status"], mentors[RETIRED]["projects"], mentors[RETIRED]["units"]) == ("INACTIVE", [], [])
    coaching = mentors[COACHING]
    assert coaching["status"] == "ACTIVE"
    assert [(p["project_id"], p["assignment_id"], p["region"]) for p in coaching["projects"]] == [
        (str(WEAVING), str(NOW_ON_WEAVING), "NORTH")
    ]
    assert [(u["unit_id"], u["region"]) for u in coaching["units"]] == [(str(BANGKOK_UNIT), "CENTRAL")]
    assert ids(first[f"/mentors {{'project_id': '{WEAVING}'}}"]) == [COACHING]
    assert ids(first["/mentors {'region': 'CENTRAL'}"]) == [COACHING]
    assert ids(first["/mentors {'status': 'INACTIVE'}"]) == [RETIRED]

    [flagged] = first["/participants/potential-duplicates {}"]
    assert (UUID(flagged["participant_id"]), UUID(flagged["duplicate_of"])) == (FLAGGED, HOLDER)


async def test_a_fact_replayed_late_fills_in_but_never_undoes_a_later_one(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        later = [
            MentorRegisteredV1(occurred_at=AT, mentor_id=COACHING),  # sequence 1: the late facts' place
            UnitStatusChangedV1(occurred_at=AT, unit_id=BANGKOK_UNIT, status="SUSPENDED"),
            ProjectNeedsAssessmentChangedV1(**where(BATIK), needs_assessment_status="VALIDATED"),
            ProjectStatusChangedV1(**where(BATIK), status="ACTIVE"),
            MentorAssignmentEndedV1(
                occurred_at=AT, mentor_id=COACHING, assignment_id=ON_BANGKOK_UNIT, to_date=date(2025, 3, 31)
            ),
            DuplicateResolvedV1(occurred_at=AT, participant_id=FLAGGED, duplicate_of=HOLDER, resolution="MERGED"),
        ]
        await publish_in_order(runtime.js, later, event_ids=[f"enrollment:{n}" for n in range(1, len(later) + 1)])
        await eventually(lambda: caught_up(runtime), what="the read models to catch up")
        assert await get(system, "/units") == [], "a unit is listed once its registration is known"
        late: list[tuple[str, IntegrationEvent]] = [
            ("units", unit_stream()[1]),
            ("projects", ProjectProposedV1(**where(BATIK), name="Batik studio", grant_thb=Decimal("300000"))),
            ("projects", ProjectNeedsAssessmentChangedV1(**where(BATIK), needs_assessment_status="DRAFTED")),
            ("projects", assigned(COACHING, ON_BANGKOK_UNIT, date(2025, 2, 1), unit=True)),
            ("mentors", assigned(COACHING, ON_BANGKOK_UNIT, date(2025, 2, 1), unit=True)),
            ("potential-duplicates", duplicate_stream()[0]),
        ]
        async with as_operator(settings) as operator:
            for read_model, event in late:
                await replay_late(operator, f"enrollment-{read_model}", event, as_if_at=1)
        await eventually(lambda: caught_up(runtime), what="the replays to be projected")
        units = await get(system, "/units")
        projects = await get(system, "/projects")
        mentors = await get(system, "/mentors")
        worklist = await get(system, "/participants/potential-duplicates")
    assert [(u["name"], u["status"]) for u in units] == [("CDU Bangkok", "SUSPENDED")]
    [batik] = projects
    assert (batik["name"], batik["status"], batik["needs_assessment_status"]) == ("Batik studio", "ACTIVE", "VALIDATED")
    assert batik["mentor_assignments"] == []  # a unit's assignment, not the project's
    assert [(m["id"], m["status"], m["units"]) for m in mentors] == [(str(COACHING), "ACTIVE", [])]  # it ended
    assert worklist == []


async def test_a_registration_or_proposal_replayed_late_leaves_the_name_a_later_rename_gave(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        later = [
            MentorRegisteredV1(occurred_at=AT, mentor_id=COACHING),  # sequence 1: the late facts' place
            UnitRenamedV1(
                occurred_at=AT, unit_id=BANGKOK_UNIT, name="CDU Krung Thep", previous_name="CDU Bangkok",
                renamed_on=date(2025, 3, 1),
            ),
            ProjectRenamedV1(
                **where(BATIK), name="Batik studio of Bangkok", previous_name="Batik studio",
                renamed_on=date(2025, 3, 1),
            ),
        ]  # fmt: skip
        await publish_in_order(runtime.js, later, event_ids=[f"enrollment:{n}" for n in range(1, len(later) + 1)])
        await eventually(lambda: caught_up(runtime), what="the read models to catch up")
        assert await get(system, "/units") == [], "a unit is listed once its registration is known"
        assert await get(system, "/projects") == [], "a project is listed once its status is known"
        registration = UnitRegisteredV1(
            occurred_at=AT, unit_id=BANGKOK_UNIT, name="CDU Bangkok", province_code="TH-10", region="CENTRAL",
            registered_on=date(2025, 1, 15),
        )  # fmt: skip
        proposal = ProjectProposedV1(**where(BATIK), name="Batik studio", grant_thb=Decimal("300000"))
        async with as_operator(settings) as operator:
            await replay_late(operator, "enrollment-units", registration, as_if_at=1)
            await replay_late(operator, "enrollment-projects", proposal, as_if_at=1)
        await eventually(lambda: caught_up(runtime), what="the replays to be projected")
        units = await get(system, "/units")
        projects = await get(system, "/projects")
    assert [(u["name"], u["status"], u["registered_on"]) for u in units] == [
        ("CDU Krung Thep", "REGISTERED", "2025-01-15")
    ]
    assert [(p["name"], p["status"], p["grant_thb"]) for p in projects] == [
        ("Batik studio of Bangkok", "PROPOSED", "300000.00")
    ]


async def test_a_registration_replayed_late_leaves_the_day_a_later_correction_gave(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        later = [
            MentorRegisteredV1(occurred_at=AT, mentor_id=COACHING),  # sequence 1: the late registration's place
            UnitRegistrationDayCorrectedV1(
                occurred_at=AT, unit_id=BANGKOK_UNIT, registered_on=date(2024, 11, 1),
                previous_registered_on=date(2025, 1, 15),
            ),
            UnitStatusChangedV1(occurred_at=AT, unit_id=BANGKOK_UNIT, status="ACTIVE"),
        ]  # fmt: skip
        await publish_in_order(runtime.js, later, event_ids=[f"enrollment:{n}" for n in range(1, len(later) + 1)])
        await eventually(lambda: caught_up(runtime), what="the read models to catch up")
        assert await get(system, "/units") == [], "a unit is listed once its registration is known"
        registration = UnitRegisteredV1(
            occurred_at=AT, unit_id=BANGKOK_UNIT, name="CDU Bangkok", province_code="TH-10", region="CENTRAL",
            registered_on=date(2025, 1, 15),
        )  # fmt: skip
        async with as_operator(settings) as operator:
            await replay_late(operator, "enrollment-units", registration, as_if_at=1)
        await eventually(lambda: caught_up(runtime), what="the replay to be projected")
        units = await get(system, "/units")
    assert [(u["name"], u["status"], u["registered_on"]) for u in units] == [("CDU Bangkok", "ACTIVE", "2024-11-01")]


def case_where(project_id: UUID) -> dict[str, Any]:
    place = where(project_id)
    return {key: place[key] for key in ("project_id", "province_code", "region")}


def applied(case: UUID, project_id: UUID, on: date) -> ApplicationReceivedV1:
    return ApplicationReceivedV1(
        occurred_at=AT, participant_id=uuid4(), enrollment_id=case, unit_id=where(project_id)["unit_id"],
        applied_on=on, **case_where(project_id),
    )  # fmt: skip


def enrolled(application: ApplicationReceivedV1 | ApplicationScreenedInV1, on: date) -> ParticipantEnrolledV1:
    return ParticipantEnrolledV1(
        occurred_at=AT, participant_id=application.participant_id, enrollment_id=application.enrollment_id,
        unit_id=where(application.project_id)["unit_id"], enrolled_on=on, **case_where(application.project_id),
    )  # fmt: skip


async def listed_with_total(system: RunningSystem, **params: Any) -> tuple[list[UUID], int]:
    response = await system.client("enrollment").get("/enrollments", params=params)
    assert response.status_code == 200, response.text
    return ids(response.json(), "enrollment_id"), int(response.headers["X-Total-Count"])


async def test_a_units_cases_by_province_and_days_with_how_many_there_are(settings: Settings) -> None:
    """Staff of a unit ask for their cases, a province's, those applied for or enrolled between two days, and
    how many: a case counts where it is now, and a range on a day leaves out the cases without that day."""
    early, screened_out, in_bangkok, moved = uuid4(), uuid4(), uuid4(), uuid4()
    early_application = applied(early, WEAVING, date(2025, 5, 2))
    moved_application = applied(moved, WEAVING, date(2025, 5, 3))
    bangkok_application = applied(in_bangkok, BATIK, date(2025, 6, 1))
    # Screened in before applications were published: the row is made without a unit, and enrollment tells it.
    unpublished = ApplicationScreenedInV1(
        occurred_at=AT, participant_id=uuid4(), enrollment_id=uuid4(), screened_on=date(2025, 4, 15),
        **case_where(WEAVING),
    )  # fmt: skip
    rejected = applied(screened_out, WEAVING, date(2025, 5, 10))
    rejection = ApplicationScreenedOutV1(
        occurred_at=AT, participant_id=rejected.participant_id, enrollment_id=screened_out,
        screened_on=date(2025, 5, 11), reasons=["income-above-threshold"], **case_where(WEAVING),
    )  # fmt: skip
    transfer = ParticipantTransferredV1(
        occurred_at=AT, participant_id=moved_application.participant_id, enrollment_id=moved,
        unit_id=BANGKOK_UNIT, from_project_id=WEAVING, from_unit_id=CHIANG_MAI_UNIT, from_province_code="TH-50",
        from_region="NORTH", transferred_on=date(2025, 7, 1), reason="RELOCATION", **case_where(BATIK),
    )  # fmt: skip
    events: list[IntegrationEvent] = [
        *unit_stream(),  # the units asked about are known, as they are once registered
        early_application,
        enrolled(early_application, date(2025, 5, 5)),
        rejected,
        rejection,
        bangkok_application,
        enrolled(bangkok_application, date(2025, 6, 3)),
        moved_application,
        enrolled(moved_application, date(2025, 5, 6)),
        transfer,
        unpublished,
        enrolled(unpublished, date(2025, 4, 20)),
    ]
    legacy = unpublished.enrollment_id
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        await publish_in_order(runtime.js, events, event_ids=[f"enrollment:{n}" for n in range(1, len(events) + 1)])
        await eventually(lambda: caught_up(runtime), what="the read models to catch up")
        chiang_mai_unit = str(CHIANG_MAI_UNIT)
        everything = await listed_with_total(system)
        ours = await listed_with_total(system, unit_id=chiang_mai_unit)
        bangkok_unit = await listed_with_total(system, unit_id=str(BANGKOK_UNIT))
        chiang_mai = await listed_with_total(system, province_code="50")
        bangkok = await listed_with_total(system, province_code="TH-10")
        central = await listed_with_total(system, region="central")
        applied_in_may = await listed_with_total(system, applied_from="2025-05-01", applied_to="2025-05-10")
        enrolled_after = await listed_with_total(system, enrolled_from="2025-05-06", enrolled_to="2025-06-30")
        enrolled_by = await listed_with_total(system, enrolled_to="2025-05-05")
        ours_applied = await listed_with_total(system, unit_id=chiang_mai_unit, applied_from="2025-05-01")
        ours_enrolled = await listed_with_total(system, unit_id=chiang_mai_unit, status="ENROLLED")
        second_page = await listed_with_total(system, unit_id=chiang_mai_unit, limit=1, offset=1)
        past_the_end = await listed_with_total(system, unit_id=chiang_mai_unit, offset=10)
        nobody = await listed_with_total(system, province_code="TH-90")
        backwards = await system.client("enrollment").get(
            "/enrollments", params={"applied_from": "2025-05-10", "applied_to": "2025-05-01"}
        )

    assert everything == ([legacy, early, moved, in_bangkok, screened_out], 5)
    assert ours == ([legacy, early, screened_out], 3), "the moved case is the Bangkok unit's now"
    assert bangkok_unit == ([moved, in_bangkok], 2)
    assert (chiang_mai, bangkok, central) == (ours, bangkok_unit, bangkok_unit)
    assert applied_in_may == ([early, moved, screened_out], 3), "both days included; no day, not in a range"
    assert enrolled_after == ([moved, in_bangkok], 2), "enrolled the day before the range: left out"
    assert enrolled_by == ([legacy, early], 2)
    assert ours_applied == ([early, screened_out], 2)
    assert ours_enrolled == ([legacy, early], 2)
    assert second_page == ([early], 3)
    assert past_the_end == ([], 3)
    assert nobody == ([], 0)
    assert backwards.status_code == 422
    assert backwards.json()["fields"][0]["field"] == "query.applied_to"
