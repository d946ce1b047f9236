"""The thin journey over HTTP across the three services, and an integrator reading outcomes."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID, uuid4

import jsonschema
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from pathways_infra.embedded import ServerUrls
from pathways_infra.settings import Settings
from tests.support.journeys import complete_training, enroll, in_training, open_project
from tests.support.messages import INTEGRATOR
from tests.support.system import get_json_when_found, running_system

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"
ACTOR = {"X-Actor-Id": "officer-7", "X-Actor-Role": "programme-officer", "X-Actor-Unit": "cdu-chiang-mai"}


async def test_enrollment_to_employment_reaches_an_integrator(settings: Settings, server_urls: ServerUrls) -> None:
    # As the integrator's own NATS user where the embedded server has one (it may read OUTCOMES
    # alone), else as whoever PATHWAYS_NATS_URL names.
    url = server_urls.nats_integrator_urls.get(INTEGRATOR, server_urls.nats_url)
    integrator = await nats.connect(url)
    js = integrator.jetstream()
    async with running_system(settings) as system:
        # An integrator's own durable consumer, with a stock client and none of our code.
        subscription = await js.pull_subscribe(
            "outcomes.v1.>",
            durable=INTEGRATOR,
            stream="OUTCOMES",
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL),
        )
        project = await open_project(system, name="Weaving co-op, Mae Chaem", province_code="TH-50")
        enrolled = await enroll(system, project, birth_year=1984, headers=ACTOR)
        enrollment_id = enrolled.enrollment_id
        record = await in_training(system, enrolled)
        assert record["status"] == "IN_TRAINING"
        await complete_training(system, enrolled, headers=ACTOR)

        case = await get_json_when_found(system.client("outcomes"), f"/cases/{enrollment_id}")
        assert len(case["follow_ups_due"]) == 3
        employed = await system.client("outcomes").post(
            f"/cases/{enrollment_id}/employment",
            json={"employment_type": "WAGE", "related_to_training": True, "monthly_income_thb": "9500.00"},
            headers=ACTOR,
        )
        assert employed.status_code == 201, employed.text

        received = {}
        while "outcomes.v1.employment.recorded" not in received:
            for msg in await subscription.fetch(10, timeout=10):
                received[msg.subject] = msg
                await msg.ack()
    await integrator.close()

    message = received["outcomes.v1.employment.recorded"]
    headers = message.headers or {}
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == "org.pathways.outcomes.employment.recorded.v1"
    assert headers["ce-source"] == "/pathways/outcomes"
    assert headers["ce-subject"] == enrolled.participant_id
    assert headers["ce-id"] == headers["Nats-Msg-Id"]
    assert headers["pathways-actor-id"] == "officer-7"
    body = json.loads(message.data)
    schema = json.loads((SCHEMAS / "outcomes.v1.employment.recorded.json").read_text())
    jsonschema.validate(body, schema)
    assert UUID(body["enrollment_id"]) == UUID(enrollment_id)
    assert body["monthly_income_thb"] == "9500.00"
    assert body["employment_type"] == "WAGE"


async def test_unknown_ids_are_404(settings: Settings) -> None:
    async with running_system(settings, ["outcomes"]) as system:
        response = await system.client("outcomes").get(f"/cases/{uuid4()}")
    assert response.status_code == 404
    assert "no outcomes case" in response.json()["error"]
