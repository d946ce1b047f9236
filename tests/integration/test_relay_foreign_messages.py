"""Messages someone else publishes into a relay's stream (NATS has no authentication here): the relay
passes over them and goes on, every event still in the stream once and in notification order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_enrollment.outbound import translate
from pathways_infra.database import DatabaseAddress
from pathways_infra.eventstore import EventStore
from pathways_infra.publisher import Outgoing
from pathways_infra.relay import Relay
from pathways_infra.settings import Settings
from pathways_infra.stream_audit import audit_stream
from tests.integration.test_stream_audit import CASES, Relayed, _case, _save, _shorten_dedup_window, store_and_relay

SUBJECT = "enrollment.v1.participant.enrolled"
Send = Callable[[Outgoing, str], Awaitable[None]]
FOREIGN = "Test-Foreign"  # marks the messages these tests publish as someone else
MORE_CASES = 5


@asynccontextmanager
async def _relay_running(database_url: str, nc: NatsClient, *, batch_size: int = 2000) -> AsyncIterator[Relay]:
    loop = asyncio.get_running_loop()
    env = DatabaseAddress.parse(database_url).eventsourcing_env()
    store = await loop.run_in_executor(None, lambda: EventStore("enrollment", env))
    relay = Relay(
        service="enrollment", stream="ENROLLMENT", database_url=database_url, events_table=store.events_table,
        mapper=store.mapper,  # type: ignore[arg-type]
        translate=translate, nc=nc, batch_size=batch_size, poll_seconds=0.2,
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await task  # raises what stopped the relay, if anything did
        store.close()


async def _save_cases(database_url: str, count: int) -> None:
    now = datetime.now(UTC)
    await _save(database_url, [event for _ in range(count) for event in _case(now)])


def _public_ids(cases: int) -> list[str]:
    """Each case is a private baseline, then a public enrollment: the even notification ids."""
    return [f"enrollment:{n}" for n in range(2, 2 * cases + 1, 2)]


async def _relay_ids(js: JetStreamContext) -> list[str]:
    """The ids of the relay's messages in the stream, in stream order (foreign ones left out)."""
    state = (await js.stream_info("ENROLLMENT")).state
    ids: list[str] = []
    for sequence in range(state.first_seq, state.last_seq + 1):
        try:
            message = await js.get_msg("ENROLLMENT", seq=sequence)
        except NotFoundError:
            continue
        headers = message.headers or {}
        if FOREIGN not in headers:
            ids.append(headers.get("Nats-Msg-Id", ""))
    return ids


async def _until_published(js: JetStreamContext, expected: list[str], *, timeout: float = 20.0) -> None:
    """Waits until the stream holds exactly ``expected`` from the relay, and still does a moment later."""
    deadline = time.monotonic() + timeout
    while (ids := await _relay_ids(js)) != expected:
        assert time.monotonic() < deadline, f"the stream holds {_differences(ids, expected)}"
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # anything sent twice would arrive now
    assert await _relay_ids(js) == expected


def _differences(ids: list[str], expected: list[str]) -> str:
    missing = sorted(set(expected) - set(ids), key=lambda i: int(i.partition(":")[2]))
    duplicated = len(ids) - len(set(ids))
    in_order = ids == sorted(ids, key=lambda i: int(i.partition(":")[2]))
    return f"{len(ids)} of {len(expected)}; missing {missing[:10]}; {duplicated} duplicated; in order: {in_order}"


async def _publish_foreign(js: JetStreamContext, payload: bytes, headers: dict[str, str]) -> int:
    return (await js.publish(SUBJECT, payload, headers={**headers, FOREIGN: "yes"})).seq


async def _audit_finds_every_event_once_in_order(relayed: Relayed) -> None:
    audit = await audit_stream("enrollment", database_url=relayed.database_url, js=relayed.js)
    assert (audit.missing.count, audit.pending.count, audit.duplicated.count, audit.out_of_order.count) == (0, 0, 0, 0)


class Interloper:
    """Publishes a foreign message into the stream just before the relay sends its n-th message
    (counted from 1), the relay's earlier messages sent, so it lands among the relay's in flight."""

    def __init__(self, js: JetStreamContext, before: dict[int, dict[str, str]]) -> None:
        self._js = js
        self._before = before  # message number -> the foreign message's headers
        self.sent = 0
        self.published: list[int] = []

    def wrap(self, send: Send, flush: Callable[[], Awaitable[None]]) -> Send:
        async def send_after_interloping(message: Outgoing, reply: str) -> None:
            self.sent += 1
            headers = self._before.pop(self.sent, None)
            if headers is not None:
                await flush()
                self.published.append(await _publish_foreign(self._js, b"not an event", headers))
            await send(message, reply)

        return send_after_interloping


@pytest.mark.parametrize(
    "foreign_headers",
    [{}, {"Nats-Msg-Id": "intruder-1"}],
    ids=["without-a-message-id", "with-a-message-id"],
)
async def test_foreign_messages_landing_among_batches_in_flight_lose_no_event(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, foreign_headers: dict[str, str]
) -> None:
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    intruder = await nats.connect(settings.nats_url)
    try:
        relayed = Relayed(settings, *await store_and_relay(settings, nc), nc)
        await _save_cases(relayed.database_url, MORE_CASES * 8)
        # Batches of 10 stored events are 5 messages: before the first of one, in the middle of the next,
        # before the last of another (the batch after it goes in only after that last one).
        interloper = Interloper(intruder.jetstream(), {n: dict(foreign_headers) for n in (11, 18, 25)})
        async with _relay_running(relayed.database_url, nc, batch_size=10) as relay:
            publisher = relay._publisher
            monkeypatch.setattr(publisher, "_send", interloper.wrap(publisher._send, publisher._flush))
            await _until_published(relayed.js, _public_ids(CASES + MORE_CASES * 8))
        assert len(interloper.published) == 3, "the foreign messages were not published among the relay's"
        await _audit_finds_every_event_once_in_order(relayed)
    finally:
        await intruder.close()
        await nc.close()


@pytest.mark.parametrize("relay_running", [False, True], ids=["before-the-relay-starts", "while-it-runs"])
async def test_a_forged_message_id_at_the_stream_tail_does_not_make_the_relay_skip_events(
    relayed: Relayed, relay_running: bool
) -> None:
    forged = {"Nats-Msg-Id": "enrollment:999998", "Pathways-Log-Digest": "00" * 32}
    async with _relay_running(relayed.database_url, relayed.nc) as relay:
        if relay_running:
            await asyncio.wait_for(relay.caught_up.wait(), timeout=10)
        await _publish_foreign(relayed.js, b'{"forged": true}', forged)
        await _save_cases(relayed.database_url, MORE_CASES)
        await _until_published(relayed.js, _public_ids(CASES + MORE_CASES))
    await _audit_finds_every_event_once_in_order(relayed)


@pytest.mark.parametrize("relay_running", [False, True], ids=["before-the-relay-starts", "while-it-runs"])
async def test_a_garbage_message_at_the_stream_tail_does_not_stop_the_relay(
    relayed: Relayed, relay_running: bool
) -> None:
    garbage = {"Nats-Msg-Id": "enrollment-fake", "ce-type": "nonsense"}
    if not relay_running:
        await _publish_foreign(relayed.js, b"\x00garbage", garbage)
    async with _relay_running(relayed.database_url, relayed.nc) as relay:
        if relay_running:
            await asyncio.wait_for(relay.caught_up.wait(), timeout=10)
            await _publish_foreign(relayed.js, b"\x00garbage", garbage)
        await _save_cases(relayed.database_url, 1)
        await _until_published(relayed.js, _public_ids(CASES + 1))
        await _save_cases(relayed.database_url, 1)
        await _until_published(relayed.js, _public_ids(CASES + 2))
    await _audit_finds_every_event_once_in_order(relayed)


@pytest.mark.parametrize("relay_running", [False, True], ids=["before-the-relay-starts", "while-it-runs"])
async def test_a_message_forging_the_next_id_does_not_take_the_place_of_its_event(
    relayed: Relayed, relay_running: bool
) -> None:
    """JetStream refuses the relay's own message as a duplicate of the forged one; the relay takes
    the forged one for foreign (its log digest is not the chain's) and sends its event again once
    the dedup window has passed."""
    await _shorten_dedup_window(relayed.js, 1.0)
    forged = {"Nats-Msg-Id": "enrollment:82", "Pathways-Log-Digest": "00" * 32}  # the next public event's id
    async with _relay_running(relayed.database_url, relayed.nc) as relay:
        if relay_running:
            await asyncio.wait_for(relay.caught_up.wait(), timeout=10)
        await _publish_foreign(relayed.js, b'{"forged": true}', forged)
        await _save_cases(relayed.database_url, 1)
        await _until_published(relayed.js, _public_ids(CASES + 1))
        await _save_cases(relayed.database_url, 1)
        await _until_published(relayed.js, _public_ids(CASES + 2))
