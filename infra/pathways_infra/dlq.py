"""Parked messages on the DLQ stream: what operators list, inspect and send back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from pathways_contracts.registry import DLQ_STREAM
from pathways_infra.consumer import (
    DLQ_BODY_OMITTED,
    DLQ_CONSUMER,
    DLQ_DELIVERIES,
    DLQ_ERROR,
    DLQ_ORIGINAL_SEQUENCE,
    DLQ_ORIGINAL_STREAM,
    DLQ_ORIGINAL_SUBJECT,
    DLQ_PARKED_AT,
    REPLAY_OF,
    fits_a_message,
    without_publish_conditions,
)

# The consumer reads the event under its own subject and at its own place in its stream.
_KEPT_ON_REPLAY = frozenset({DLQ_ORIGINAL_SUBJECT, DLQ_ORIGINAL_STREAM, DLQ_ORIGINAL_SEQUENCE})


@dataclass(frozen=True)
class ParkedMessage:
    sequence: int
    consumer: str
    original_subject: str
    original_stream: str
    original_sequence: int
    deliveries: int
    error: str
    parked_at: str
    headers: dict[str, str]
    body: bytes

    @classmethod
    def of(cls, sequence: int, headers: dict[str, str] | None, body: bytes) -> ParkedMessage:
        h = headers or {}
        return cls(
            sequence=sequence,
            consumer=h.get(DLQ_CONSUMER, "?"),
            original_subject=h.get(DLQ_ORIGINAL_SUBJECT, "?"),
            original_stream=h.get(DLQ_ORIGINAL_STREAM, "?"),
            original_sequence=int(h.get(DLQ_ORIGINAL_SEQUENCE, "0")),
            deliveries=int(h.get(DLQ_DELIVERIES, "0")),
            error=h.get(DLQ_ERROR, ""),
            parked_at=h.get(DLQ_PARKED_AT, ""),
            headers=dict(h),
            body=body,
        )


class NotReplayableError(LookupError):
    """A parked message that cannot be sent back (its body is gone or too large); the reason says which."""


class NotParkedError(LookupError):
    """No message is parked at that sequence (or nothing was ever parked)."""


async def list_parked(js: JetStreamContext, *, consumer: str | None = None) -> list[ParkedMessage]:
    subject = f"dlq.{consumer}.>" if consumer else "dlq.>"
    try:
        await js.stream_info(DLQ_STREAM)
    except NotFoundError:  # no consumer has parked anything yet, so the stream was never made
        return []
    subscription = await js.pull_subscribe(
        subject,
        stream=DLQ_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
    )
    parked: list[ParkedMessage] = []
    try:
        while True:
            try:
                batch = await subscription.fetch(500, timeout=0.5)
            except TimeoutError:  # nats-py 2.16 raises its own subclass or, between its two requests, asyncio's
                break
            parked += [ParkedMessage.of(m.metadata.sequence.stream, m.headers, m.data) for m in batch]
    finally:
        await subscription.unsubscribe()
    return parked


async def get_parked(js: JetStreamContext, sequence: int) -> ParkedMessage:
    try:
        message = await js.get_msg(DLQ_STREAM, seq=sequence)
    except NotFoundError:
        raise NotParkedError(
            f"no message is parked at DLQ sequence {sequence} ('pathways dlq list' shows them)"
        ) from None
    return ParkedMessage.of(sequence, message.headers, message.data or b"")


async def replay(js: JetStreamContext, sequence: int) -> int:
    """Send a parked message back to the consumer that parked it (and only to it).

    Other consumers of the original stream never see it again. Its event id is unchanged, so a
    consumer that did process it after all skips it.
    """
    parked = await get_parked(js, sequence)
    kept = without_publish_conditions(parked.headers)  # parked before they were dropped on parking
    headers = {k: v for k, v in kept.items() if not k.startswith("Pathways-Dlq-") or k in _KEPT_ON_REPLAY}
    headers[REPLAY_OF] = str(sequence)
    headers["Nats-Msg-Id"] = f"replay:{sequence}:{datetime.now(UTC).timestamp()}"
    body = await _body_of(js, parked)
    if not fits_a_message(js, body, headers):
        raise NotReplayableError(
            f"DLQ sequence {sequence}: its {len(body):,}-byte body and the replay's headers are more than the "
            f"server takes in one message; it stays at {parked.original_stream} sequence {parked.original_sequence}"
        )
    ack = await js.publish(f"replay.{parked.consumer}.{parked.original_subject}", body, headers=headers)
    return int(ack.seq)


async def _body_of(js: JetStreamContext, parked: ParkedMessage) -> bytes:
    """The parked body, or, for one parked without it (too large), the body still in its stream."""
    if DLQ_BODY_OMITTED not in parked.headers:
        return parked.body
    try:
        original = await js.get_msg(parked.original_stream, seq=parked.original_sequence)
    except NotFoundError:
        raise NotReplayableError(
            f"DLQ sequence {parked.sequence} was parked without its body, and {parked.original_stream} no longer "
            f"holds sequence {parked.original_sequence}"
        ) from None
    return original.data or b""
