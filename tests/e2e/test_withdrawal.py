"""Withdrawal across the services: enrollment withdraws the case, training closes the record; a
withdrawal is not dated before the end of training the training service reported."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.journeys import Enrolled, complete_training, created, enroll, in_training, open_project
from tests.support.outcomes_steps import case_when
from tests.support.system import RunningSystem, eventually, get_json_when_found, running_system
from tests.support.training_steps import COMPLETED_ON


async def test_a_withdrawn_case_closes_training_and_refuses_completion(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment = system.client("enrollment")
        training = system.client("training")
        project = await open_project(system, name="Coffee roasting", province_code="TH-57")
        enrolled = await enroll(system, project, sex="M", birth_year=1988)
        await in_training(system, enrolled)
        enrollment_id = enrolled.enrollment_id

        withdrawn = await enrollment.post(
            f"/enrollments/{enrollment_id}/withdrawal",
            json={"reason": "FOUND_EMPLOYMENT", "withdrawn_on": "2026-03-01"},
        )
        again = await enrollment.post(
            f"/enrollments/{enrollment_id}/withdrawal", json={"reason": "OTHER", "withdrawn_on": "2026-03-02"}
        )

        async def status(path: str, client: Any, expected: str) -> str | None:
            found = (await client.get(path)).json()
            return found["status"] if found.get("status") == expected else None

        await eventually(lambda: status(f"/enrollments/{enrollment_id}", enrollment, "WITHDRAWN"), what="withdrawn")
        await eventually(lambda: status(f"/training-records/{enrollment_id}", training, "WITHDRAWN"), what="closed")
        completion = await training_steps.complete(system, enrolled)
        case = await case_when(
            system.client("outcomes"), enrolled, lambda c: c["withdrawn_on"] is not None, what="the withdrawn case"
        )
    assert withdrawn.status_code == 201, withdrawn.text
    assert again.status_code == 409
    assert completion.status_code == 409
    assert "withdrawn" in completion.json()["rule"]
    assert (case["training"], case["follow_ups"]) == ("WITHDRAWN", []), "withdrawn before training completed"


async def test_a_case_withdrawn_during_training_and_closed_shows_its_withdrawal_and_closure(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        project = await open_project(system, name="Silk weaving", province_code="TH-30")
        enrolled = await enroll(system, project, birth_year=1983)
        await in_training(system, enrolled)
        case_path = f"/cases/{enrolled.enrollment_id}"
        withdrawal = {"reason": "MOVED_AWAY", "withdrawn_on": "2025-06-20"}
        created(await enrollment.post(f"/enrollments/{enrolled.enrollment_id}/withdrawal", json=withdrawal))
        withdrawn = await case_when(outcomes, enrolled, lambda c: c["withdrawn_on"] is not None, what="the withdrawal")

        closure = {"reason": "WITHDRAWN", "closed_on": "2025-07-01"}
        closed = await training_steps.accepted_once_known(outcomes, f"{case_path}/closure", closure)
        case = await case_when(outcomes, enrolled, lambda c: c["status"] == "CLOSED", what="the closure shown")
        as_of_before = (await outcomes.get(case_path, params={"as_of": "2025-06-30"})).json()
        worklist = (await outcomes.get("/follow-ups", params={"project_id": project})).json()
    assert closed["id"] == enrolled.enrollment_id
    assert (withdrawn["status"], withdrawn["closed_on"]) == ("WITHDRAWN", None), "shown once withdrawn"
    shown = ("project_id", "training", "completed_on", "dropped_out_on", "withdrawn_on", "closed_on", "closure_reason")
    assert {key: case[key] for key in shown} == {
        "project_id": project,
        "training": "WITHDRAWN",
        "completed_on": None,
        "dropped_out_on": None,
        "withdrawn_on": "2025-06-20",
        "closed_on": "2025-07-01",
        "closure_reason": "WITHDRAWN",
    }
    assert (case["follow_ups"], case["incomes"]) == ([], [])
    assert case["baseline"]["monthly_income_thb"] == "6500.00"
    assert as_of_before["status"] == "WITHDRAWN"
    assert worklist == []


async def test_a_withdrawal_dated_before_the_completion_training_reported_is_refused(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment = system.client("enrollment")
        project = await open_project(system, name="Batik printing", province_code="TH-80")
        enrolled = await complete_enrolled(system, project)
        path = f"/enrollments/{enrolled.enrollment_id}/withdrawal"
        before = await enrollment.post(
            path, json={"reason": "MOVED_AWAY", "withdrawn_on": (COMPLETED_ON - timedelta(days=1)).isoformat()}
        )
        on_the_day = await enrollment.post(
            path, json={"reason": "MOVED_AWAY", "withdrawn_on": COMPLETED_ON.isoformat()}
        )
        record = (await system.client("training").get(f"/training-records/{enrolled.enrollment_id}")).json()
    assert before.status_code == 409, before.text
    assert before.json()["rule"] == "withdrawn-before-training-ended"
    assert f"training completed on {COMPLETED_ON}" in before.json()["error"]
    assert on_the_day.status_code == 201, on_the_day.text
    assert record["status"] == "COMPLETED", "a withdrawal after the completion does not undo it"


async def complete_enrolled(system: RunningSystem, project: str) -> Enrolled:
    """A participant who completed training, once the enrollment service has heard of it."""
    enrolled = await enroll(system, project, sex="F", birth_year=1990)
    await complete_training(system, enrolled)

    async def heard() -> bool | None:
        consumers = (await system.client("enrollment").get("/health")).json()["consumers"]
        return True if consumers["enrollment-from-training"]["processed"] >= 1 else None

    await eventually(heard, what="the enrollment service to hear of the completion")
    return enrolled


async def test_withdrawing_consent_to_take_part_withdraws_the_case_and_closes_training(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment, training = system.client("enrollment"), system.client("training")
        project = await open_project(system, name="Bamboo furniture", province_code="TH-65")
        enrolled = await enroll(system, project, sex="M", birth_year=1979)
        await in_training(system, enrolled)
        await get_json_when_found(enrollment, f"/enrollments/{enrolled.enrollment_id}")

        answer = await enrollment.post(
            f"/participants/{enrolled.participant_id}/consents/withdrawal",
            json={"purposes": ["programme-participation"], "withdrawn_at": "2025-06-01T10:00:00+07:00"},
        )

        async def status(path: str, client: Any) -> dict[str, Any] | None:
            found: dict[str, Any] = (await client.get(path)).json()
            return found if found.get("status") == "WITHDRAWN" else None

        case = await eventually(lambda: status(f"/enrollments/{enrolled.enrollment_id}", enrollment), what="withdrawn")
        await eventually(lambda: status(f"/training-records/{enrolled.enrollment_id}", training), what="closed")
        transfer = await enrollment.post(
            f"/enrollments/{enrolled.enrollment_id}/transfer",
            json={"to_project_id": project, "transferred_on": "2025-06-02", "reason": "OTHER"},
        )
    assert answer.status_code == 201, answer.text
    assert answer.json()["cases_withdrawn"] == [enrolled.enrollment_id]
    assert len(answer.json()["event_ids"]) == 2, "the consent withdrawal and the case's"
    assert case["withdrawal_reason"] == "CONSENT_WITHDRAWN"
    assert transfer.status_code == 409


async def test_consent_to_take_part_given_again_names_the_cases_that_stay_withdrawn_and_how_to_apply_anew(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        project = await open_project(system, name="Bamboo furniture", province_code="TH-65")
        enrolled = await enroll(system, project, sex="M", birth_year=1979)
        consents = f"/participants/{enrolled.participant_id}/consents"
        created(
            await enrollment.post(
                f"{consents}/withdrawal",
                json={"purposes": ["programme-participation"], "withdrawn_at": "2025-06-01T10:00:00+07:00"},
            )
        )
        given_again = await enrollment.post(
            consents,
            json={
                "purposes": ["programme-participation"],
                "notice_version": "2025-01",
                "granted_at": "2025-06-10T09:00:00+07:00",
            },
        )

        async def listed_withdrawn() -> dict[str, Any] | None:
            found: dict[str, Any] = (await enrollment.get(f"/enrollments/{enrolled.enrollment_id}")).json()
            return found if found.get("status") == "WITHDRAWN" else None

        case = await eventually(listed_withdrawn, what="the case listed withdrawn")
        application = {"participant_id": enrolled.participant_id, "project_id": project, "applied_on": "2025-06-10"}
        applied_anew = await enrollment.post("/enrollments", json=application)
    assert given_again.status_code == 201, given_again.text
    assert given_again.json()["cases_still_withdrawn"] == [enrolled.enrollment_id]
    assert given_again.json()["cases_withdrawn"] == []
    assert "applies to the project again (POST /enrollments)" in given_again.json()["taking_part_again"]
    assert (case["status"], case["withdrawal_reason"]) == ("WITHDRAWN", "CONSENT_WITHDRAWN")
    assert applied_anew.status_code == 201, applied_anew.text
    assert applied_anew.json()["id"] != enrolled.enrollment_id, "the way back is a new case"
