"""A consumer whose database is unavailable holds its messages back without counting them against
the parking limit: a restart or failover of PostgreSQL must not fill the dead-letter queue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import asyncpg
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from pathways_infra.consumer import BatchConsumer, Inbound, RetryPolicy
from tests.support.messages import enrolled_event, envelope_headers

NAK = b"-NAK"


@dataclass
class Replies:
    """What the consumer answered to each delivery, by reply subject."""

    sent: dict[str, bytes] = field(default_factory=dict)

    async def publish(self, subject: str, payload: bytes = b"", headers: Any = None) -> None:
        self.sent[subject] = payload

    async def request(self, subject: str, payload: bytes = b"", timeout: float = 1.0, **_: Any) -> None:
        self.sent[subject] = payload or b"+ACK"


@dataclass
class FailingSink:
    error: Exception | None
    applied: list[str] = field(default_factory=list)
    subjects: frozenset[str] = frozenset({"enrollment.v1.participant.enrolled"})

    async def apply(self, consumer: str, messages: Sequence[Inbound[Any]], *, isolate: bool = False) -> None:
        if self.error is not None:
            raise self.error
        self.applied += [m.event_id for m in messages]


def deliveries(replies: Replies, count: int, *, delivered: int) -> list[Msg]:
    """``count`` enrollments, each on its ``delivered``-th delivery."""
    messages = []
    for n in range(1, count + 1):
        event = enrolled_event()
        reply = f"$JS.ACK.ENROLLMENT.outcomes-read-models.{delivered}.{n}.{n}.1700000000000000000.0"
        headers = envelope_headers(f"enrollment:{n}", subject=str(event.partition_key()))
        data = event.model_dump_json().encode()
        messages.append(Msg(cast(Any, replies), subject=event.SUBJECT, reply=reply, data=data, headers=headers))
    return messages


def consumer(sink: FailingSink) -> tuple[BatchConsumer, list[Msg]]:
    parked: list[Msg] = []

    class Parking(BatchConsumer):
        async def park(self, msg: Msg, error: Exception) -> None:
            parked.append(msg)

    never_used = cast(JetStreamContext, None)
    made = Parking(name="outcomes-read-models", stream="ENROLLMENT", sink=sink, js=lambda: never_used,
                   retry=RetryPolicy(max_deliveries=5, backoff_seconds=1.0))  # fmt: skip
    return made, parked


@pytest.mark.parametrize(
    "error",
    [ConnectionRefusedError(111, "Connect call failed"), asyncpg.exceptions.TooManyConnectionsError("sorry")],
    ids=["server-down", "no-connection-slot"],
)
async def test_messages_past_the_parking_limit_are_held_not_parked_while_the_database_is_unavailable(
    error: Exception,
) -> None:
    replies, sink = Replies(), FailingSink(error)
    batch_consumer, parked = consumer(sink)
    messages = deliveries(replies, 3, delivered=9)  # well past the 5 deliveries that would park them

    await batch_consumer.handle(messages)
    await batch_consumer.handle(messages := deliveries(replies, 3, delivered=10))

    assert parked == [] and batch_consumer.parked == 0
    assert all(replies.sent[m.reply].startswith(NAK) for m in messages), "each must be delivered again"
    assert _delay(replies.sent[messages[0].reply]) == 2.0, "the wait grows while the outage lasts"

    sink.error = None
    await batch_consumer.handle(deliveries(replies, 3, delivered=11))
    assert len(sink.applied) == 3 and batch_consumer.processed == 3


async def test_a_message_that_fails_on_its_own_is_still_parked_after_its_deliveries() -> None:
    replies, sink = Replies(), FailingSink(ValueError("no such project"))
    batch_consumer, parked = consumer(sink)

    await batch_consumer.handle(deliveries(replies, 1, delivered=5))

    assert len(parked) == 1


def _delay(nak: bytes) -> float:
    """The redelivery delay in a NAK payload (nanoseconds in JSON), in seconds."""
    return float(json.loads(nak.removeprefix(NAK).strip() or b'{"delay": 0}')["delay"]) / 1e9


async def test_deliveries_held_back_during_an_outage_do_not_use_up_a_messages_retries() -> None:
    replies, sink = Replies(), FailingSink(ConnectionRefusedError(111, "Connect call failed"))
    batch_consumer, parked = consumer(sink)
    for delivered in range(1, 7):  # six deliveries while the database is down
        await batch_consumer.handle(deliveries(replies, 1, delivered=delivered))

    sink.error = ValueError("no such project")  # then it fails on its own: its first real attempt
    await batch_consumer.handle(messages := deliveries(replies, 1, delivered=7))

    assert parked == [], "parked after one failure of its own"
    assert replies.sent[messages[0].reply].startswith(NAK)
    for delivered in range(8, 12):  # four more failures of its own: five in all, the limit
        await batch_consumer.handle(deliveries(replies, 1, delivered=delivered))
    assert len(parked) == 1
