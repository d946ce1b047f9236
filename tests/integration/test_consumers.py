"""Consumers on real NATS JetStream and PostgreSQL: exactly-once effects, parking poison messages."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.api import RawStreamMsg as RawMessage
from nats.js.errors import NotFoundError

from pathways_contracts.registry import DLQ_STREAM, STREAMS
from pathways_infra.settings import Settings
from pathways_infra.streams import ensure_streams
from tests.support.messages import enrolled_event, publish_event, publish_raw
from tests.support.system import eventually, running_system

READ_MODEL_CONSUMER = "enrollment-read-models-from-enrollment"  # the durable consumer the read models share
TRACKING_NAME = "enrollment-enrollments"  # the enrollments read model's name in the inbox


async def test_a_message_delivered_twice_changes_the_read_model_once(settings: Settings) -> None:
    assert settings.nats_url
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        event = enrolled_event()
        # The same event twice in the stream (as after a republish outside the dedup window).
        await publish_event(runtime.js, event, event_id="enrollment:1", msg_id="first-copy")
        await publish_event(runtime.js, event, event_id="enrollment:1", msg_id="second-copy")
        consumer = next(c for c in runtime.consumers if c.name == READ_MODEL_CONSUMER)

        async def both_acked() -> bool | None:
            info = await runtime.js.consumer_info("ENROLLMENT", READ_MODEL_CONSUMER)
            return True if info.ack_floor.stream_seq == 2 else None

        await eventually(both_acked, what="both copies acked")
        rows = await runtime.pool.fetch("SELECT * FROM rm_enrollments WHERE participant_id = $1", event.participant_id)
        inbox = await runtime.pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", TRACKING_NAME)
        assert consumer.parked == 0
    assert len(rows) == 1
    assert inbox == 1


async def test_a_poison_message_is_parked_with_its_reason_and_the_rest_is_processed(settings: Settings) -> None:
    assert settings.nats_url
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        poison_seq = await publish_raw(
            runtime.js,
            "enrollment.v1.participant.enrolled",
            b'{"participant_id": "not-a-uuid"',
            event_id="enrollment:1",
        )
        unknown_seq = await publish_raw(
            runtime.js, "enrollment.v1.participant.teleported", {"participant_id": "x"}, event_id="enrollment:2"
        )
        good = enrolled_event()
        await publish_event(runtime.js, good, event_id="enrollment:3")

        async def parked() -> list[RawMessage] | None:
            info = await runtime.js.stream_info(DLQ_STREAM)
            if info.state.messages < 2:
                return None
            return [await runtime.js.get_msg(DLQ_STREAM, seq=seq) for seq in (1, 2)]

        dead = await eventually(parked, timeout=30, what="two messages on the DLQ")
        row = await runtime.pool.fetchrow("SELECT * FROM rm_enrollments WHERE participant_id = $1", good.participant_id)
    assert row is not None, "the message after the poison ones was not processed"
    by_sequence = {int((m.headers or {})["Pathways-Dlq-Original-Sequence"]): m for m in dead}
    poison, unknown = by_sequence[poison_seq], by_sequence[unknown_seq]
    assert poison.subject == f"dlq.{READ_MODEL_CONSUMER}.enrollment.v1.participant.enrolled"
    assert "does not match ParticipantEnrolledV1" in (poison.headers or {})["Pathways-Dlq-Error"]
    assert (poison.headers or {})["Pathways-Dlq-Deliveries"] == "1", "garbled: no retry can fix it"
    assert poison.data == b'{"participant_id": "not-a-uuid"'
    assert unknown.subject == "dlq.enrollment-guard.enrollment.v1.participant.teleported", (
        "not parked once, by the guard"
    )
    assert "no integration event is published on subject" in (unknown.headers or {})["Pathways-Dlq-Error"]
    assert json.loads(unknown.data or b"") == {"participant_id": "x"}


async def test_a_consumer_left_by_an_older_version_is_narrowed_to_its_subjects_at_start_up(settings: Settings) -> None:
    """An upgrade keeps the durable consumer's position and stops it reading what it does not handle."""
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        await js.add_consumer(
            STREAMS["enrollment"].name,
            config=ConsumerConfig(
                name=READ_MODEL_CONSUMER, durable_name=READ_MODEL_CONSUMER, filter_subject="enrollment.v1.>",
                ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
            ),
        )  # fmt: skip
        before = await publish_event(js, enrolled_event(), event_id="enrollment:1")
    finally:
        await nc.close()
    after = enrolled_event()
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        await publish_event(runtime.js, after, event_id="enrollment:2")

        async def projected() -> int | None:
            return await runtime.pool.fetchval("SELECT count(*) FROM rm_enrollments") or None

        rows = await eventually(lambda: _at_least(projected, 2), what="both enrollments to be projected")
        info = await runtime.js.consumer_info(STREAMS["enrollment"].name, READ_MODEL_CONSUMER)
    assert before == 1
    assert rows == 2
    assert info.config.filter_subject in (None, "")
    assert "enrollment.v1.participant.enrolled" in (info.config.filter_subjects or [])
    assert "enrollment.v1.participant.teleported" not in (info.config.filter_subjects or [])


async def test_an_older_versions_per_read_model_consumer_is_retired_and_nothing_is_applied_twice(
    settings: Settings,
) -> None:
    """Each read model had durable consumers of its own; they now share one per stream. The shared
    one starts from the beginning of the stream, and the inbox rows written before keep every read
    model from applying an event twice."""
    first, second = enrolled_event(), enrolled_event()
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        await publish_event(runtime.js, first, event_id="enrollment:1")

        async def projected() -> int | None:
            return await runtime.pool.fetchval("SELECT count(*) FROM rm_enrollments") or None

        await eventually(projected, what="the first enrollment to be projected")
    nc = await nats.connect(settings.nats_url or "")
    try:  # as an upgrade finds it: the old consumer, and no shared one yet
        js = nc.jetstream()
        await js.delete_consumer(STREAMS["enrollment"].name, READ_MODEL_CONSUMER)
        await js.add_consumer(
            STREAMS["enrollment"].name,
            config=ConsumerConfig(durable_name=TRACKING_NAME, ack_policy=AckPolicy.EXPLICIT),
        )
    finally:
        await nc.close()
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        await publish_event(runtime.js, second, event_id="enrollment:2")

        async def both_acked() -> bool | None:
            info = await runtime.js.consumer_info(STREAMS["enrollment"].name, READ_MODEL_CONSUMER)
            return True if info.ack_floor.stream_seq == 2 else None

        await eventually(both_acked, what="the shared consumer to read the whole stream")
        names = [info.name for info in await runtime.js.consumers_info(STREAMS["enrollment"].name)]
        rows = await runtime.pool.fetchval("SELECT count(*) FROM rm_enrollments")
        inbox = await runtime.pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", TRACKING_NAME)
    assert TRACKING_NAME not in names
    assert (rows, inbox) == (2, 2)


async def _at_least(count: Callable[[], Awaitable[int | None]], wanted: int) -> int | None:
    found = await count()
    return found if found is not None and found >= wanted else None


async def test_the_guard_parks_each_stray_message_once_and_reads_nothing_else(settings: Settings) -> None:
    """It finds unknown subjects from the stream's subject counts; known events are never delivered to it."""
    assert settings.nats_url
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        guard = runtime.guard
        assert guard is not None
        for n in range(3):
            await publish_event(runtime.js, enrolled_event(), event_id=f"enrollment:{n}")
        await publish_raw(runtime.js, "enrollment.v1.participant.teleported", {"n": 1}, event_id="stray:1")
        await guard.sweep()
        await publish_raw(runtime.js, "enrollment.v1.participant.levitated", {"n": 2}, event_id="stray:2")
        await publish_raw(runtime.js, "enrollment.v1.participant.teleported", {"n": 3}, event_id="stray:3")
        await guard.sweep()
        expected = {
            "dlq.enrollment-guard.enrollment.v1.participant.teleported": 2,
            "dlq.enrollment-guard.enrollment.v1.participant.levitated": 1,
        }

        async def parked() -> dict[str, int] | None:
            # The guard's own background sweep may hold a batch at this moment.
            dlq = await runtime.js.stream_info(DLQ_STREAM, subjects_filter="dlq.enrollment-guard.>")
            return dlq.state.subjects if dlq.state.subjects == expected else None

        await eventually(parked, what="the three stray messages to be parked")
        await guard.sweep()
        assert await parked() == expected, "a stray message was parked twice"
    assert (guard.processed, guard.parked) == (3, 3)


async def test_the_full_stream_guard_of_an_older_version_is_removed_at_start_up(settings: Settings) -> None:
    """Left in place, it would keep every message of the stream pending for a reader that never comes."""
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        old = "enrollment-guard"
        config = ConsumerConfig(name=old, durable_name=old, filter_subject="enrollment.>", ack_policy=AckPolicy.ALL)
        await js.add_consumer(STREAMS["enrollment"].name, config=config)
        async with running_system(settings, ["enrollment"], relay=False):

            async def removed() -> bool | None:
                try:
                    await js.consumer_info(STREAMS["enrollment"].name, old)
                except NotFoundError:
                    return True
                return None

            await eventually(removed, what="the old guard consumer to be deleted")
    finally:
        await nc.close()
