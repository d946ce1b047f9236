"""Publishing integration events by hand, as another service or a broken producer would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import nats
from nats.js import JetStreamContext

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import ParticipantEnrolledV1
from pathways_contracts.envelope import Envelope, traceparent_for
from pathways_infra.settings import Settings

INTEGRATOR = "acme"  # an integrator's NATS user on the embedded server, reading OUTCOMES


@asynccontextmanager
async def as_operator(settings: Settings) -> AsyncIterator[JetStreamContext]:
    """JetStream as the operator's user, who may publish what no service may (a replay, say)."""
    nc = await nats.connect(settings.nats_url or "")
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


def envelope_headers(event_id: str, *, subject: str, ce_type: str = "org.pathways.test.v1") -> dict[str, str]:
    correlation = uuid4()
    return Envelope(
        id=event_id,
        source="/pathways/test",
        type=ce_type,
        time=datetime.now(UTC),
        subject=subject,
        correlation_id=str(correlation),
        causation_id=None,
        recorded_at=datetime.now(UTC),
        actor_id="test",
        actor_role="tester",
        actor_unit=None,
        traceparent=traceparent_for(correlation, uuid4()),
    ).to_headers()


def enrolled_event(participant_id: UUID | None = None) -> ParticipantEnrolledV1:
    return ParticipantEnrolledV1(
        occurred_at=datetime.now(UTC),
        participant_id=participant_id or uuid4(),
        enrollment_id=uuid4(),
        project_id=uuid4(),
        unit_id=None,
        province_code="TH-50",
        region="NORTH",
    )


async def publish_event(
    js: JetStreamContext, event: IntegrationEvent, *, event_id: str, msg_id: str | None = None
) -> int:
    headers = envelope_headers(event_id, subject=str(event.partition_key()), ce_type=event.cloudevent_type())
    headers["Nats-Msg-Id"] = msg_id or event_id
    ack = await js.publish(event.SUBJECT, event.model_dump_json().encode(), headers=headers)
    return int(ack.seq)


async def publish_raw(js: JetStreamContext, subject: str, body: bytes | dict[str, Any], *, event_id: str) -> int:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = envelope_headers(event_id, subject=str(uuid4()))
    ack = await js.publish(subject, payload, headers=headers)
    return int(ack.seq)


async def publish_all(js: JetStreamContext, events: list[IntegrationEvent]) -> None:
    """Publish each event; a repeated event object goes out again as a redelivery (same event id)."""
    ids: dict[int, str] = {}
    for event in events:
        event_id = ids.setdefault(id(event), f"test:{uuid4()}")
        await publish_event(js, event, event_id=event_id, msg_id=str(uuid4()))
