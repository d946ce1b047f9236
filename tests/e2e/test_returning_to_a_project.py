"""A participant who left a project (withdrawn, or dropped out of training) may apply to it again: the
new application opens a new case, which training takes in as a new record; the old case stays as it was."""

from __future__ import annotations

from typing import Any

from pathways_infra.settings import Settings
from tests.support.journeys import BASELINE, Enrolled, created, enroll, in_training, open_project
from tests.support.system import eventually, running_system


async def test_a_withdrawn_participant_applies_to_the_same_project_again(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment = system.client("enrollment")
        project = await open_project(system, name="Silk weaving", province_code="TH-32")
        first = await enroll(system, project, sex="F", birth_year=1986)
        await in_training(system, first)

        def application(day: str) -> dict[str, Any]:
            return {
                "participant_id": first.participant_id,
                "project_id": project,
                "applied_on": day,
                "baseline": BASELINE,
            }

        while_open = await enrollment.post("/enrollments", json=application("2026-01-10"))
        created(
            await enrollment.post(
                f"/enrollments/{first.enrollment_id}/withdrawal",
                json={"reason": "PARTICIPANT_REQUEST", "withdrawn_on": "2026-03-01"},
            )
        )
        before_leaving = await enrollment.post("/enrollments", json=application("2026-02-01"))
        again = await enrollment.post("/enrollments", json=application("2026-03-10"))
        second_id = created(again)["id"]
        created(await enrollment.post(f"/enrollments/{second_id}/screening", json={"screened_on": "2026-03-11"}))
        created(await enrollment.post(f"/enrollments/{second_id}/enrollment", json={"enrolled_on": "2026-03-12"}))
        record = await in_training(system, Enrolled(first.participant_id, second_id, project))
        third = await enrollment.post("/enrollments", json=application("2026-03-20"))

        async def both_listed() -> list[dict[str, Any]] | None:
            listed = (await enrollment.get("/enrollments", params={"participant_id": first.participant_id})).json()
            mine: list[dict[str, Any]] = listed["items"] if isinstance(listed, dict) else listed
            return mine if {case["status"] for case in mine} == {"WITHDRAWN", "ENROLLED"} else None

        cases = await eventually(both_listed, what="both cases listed in the project")
        old_case = (await enrollment.get(f"/enrollments/{first.enrollment_id}")).json()
    assert while_open.status_code == 409, while_open.text
    assert while_open.json()["rule"] == "enrolled-once-per-project"
    assert f"case {first.enrollment_id} in project {project}, which is still open (ENROLLED)" in while_open.text
    assert before_leaving.status_code == 409, before_leaving.text
    assert before_leaving.json()["rule"] == "new-case-before-earlier-case-left"
    assert second_id != first.enrollment_id, "a new case, not the old one reopened"
    assert record["status"] == "IN_TRAINING", record
    assert third.status_code == 409 and third.json()["rule"] == "enrolled-once-per-project", third.text
    assert {case["enrollment_id"] for case in cases} == {first.enrollment_id, second_id}
    assert old_case["status"] == "WITHDRAWN", "the old case stays as it was"
