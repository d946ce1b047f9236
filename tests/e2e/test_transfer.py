"""Transfer mid-training: the case moves to another project, training moves the record to a cohort
there, and the attendance history travels with it (its hours count towards the new cohort's
curriculum); outcomes follow the case to its new project."""

from __future__ import annotations

from datetime import date
from typing import Any

from pathways_infra.settings import Settings
from tests.support.journeys import created, enroll, in_training, open_project
from tests.support.system import eventually, get_json_when_found, running_system
from tests.support.training_steps import accepted_once_known, approved_curriculum, hold_session, iso, started_cohort


async def test_a_participant_transferred_mid_training_completes_in_the_new_project(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment, training, outcomes = (
            system.client("enrollment"),
            system.client("training"),
            system.client("outcomes"),
        )
        origin = await open_project(system, name="Nan weaving", province_code="TH-55")
        destination = await open_project(system, name="Bangkok online shops", province_code="TH-10")
        cohorts = {}
        for project, hours in ((origin, "60"), (destination, "15")):
            curriculum = await approved_curriculum(system, project, hours=hours)
            cohorts[project] = await started_cohort(system, project, curriculum)
        moving = await enroll(system, origin)
        staying = await enroll(system, origin)
        for enrolled in (moving, staying):
            await in_training(system, enrolled)
            body = {"cohort_id": cohorts[origin], "assigned_on": "2025-05-12"}
            await accepted_once_known(training, f"/training-records/{enrolled.enrollment_id}/cohort", body)
        await hold_session(system, cohorts[origin], date(2025, 5, 13), attended=[moving, staying], hours="6")

        transfer = {"to_project_id": destination, "transferred_on": "2025-05-20", "reason": "RELOCATION"}
        moved = await enrollment.post(f"/enrollments/{moving.enrollment_id}/transfer", json=transfer)
        same_place = await enrollment.post(
            f"/enrollments/{staying.enrollment_id}/transfer", json={**transfer, "to_project_id": origin}
        )
        record_path = f"/training-records/{moving.enrollment_id}"

        async def record_moved() -> dict[str, Any] | None:
            record: dict[str, Any] = (await training.get(record_path)).json()
            return record if record.get("project_id") == destination else None

        await eventually(record_moved, what="training to learn of the transfer")
        cohort_move = {"to_cohort_id": cohorts[destination], "transferred_on": "2025-05-20"}
        created(await training.post(f"{record_path}/cohort-transfer", json=cohort_move))
        await hold_session(system, cohorts[destination], date(2025, 5, 21), attended=[moving])
        short = await training.post(f"{record_path}/completion", json={"completed_on": iso(date(2025, 5, 21))})
        await hold_session(system, cohorts[destination], date(2025, 5, 28), attended=[moving])
        completed = await training.post(f"{record_path}/completion", json={"completed_on": iso(date(2025, 6, 30))})

        async def record_completed() -> dict[str, Any] | None:
            found: dict[str, Any] = (await training.get(record_path)).json()
            return found if found.get("status") == "COMPLETED" else None

        record = await eventually(record_completed, what="the training record to show the completion")
        case = await get_json_when_found(outcomes, f"/cases/{moving.enrollment_id}")

        async def listed_as_moved() -> dict[str, Any] | None:
            found: dict[str, Any] = (await enrollment.get(f"/enrollments/{moving.enrollment_id}")).json()
            return found if found.get("status") == "TRANSFERRED" else None

        listed = await eventually(listed_as_moved, what="the enrollments read model to show the transfer")
        history = (await enrollment.get(f"/enrollments/{moving.enrollment_id}/case")).json()

    assert moved.status_code == 201, moved.text
    assert same_place.status_code == 409 and same_place.json()["rule"] == "transfer-to-same-placement"
    assert (short.status_code, short.json()["rule"]) == (409, "curriculum-hours-not-met")
    assert short.json()["error"] == "attended 9 of the 12 hours needed (80% of the curriculum's 15 hours)"
    assert completed.status_code == 201, completed.text
    assert (record["sessions_attended"], record["sessions_expected"]) == (3, 3), "attendance did not travel"
    assert (record["hours_attended"], record["curriculum_hours"]) == ("12", "15"), "6 hours before the move, 6 after"
    assert case["project_id"] == destination
    assert listed["project_id"] == destination and listed["province_code"] == "TH-10"
    assert [p["project_id"] for p in history["placements"]] == [origin, destination]
    assert history["placements"][0]["until"] == "2025-05-20"


async def test_after_a_project_transfer_the_old_cohort_takes_no_attendance_or_completion_until_the_record_moves(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        enrollment, training = system.client("enrollment"), system.client("training")
        origin = await open_project(system, name="Nan weaving", province_code="TH-55")
        destination = await open_project(system, name="Bangkok online shops", province_code="TH-10")
        cohorts = {}
        for project, hours in ((origin, "60"), (destination, "6")):  # three hours in each cohort
            curriculum = await approved_curriculum(system, project, hours=hours)
            cohorts[project] = await started_cohort(system, project, curriculum)
        moving = await enroll(system, origin)
        await in_training(system, moving)
        record_path = f"/training-records/{moving.enrollment_id}"
        joining = {"cohort_id": cohorts[origin], "assigned_on": "2025-05-12"}
        await accepted_once_known(training, f"{record_path}/cohort", joining)
        before_move = await hold_session(system, cohorts[origin], date(2025, 5, 13), attended=[])
        pre = {"phase": "PRE", "scores": {"weaving": "40"}, "assessed_on": "2025-05-13"}
        created(await training.post(f"{record_path}/assessments", json=pre))

        transfer = {"to_project_id": destination, "transferred_on": "2025-05-20", "reason": "RELOCATION"}
        created(await enrollment.post(f"/enrollments/{moving.enrollment_id}/transfer", json=transfer))

        async def record_moved() -> dict[str, Any] | None:
            record: dict[str, Any] = (await training.get(record_path)).json()
            return record if record.get("project_id") == destination else None

        await eventually(record_moved, what="training to learn of the transfer")
        after_move = await hold_session(system, cohorts[origin], date(2025, 5, 21), attended=[])
        refused = {
            "attendance": await training.post(f"{record_path}/attendance", json={"session_id": after_move}),
            "post-assessment": await training.post(
                f"{record_path}/assessments", json={**pre, "phase": "POST", "assessed_on": "2025-05-21"}
            ),
            "completion": await training.post(f"{record_path}/completion", json={"completed_on": "2025-05-21"}),
        }
        late_mark = await training.post(f"{record_path}/attendance", json={"session_id": before_move})
        cohort_move = {"to_cohort_id": cohorts[destination], "transferred_on": "2025-05-25"}
        created(await training.post(f"{record_path}/cohort-transfer", json=cohort_move))
        await hold_session(system, cohorts[destination], date(2025, 5, 26), attended=[moving])
        completed = await training.post(f"{record_path}/completion", json={"completed_on": "2025-05-30"})

        async def record_completed() -> dict[str, Any] | None:
            found: dict[str, Any] = (await training.get(record_path)).json()
            return found if found.get("status") == "COMPLETED" else None

        record = await eventually(record_completed, what="the training record to show the completion")

    for what, response in refused.items():
        assert response.status_code == 409, (what, response.text)
        assert response.json()["rule"] == "cohort-of-another-project", what
        assert f"/training-records/{moving.enrollment_id}/cohort-transfer" in response.json()["error"], what
    assert late_mark.status_code == 201, "a session held before the transfer day is still marked, late"
    assert completed.status_code == 201, completed.text
    assert (record["project_id"], record["cohort_id"]) == (destination, cohorts[destination])
    # expected at the old cohort's session before the transfer day and the new cohort's: not the one after
    assert (record["sessions_expected"], record["sessions_attended"], record["attendance_rate"]) == (2, 2, 1.0)
