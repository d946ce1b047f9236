"""An integration event as the relay sends it: subject, JSON body, CloudEvents headers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.envelope import (
    ACTOR_ID,
    ACTOR_ROLE,
    ACTOR_UNIT,
    CAUSATION_ID,
    CORRELATION_ID,
    MSG_ID,
    RECORDED_AT,
    SPEC_VERSION,
    TRACEPARENT,
    header_safe,
    traceparent_for,
)
from pathways_infra.eventstore import RecordedEvent
from pathways_infra.publisher import Outgoing


@dataclass(frozen=True, kw_only=True)
class OutboundMessage(Outgoing):
    notification_id: int


def build_message(service: str, recorded: RecordedEvent, event: IntegrationEvent) -> OutboundMessage:
    assert recorded.notification_id is not None
    meta = recorded.metadata
    message_id = f"{service}:{recorded.notification_id}"
    headers = {
        MSG_ID: message_id,
        "ce-specversion": SPEC_VERSION,
        "ce-id": message_id,
        "ce-source": f"/pathways/{service}",
        "ce-type": event.cloudevent_type(),
        "ce-time": _iso(meta.occurred_at),
        "ce-subject": str(event.partition_key()),
        "ce-datacontenttype": "application/json",
        CORRELATION_ID: str(meta.correlation_id),
        RECORDED_AT: _iso(recorded.recorded_at),
        ACTOR_ID: header_safe(meta.actor.id),
        ACTOR_ROLE: header_safe(meta.actor.role),
        TRACEPARENT: traceparent_for(meta.correlation_id, meta.event_id),
    }
    if meta.causation_id:
        headers[CAUSATION_ID] = header_safe(meta.causation_id)
    if meta.actor.unit:
        headers[ACTOR_UNIT] = header_safe(meta.actor.unit)
    return OutboundMessage(
        subject=event.SUBJECT,
        payload=event.__pydantic_serializer__.to_json(event),
        headers=headers,
        notification_id=recorded.notification_id,
    )


@lru_cache(maxsize=256)
def _iso(moment: datetime) -> str:
    # Events committed together share their recorded time (and often when they happened).
    return moment.isoformat()
