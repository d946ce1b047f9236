"""The relay's publisher on a real JetStream: in order or not at all, and every refusal reported."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from pathways_infra.outbound_message import OutboundMessage
from pathways_infra.publisher import PipelinedPublisher, PublishError
from pathways_infra.relay import expect_in_order
from pathways_infra.settings import Settings


def _messages(subject: str, numbers: range) -> list[OutboundMessage]:
    return [
        OutboundMessage(subject=subject, payload=b'{"n": %d}' % n, headers={"Nats-Msg-Id": f"test:{n}"},
                        notification_id=n, message_id=f"test:{n}")
        for n in numbers
    ]  # fmt: skip


@pytest.fixture
async def stream(settings: Settings) -> AsyncIterator[tuple[PipelinedPublisher, JetStreamContext, str]]:
    nc = await nats.connect(settings.nats_url or "")
    js = nc.jetstream()
    name = f"PUBLISHER{uuid4().hex[:8].upper()}"
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"]))
    publisher = PipelinedPublisher(nc)
    await publisher.start()
    try:
        yield publisher, js, name
    finally:
        await publisher.close()
        await js.delete_stream(name)
        await nc.close()


async def _stored(js: JetStreamContext, stream: str) -> list[bytes]:
    last = (await js.stream_info(stream)).state.last_seq
    return [(await js.get_msg(stream, seq=seq)).data or b"" for seq in range(1, last + 1)]


async def test_every_message_is_acknowledged_and_the_last_ack_says_where_the_stream_ends(
    stream: tuple[PipelinedPublisher, JetStreamContext, str],
) -> None:
    publisher, js, name = stream
    first, second = _messages(f"{name.lower()}.events", range(1, 6)), _messages(f"{name.lower()}.events", range(6, 9))
    end = expect_in_order(first, last_sequence=0)
    expect_in_order(second, last_sequence=end)

    pending = [await publisher.send_each(first), await publisher.send_each(second)]
    acks = [await answer for answer in pending]

    assert [(a.count, a.last.sequence) for a in acks] == [(5, 5), (3, 8)]
    assert await _stored(js, name) == [b'{"n": %d}' % n for n in range(1, 9)]


async def test_a_message_that_would_land_out_of_order_is_refused_and_so_is_every_later_one(
    stream: tuple[PipelinedPublisher, JetStreamContext, str],
) -> None:
    publisher, js, name = stream
    await (await publisher.send_each(_messages(f"{name.lower()}.events", range(1, 3))))  # the stream ends at 2
    messages = _messages(f"{name.lower()}.events", range(3, 8))
    expect_in_order(messages, last_sequence=2)
    messages[2].headers["Nats-Expected-Last-Sequence"] = "99"  # as if a message before it had been lost

    with pytest.raises(PublishError, match="wrong last sequence"):
        await (await publisher.send_each(messages))

    assert await _stored(js, name) == [b'{"n": %d}' % n for n in range(1, 5)]


async def test_a_foreign_message_taking_the_slot_of_one_in_flight_refuses_it_and_every_later_one(
    stream: tuple[PipelinedPublisher, JetStreamContext, str],
) -> None:
    """The sequence alone would refuse only the first: the next ones expect the next slots."""
    publisher, js, name = stream
    await (await publisher.send_each(_messages(f"{name.lower()}.events", range(1, 3))))  # the stream ends at 2
    messages = _messages(f"{name.lower()}.events", range(3, 8))
    expect_in_order(messages, last_sequence=2)
    await js.publish(f"{name.lower()}.events", b"foreign")  # someone else's message takes sequence 3

    with pytest.raises(PublishError, match="wrong last sequence"):
        await (await publisher.send_each(messages))

    assert await _stored(js, name) == [b'{"n": 1}', b'{"n": 2}', b"foreign"]


async def test_with_duplicates_failing_a_message_whose_id_the_stream_holds_is_a_refusal(
    stream: tuple[PipelinedPublisher, JetStreamContext, str], settings: Settings
) -> None:
    _, js, name = stream
    nc = await nats.connect(settings.nats_url or "")
    strict = PipelinedPublisher(nc, duplicates_fail=True)
    await strict.start()
    try:
        await js.publish(f"{name.lower()}.events", b"forged", headers={"Nats-Msg-Id": "test:2"})
        with pytest.raises(PublishError, match="duplicate"):
            await (await strict.send_each(_messages(f"{name.lower()}.events", range(1, 4))))
    finally:
        await strict.close()
        await nc.close()


async def test_a_subject_no_stream_takes_is_reported_not_waited_for(
    stream: tuple[PipelinedPublisher, JetStreamContext, str],
) -> None:
    publisher, _, _ = stream

    with pytest.raises(PublishError, match="no stream takes this subject"):
        await (await publisher.send_each(_messages("nobody.listens.here", range(1, 3)), ack_timeout=10))
