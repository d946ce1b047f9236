"""Bad HTTP input: a 422 that names the field at fault, and nothing stored; odd but valid input stored as meant."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

from nats.js.errors import NotFoundError

from pathways_contracts.envelope import ACTOR_ID, EVENT_ID, header_safe
from pathways_infra.openapi_errors import BrokenRule, InvalidRequest, NotFound, Problem
from pathways_infra.settings import Settings
from tests.support.journeys import PERSON, created, enroll, open_project, register
from tests.support.system import eventually, running_system


async def test_malformed_commands_get_422_naming_the_field_and_store_nothing(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        bad_enrollment = await client.post(
            "/enrollments", json={"participant_id": "not-a-uuid", "applied_on": "2025-05-01"}
        )
        unknown_province = await client.post("/units", json={"name": "Fishing gear CDU", "province_code": "TH-99"})
        person = {"full_name": "Somchai Dee"}
        bad_year = await client.post("/participants", json={"sex": "F", "birth_year": 1492, "personal_data": person})
        extra_field = await client.post(
            "/participants", json={"sex": "F", "birth_year": 1990, "personal_data": person, "name": "Somchai"}
        )
        bad_national_id = await client.post(
            "/participants",
            json={"sex": "F", "birth_year": 1990, "personal_data": {**person, "national_id": "1-1018-00001-00-1"}},
        )
        not_json = await client.post("/units", content=b"{", headers={"content-type": "application/json"})
        unit = {"name": "Fishing gear CDU", "province_code": "TH-80"}
        bad_correlation = await client.post("/units", json=unit, headers={"X-Correlation-Id": "yesterday"})
        long_key = await client.post("/units", json=unit, headers={"Idempotency-Key": "k" * 201})
        stored = await system.runtime("enrollment").pool.fetchval("SELECT count(*) FROM enrollment_events")

    for response in (
        bad_enrollment, unknown_province, bad_year, extra_field, bad_national_id, not_json, bad_correlation, long_key
    ):  # fmt: skip
        assert response.status_code == 422, response.text
    fields = {f["field"] for f in bad_enrollment.json()["fields"]}
    assert fields == {"body.participant_id", "body.project_id"}
    province_error = unknown_province.json()["fields"][0]
    assert province_error["field"] == "body.province_code"
    assert "TH-99" in province_error["message"]
    assert bad_year.json()["fields"][0]["field"] == "body.birth_year"
    assert extra_field.json()["fields"][0]["field"] == "body.name"
    assert bad_national_id.json()["fields"][0]["field"] == "body.personal_data.national_id"
    assert "1018" not in bad_national_id.text, "the rejected national ID is echoed back"
    assert bad_correlation.json()["fields"][0]["field"] == "header.X-Correlation-Id"
    assert long_key.json()["fields"][0]["field"] == "header.Idempotency-Key"
    assert stored == 0


async def test_a_broken_rule_is_409_naming_the_rule(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        project = await open_project(system, name="Batik", province_code="TH-80")
        without_consent = created(
            await client.post(
                "/participants",
                json={"sex": "M", "birth_year": 1979, "personal_data": PERSON, "registered_on": "2025-05-01"},
            )
        )["id"]
        enrolled = await enroll(system, project)
        body = {"participant_id": enrolled.participant_id, "project_id": project, "applied_on": "2025-05-02"}
        second = await client.post("/enrollments", json=body)
        unknown = await client.post("/enrollments", json={**body, "participant_id": str(uuid4())})
        no_consent = await client.post("/enrollments", json={**body, "participant_id": without_consent})
        unscreened_id = created(
            await client.post("/enrollments", json={**body, "participant_id": await register(system)})
        )["id"]
        unscreened = await client.post(f"/enrollments/{unscreened_id}/enrollment", json={"enrolled_on": "2025-05-05"})
    assert second.status_code == 409
    assert second.json()["rule"] == "enrolled-once-per-project"
    assert unknown.status_code == 404
    assert unknown.json()["rule"] == "must-exist"
    assert "is not registered" in unknown.json()["error"]
    assert no_consent.status_code == 409
    assert no_consent.json()["rule"] == "consent-required"
    assert unscreened.status_code == 409
    assert unscreened.json()["rule"] == "passed-screening-required"
    assert f"enrollment {unscreened_id} has no baseline yet" in unscreened.json()["error"]
    for answer in (second, no_consent, unscreened):  # as the OpenAPI documents say
        BrokenRule.model_validate_json(answer.content)
    NotFound.model_validate_json(unknown.content)


async def test_a_command_on_a_training_record_not_known_is_retryable_and_says_the_id_may_be_wrong(
    settings: Settings,
) -> None:
    unknown = uuid4()
    async with running_system(settings, ["training"]) as system:
        training = system.client("training")
        refused = await training.post(f"/training-records/{unknown}/completion", json={"completed_on": "2025-05-30"})
        looked_up = await training.get(f"/training-records/{unknown}")

    assert refused.status_code == 409, refused.text
    assert (refused.json()["rule"], refused.json()["retryable"]) == ("enrollment-must-be-known", True)
    assert f"the id may be wrong: GET /training-records/{unknown}" in refused.json()["error"]
    BrokenRule.model_validate_json(refused.content)
    assert looked_up.status_code == 404


async def test_a_body_larger_than_a_service_accepts_gets_413_with_the_limit_and_stores_nothing(
    settings: Settings,
) -> None:
    settings = settings.model_copy(update={"max_request_bytes": 64 * 1024})
    huge_name = "x" * (100 * 1024)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"province_code": "TH-80", "name": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        declared = await enrollment.post("/units", json={"name": huge_name, "province_code": "TH-80"})
        streamed = await enrollment.post("/units", content=chunks(), headers={"content-type": "application/json"})
        fine = await enrollment.post("/units", json={"name": "Fishing gear CDU", "province_code": "TH-80"})
        stored = await system.runtime("enrollment").pool.fetchval("SELECT count(*) FROM enrollment_events")

    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert "65,536 bytes" in response.json()["error"]
        Problem.model_validate_json(response.content)
    assert fine.status_code == 201
    assert stored == 1


UNIT = {"name": "Fishing gear CDU", "province_code": "TH-80"}
ENTERPRISE = {
    "kind": "COMMUNITY_ENTERPRISE", "name": "Batik group", "project_id": str(uuid4()), "enrollment_ids": [str(uuid4())],
}  # fmt: skip
HUGE_NUMBER = b'{"name": ' + b"1" * 5000 + b"}"
LONE_SURROGATE = b'{"name": "\\ud800", "province_code": "TH-80"}'
THAI_UNIT = {**UNIT, "name": "ศูนย์เครื่องมือประมง ตรัง 🎣🧑‍🤝‍🧑"}  # emoji joined by zero-width joiners


async def test_hostile_input_gets_4xx_with_a_reason_and_leaves_the_system_working(settings: Settings) -> None:
    """Found by fuzzing the OpenAPI documents: each of these was recorded (201) and then broke the relay or
    a read model, or answered 500."""
    async with running_system(settings) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        employment = {"employment_type": "WAGE", "related_to_training": True, "monthly_income_thb": "9000"}
        json_body = {"content-type": "application/json"}
        refused = {
            "header.X-Actor-Role": await enrollment.post("/units", json=UNIT, headers={"X-Actor-Role": "x" * 70_000}),
            "header.X-Actor-Id": await enrollment.post("/units", json=UNIT, headers={"X-Actor-Id": ""}),
            "header.If-Match": await enrollment.post("/units", json=UNIT, headers={b"If-Match": "²".encode("latin-1")}),
            "body.name": await enrollment.post("/units", json={**UNIT, "name": "CDU\u0000Trang"}),
            "body.name (escape)": await enrollment.post("/units", json={**UNIT, "name": "CDU\x1b[2J\x1b[31mTrang"}),
            "body.reason (backspace)": await enrollment.post(f"/projects/{uuid4()}/rejection", json={"reason": "no\b"}),
            "body": await enrollment.post("/units", content=b'{"name": "\xff"}', headers=json_body),
            "body (nested)": await enrollment.post("/units", content=b"[" * 3000 + b"]" * 3000, headers=json_body),
            "body (digits)": await enrollment.post("/units", content=HUGE_NUMBER, headers=json_body),
            "query.offset": await enrollment.get("/units", params={"offset": 2**63}),
            "body.members_count": await outcomes.post("/enterprises", json=ENTERPRISE | {"members_count": 2**31}),
            # Days a follow-up schedule or PostgreSQL cannot hold (year 10000; before 0001-01-01 UTC).
            "body.observed_on": await outcomes.post(
                f"/cases/{uuid4()}/employment", json=employment | {"observed_on": "0001-01-01"}
            ),
            "body.occurred_at": await outcomes.post(
                f"/cases/{uuid4()}/employment", json=employment | {"occurred_at": "9999-12-31T23:00:00-05:00"}
            ),
            "query.as_of": await outcomes.get("/programme/indicators", params={"as_of": "9999-12-31"}),
            # Pydantic's lax mode took these as Unix timestamps (2023-11-14 and 2025-05-01).
            "query.as_of (timestamp)": await outcomes.get("/follow-ups", params={"as_of": "1699920000"}),
            "body.observed_on (timestamp)": await outcomes.post(
                f"/cases/{uuid4()}/employment", json=employment | {"observed_on": 1746057600}
            ),
            # A moment without its UTC offset (Thai time or UTC?) was published without one: consumers park that.
            "body.occurred_at (no offset)": await outcomes.post(
                f"/cases/{uuid4()}/employment", json=employment | {"occurred_at": "2025-06-01T09:00:00"}
            ),
            "body.withdrawn_at (no offset)": await enrollment.post(
                f"/participants/{uuid4()}/consents/withdrawal",
                json={"purposes": ["programme-participation"], "withdrawn_at": "2025-06-01T09:00:00"},
            ),
            "query.status": await enrollment.get("/enrollments", params={"status": "\x00"}),
            # Ignored, these answered as if not sent: a list of every status, a command run without its key.
            "query.statu": await enrollment.get("/enrollments", params={"statu": "ENROLLED", "limit": 3}),
            "query.track": await system.client("training").get("/cohorts", params={"track": "RESKILL"}),
            "header.Idempotency-Key": await enrollment.post("/units", json=UNIT, headers={"Idempotency-Key": ""}),
            # Named "body.13" (a character offset, as if a field).
            "body (syntax)": await enrollment.post("/units", content=b'{"name": "x",}', headers=json_body),
            "query": await system.client("training").get("/curricula", params={"community": "\x00"}),
        }
        surrogate = await enrollment.post("/units", content=LONE_SURROGATE, headers=json_body)
        thai_actor = {b"X-Actor-Id": "สมชาย".encode()}  # the bytes of UTF-8 text
        registered = created(await enrollment.post("/units", json=THAI_UNIT, headers=thai_actor))
        unit_id = registered["id"]
        # An id that is another kind of record's: unknown as a mentor or a project, taken for a new one.
        as_mentor = await enrollment.get(f"/mentors/{unit_id}")
        close_as_project = await enrollment.post(f"/projects/{unit_id}/closure", json={})
        new_mentor = await enrollment.post("/mentors", json={"mentor_id": unit_id})

        async def listed() -> list[dict[str, Any]] | None:
            units: list[dict[str, Any]] = (await enrollment.get("/units")).json()
            return units or None

        units = await eventually(listed, what="the unit recorded to be listed")
        runtime = system.runtime("enrollment")
        stored = await runtime.pool.fetchval("SELECT count(*) FROM enrollment_events")
        published = await runtime.js.get_msg("ENROLLMENT", seq=1)

    for where, response in refused.items():
        assert response.status_code == 422, (where, response.text)
        fields = [f["field"] for f in response.json()["fields"]]
        assert fields == [fields[0]] and fields[0].startswith(where.split(" ")[0]), (where, response.text)
        InvalidRequest.model_validate_json(response.content)
    assert refused["body (syntax)"].json()["fields"][0]["field"] == "body"
    assert "column 14" in refused["body (syntax)"].json()["fields"][0]["message"]
    assert surrogate.status_code == 422, surrogate.text
    assert as_mentor.status_code == 404 and close_as_project.status_code == 404, (as_mentor.text, close_as_project.text)
    assert new_mentor.status_code == 409 and new_mentor.json()["rule"] == "unique-id", new_mentor.text
    NotFound.model_validate_json(as_mentor.content)
    BrokenRule.model_validate_json(new_mentor.content)
    assert [u["name"] for u in units] == [THAI_UNIT["name"]]
    assert stored == 1
    assert (published.headers or {})[ACTOR_ID] == header_safe("สมชาย"), "a UTF-8 actor header is recorded as sent"
    assert (published.headers or {})[EVENT_ID] == registered["event_ids"][0], "integrators deduplicate on it"


async def test_an_amount_in_exponent_notation_is_recorded_and_published_written_out(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        project_id = await open_project(system, grant_thb="4.5e5")
        project = (await system.client("enrollment").get(f"/projects/{project_id}")).json()
        js = system.runtime("enrollment").js

        async def published() -> dict[str, Any] | None:
            try:
                message = await js.get_last_msg("ENROLLMENT", "enrollment.v1.project.proposed")
            except NotFoundError:
                return None
            body: dict[str, Any] = json.loads(message.data or b"{}")
            return body

        proposed = await eventually(published, what="the project proposed to be published")

    assert project["grant_thb"] == "450000", project
    assert proposed["grant_thb"] == "450000", proposed


async def test_a_form_body_an_unknown_path_and_a_wrong_method_answer_in_the_documented_shapes(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        form = await enrollment.post("/units", data=UNIT)
        unknown_path = await enrollment.get("/unit")
        wrong_method = await enrollment.put("/units", json=UNIT)
        stored = await system.runtime("enrollment").pool.fetchval("SELECT count(*) FROM enrollment_events")
        await system.runtime("enrollment").pool.execute("ALTER TABLE rm_units RENAME TO rm_units_gone")
        broken = await enrollment.get("/units")  # a fault of ours, not the caller's
        await system.runtime("enrollment").pool.execute("ALTER TABLE rm_units_gone RENAME TO rm_units")

    assert form.status_code == 415, form.text
    assert "application/json" in Problem.model_validate_json(form.content).error
    assert unknown_path.status_code == 404, unknown_path.text
    assert "/unit " in NotFound.model_validate_json(unknown_path.content).error
    assert wrong_method.status_code == 405, wrong_method.text
    assert wrong_method.headers["allow"] == "GET, POST"
    assert "PUT is not allowed on /units" in Problem.model_validate_json(wrong_method.content).error
    assert stored == 0
    assert broken.status_code == 500
    assert "internal error (UndefinedTableError)" in Problem.model_validate_json(broken.content).error
    assert broken.status_code == 500
    assert "internal error (UndefinedTableError)" in Problem.model_validate_json(broken.content).error
