"""The stream check on real servers: an intact stream passes; messages lost from it are named."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import asyncpg
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from pathways_enrollment.domain.enrollment import BaselineProfileRecorded, ParticipantEnrolled
from pathways_enrollment.domain.screening import BaselineProfile, EmploymentStatus
from pathways_enrollment.outbound import translate
from pathways_infra.database import DatabaseAddress, ensure_database
from pathways_infra.eventstore import Actor, EventMetadata, EventStore, RecordedEvent
from pathways_infra.relay import Relay
from pathways_infra.settings import Settings
from pathways_infra.stream_audit import StreamAudit, audit_stream, describe
from pathways_infra.streams import ensure_streams
from tests.support.cli import run_pathways
from tests.support.streams import shorten_dedup_window

CASES = 40  # each: a private baseline, then a public enrollment (the even notification ids)


def _case(now: datetime) -> tuple[RecordedEvent, RecordedEvent]:
    case = {
        "enrollment_id": uuid4(),
        "participant_id": uuid4(),
        "project_id": uuid4(),
        "unit_id": None,
        "province_code": "TH-40",
        "region": "NORTHEAST",
    }

    def recorded(version: int, event: object) -> RecordedEvent:
        metadata = EventMetadata(
            event_id=uuid4(), occurred_at=now, actor=Actor(id="seed", role="test"), correlation_id=uuid4()
        )
        return RecordedEvent(
            originator_id=case["enrollment_id"],  # type: ignore[arg-type]
            originator_version=version,
            timestamp=now,
            event=event,
            metadata=metadata,
        )

    profile = BaselineProfile(
        employment_status=EmploymentStatus.UNEMPLOYED,
        occupation=None,
        monthly_income_thb=Decimal("4000"),
        informal_worker=True,
        covid_affected=True,
    )
    baseline = BaselineProfileRecorded(**case, profile=profile)  # type: ignore[arg-type]
    enrolled = ParticipantEnrolled(
        **case,  # type: ignore[arg-type]
        enrolled_on=now.date(),
        consent_notice_version="2025-01",
        screened_on=now.date(),
    )
    return recorded(1, baseline), recorded(2, enrolled)


@dataclass
class Relayed:
    """The enrollment store holds ``CASES`` cases and its stream all of their public events."""

    settings: Settings
    database_url: str
    events_table: str
    nc: NatsClient

    @property
    def js(self) -> JetStreamContext:
        return self.nc.jetstream()


async def store_and_relay(settings: Settings, nc: NatsClient) -> tuple[str, str]:
    """The database's url and events table, once the store holds ``CASES`` cases and the stream their events."""
    js = nc.jetstream()
    assert settings.database_url
    address = await ensure_database(DatabaseAddress.parse(settings.database_url), settings.database_name("enrollment"))
    now = datetime.now(UTC)
    events_table = await _save(address.url, [e for _ in range(CASES) for e in _case(now)])
    await ensure_streams(js)
    await _relay_until(address.url, nc, published=CASES)
    assert (await js.stream_info("ENROLLMENT")).state.messages == CASES
    return address.url, events_table


async def _save(database_url: str, events: list[RecordedEvent]) -> str:
    def save() -> str:
        store = EventStore("enrollment", DatabaseAddress.parse(database_url).eventsourcing_env())
        try:
            store.save(*events)
            return store.events_table
        finally:
            store.close()

    return await asyncio.get_running_loop().run_in_executor(None, save)


async def _relay_until(database_url: str, nc: NatsClient, *, published: int) -> None:
    """Runs a relay until it has published ``published`` messages and stored its position."""
    loop = asyncio.get_running_loop()
    env = DatabaseAddress.parse(database_url).eventsourcing_env()
    store = await loop.run_in_executor(None, lambda: EventStore("enrollment", env))
    try:
        relay = Relay(
            service="enrollment", stream="ENROLLMENT", database_url=database_url, events_table=store.events_table,
            mapper=store.mapper,  # type: ignore[arg-type]
            translate=translate, nc=nc, poll_seconds=0.2,
        )  # fmt: skip
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        deadline = time.monotonic() + 30
        while relay.published < published or not relay.caught_up.is_set():
            assert time.monotonic() < deadline, f"the relay published only {relay.published} of {published}"
            await asyncio.sleep(0.02)
        stop.set()
        await task  # stores the relay's position on the way out
    finally:
        store.close()


async def _audit(relayed: Relayed) -> StreamAudit:
    return await audit_stream("enrollment", database_url=relayed.database_url, js=relayed.js)


def _check(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return _run_cli(settings, "streams", "check", *args)


def _run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_pathways(settings, *args, timeout=60)


async def test_an_intact_stream_passes_and_deleted_messages_are_named_missing(relayed: Relayed) -> None:
    intact = await _audit(relayed)
    assert intact.ok, intact
    assert (intact.stored_events, intact.private_events, intact.stream_messages) == (CASES, CASES, CASES)
    assert intact.published_through == 2 * CASES
    assert intact.missing.count == intact.pending.count == 0

    # Stream sequence n holds the public event of case n: notification id 2n.
    await relayed.js.delete_msg("ENROLLMENT", 11)
    await relayed.js.delete_msg("ENROLLMENT", 12)
    await relayed.js.delete_msg("ENROLLMENT", 30)
    damaged = await _audit(relayed)
    assert not damaged.ok
    assert damaged.missing.ranges == ((22, 24), (60, 60))
    assert damaged.missing.count == 3
    assert damaged.stream_messages == CASES - 3
    assert damaged.duplicated.count == damaged.foreign.count == damaged.out_of_order.count == 0
    assert (await relayed.js.consumers_info("ENROLLMENT")) == [], "the check left a consumer behind"


async def test_the_cli_exits_0_on_an_intact_stream_and_1_naming_the_missing_ids(relayed: Relayed) -> None:
    intact = await asyncio.to_thread(_check, relayed.settings, "enrollment", "--json")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    document = json.loads(intact.stdout)
    assert document["ok"] is True
    assert [(s["service"], s["stored_public_events"], s["stream_messages"]) for s in document["services"]] == [
        ("enrollment", CASES, CASES)
    ]

    await relayed.js.delete_msg("ENROLLMENT", 5)
    damaged = await asyncio.to_thread(_check, relayed.settings, "enrollment")
    assert damaged.returncode == 1, damaged.stdout + damaged.stderr
    assert "enrollment (stream ENROLLMENT): NOT AN EXACT COPY" in damaged.stdout
    assert "missing                  1: 10\n" in damaged.stdout


async def test_the_published_digests_prove_the_store_unaltered_and_name_where_it_was_changed(
    relayed: Relayed,
) -> None:
    intact = await _audit(relayed)
    assert intact.log_check.checked == CASES
    assert intact.log_check.altered == ()
    assert intact.unverified == 0

    # Notification 2n-1 is case n's private baseline, 2n its public enrollment.
    conn = await asyncpg.connect(relayed.database_url)
    try:
        table = f'"{relayed.events_table}"'
        state = await conn.fetchval(f"SELECT state FROM {table} WHERE notification_id = 21")
        assert b"TH-40" in state
        await conn.execute(
            f"UPDATE {table} SET state = $1 WHERE notification_id = 21", state.replace(b"TH-40", b"TH-41")
        )
        await conn.execute(f"DELETE FROM {table} WHERE notification_id = 61")
    finally:
        await conn.close()

    tampered = await _audit(relayed)
    assert not tampered.ok
    assert tampered.log_check.altered == ((20, 22), (60, 62)), "each change is named in the span around it alone"
    assert tampered.missing.count == tampered.foreign.count == 0, "the stream itself is intact"

    shown = await asyncio.to_thread(_check, relayed.settings, "enrollment")
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert "store unaltered          NO: 2 of 40 published digests differ" in shown.stdout
    assert "within notifications 21-22, 61-62" in shown.stdout

    conn = await asyncpg.connect(relayed.database_url)
    try:
        await conn.execute(f'DELETE FROM "{relayed.events_table}" WHERE notification_id = 40')
    finally:
        await conn.close()
    removed = await _audit(relayed)
    assert (removed.unstored.count, removed.foreign.count) == (1, 0), "a published event gone from the store"
    assert [f.msg_id for f in removed.unstored.first] == ["enrollment:40"]
    shown = await asyncio.to_thread(_check, relayed.settings, "enrollment")
    line = (
        "not in the store         1: #20 enrollment:40 on enrollment.v1.participant.enrolled  (removed from it since?)"
    )
    assert line in shown.stdout


async def test_a_restarted_relay_goes_on_with_the_chain_even_without_its_stored_digest(relayed: Relayed) -> None:
    now = datetime.now(UTC)
    applied, enrolled = _case(now)
    await _save(relayed.database_url, [applied])  # private: scanned past, nothing published
    await _relay_until(relayed.database_url, relayed.nc, published=0)
    conn = await asyncpg.connect(relayed.database_url)
    try:
        position = await conn.fetchrow("SELECT scanned_through, published_through, log_digest FROM relay_position")
        assert position is not None
        assert (position["scanned_through"], position["published_through"]) == (2 * CASES + 1, 2 * CASES)
        assert position["log_digest"] is not None
        # As after an upgrade from a relay that kept no digest: it must compute the chain from the store.
        await conn.execute("UPDATE relay_position SET log_digest = NULL")
    finally:
        await conn.close()

    await _save(relayed.database_url, [enrolled])
    await _relay_until(relayed.database_url, relayed.nc, published=1)

    audit = await _audit(relayed)
    assert audit.ok, describe(audit)
    assert audit.log_check.checked == CASES + 1
    assert audit.stream_messages == CASES + 1


async def _shorten_dedup_window(js: JetStreamContext, seconds: float) -> None:
    """As if the messages had been published longer ago than the dedup window: a republish must not
    then rely on JetStream to drop what it sends twice."""
    await shorten_dedup_window(js, "ENROLLMENT", seconds)
    await asyncio.sleep(seconds + 0.5)


async def test_republish_sends_exactly_what_the_stream_lost_and_the_relay_goes_on_after_it(
    relayed: Relayed,
) -> None:
    await _shorten_dedup_window(relayed.js, 1.0)
    for sequence in (11, 12, 30):  # the public events of notifications 22, 24 and 60
        await relayed.js.delete_msg("ENROLLMENT", sequence)

    dry = await asyncio.to_thread(_republish, relayed.settings, "enrollment", "--dry-run")
    assert dry.returncode == 1, "the stream is still not whole"
    assert "enrollment: would republish 3 missing public events (22-24, 60)" in dry.stdout
    assert (await relayed.js.stream_info("ENROLLMENT")).state.messages == CASES - 3

    only = await asyncio.to_thread(_republish, relayed.settings, "enrollment", "--ids", "50-70")
    assert only.returncode == 1, "22 and 24 are still missing"
    assert "republished 1 missing public events (60): 1 stored" in only.stdout

    rest = await asyncio.to_thread(_republish, relayed.settings, "enrollment", "--json")
    assert rest.returncode == 0, rest.stdout + rest.stderr
    document = json.loads(rest.stdout)
    assert (document["chosen"]["text"], document["stored"], document["refused_as_duplicates"]) == ("22-24", 2, 0)
    assert document["check"]["ok"] is True
    assert document["check"]["republished"] == 3

    again = await asyncio.to_thread(_republish, relayed.settings, "enrollment")
    assert again.returncode == 0
    assert "enrollment: nothing to republish" in again.stdout
    assert (await relayed.js.stream_info("ENROLLMENT")).state.messages == CASES

    # The stream now ends with republished messages; a relay must go on after the last one it
    # published in order (notification 80), not after them.
    now = datetime.now(UTC)
    await _save(relayed.database_url, [event for _ in range(3) for event in _case(now)])
    await _relay_until(relayed.database_url, relayed.nc, published=3)
    audit = await _audit(relayed)
    assert audit.ok, describe(audit)
    assert (audit.stream_messages, audit.republished, audit.duplicated.count) == (CASES + 3, 3, 0)
    assert audit.log_check.checked == CASES - 3 + 3
    assert audit.log_check.altered == ()


async def test_after_a_purge_and_a_full_republish_the_relay_goes_on_after_what_was_republished(
    relayed: Relayed,
) -> None:
    await _shorten_dedup_window(relayed.js, 1.0)
    await relayed.js.purge_stream("ENROLLMENT")
    done = await asyncio.to_thread(_republish, relayed.settings, "enrollment")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"republished {CASES} missing public events" in done.stdout

    # Only republished messages are left: the relay must not take the stream for empty and
    # publish all of it a second time.
    now = datetime.now(UTC)
    await _save(relayed.database_url, [event for _ in range(2) for event in _case(now)])
    await _relay_until(relayed.database_url, relayed.nc, published=2)
    audit = await _audit(relayed)
    assert audit.ok, describe(audit)
    assert (audit.stream_messages, audit.republished, audit.duplicated.count) == (CASES + 2, CASES, 0)


def _republish(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return _run_cli(settings, "streams", "republish", *args)
