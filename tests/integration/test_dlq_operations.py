"""An operator lists a parked message, fixes the cause, and replays it with the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from uuid import UUID, uuid4

import nats
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg

from pathways_contracts.registry import DLQ_STREAM, REPLAY_STREAM
from pathways_infra.consumer import (
    DLQ_BODY_OMITTED,
    DLQ_CONSUMER,
    DLQ_ORIGINAL_SEQUENCE,
    DLQ_ORIGINAL_STREAM,
    DLQ_ORIGINAL_SUBJECT,
)
from pathways_infra.relay import EXPECTED_LAST_SEQUENCE
from pathways_infra.settings import Settings
from tests.support.messages import enrolled_event, envelope_headers, publish_event
from tests.support.system import eventually, running_system


def _run(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHWAYS_NATS_URL": settings.nats_url or ""}
    return subprocess.run(
        [sys.executable, "-m", "pathways_infra", *args], env=env, capture_output=True, text=True, check=check
    )


def _pathways(settings: Settings, *args: str) -> str:
    return _run(settings, *args).stdout


async def test_operator_replays_a_parked_message_after_fixing_its_cause(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        event = enrolled_event()
        # A constraint an operator added by mistake makes the projection fail: the message is parked.
        await runtime.pool.execute(
            "ALTER TABLE rm_enrollments ADD CONSTRAINT mistaken CHECK (status <> 'ENROLLED') NOT VALID"
        )
        sequence = await publish_event(runtime.js, event, event_id="enrollment:1")

        async def parked() -> int | None:
            info = await runtime.js.stream_info(DLQ_STREAM)
            return info.state.messages or None

        await eventually(parked, timeout=30, what="the message to be parked")
        # In a thread: the service runs on this event loop, and must go on consuming meanwhile.
        listing = await asyncio.to_thread(_pathways, settings, "dlq", "list")
        assert "enrollment-read-models-from-enrollment" in listing
        assert "CheckViolationError" in listing
        shown = await asyncio.to_thread(_pathways, settings, "dlq", "show", "1")
        assert str(event.enrollment_id) in shown

        await runtime.pool.execute("ALTER TABLE rm_enrollments DROP CONSTRAINT mistaken")
        assert "sent back to its consumer" in await asyncio.to_thread(_pathways, settings, "dlq", "replay", "1")
        sent_back = await runtime.js.get_msg(REPLAY_STREAM, seq=1)
        assert (sent_back.headers or {})[DLQ_ORIGINAL_SEQUENCE] == str(sequence)  # read models order by it

        async def projected() -> str | None:
            row = await runtime.pool.fetchrow(
                "SELECT status FROM rm_enrollments WHERE enrollment_id = $1", event.enrollment_id
            )
            return row["status"] if row else None

        assert await eventually(projected, what="the replayed message to be projected") == "ENROLLED"


async def test_a_message_the_relay_published_is_parked_and_replayed(settings: Settings) -> None:
    """The relay publishes on a condition (the stream's last sequence); the parked and the replayed
    copies must not carry it, or JetStream refuses them and the message is retried for ever."""
    async with running_system(settings, ["enrollment"]) as system:
        runtime = system.runtime("enrollment")
        await runtime.pool.execute("ALTER TABLE rm_units ADD CONSTRAINT mistaken CHECK (name <> 'CDU Nan') NOT VALID")
        enrollment = system.client("enrollment")
        # Second in its stream, first on the DLQ: a copied condition would expect the DLQ at sequence 1.
        assert (await enrollment.post("/units", json={"name": "CDU Phrae", "province_code": "TH-54"})).is_success
        answer = await enrollment.post("/units", json={"name": "CDU Nan", "province_code": "TH-55"})
        assert answer.status_code == 201, answer.text
        unit_id = answer.json()["id"]

        async def parked() -> int | None:
            info = await runtime.js.stream_info(DLQ_STREAM)
            return info.state.messages or None

        await eventually(parked, timeout=30, what="the relay's message to be parked")
        assert EXPECTED_LAST_SEQUENCE not in ((await runtime.js.get_msg(DLQ_STREAM, seq=1)).headers or {})

        await runtime.pool.execute("ALTER TABLE rm_units DROP CONSTRAINT mistaken")
        assert "sent back to its consumer" in await asyncio.to_thread(_pathways, settings, "dlq", "replay", "1")

        async def projected() -> str | None:
            name = await runtime.pool.fetchval("SELECT name FROM rm_units WHERE unit_id = $1", UUID(unit_id))
            return str(name) if name else None

        assert await eventually(projected, what="the replayed message to be projected") == "CDU Nan"


async def test_with_nothing_ever_parked_the_operator_is_told_so_not_shown_a_traceback(settings: Settings) -> None:
    listing = _pathways(settings, "dlq", "list")
    shown = _run(settings, "dlq", "show", "7", check=False)

    assert listing.startswith("no unresolved parked messages")
    assert shown.returncode == 1
    assert "no message is parked at DLQ sequence 7" in shown.stderr
    assert "Traceback" not in shown.stderr


async def test_a_message_too_large_to_park_with_its_reason_is_parked_without_its_body(settings: Settings) -> None:
    """Its body and the DLQ headers would be more than NATS takes in one message: sent whole, the server
    would close the service's connection, and the client send it again on reconnecting, for ever."""
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        headers = envelope_headers("enrollment:1", subject=str(uuid4()))
        header_block = sum(len(k) + len(v) + 4 for k, v in headers.items()) + 12
        body = b"z" * (runtime.nc.max_payload - header_block - 64)  # garbled, and as large as NATS takes
        ack = await runtime.js.publish("enrollment.v1.participant.enrolled", body, headers=headers)
        good = enrolled_event()
        await publish_event(runtime.js, good, event_id="enrollment:2")

        async def parked() -> RawStreamMsg | None:
            info = await runtime.js.stream_info(DLQ_STREAM)
            return await runtime.js.get_msg(DLQ_STREAM, seq=1) if info.state.messages else None

        dead = await eventually(parked, timeout=30, what="the large message to be parked")

        async def projected() -> bool | None:
            query = "SELECT 1 FROM rm_enrollments WHERE enrollment_id = $1"
            return True if await runtime.pool.fetchval(query, good.enrollment_id) else None

        await eventually(projected, what="the next message to be applied: the connection is still there")
        replayed = await asyncio.to_thread(_run, settings, "dlq", "replay", "1", check=False)

    assert dead.data in (b"", None)
    assert f"{len(body)} bytes" in (dead.headers or {})[DLQ_BODY_OMITTED]
    assert (dead.headers or {})[DLQ_ORIGINAL_SEQUENCE] == str(ack.seq)
    assert replayed.returncode != 0 and "more than the server takes in one message" in replayed.stderr, replayed


async def test_a_replay_sends_the_message_its_stream_holds_never_the_parked_copy(settings: Settings) -> None:
    """A consumer's DLQ entry is written by its service's user, so it is no proof of what an event
    said: one forged by that user, naming a real message but carrying another body, sends back the real one."""
    async with running_system(settings, ["enrollment"], relay=False) as system:
        runtime = system.runtime("enrollment")
        await runtime.pool.execute(
            "ALTER TABLE rm_enrollments ADD CONSTRAINT mistaken CHECK (status <> 'ENROLLED') NOT VALID"
        )
        real, forged = enrolled_event(), enrolled_event()
        sequence = await publish_event(runtime.js, real, event_id="enrollment:1")

        async def parked() -> int | None:
            return (await runtime.js.stream_info(DLQ_STREAM)).state.messages or None

        await eventually(parked, timeout=30, what="the real message to be parked")
        consumer = "enrollment-read-models-from-enrollment"
        forger = await nats.connect(settings.nats_url_of("enrollment"))
        try:
            for origin in ("ENROLLMENT", DLQ_STREAM):
                headers = {
                    **envelope_headers(f"forged:{origin}", subject=str(forged.participant_id)),
                    DLQ_CONSUMER: consumer,
                    DLQ_ORIGINAL_SUBJECT: forged.SUBJECT,
                    DLQ_ORIGINAL_STREAM: origin,
                    DLQ_ORIGINAL_SEQUENCE: str(sequence if origin == "ENROLLMENT" else 2),
                }
                body = forged.model_dump_json().encode()
                await forger.jetstream().publish(f"dlq.{consumer}.{forged.SUBJECT}", body, headers=headers)
        finally:
            await forger.close()
        await runtime.pool.execute("ALTER TABLE rm_enrollments DROP CONSTRAINT mistaken")

        assert "sent back to its consumer" in await asyncio.to_thread(_pathways, settings, "dlq", "replay", "2")
        from_the_dlq = await asyncio.to_thread(_run, settings, "dlq", "replay", "3", check=False)

        async def projected() -> bool | None:
            query = "SELECT 1 FROM rm_enrollments WHERE enrollment_id = $1"
            return True if await runtime.pool.fetchval(query, real.enrollment_id) else None

        await eventually(projected, what="the real message, sent back, to be projected")
        forged_rows = await runtime.pool.fetchval(
            "SELECT count(*) FROM rm_enrollments WHERE enrollment_id = $1", forged.enrollment_id
        )

    assert forged_rows == 0
    assert from_the_dlq.returncode == 1 and "holds no original messages" in from_the_dlq.stderr, from_the_dlq


MANY = 30


async def test_discarding_many_entries_discards_each_and_shows_progress(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    consumer = "training-from-enrollment"
    for n in range(1, MANY + 1):
        headers = {DLQ_CONSUMER: consumer, DLQ_ORIGINAL_STREAM: "ENROLLMENT", DLQ_ORIGINAL_SEQUENCE: str(n)}
        await operator_js.publish(f"dlq.{consumer}.enrollment.v1.participant.enrolled", b"{}", headers=headers)
    sequences = [str(n) for n in range(1, MANY + 1)]

    done = await asyncio.to_thread(_run, settings, "dlq", "discard", *sequences, "--reason", "test data")

    assert [line.split(" discarded by")[0] for line in done.stdout.splitlines()] == [f"DLQ #{n}" for n in sequences]
    assert "discarding" in done.stderr and f"{MANY}/{MANY}" in done.stderr, done.stderr
    listing = await asyncio.to_thread(_pathways, settings, "dlq", "list")
    assert listing.startswith("no unresolved parked messages"), listing
