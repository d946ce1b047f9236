"""Bad HTTP input: a 422 that names the field at fault, and nothing stored."""

from __future__ import annotations

from uuid import uuid4

from pathways_infra.settings import Settings
from tests.support.system import running_system


async def test_malformed_commands_get_422_naming_the_field_and_store_nothing(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        bad_enrollment = await client.post("/enrollments", json={"participant_id": "not-a-uuid"})
        unknown_province = await client.post("/projects", json={"name": "Fishing gear", "province_code": "TH-99"})
        bad_year = await client.post("/participants", json={"sex": "F", "birth_year": 1492})
        extra_field = await client.post("/participants", json={"sex": "F", "birth_year": 1990, "name": "Somchai"})
        not_json = await client.post("/projects", content=b"{", headers={"content-type": "application/json"})
        stored = await system.runtime("enrollment").pool.fetchval("SELECT count(*) FROM enrollment_events")

    for response in (bad_enrollment, unknown_province, bad_year, extra_field, not_json):
        assert response.status_code == 422, response.text
    fields = {f["field"] for f in bad_enrollment.json()["fields"]}
    assert fields == {"body.participant_id", "body.project_id"}
    province_error = unknown_province.json()["fields"][0]
    assert province_error["field"] == "body.province_code"
    assert "TH-99" in province_error["message"]
    assert bad_year.json()["fields"][0]["field"] == "body.birth_year"
    assert extra_field.json()["fields"][0]["field"] == "body.name"
    assert stored == 0


async def test_a_broken_rule_is_409_naming_the_rule(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        project = await client.post("/projects", json={"name": "Batik", "province_code": "TH-80"})
        participant = await client.post("/participants", json={"sex": "M", "birth_year": 1979})
        body = {"participant_id": participant.json()["id"], "project_id": project.json()["id"]}
        first = await client.post("/enrollments", json=body)
        second = await client.post("/enrollments", json=body)
        unknown = await client.post("/enrollments", json={**body, "participant_id": str(uuid4())})
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["rule"] == "enrolled-once-per-project"
    assert unknown.status_code == 404
    assert unknown.json()["rule"] == "must-exist"
    assert "is not registered" in unknown.json()["error"]
