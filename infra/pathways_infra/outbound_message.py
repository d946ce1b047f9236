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
    EVENT_ID,
    MSG_ID,
    RECORDED_AT,
    SPEC_VERSION,
    TRACEPARENT,
    header_safe,
    traceparent_for,
)
from pathways_infra.eventstore import RecordedEvent
from pathways_infra.log_digest import LOG_DIGEST
from pathways_infra.publisher import Outgoing

REPUBLISHED = "Pathways-Republished"
"""On a message republished from the event store after the stream lost it: when that was done.
It stands after later messages, so it is neither the stream's tail for the relay nor out of order."""


@dataclass(frozen=True, kw_only=True)
class OutboundMessage(Outgoing):
    notification_id: int
    message_id: str = ""  # its Nats-Msg-Id, "<service>:<notification id>"
    log_digest: bytes | None = None


def build_message(
    service: str, recorded: RecordedEvent, event: IntegrationEvent, *, log_digest: bytes | None = None
) -> OutboundMessage:
    """The message, its header lines encoded once here (this runs for every event the relay sends)."""
    assert recorded.notification_id is not None
    meta = recorded.metadata
    message_id = f"{service}:{recorded.notification_id}"
    optional = ""
    if meta.causation_id:
        optional += f"{CAUSATION_ID}: {header_safe(meta.causation_id)}\r\n"
    if meta.actor.unit:
        optional += f"{ACTOR_UNIT}: {header_safe(meta.actor.unit)}\r\n"
    if log_digest is not None:
        optional += f"{LOG_DIGEST}: {log_digest.hex()}\r\n"
    lines = (
        f"{MSG_ID}: {message_id}\r\n"
        f"ce-specversion: {SPEC_VERSION}\r\n"
        f"ce-id: {message_id}\r\n"
        f"ce-source: /pathways/{service}\r\n"
        f"ce-type: {event.cloudevent_type()}\r\n"
        f"ce-time: {_iso(meta.occurred_at)}\r\n"
        f"ce-subject: {event.partition_key()}\r\n"
        f"ce-datacontenttype: application/json\r\n"
        f"{CORRELATION_ID}: {meta.correlation_id}\r\n"
        f"{EVENT_ID}: {meta.event_id}\r\n"
        f"{RECORDED_AT}: {_iso(recorded.recorded_at)}\r\n"
        f"{ACTOR_ID}: {header_safe(meta.actor.id)}\r\n"
        f"{ACTOR_ROLE}: {header_safe(meta.actor.role)}\r\n"
        f"{TRACEPARENT}: {traceparent_for(meta.correlation_id, meta.event_id)}\r\n"
        f"{optional}"
    )
    return OutboundMessage(
        subject=event.SUBJECT,
        payload=event.__pydantic_serializer__.to_json(event),
        headers={},
        encoded_headers=lines.encode(),
        notification_id=recorded.notification_id,
        message_id=message_id,
        log_digest=log_digest,
    )


@lru_cache(maxsize=256)
def _iso(moment: datetime) -> str:
    # Events committed together share their recorded time (and often when they happened).
    return moment.isoformat()
