"""Consent withdrawal, erasure and merge find a participant's cases in the registry, not only in a read model.

The enrollment service runs with its relay off, so its read models never hear of the case: before the
registry knew its cases, each of these commands missed a case opened a moment before it.
"""

from __future__ import annotations

from pathways_infra.settings import Settings
from tests.support.journeys import created, enroll, open_project, register
from tests.support.system import running_system

NATIONAL_ID = "3-1006-00445-63-5"


async def test_a_consent_withdrawal_withdraws_a_case_the_read_models_have_not_heard_of(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        enrollment = system.client("enrollment")
        enrolled = await enroll(system, await open_project(system))
        listed = (await enrollment.get("/enrollments", params={"participant_id": enrolled.participant_id})).json()
        answer = await enrollment.post(
            f"/participants/{enrolled.participant_id}/consents/withdrawal",
            json={"purposes": ["programme-participation"], "withdrawn_at": "2025-06-01T10:00:00+07:00"},
        )
        again = await enrollment.post(
            f"/enrollments/{enrolled.enrollment_id}/enrollment", json={"enrolled_on": "2025-06-02"}
        )
    assert listed == [], "the read model heard of the case: this test would not show what it is for"
    assert created(answer)["cases_withdrawn"] == [enrolled.enrollment_id]
    assert again.status_code == 409, "the case was not withdrawn"


async def test_an_erasure_stops_the_follow_up_of_a_case_the_read_models_have_not_heard_of(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        enrollment = system.client("enrollment")
        enrolled = await enroll(system, await open_project(system))
        answer = await enrollment.post(f"/participants/{enrolled.participant_id}/erasure", json={})
    assert created(answer)["follow_up_stopped"] == [enrolled.enrollment_id]


async def test_a_merge_withdraws_an_application_the_read_models_have_not_heard_of(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        enrollment = system.client("enrollment")
        project = await open_project(system)
        await register(system, national_id=NATIONAL_ID)
        duplicate = await register(system, national_id=NATIONAL_ID)
        application = {
            "participant_id": duplicate,
            "project_id": project,
            "applied_on": "2025-05-02",
        }
        case_id = created(await enrollment.post("/enrollments", json=application))["id"]
        merged = await enrollment.post(f"/participants/{duplicate}/duplicate-resolution", json={"resolution": "MERGED"})
    assert created(merged)["applications_withdrawn"] == [case_id]


async def test_an_application_is_noted_on_its_participant_once(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        enrollment = system.client("enrollment")
        project = await open_project(system)
        participant = await register(system)
        application = {"participant_id": participant, "project_id": project, "applied_on": "2025-05-02"}
        first = created(await enrollment.post("/enrollments", json=application))
        second = await enrollment.post("/enrollments", json=application)
        entry = await enrollment.get(f"/participants/{participant}")
    assert len(first["event_ids"]) == 2, "the application and its note on the participant"
    assert second.status_code == 409
    assert entry.json()["cases"] == [first["id"]]
    assert entry.headers["ETag"] == '"3"', "registered, consent given, the one application noted"
