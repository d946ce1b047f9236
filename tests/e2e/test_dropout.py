"""Dropout across the services: training records it, outcomes refuses outcomes for the case, whose view
shows the dropout, its withdrawal and closure."""

from __future__ import annotations

from typing import Any

from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.journeys import created, enroll, in_training, open_project
from tests.support.outcomes_steps import case_when
from tests.support.system import eventually, running_system


async def test_a_dropout_closes_training_and_the_case_takes_no_outcome(settings: Settings) -> None:
    async with running_system(settings) as system:
        training = system.client("training")
        outcomes = system.client("outcomes")
        project = await open_project(system, name="Solar repair", province_code="TH-34")
        enrolled = await enroll(system, project, birth_year=1992)
        await in_training(system, enrolled)
        enrollment_id = enrolled.enrollment_id

        dropped = await training.post(f"/training-records/{enrollment_id}/dropout", json={"reason": "FAMILY_DUTIES"})
        twice = await training.post(f"/training-records/{enrollment_id}/dropout", json={"reason": "OTHER"})

        async def dropped_out() -> str | None:
            status: str = (await training.get(f"/training-records/{enrollment_id}")).json()["status"]
            return status if status == "DROPPED_OUT" else None

        await eventually(dropped_out, what="the read model to show the dropout")

        async def refused_for_good() -> dict[str, Any] | None:
            response = await outcomes.post(
                f"/cases/{enrollment_id}/employment",
                json={"employment_type": "WAGE", "related_to_training": False, "monthly_income_thb": "7000"},
            )
            refusal: dict[str, Any] = response.json()
            return refusal if response.status_code == 409 and not refusal.get("retryable") else None

        refusal = await eventually(refused_for_good, what="outcomes to learn of the dropout")

        case = await case_when(
            outcomes, enrolled, lambda c: c["training"] == "DROPPED_OUT", what="the case view to show the dropout"
        )
        completion = await training_steps.complete(system, enrolled)
    assert dropped.status_code == 201, dropped.text
    assert twice.status_code == 409
    assert refusal["rule"] == "training-must-be-completed"
    assert completion.status_code == 409
    assert (case["status"], case["dropout_reason"], case["follow_ups"]) == ("OPEN", "FAMILY_DUTIES", [])
    assert case["completed_on"] is None


async def test_a_dropouts_case_is_withdrawn_and_closed_and_shows_so_in_no_worklist(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment, training = system.client("enrollment"), system.client("training")
        outcomes = system.client("outcomes")
        project = await open_project(system, name="Rice cracker making", province_code="TH-35")
        enrolled = await enroll(system, project, birth_year=1975)
        await in_training(system, enrolled)
        case_path = f"/cases/{enrolled.enrollment_id}"
        dropout = {"reason": "MOVED_AWAY", "dropped_out_on": "2025-06-10"}
        created(await training.post(f"/training-records/{enrolled.enrollment_id}/dropout", json=dropout))
        withdrawal = {"reason": "MOVED_AWAY", "withdrawn_on": "2025-06-20"}
        created(await enrollment.post(f"/enrollments/{enrolled.enrollment_id}/withdrawal", json=withdrawal))
        # Closed only once outcomes knows the withdrawal: a closed case takes no withdrawal after.
        await case_when(outcomes, enrolled, lambda c: c["withdrawn_on"] is not None, what="the withdrawal shown")

        closure = {"reason": "DROPPED_OUT", "closed_on": "2025-07-01"}
        closed = await training_steps.accepted_once_known(outcomes, f"{case_path}/closure", closure)
        case = await case_when(outcomes, enrolled, lambda c: c["status"] == "CLOSED", what="the closure shown")
        as_of_before = (await outcomes.get(case_path, params={"as_of": "2025-06-30"})).json()
        worklist = (await outcomes.get("/follow-ups", params={"project_id": project})).json()
    assert closed["id"] == enrolled.enrollment_id
    shown = ("training", "dropped_out_on", "dropout_reason", "withdrawn_on", "closed_on", "closure_reason")
    assert {key: case[key] for key in shown} == {
        "training": "DROPPED_OUT",
        "dropped_out_on": "2025-06-10",
        "dropout_reason": "MOVED_AWAY",
        "withdrawn_on": "2025-06-20",
        "closed_on": "2025-07-01",
        "closure_reason": "DROPPED_OUT",
    }
    assert (case["project_id"], case["follow_ups"], case["incomes"]) == (project, [], [])
    assert case["baseline"]["monthly_income_thb"] == "6500.00"
    assert as_of_before["status"] == "WITHDRAWN"
    assert worklist == []


async def test_a_member_who_drops_out_leaves_the_cohort_they_were_in(settings: Settings) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        project = await open_project(system, name="Solar repair", province_code="TH-34")
        staying, leaving = await enroll(system, project), await enroll(system, project)
        cohort_id = await training_steps.started_cohort(
            system, project, await training_steps.approved_curriculum(system, project)
        )
        for member in (staying, leaving):
            joining = {"cohort_id": cohort_id, "assigned_on": training_steps.iso(training_steps.STARTS_ON)}
            await training_steps.accepted_once_known(
                training, f"/training-records/{member.enrollment_id}/cohort", joining
            )
        dropout = {"reason": "FAMILY_DUTIES", "dropped_out_on": training_steps.iso(training_steps.FIRST_SESSION_ON)}
        await training_steps.accepted_once_known(
            training, f"/training-records/{leaving.enrollment_id}/dropout", dropout
        )

        async def after_the_dropout() -> dict[str, Any] | None:
            cohort: dict[str, Any] = (await training.get(f"/cohorts/{cohort_id}")).json()
            return cohort if cohort.get("members_count") == 1 and len(cohort["members"]) == 2 else None

        cohort = await eventually(after_the_dropout, what="the cohort to show the dropout")
    left = {m["enrollment_id"]: (m["left_on"], m["left_because"]) for m in cohort["members"]}
    assert left == {
        staying.enrollment_id: (None, None),
        leaving.enrollment_id: (training_steps.iso(training_steps.FIRST_SESSION_ON), "DROPPED_OUT"),
    }


async def test_enrollment_lists_a_units_dropouts_as_training_reported_them(settings: Settings) -> None:
    """A mentor asks the enrollment service for a project's dropouts: the cases stay ENROLLED (still in the
    programme), and say how their training ended."""
    async with running_system(settings) as system:
        enrollment, training = system.client("enrollment"), system.client("training")
        project = await open_project(system, name="Herbal soap", province_code="TH-36")
        leaving, staying = await enroll(system, project, birth_year=1990), await enroll(system, project)
        for enrolled in (leaving, staying):
            await in_training(system, enrolled)
        dropout = {"reason": "HEALTH", "dropped_out_on": "2025-06-20"}
        created(await training.post(f"/training-records/{leaving.enrollment_id}/dropout", json=dropout))
        wanted = {"project_id": project, "training_ended": "DROPPED_OUT"}

        async def listed() -> list[dict[str, Any]] | None:
            found: list[dict[str, Any]] = (await enrollment.get("/enrollments", params=wanted)).json()
            return found or None

        dropouts = await eventually(listed, what="the dropout in the enrollment list")
        everyone = await enrollment.get("/enrollments", params={"project_id": project})
        wrong_value = await enrollment.get("/enrollments", params={"training_ended": "FINISHED"})
    assert [case["enrollment_id"] for case in dropouts] == [leaving.enrollment_id]
    assert (dropouts[0]["status"], dropouts[0]["training_ended_on"]) == ("ENROLLED", "2025-06-20")
    by_case = {case["enrollment_id"]: case["training_ended"] for case in everyone.json()}
    assert by_case == {leaving.enrollment_id: "DROPPED_OUT", staying.enrollment_id: None}
    assert wrong_value.status_code == 422 and "training_ended" in wrong_value.text
