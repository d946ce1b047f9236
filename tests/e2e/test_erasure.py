"""Erasure (PDPA): after it, nothing personal can be read back from any database or stream; the journey stays."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_enrollment.vault import PersonalData
from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.journeys import BASELINE, CONSENT, Enrolled, complete_training, created, enroll, open_project
from tests.support.leaks import everything_stored, found, raw_contents, secrets_of
from tests.support.system import RunningSystem, eventually, get_json_when_found, running_system

ARUNEE = PersonalData(
    full_name="Arunee Thongdee",
    national_id="3-1006-00445-63-5",
    phone="+66 84 555 0199",
    address="45 Moo 2, Tambon Ban Luang, Nan 55000",
    date_of_birth=date(1983, 7, 14),
)


async def _register(system: RunningSystem, person: PersonalData) -> str:
    participant_id: str = (await _registration(system, person))["id"]
    return participant_id


async def _registration(system: RunningSystem, person: PersonalData) -> dict[str, Any]:
    body = {
        "personal_data": person.model_dump(mode="json"),
        "sex": "F",
        "registered_on": "2025-05-01",  # aged 41: in the 35-44 band
        "consent": {**CONSENT, "granted_at": "2025-05-01T09:00:00+07:00"},
    }
    return created(await system.client("enrollment").post("/participants", json=body))


async def test_after_erasure_no_database_or_stream_holds_the_participants_personal_data(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        project = await open_project(system, name="Nan silverwork", province_code="TH-55")
        participant_id = await _register(system, ARUNEE)
        enrolled = await enroll(system, project, participant_id=participant_id)
        await complete_training(system, enrolled)
        await get_json_when_found(outcomes, f"/cases/{enrolled.enrollment_id}")
        employment = {"employment_type": "SELF_EMPLOYED", "related_to_training": True, "monthly_income_thb": "9000"}
        created(await outcomes.post(f"/cases/{enrolled.enrollment_id}/employment", json=employment))
        before = (await enrollment.get(f"/participants/{participant_id}/personal-data")).json()

        erased = await enrollment.post(f"/participants/{participant_id}/erasure", json={"erased_on": "2026-02-01"})
        again = await enrollment.post(f"/participants/{participant_id}/erasure", json={"erased_on": "2026-02-02"})
        after = await enrollment.get(f"/participants/{participant_id}/personal-data")
        await _erasure_published(system, enrolled)
        stored = await everything_stored(system, settings)
        journey = await get_json_when_found(enrollment, f"/enrollments/{enrolled.enrollment_id}")
        case = await get_json_when_found(outcomes, f"/cases/{enrolled.enrollment_id}")

    assert PersonalData.model_validate(before) == ARUNEE, "the vault did not give the personal data back before"
    assert erased.status_code == 201, erased.text
    assert erased.json()["follow_up_stopped"] == [enrolled.enrollment_id], "nobody can contact them any more"
    assert again.status_code == 409 and again.json()["rule"] == "participant-erased"
    assert after.status_code == 410
    for where, haystack in stored.items():
        assert found(haystack, secrets_of(ARUNEE)) == [], f"personal data left in the {where}"
        assert b"birth_year" not in haystack, f"a birth year field in the {where}"
    assert b'"sex":"F"' in stored["every stream"] and b'"age_band":"35-44"' in stored["every stream"], (
        "the sex and age band, not personal data on their own, stay for the breakdowns"
    )
    assert participant_id.encode() in stored["tables of enrollment"], "the pseudonymous registry entry is gone"
    assert found(stored["every stream"], [participant_id, "enrollment.v1.participant.erased"]) == [
        participant_id,
        "enrollment.v1.participant.erased",
    ]
    assert journey["status"] == "ENROLLED" and journey["participant_id"] == participant_id
    assert case["participant_id"] == participant_id, "the pseudonymous outcome is gone"


async def test_integrators_reading_outcomes_are_told_to_erase_what_they_hold(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings) as system:
        participant_id = await _register(system, ARUNEE)
        erasure = {"erased_on": "2026-02-01"}
        created(await system.client("enrollment").post(f"/participants/{participant_id}/erasure", json=erasure))

        async def notice() -> dict[str, Any] | None:
            try:
                message = await operator_js.get_last_msg("OUTCOMES", "outcomes.v1.participant.erased")
            except NotFoundError:
                return None
            told: dict[str, Any] = json.loads(message.data or b"{}")
            return told

        told = await eventually(notice, what="the erasure notice on the OUTCOMES stream")
    assert (told["participant_id"], told["erased_on"]) == (participant_id, "2026-02-01")
    assert found(json.dumps(told).encode(), secrets_of(ARUNEE)) == []


async def _erasure_published(system: RunningSystem, enrolled: Enrolled) -> None:
    runtime = system.runtime("enrollment")

    async def published() -> bool | None:
        relay = runtime.relay
        assert relay is not None
        return True if relay.caught_up.is_set() and await _erased_on_stream(runtime.js) else None

    await eventually(published, what="the erasure to reach the ENROLLMENT stream")


async def _erased_on_stream(js: Any) -> bool:
    info = await js.stream_info("ENROLLMENT", subjects_filter="enrollment.v1.participant.erased")
    return bool(info.state.subjects)


async def test_a_second_registration_with_the_same_national_id_is_flagged_and_resolved_by_merge(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        project = await open_project(system)
        registered = await _registration(system, ARUNEE)
        again = await _registration(system, ARUNEE.model_copy(update={"phone": "+66 84 555 0100"}))
        first, second = registered["id"], again["id"]
        flagged = (await enrollment.get(f"/participants/{second}")).json()
        looked_up = await enrollment.post("/participants/lookup", json={"national_id": "3-1006-00445-63-5"})
        nobody = await enrollment.post("/participants/lookup", json={"national_id": "1-1017-00230-70-8"})
        mistyped = await enrollment.post("/participants/lookup", json={"national_id": "3-1006-00445-63-4"})
        application = {
            "participant_id": second,
            "project_id": project,
            "applied_on": "2025-05-02",
            "baseline": BASELINE,
        }
        case_id = created(await enrollment.post("/enrollments", json=application))["id"]
        created(await enrollment.post(f"/enrollments/{case_id}/screening", json={"screened_on": "2025-05-03"}))
        blocked = await enrollment.post(f"/enrollments/{case_id}/enrollment", json={"enrolled_on": "2025-05-05"})
        await get_json_when_found(enrollment, f"/enrollments/{case_id}")  # the merge finds it in the read model
        merged = await enrollment.post(f"/participants/{second}/duplicate-resolution", json={"resolution": "MERGED"})
        after_merge = await enrollment.post(f"/enrollments/{case_id}/enrollment", json={"enrolled_on": "2025-05-05"})
        elsewhere = await enrollment.post(
            "/enrollments", json={**application, "project_id": await open_project(system, name="Rice crackers")}
        )
        original = (await enrollment.get(f"/participants/{first}")).json()
    assert flagged["status"] == "POTENTIAL_DUPLICATE" and flagged["duplicate_of"] == first
    assert (registered["potential_duplicate_of"], again["potential_duplicate_of"]) == (None, first), "told at the desk"
    assert looked_up.json()["participants"] == [{"id": first, "holder": True}, {"id": second, "holder": False}]
    assert (nobody.status_code, nobody.json()["participants"]) == (200, [])
    assert mistyped.status_code == 422 and "3100600445634" not in mistyped.text, "a mistyped ID is not echoed"
    assert blocked.status_code == 409
    assert blocked.json() == {**blocked.json(), "rule": "potential-duplicate-unresolved", "retryable": True}
    assert merged.status_code == 201, merged.text
    assert merged.json()["applications_withdrawn"] == [case_id], "it could never be enrolled"
    assert after_merge.status_code == 409 and after_merge.json()["rule"] == "enrollment-transition-not-allowed"
    assert elsewhere.status_code == 409 and elsewhere.json()["rule"] == "merged-participant-cannot-enroll"
    assert original["status"] == "REGISTERED"


async def test_erasing_a_participant_erases_the_registrations_merged_into_it(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        first = await _register(system, ARUNEE)
        second = await _register(system, ARUNEE.model_copy(update={"phone": "+66 84 555 0100"}))
        created(await enrollment.post(f"/participants/{second}/duplicate-resolution", json={"resolution": "MERGED"}))
        noted = (await enrollment.get(f"/participants/{first}")).json()

        erased = await enrollment.post(f"/participants/{first}/erasure", json={})  # erased_on: today
        first_after, second_after = [(await enrollment.get(f"/participants/{p}")).json() for p in (first, second)]
        data_after = [(await enrollment.get(f"/participants/{p}/personal-data")).status_code for p in (first, second)]
        stored = (await raw_contents(system.runtime("enrollment").pool))[0]

    assert noted["merged_registrations"] == [second] and noted["potential_duplicates"] == []
    assert erased.status_code == 201, erased.text
    answer = erased.json()
    assert answer["also_erased"] == [second] and answer["unresolved_potential_duplicates"] == []
    assert len(answer["event_ids"]) == 2, "an erasure recorded for each"
    assert first_after["status"] == "ERASED" and first_after["erased_on"] == thai_today().isoformat()
    assert second_after["status"] == "ERASED" and second_after["merged_into"] == first
    assert data_after == [410, 410]
    assert found(stored, secrets_of(ARUNEE)) == [], "personal data left in the enrollment tables"


async def test_nothing_is_merged_into_an_erased_participant_and_its_unresolved_duplicates_are_named(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        first = await _register(system, ARUNEE)
        second = await _register(system, ARUNEE)

        erased = await enrollment.post(f"/participants/{first}/erasure", json={"erased_on": "2026-02-01"})
        first_after = (await enrollment.get(f"/participants/{first}")).json()
        merge = await enrollment.post(f"/participants/{second}/duplicate-resolution", json={"resolution": "MERGED"})
        still_readable = await enrollment.get(f"/participants/{second}/personal-data")
        on_worklist = await _on_the_worklist(system, second, True)
        created(await enrollment.post(f"/participants/{second}/erasure", json={"erased_on": "2026-02-02"}))
        off_worklist = await _on_the_worklist(system, second, False)
        settled = (await enrollment.get(f"/participants/{first}")).json()
        second_data = await enrollment.get(f"/participants/{second}/personal-data")
        resolve_erased = await enrollment.post(
            f"/participants/{second}/duplicate-resolution", json={"resolution": "NOT_A_DUPLICATE"}
        )
        third = await _register(system, ARUNEE)  # after both erasures: nobody holds the national ID any more
        third_record = (await enrollment.get(f"/participants/{third}")).json()

    assert erased.status_code == 201, erased.text
    assert erased.json()["unresolved_potential_duplicates"] == [second] and erased.json()["also_erased"] == []
    assert first_after["status"] == "ERASED" and first_after["potential_duplicates"] == [second]
    assert merge.status_code == 409 and merge.json()["rule"] == "merge-target-erased", merge.text
    assert still_readable.status_code == 200, "a registration only flagged is not erased without a person's decision"
    assert on_worklist and off_worklist, "an erased flagged registration leaves the potential-duplicates worklist"
    assert settled["potential_duplicates"] == [], "the duplicate's erasure settled the flag"
    assert second_data.status_code == 410
    assert resolve_erased.status_code == 409 and resolve_erased.json()["rule"] == "participant-erased"
    assert third_record["status"] == "REGISTERED" and third_record["duplicate_of"] is None


async def _on_the_worklist(system: RunningSystem, participant_id: str, expected: bool) -> bool:
    async def listed() -> bool | None:
        worklist = (await system.client("enrollment").get("/participants/potential-duplicates")).json()
        found = any(item["participant_id"] == participant_id for item in worklist)
        return True if found == expected else None

    return await eventually(listed, what=f"the worklist to {'' if expected else 'no longer '}list {participant_id}")


async def test_days_of_what_happened_are_not_in_the_future(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        project = await open_project(system)
        body = {
            "personal_data": ARUNEE.model_dump(mode="json") | {"date_of_birth": "2030-04-01"},
            "sex": "F",
            "consent": {**CONSENT, "granted_at": "2025-05-01T09:00:00+07:00"},
        }
        born_later = await enrollment.post("/participants", json=body)
        consent_later = await enrollment.post(
            "/participants",
            json=body
            | {
                "personal_data": ARUNEE.model_dump(mode="json"),
                "consent": {**CONSENT, "granted_at": "2099-05-01T09:00:00+07:00"},
            },
        )
        participant_id = await _register(system, ARUNEE)
        applied_later = await enrollment.post(
            "/enrollments", json={"participant_id": participant_id, "project_id": project, "applied_on": "2099-05-02"}
        )
        erased_later = await enrollment.post(
            f"/participants/{participant_id}/erasure", json={"erased_on": "2099-01-01"}
        )
        expiring_later = await enrollment.post(
            f"/participants/{participant_id}/consents",
            json={**CONSENT, "granted_at": "2025-06-01T09:00:00+07:00", "valid_until": "2099-01-01"},
        )

    for refused, field in [
        (born_later, "body.personal_data.date_of_birth"),
        (consent_later, "body.consent.granted_at"),
        (applied_later, "body.applied_on"),
        (erased_later, "body.erased_on"),
    ]:
        assert refused.status_code == 422, refused.text
        assert [f["field"] for f in refused.json()["fields"]] == [field]
        assert "2030" not in refused.text, "the date of birth is not echoed"
    assert expiring_later.status_code == 201, "a consent may be valid until a later day"
