"""A participant's later messages wait behind an earlier one that failed, in later batches too, until
it is applied or parked; other participants' messages go on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import uuid4

from nats.aio.msg import Msg

from pathways_infra.consumer import BatchConsumer, Inbound
from tests.support.messages import enrolled_event, envelope_headers
from tests.unit.test_consumer_database_outage import NAK, Replies, consumer


@dataclass
class SinkFailing:
    """Fails the events in ``failing``; records the order it applied the others in."""

    failing: set[str]
    applied: list[str] = field(default_factory=list)
    subjects: frozenset[str] = frozenset({"enrollment.v1.participant.enrolled"})

    async def apply(self, consumer: str, messages: Sequence[Inbound[Any]], *, isolate: bool = False) -> None:
        if failed := [m.event_id for m in messages if m.event_id in self.failing]:
            raise ValueError(f"cannot apply {failed}")
        self.applied += [m.event_id for m in messages]


def message(replies: Replies, participant: str, sequence: int, *, delivered: int = 1) -> Msg:
    event = enrolled_event()
    reply = f"$JS.ACK.ENROLLMENT.outcomes-read-models.{delivered}.{sequence}.{sequence}.1700000000000000000.0"
    headers = envelope_headers(f"enrollment:{sequence}", subject=participant)
    return Msg(cast(Any, replies), subject=event.SUBJECT, reply=reply, data=event.model_dump_json().encode(),
               headers=headers)  # fmt: skip


async def _run(batch_consumer: BatchConsumer, *messages: Msg) -> None:
    await batch_consumer.handle(list(messages))


async def test_a_later_message_of_the_participant_waits_in_a_later_batch_until_the_failed_one_is_applied() -> None:
    replies, sink = Replies(), SinkFailing({"enrollment:1"})
    batch_consumer, _ = consumer(sink)  # type: ignore[arg-type]
    alice, bob = str(uuid4()), str(uuid4())

    await _run(batch_consumer, message(replies, alice, 1))  # fails: sent back to be retried later
    later = message(replies, alice, 2)
    await _run(batch_consumer, later, message(replies, bob, 3))
    assert sink.applied == ["enrollment:3"], "bob's went on; alice's later one waited"
    assert replies.sent[later.reply].startswith(NAK)

    sink.failing.clear()
    await _run(batch_consumer, message(replies, alice, 1, delivered=2))
    await _run(batch_consumer, message(replies, alice, 2, delivered=2))
    assert sink.applied == ["enrollment:3", "enrollment:1", "enrollment:2"]


async def test_once_the_failed_message_is_parked_the_participants_later_ones_go_on() -> None:
    replies, sink = Replies(), SinkFailing({"enrollment:1"})
    batch_consumer, parked = consumer(sink)  # type: ignore[arg-type]
    alice = str(uuid4())

    await _run(batch_consumer, message(replies, alice, 1, delivered=4))
    await _run(batch_consumer, message(replies, alice, 2))
    assert sink.applied == []
    await _run(batch_consumer, message(replies, alice, 1, delivered=5))  # its last delivery: parked
    await _run(batch_consumer, message(replies, alice, 2, delivered=2))
    assert len(parked) == 1 and sink.applied == ["enrollment:2"]


async def test_a_garbled_message_is_parked_at_once_no_retry_can_fix_it() -> None:
    replies, sink = Replies(), SinkFailing(set())
    batch_consumer, parked = consumer(sink)  # type: ignore[arg-type]
    garbled = message(replies, str(uuid4()), 1)
    garbled.data = b'{"participant_id": "not-a-uuid"'

    await _run(batch_consumer, garbled)

    assert len(parked) == 1
