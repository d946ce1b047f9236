"""Intake as staff see it: a screening answers whether it passed; a unit that is not active takes no
participants (its projects stay open on paper, but the unit that would run a case is what intake needs)."""

from __future__ import annotations

from typing import Any

from pathways_infra.settings import Settings
from tests.support.journeys import BASELINE, created, open_project, register
from tests.support.system import RunningSystem, eventually, get_json_when_found, running_system


async def test_a_suspended_unit_takes_no_application_until_reinstated(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        project_id = await open_project(system, name="Sticky rice snacks", province_code="TH-40")
        unit_id = (await get_json_when_found(enrollment, f"/projects/{project_id}"))["unit_id"]
        person = await register(system)
        created(await enrollment.post(f"/units/{unit_id}/suspension", json={"reason": "financial audit"}))
        application = {"participant_id": person, "project_id": project_id, "applied_on": "2025-05-02"}

        refused = await enrollment.post("/enrollments", json=application)
        created(await enrollment.post(f"/units/{unit_id}/reinstatement"))
        accepted = await enrollment.post("/enrollments", json=application)
    assert refused.status_code == 409, refused.text
    assert (refused.json()["rule"], refused.json()["retryable"]) == ("unit-not-active", True)
    assert "SUSPENDED; it must be ACTIVE to take participants in" in refused.json()["error"]
    assert accepted.status_code == 201, accepted.text


async def test_a_screening_answers_whether_it_passed_and_what_it_missed(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        project_id = await open_project(system, name="Sticky rice snacks", province_code="TH-40")
        answers = []
        for income in ("6500", "25000"):
            person = await register(system)
            baseline = {**BASELINE, "monthly_income_thb": income}
            application = {"participant_id": person, "project_id": project_id, "applied_on": "2025-05-02"}
            case = created(await enrollment.post("/enrollments", json=application | {"baseline": baseline}))
            screening = {"screened_on": "2025-05-03"}
            answers.append(await enrollment.post(f"/enrollments/{case['id']}/screening", json=screening))
        refused = await enrollment.post(f"/enrollments/{case['id']}/enrollment", json={"enrolled_on": "2025-05-04"})
    passed, failed = (answer.json() for answer in answers)
    assert (passed["passed"], passed["reasons"]) == (True, [])
    assert (failed["passed"], failed["reasons"]) == (False, ["income-above-threshold"])
    assert failed["version"] == 3 and len(failed["event_ids"]) == 1
    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "passed-screening-required"
    assert refused.json()["error"] == (
        f"enrollment {case['id']} was screened out of project {project_id} on 2025-05-03 (income-above-threshold); "
        "if that came from a mistake in the data, record its baseline again "
        f"(POST /enrollments/{case['id']}/baseline), "
        f"then screen it again (POST /enrollments/{case['id']}/screening)"
    )


async def test_implausible_personal_data_is_refused_naming_the_field(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        person = {"full_name": "Malee Srisuk", "date_of_birth": "1985-04-01"}
        answers = {
            "phone": await enrollment.post(
                "/participants", json={"sex": "F", "personal_data": person | {"phone": "hello"}}
            ),
            "date_of_birth": await enrollment.post(
                "/participants", json={"sex": "F", "personal_data": person | {"date_of_birth": "1850-01-01"}}
            ),
        }
    for field, answer in answers.items():
        assert answer.status_code == 422, answer.text
        assert [f["field"] for f in answer.json()["fields"]] == [f"body.personal_data.{field}"]
        assert "hello" not in answer.text, "personal data is not echoed back"


async def test_a_screened_out_case_with_a_corrected_baseline_is_listed_screened_in_once_it_passes(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        project_id = await open_project(system, name="Sticky rice snacks", province_code="TH-40")
        application = {"participant_id": await register(system), "project_id": project_id, "applied_on": "2025-05-02"}
        mistyped = {**BASELINE, "monthly_income_thb": "65000"}
        case_id = created(await enrollment.post("/enrollments", json=application | {"baseline": mistyped}))["id"]
        created(await enrollment.post(f"/enrollments/{case_id}/screening", json={"screened_on": "2025-05-03"}))
        out = await listed_once(system, case_id, "SCREENED_OUT")
        created(await enrollment.post(f"/enrollments/{case_id}/baseline", json=BASELINE))
        created(await enrollment.post(f"/enrollments/{case_id}/screening", json={"screened_on": "2025-05-04"}))
        back_in = await listed_once(system, case_id, "SCREENED_IN")
    assert out["screened_out_reasons"] == ["income-above-threshold"]
    assert back_in["screened_out_reasons"] is None


async def listed_once(system: RunningSystem, case_id: str, status: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found: dict[str, Any] = (await system.client("enrollment").get(f"/enrollments/{case_id}")).json()
        return found if found.get("status") == status else None

    return await eventually(probe, what=f"enrollment {case_id} listed {status}")
