"""The outbox relay on real servers: every event exactly once, in notification order, across a crash."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from uuid import uuid4

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from pathways_enrollment.domain.enrollment import ParticipantEnrolled
from pathways_infra.database import DatabaseAddress, ensure_database
from pathways_infra.eventstore import Actor, EventMetadata, EventStore, RecordedEvent
from pathways_infra.settings import Settings
from tests.support.streams import shorten_dedup_window

EVENTS = 5_000


def _enrolled(now: datetime) -> RecordedEvent:
    enrollment_id = uuid4()
    return RecordedEvent(
        originator_id=enrollment_id,
        originator_version=1,
        timestamp=now,
        event=ParticipantEnrolled(
            enrollment_id=enrollment_id,
            participant_id=uuid4(),
            project_id=uuid4(),
            unit_id=None,
            province_code="TH-40",
            region="NORTHEAST",
            enrolled_on=now.date(),
            consent_notice_version="2025-01",
            screened_on=now.date(),
        ),
        metadata=EventMetadata(
            event_id=uuid4(), occurred_at=now, actor=Actor(id="seed", role="test"), correlation_id=uuid4()
        ),
    )


async def _write_events(settings: Settings, count: int) -> None:
    assert settings.database_url
    address = await ensure_database(DatabaseAddress.parse(settings.database_url), settings.database_name("enrollment"))

    def write() -> None:
        store = EventStore("enrollment", address.eventsourcing_env())
        try:
            now = datetime.now(UTC)
            for start in range(0, count, 1_000):
                store.save(*(_enrolled(now) for _ in range(min(1_000, count - start))))
        finally:
            store.close()

    await asyncio.get_running_loop().run_in_executor(None, write)


def _start_relay(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PATHWAYS_DATABASE_URL": settings.database_url or "",
        "PATHWAYS_NATS_URL": settings.nats_url_of("enrollment"),
        "PATHWAYS_DATABASE_PREFIX": settings.database_prefix,
        "PATHWAYS_RELAY_BATCH_SIZE": "25",  # small batches, so a kill lands mid-publish
    }
    return subprocess.Popen([sys.executable, "-m", "pathways_infra", "relay", "enrollment"], env=env)


async def _stream_count(js: JetStreamContext) -> int:
    try:
        return int((await js.stream_info("ENROLLMENT")).state.messages)
    except nats.js.errors.NotFoundError:
        return 0


async def _wait_for_count(js: JetStreamContext, predicate: object, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = await _stream_count(js)
        if predicate(count):  # type: ignore[operator]
            return count
        await asyncio.sleep(0.005)
    raise AssertionError(f"stream count never satisfied the condition (last {await _stream_count(js)})")


async def _message_ids(js: JetStreamContext) -> list[str]:
    subscription = await js.pull_subscribe(
        "enrollment.v1.>",
        stream="ENROLLMENT",
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
    )
    ids: list[str] = []
    while len(ids) < EVENTS + 100:
        try:
            batch = await subscription.fetch(1_000, timeout=2)
        except TimeoutError:  # nats-py 2.16 raises either its own or asyncio's when nothing is left
            break
        ids += [(msg.headers or {})["Nats-Msg-Id"] for msg in batch]
    await subscription.unsubscribe()
    return ids


async def test_relay_killed_mid_publish_leaves_every_event_once_in_order(settings: Settings) -> None:
    assert settings.nats_url
    await _write_events(settings, EVENTS)
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    relay = _start_relay(settings)
    try:
        at_kill = await _wait_for_count(js, lambda n: n >= 300, timeout=60)
        relay.send_signal(signal.SIGKILL)
        relay.wait()
        assert at_kill < EVENTS, "the relay finished before it could be killed; the test proved nothing"

        relay = _start_relay(settings)
        await _wait_for_count(js, lambda n: n >= EVENTS, timeout=120)
        await asyncio.sleep(1.0)  # anything extra would arrive now
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=30) == 0, "the relay did not stop cleanly on SIGTERM"
        ids = await _message_ids(js)
    finally:
        if relay.poll() is None:
            relay.kill()
        await nc.close()
    assert len(ids) == EVENTS, f"{len(ids)} messages for {EVENTS} events"
    assert ids == [f"enrollment:{n}" for n in range(1, EVENTS + 1)], "messages are duplicated, missing or out of order"


async def test_a_purged_stream_is_refilled_from_the_event_store(settings: Settings) -> None:
    assert settings.nats_url
    await _write_events(settings, 50)
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    relay = _start_relay(settings)
    try:
        await _wait_for_count(js, lambda n: n >= 50, timeout=60)
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=30)
        # An operator empties the copy; the event store still has it all. Message ids stay taken for
        # the dedup window after a purge, so the test shortens the window rather than wait two minutes.
        await shorten_dedup_window(js, "ENROLLMENT", 0.5)
        await js.purge_stream("ENROLLMENT")
        await asyncio.sleep(1.0)
        relay = _start_relay(settings)
        await _wait_for_count(js, lambda n: n >= 50, timeout=60)
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=30) == 0
        subscription = await js.pull_subscribe(
            "enrollment.v1.>", stream="ENROLLMENT", config=ConsumerConfig(ack_policy=AckPolicy.NONE)
        )
        ids = [(m.headers or {})["Nats-Msg-Id"] for m in await subscription.fetch(100, timeout=10)]
    finally:
        if relay.poll() is None:
            relay.kill()
        await nc.close()
    assert ids == [f"enrollment:{n}" for n in range(1, 51)]
