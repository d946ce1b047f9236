"""An enrollment transferred to another project: the training record follows, then moves cohort keeping its history.

The enrollment service's events are published by hand onto the ENROLLMENT stream, as it would publish them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from nats.js import JetStreamContext

from pathways_contracts.enrollment import ParticipantEnrolledV1, ParticipantTransferredV1, ProjectOpenedV1
from pathways_infra.settings import Settings
from tests.support.journeys import Enrolled, created
from tests.support.messages import publish_event
from tests.support.system import RunningSystem, eventually, get_json_when_found, running_system
from tests.support.training_steps import accepted_once_known, approved_curriculum, hold_session, iso, started_cohort

NOW = datetime(2025, 5, 1, tzinfo=UTC)
TRANSFERRED_ON = date(2025, 5, 20)


def project_opened(project_id: UUID, province_code: str, region: str) -> ProjectOpenedV1:
    return ProjectOpenedV1(
        occurred_at=NOW, project_id=project_id, name="Weaving", province_code=province_code, region=region
    )


def enrolled(enrollment: Enrolled) -> ParticipantEnrolledV1:
    return ParticipantEnrolledV1(
        occurred_at=NOW,
        participant_id=UUID(enrollment.participant_id),
        enrollment_id=UUID(enrollment.enrollment_id),
        project_id=UUID(enrollment.project_id),
        province_code="TH-50",
        region="NORTH",
        enrolled_on=date(2025, 5, 5),
    )


def transferred(enrollment: Enrolled, to_project: UUID) -> ParticipantTransferredV1:
    return ParticipantTransferredV1(
        occurred_at=NOW,
        participant_id=UUID(enrollment.participant_id),
        enrollment_id=UUID(enrollment.enrollment_id),
        project_id=to_project,
        province_code="TH-58",
        region="NORTH",
        from_project_id=UUID(enrollment.project_id),
        from_province_code="TH-50",
        from_region="NORTH",
        transferred_on=TRANSFERRED_ON,
        reason="RELOCATION",
    )


async def record_where(system: RunningSystem, enrollment_id: str, field: str, value: object) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found = await get_json_when_found(system.client("training"), f"/training-records/{enrollment_id}")
        return found if found.get(field) == value else None

    return await eventually(probe, what=f"training record with {field} {value!r}")


async def test_a_transferred_enrollment_moves_cohort_and_keeps_its_attendance(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    first_project, second_project = uuid4(), uuid4()
    case = Enrolled(participant_id=str(uuid4()), enrollment_id=str(uuid4()), project_id=str(first_project))
    async with running_system(settings, ["training"]) as system:
        js, training = operator_js, system.client("training")  # js: as the enrollment service publishes
        await publish_event(js, project_opened(first_project, "TH-50", "NORTH"), event_id="enrollment:1")
        await publish_event(js, project_opened(second_project, "TH-58", "NORTH"), event_id="enrollment:2")
        await publish_event(js, enrolled(case), event_id="enrollment:3")
        first_cohort = await started_cohort(
            system, str(first_project), await approved_curriculum(system, str(first_project))
        )
        second_cohort = await started_cohort(  # on a curriculum of the 9 hours held for the participant
            system, str(second_project), await approved_curriculum(system, str(second_project), hours="9")
        )
        await record_where(system, case.enrollment_id, "status", "IN_TRAINING")
        too_early = {"cohort_id": first_cohort, "assigned_on": "2025-05-04"}  # the day before the enrollment
        before_enrollment = await training.post(f"/training-records/{case.enrollment_id}/cohort", json=too_early)
        joining = {"cohort_id": first_cohort, "assigned_on": "2025-05-12"}
        await accepted_once_known(training, f"/training-records/{case.enrollment_id}/cohort", joining)
        await hold_session(system, first_cohort, date(2025, 5, 13), attended=[case])
        unmarked = await hold_session(system, first_cohort, date(2025, 5, 14), attended=[])  # present, on paper
        after_leaving = await hold_session(system, first_cohort, date(2025, 5, 21), attended=[])  # not expected

        transfer = {"to_cohort_id": second_cohort, "transferred_on": iso(TRANSFERRED_ON)}
        before = await training.post(f"/training-records/{case.enrollment_id}/cohort-transfer", json=transfer)
        await publish_event(js, transferred(case, second_project), event_id="enrollment:4")
        moved = await accepted_once_known(training, f"/training-records/{case.enrollment_id}/cohort-transfer", transfer)
        missed = await hold_session(system, second_cohort, date(2025, 5, 22), attended=[])
        await record_where(system, case.enrollment_id, "cohort_id", second_cohort)
        await record_where(system, case.enrollment_id, "sessions_expected", 3)
        at_risk = await training.get("/training-records", params={"cohort_id": second_cohort, "at_risk": "true"})
        new_cohort = await get_json_when_found(training, f"/cohorts/{second_cohort}")
        attendance = f"/training-records/{case.enrollment_id}/attendance"
        late = await training.post(attendance, json={"session_id": unmarked})  # of the cohort it left
        not_expected = await training.post(attendance, json={"session_id": after_leaving})
        created(await training.post(attendance, json={"session_id": missed}))
        await record_where(system, case.enrollment_id, "at_risk", False)  # the mark corrected
        no_longer = await training.get("/training-records", params={"cohort_id": second_cohort, "at_risk": "true"})
        completion = await training.post(
            f"/training-records/{case.enrollment_id}/completion", json={"completed_on": "2025-08-29"}
        )
        record = await record_where(system, case.enrollment_id, "status", "COMPLETED")
        old_cohort = await get_json_when_found(training, f"/cohorts/{first_cohort}")

    assert before_enrollment.status_code == 409, "training learned the enrollment day from the enrolled event"
    assert before_enrollment.json()["rule"] == "cohort-joining-before-enrollment"
    assert not before_enrollment.json().get("retryable")
    assert before.status_code == 409, "the cohort is in a project the enrollment is not (yet) in"
    assert before.json() | {"error": ""} == {"error": "", "rule": "cohort-in-another-project", "retryable": True}
    assert moved["id"] == case.enrollment_id
    created(completion)
    assert record["project_id"] == str(second_project)
    assert record["cohort_id"] == second_cohort
    assert (record["sessions_expected"], record["sessions_attended"], record["attendance_rate"]) == (3, 3, 1.0)
    assert (record["hours_attended"], record["curriculum_hours"]) == ("9", "9"), "6 of them in the first cohort"
    assert [r["enrollment_id"] for r in at_risk.json()] == [case.enrollment_id], "1 of 3, across cohorts: below 80%"
    assert (new_cohort["members_at_risk"], round(new_cohort["mean_attendance_rate"], 4)) == (1, 0.3333)
    created(late)
    assert not_expected.status_code == 409, "held in the first cohort after the participant left it"
    assert not_expected.json()["rule"] == "session-must-be-held"
    assert not_expected.json()["error"] == (
        f"cohort {second_cohort} has held no session {after_leaving}, nor was it one enrollment "
        f"{case.enrollment_id} was expected at in an earlier cohort ({first_cohort})"
    )
    assert (no_longer.json(), no_longer.headers["X-Total-Count"]) == ([], "0")
    [member] = old_cohort["members"]
    assert (member["enrollment_id"], member["left_on"]) == (case.enrollment_id, iso(TRANSFERRED_ON))
