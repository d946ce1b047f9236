"""Steps of a participant's journey over HTTP, shared by end-to-end tests.

Each step is what the service's users do for it; tests that are about a later step use these so
that a change in an earlier step's API changes one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.system import RunningSystem, get_json_when_found


@dataclass(frozen=True)
class Enrolled:
    participant_id: str
    enrollment_id: str
    project_id: str


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


UNIT_REGISTERED_ON = "2025-01-15"  # before its projects are proposed
PROJECT_PROPOSED_ON = "2025-02-01"
PROJECT_OPENED_ON = "2025-04-01"  # before the journeys' registrations and applications
NEEDS_ASSESSMENT = {
    "problems": ["informal workers lost income in COVID-19"],
    "community_capital": ["hand-loom skills"],
    "opportunities": ["online craft market"],
    "assessed_on": "2025-03-01",
}


async def open_project(
    system: RunningSystem,
    *,
    name: str = "Community weaving",
    province_code: str = "TH-50",
    unit_id: str | None = None,
    **extra: Any,
) -> str:
    """A project open for enrollment: its unit (a new one unless given) registered and active, its needs
    assessment validated, the proposal approved."""
    enrollment = system.client("enrollment")
    if unit_id is None:
        registration = {
            "name": f"CDU {province_code}", "province_code": province_code, "registered_on": UNIT_REGISTERED_ON
        }  # fmt: skip
        unit_id = created(await enrollment.post("/units", json=registration))["id"]
        created(await enrollment.post(f"/units/{unit_id}/activation"))
    proposal = {
        "name": name, "province_code": province_code, "unit_id": unit_id, "grant_thb": "450000",
        "proposed_on": PROJECT_PROPOSED_ON, **extra,
    }  # fmt: skip
    project_id: str = created(await enrollment.post("/projects", json=proposal))["id"]
    created(await enrollment.post(f"/projects/{project_id}/needs-assessment", json=NEEDS_ASSESSMENT))
    created(await enrollment.post(f"/projects/{project_id}/needs-assessment/validation"))
    created(await enrollment.post(f"/projects/{project_id}/approval", json={"on": PROJECT_OPENED_ON}))
    return project_id


PERSON = {"full_name": "Somsri Jaidee", "phone": "+66 81 234 5678", "address": "12 Moo 3, Mae Chaem"}
CONSENT = {"purposes": ["programme-participation", "outcome-follow-up"], "notice_version": "2025-01"}
BASELINE = {
    "employment_status": "SELF_EMPLOYED",
    "occupation": "street vendor",
    "monthly_income_thb": "6500",
    "informal_worker": True,
    "covid_affected": True,
}


async def register(
    system: RunningSystem,
    *,
    sex: str = "F",
    birth_year: int = 1985,
    headers: dict[str, str] | None = None,
    registered_on: str | None = "2025-05-01",
    **personal_data: Any,
) -> str:
    """Register a participant, born on 1 April of ``birth_year``, with their personal data and consent to take
    part and be followed up, on ``registered_on`` (None: today); their age band is of their age that day."""
    body = {
        "personal_data": {**PERSON, "date_of_birth": f"{birth_year}-04-01", **personal_data},
        "sex": sex,
        "consent": {**CONSENT, "granted_at": "2025-05-01T09:00:00+07:00"},
        **({} if registered_on is None else {"registered_on": registered_on}),
    }
    participant_id: str = created(await system.client("enrollment").post("/participants", json=body, headers=headers))[
        "id"
    ]
    return participant_id


async def enroll(
    system: RunningSystem,
    project_id: str,
    *,
    sex: str = "F",
    birth_year: int = 1985,
    headers: dict[str, str] | None = None,
    participant_id: str | None = None,
    registered_on: str | None = "2025-05-01",
    baseline: dict[str, Any] | None = None,
) -> Enrolled:
    """Register a participant (unless given), apply with a baseline (``BASELINE`` unless given), pass
    screening, enroll."""
    enrollment = system.client("enrollment")
    person = participant_id or await register(
        system, sex=sex, birth_year=birth_year, headers=headers, registered_on=registered_on
    )
    application = {
        "participant_id": person,
        "project_id": project_id,
        "applied_on": "2025-05-02",
        "baseline": baseline or BASELINE,
    }
    case_id: str = created(await enrollment.post("/enrollments", json=application, headers=headers))["id"]
    screening = await enrollment.post(
        f"/enrollments/{case_id}/screening", json={"screened_on": "2025-05-03"}, headers=headers
    )
    created(screening)
    created(
        await enrollment.post(f"/enrollments/{case_id}/enrollment", json={"enrolled_on": "2025-05-05"}, headers=headers)
    )
    return Enrolled(participant_id=person, enrollment_id=case_id, project_id=project_id)


async def in_training(system: RunningSystem, enrolled: Enrolled) -> dict[str, Any]:
    """Wait until training has opened the record for the enrollment."""
    return await get_json_when_found(system.client("training"), f"/training-records/{enrolled.enrollment_id}")


async def complete_training(
    system: RunningSystem, enrolled: Enrolled, *, headers: dict[str, str] | None = None, track: str = "RESKILL"
) -> None:
    """Take the participant through training to completion.

    An approved curriculum, a cohort started on it, the participant assigned, a session attended, completed.
    """
    from tests.support import training_steps  # it builds on the steps above

    await in_training(system, enrolled)
    await training_steps.ready_to_complete(system, enrolled, headers=headers, track=track)
    created(await training_steps.complete(system, enrolled, headers=headers))
