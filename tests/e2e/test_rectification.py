"""Correcting personal data over HTTP (PDPA §35): the vault holds the corrected data, the events only which
fields changed, and a registration given with a birth year alone can be screened once its date of birth is."""

from __future__ import annotations

from typing import Any

import httpx

from pathways_contracts.reference import age_band_of
from pathways_infra.settings import Settings
from tests.support.journeys import BASELINE, CONSENT, created, open_project
from tests.support.system import RunningSystem, running_system

NEW_PHONE = "081 999 0000"
PERSON = {"full_name": "Malee Srisuk", "phone": "+66 81 234 5678", "address": "12 Moo 3, Mae Chaem"}


async def register_with_a_birth_year(system: RunningSystem) -> str:
    body = {
        "personal_data": PERSON,
        "birth_year": 1985,
        "sex": "F",
        "registered_on": "2025-04-01",
        "consent": {**CONSENT, "granted_at": "2025-04-01T09:00:00+07:00"},
    }
    participant_id: str = created(await system.client("enrollment").post("/participants", json=body))["id"]
    return participant_id


async def rectify(client: httpx.AsyncClient, participant_id: str, body: dict[str, Any], **headers: str) -> Any:
    return await client.post(f"/participants/{participant_id}/personal-data/rectification", json=body, headers=headers)


async def test_a_date_of_birth_given_later_lets_the_case_be_screened_and_the_vault_holds_the_correction(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        person = await register_with_a_birth_year(system)
        project_id = await open_project(system)
        application = {"participant_id": person, "project_id": project_id, "applied_on": "2025-05-02"}
        case_id = created(await client.post("/enrollments", json={**application, "baseline": BASELINE}))["id"]
        screening = f"/enrollments/{case_id}/screening"
        unscreenable = await client.post(screening, json={"screened_on": "2025-05-03"})

        corrected = await rectify(client, person, {"date_of_birth": "1985-06-15", "phone": NEW_PHONE, "address": None})
        screened = await client.post(screening, json={"screened_on": "2025-05-03"})
        held = (await client.get(f"/participants/{person}/personal-data")).json()
        registry = (await client.get(f"/participants/{person}")).json()
    assert unscreenable.status_code == 409 and unscreenable.json()["rule"] == "date-of-birth-required"
    assert "personal-data/rectification" in unscreenable.json()["error"], "it says how to give the date of birth"
    assert created(corrected)["version"] == 4, "registered, consented, the application noted, corrected"
    assert created(screened)["passed"] is True
    assert held == {
        "full_name": "Malee Srisuk",
        "national_id": None,
        "phone": NEW_PHONE,
        "address": None,
        "date_of_birth": "1985-06-15",
    }
    assert registry["age_band"] == age_band_of(39), "aged 39 on the registration day"


async def test_bad_corrections_are_refused_naming_the_field_or_the_rule(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        person = await register_with_a_birth_year(system)
        answers = {
            "nothing": await rectify(client, person, {"rectified_on": "2025-06-01"}),
            "name removed": await rectify(client, person, {"full_name": None}),
            "national id": await rectify(client, person, {"national_id": "3-1006-00445-63-4"}),  # bad check digit
            "national id removed": await rectify(client, person, {"national_id": None}),
            "bad phone": await rectify(client, person, {"phone": "call me"}),
            "before registration": await rectify(client, person, {"phone": NEW_PHONE, "rectified_on": "2025-03-01"}),
            "stale If-Match": await rectify(client, person, {"phone": NEW_PHONE}, **{"If-Match": '"1"'}),
            "unknown": await rectify(client, "5b0e7a43-0f4e-4a53-9d0a-7c1f3a3e2b11", {"phone": NEW_PHONE}),
        }
        created(await client.post(f"/participants/{person}/erasure", json={}))
        answers["erased"] = await rectify(client, person, {"phone": NEW_PHONE})
    codes = {what: answer.status_code for what, answer in answers.items()}
    assert codes == {
        "nothing": 422,
        "name removed": 422,
        "national id": 422,
        "national id removed": 422,
        "bad phone": 422,
        "before registration": 409,
        "stale If-Match": 409,
        "unknown": 404,
        "erased": 409,
    }, {what: answer.text for what, answer in answers.items()}
    assert answers["national id"].json()["fields"][0]["field"] == "body.national_id"
    assert answers["bad phone"].json()["fields"][0]["field"] == "body.phone"
    assert "call me" not in answers["bad phone"].text, "personal data is not echoed back"
    assert answers["before registration"].json()["rule"] == "rectified-before-registration"
    assert answers["erased"].json()["rule"] == "participant-erased"


TYPED = "3-1006-00445-63-5"  # the national ID as first typed
CORRECT = "1-1017-00203-45-0"  # as on the card
SOMEONE_ELSES = "1-5099-00123-45-3"


async def register_with(system: RunningSystem, national_id: str) -> str:
    body = {
        "personal_data": {**PERSON, "national_id": national_id, "date_of_birth": "1985-04-01"},
        "sex": "F",
        "registered_on": "2025-04-01",
        "consent": {**CONSENT, "granted_at": "2025-04-01T09:00:00+07:00"},
    }
    participant_id: str = created(await system.client("enrollment").post("/participants", json=body))["id"]
    return participant_id


async def test_a_corrected_national_id_is_indexed_anew_and_decides_duplicates_from_then_on(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        person = await register_with(system, TYPED)
        corrected = await rectify(client, person, {"national_id": CORRECT})
        held = (await client.get(f"/participants/{person}/personal-data")).json()
        with_the_typo = await register_with(system, TYPED)
        with_the_correct_one = await register_with(system, CORRECT)
        entries = {p: (await client.get(f"/participants/{p}")).json() for p in (with_the_typo, with_the_correct_one)}
    assert created(corrected)["version"] == 3, "registered, consented, corrected"
    assert held["national_id"] == CORRECT.replace("-", "")
    assert entries[with_the_typo]["status"] == "REGISTERED", "nobody holds the typo any more"
    assert entries[with_the_correct_one]["duplicate_of"] == person


async def test_a_national_id_corrected_to_one_another_registration_holds_flags_a_potential_duplicate(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        holder = await register_with(system, SOMEONE_ELSES)
        person = await register_with(system, TYPED)
        corrected = await rectify(client, person, {"national_id": SOMEONE_ELSES})
        again = await rectify(client, person, {"national_id": CORRECT})
        entry = (await client.get(f"/participants/{person}")).json()
        holders_entry = (await client.get(f"/participants/{holder}")).json()
    assert len(created(corrected)["event_ids"]) == 3, "corrected, flagged, and noted on the holder"
    assert (entry["status"], entry["duplicate_of"]) == ("POTENTIAL_DUPLICATE", holder)
    assert holders_entry["potential_duplicates"] == [person]
    assert again.status_code == 409 and again.json()["rule"] == "national-id-in-duplicate-check"
