"""The outbox relay: from a service's notification log to its JetStream stream, in order, once.

The event store is the outbox. The relay tails the notification log (woken by LISTEN/NOTIFY,
polling as a fallback), translates domain events into integration events, publishes them
pipelined, waits for the acks and then stores its position.

Exactly once, in order, without trusting the dedup window: the relay resumes from the last message
*in the stream* (its ``Nats-Msg-Id`` names the notification it came from). Every message carries
``Nats-Expected-Last-Sequence``, the sequence the message before it will have, so if one is lost
every later one fails instead of landing out of order; the relay then re-reads the stream's tail and
goes on from there. Only one relay per service publishes at a time (a PostgreSQL advisory lock).

Foreign messages: NATS has no authentication here, so anyone may publish into the stream. The
sequence alone does not guard against that: a foreign message taking the slot the first message in
flight expected refuses that one only, and the next ones, expecting the next slots, would be stored
after a gap. So every message sent while the one before it is unacknowledged also carries
``Nats-Expected-Last-Msg-Id`` (the stream's last message must be that one); a refusal then refuses
everything after it. (A refused message is not stored, so the server's dedup window does not hold
its id against the resend.) Resuming, the relay walks back from the stream's end past messages it did
not publish (an id not "<service>:<n>"; an n beyond the store's last notification; or an n beyond the
relay's stored position whose log digest is not the chain's there: forged), goes on after its own
last message, expecting the stream's real last sequence, and warns once per walk. A message forging
the id of an event not yet published makes JetStream refuse that event as a duplicate: the relay
takes a duplicate for a refusal and sends the event again, stored once the dedup window has passed.

Each message also carries the hash chain over the whole notification log up to its event
(:mod:`pathways_infra.log_digest`), so the stream can later prove the store unaltered. The chain's
value is stored with the relay's position and is in the stream's last message, so a restart goes on
from it; only a relay upgraded from before digests computes it once over the store.

(Messages went out as JetStream atomic batches before. Live traffic gives the relay a few events at
a time, and an atomic batch has a large fixed cost in the server: a batch of five cost NATS about
0.5 ms of CPU per message, against 0.07 ms published one by one, measured with bench.floor's
publishing on the same server.)
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections import deque
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError

from pathways_contracts.envelope import (
    MSG_ID,
)
from pathways_infra.event_rows import pages, rows_after
from pathways_infra.eventstore import RecordedEventMapper
from pathways_infra.log_digest import GENESIS, LOG_DIGEST, LogChain, parse_digest
from pathways_infra.outbound_message import REPUBLISHED, OutboundMessage
from pathways_infra.publisher import Acks, PipelinedPublisher, PublishError
from pathways_infra.relay_encoding import Encoder, Translator
from pathways_infra.waiting import wait_until

log = logging.getLogger(__name__)


POSITION_TABLE_DDL = """
CREATE TABLE IF NOT EXISTS relay_position (
    stream text PRIMARY KEY,
    scanned_through bigint NOT NULL,
    published_through bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE relay_position ADD COLUMN IF NOT EXISTS log_digest bytea
"""


EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence"
EXPECTED_LAST_MSG_ID = "Nats-Expected-Last-Msg-Id"


def expect_in_order(messages: Sequence[OutboundMessage], *, last_sequence: int, after: str = "") -> int:
    """Each message is stored only if the stream then ends at the sequence the one before it will
    have and, when the one before it has a message id, with that message (``after`` for the first:
    the message id of the one sent before these, if it is not yet known to be stored); returns where
    the stream will end once all are stored.

    The sequence alone is not enough: a foreign message taking the first one's slot refuses only the
    first, and the next ones expect the next slots, so they would be stored with a gap before them."""
    previous = after
    for message in messages:
        message.headers[EXPECTED_LAST_SEQUENCE] = str(last_sequence)
        if previous:
            message.headers[EXPECTED_LAST_MSG_ID] = previous
        previous = message.message_id
        last_sequence += 1
    return last_sequence


MAX_BATCHES_IN_FLIGHT = 3


@dataclass
class StreamTail:
    last_sequence: int
    last_notification_id: int
    log_digest: bytes | None = None  # the chain after that notification, as its message carries it


class Relay:
    def __init__(
        self,
        *,
        service: str,
        stream: str,
        database_url: str,
        events_table: str,
        mapper: RecordedEventMapper,
        translate: Translator,
        nc: NatsClient,
        batch_size: int = 2000,
        poll_seconds: float = 1.0,
    ) -> None:
        self.service = service
        self.stream = stream
        self._database_url = database_url
        self._events_table = events_table
        self._mapper = mapper
        self._translate = translate
        self._js = nc.jetstream()
        self._publisher = PipelinedPublisher(nc, duplicates_fail=True)  # it sends no id the stream holds
        self._encoder = Encoder(service, mapper, translate)
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._application = {"application_name": f"pathways-relay-{service}"}  # as pg_stat_activity shows it
        self._chain = LogChain()
        self.published = 0
        self.failing = ""  # why the last batch could not be published, until one is
        self.caught_up = asyncio.Event()
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set. Waits as a standby while another relay holds the lock."""
        self.caught_up.clear()  # until this run has published everything again
        conn = await asyncpg.connect(self._database_url, server_settings=self._application)
        try:
            await conn.execute(POSITION_TABLE_DDL)
            if not await self._become_leader(conn, stop):
                return
            await conn.add_listener(self._events_table, self._on_notify)
            await self._publisher.start()
            self.ready.set()
            await self._relay_until(conn, stop)
        finally:
            await self._publisher.close()
            await conn.close()

    async def _become_leader(self, conn: asyncpg.Connection, stop: asyncio.Event) -> bool:
        lock_key = zlib.crc32(f"pathways-relay:{self.stream}".encode())
        while not stop.is_set():
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key):
                log.info("relay %s: publishing to stream %s", self.service, self.stream)
                return True
            log.info("relay %s: another relay is publishing; standing by", self.service)
            await wait_until(stop, timeout=2.0)
        return False

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _relay_until(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        """Fetching, translating, publishing and acknowledging overlap: while JetStream acks one
        batch and PostgreSQL reads the next, this process translates the one in between."""
        positions = await asyncpg.connect(self._database_url, server_settings=self._application)
        try:
            tail = await self._stream_tail(conn)
            position, digest = await self._resume_position(positions, tail)
            self._chain = await self._chain_at(conn, position, digest)
            failures = 0
            while not stop.is_set():
                try:
                    position, tail = await self._pipeline(conn, positions, stop, position, tail)
                    failures = 0
                except PublishError as error:
                    failures += 1
                    self.failing = str(error)
                    delay = min(0.1 * 2**failures, 10.0)
                    log.warning("relay %s: %s; resuming from the stream's tail in %.1fs", self.service, error, delay)
                    await wait_until(stop, timeout=delay)
                    tail = await self._stream_tail(conn)
                    position = tail.last_notification_id
                    self._chain = await self._chain_at(conn, position, tail.log_digest)
        finally:
            await positions.close()

    async def _pipeline(
        self,
        conn: asyncpg.Connection,
        positions: asyncpg.Connection,
        stop: asyncio.Event,
        position: int,
        tail: StreamTail,
    ) -> tuple[int, StreamTail]:
        in_flight: deque[InFlight] = deque()
        predicted = tail
        batches: asyncio.Queue[Fetched] = asyncio.Queue(maxsize=2)
        producer = asyncio.create_task(self._produce(conn, position, batches))
        try:
            while not stop.is_set():
                fetched = await _first(batches.get(), stop, producer)
                if fetched is None:
                    break
                if fetched.rows is None:
                    while in_flight:
                        tail = await self._settle(positions, in_flight.popleft())
                    self.caught_up.set()
                    self.failing = ""  # all published: whatever failed before went through since
                    continue
                self.caught_up.clear()
                messages = self._encoder.encode(fetched.rows, self._chain)
                sent, predicted = await self._send(messages, predicted, unconfirmed=_unconfirmed(in_flight))
                position = fetched.scanned
                in_flight.append(InFlight(sent, scanned=position, tail=predicted, log_digest=self._chain.digest))
                while len(in_flight) > MAX_BATCHES_IN_FLIGHT or (in_flight and in_flight[0].answered()):
                    tail = await self._settle(positions, in_flight.popleft())
            while in_flight:
                tail = await self._settle(positions, in_flight.popleft())
            return position, tail
        finally:
            producer.cancel()
            for pending in in_flight:
                if pending.acks is not None:
                    pending.acks.cancel()

    async def _produce(self, conn: asyncpg.Connection, position: int, batches: asyncio.Queue[Fetched]) -> None:
        """Read ahead: PostgreSQL reads the next batch while this process translates and sends."""
        while True:
            self._wake.clear()
            rows = await self._fetch(conn, position)
            if not rows:
                await batches.put(Fetched(scanned=position, rows=None))
                await wait_until(self._wake, timeout=self._poll_seconds)
                continue
            position = rows[-1]["notification_id"]
            await batches.put(Fetched(scanned=position, rows=rows))

    async def _fetch(self, conn: asyncpg.Connection, after: int) -> list[asyncpg.Record]:
        return await rows_after(conn, self._events_table, after, self._batch_size)

    async def _send(
        self, messages: Sequence[OutboundMessage], predicted: StreamTail, *, unconfirmed: bool
    ) -> tuple[asyncio.Future[Acks] | None, StreamTail]:
        """``unconfirmed``: the stream's predicted last message is one of ours not yet acknowledged,
        so these go in only after it (once acknowledged, its sequence is enough)."""
        if not messages:  # none of the events scanned is public
            return None, predicted
        after = self._message_id(predicted.last_notification_id) if unconfirmed else ""
        expected = expect_in_order(messages, last_sequence=predicted.last_sequence, after=after)
        acks = await self._publisher.send_each(messages)
        last = messages[-1]
        return acks, StreamTail(expected, last.notification_id, last.log_digest)

    async def _settle(self, positions: asyncpg.Connection, in_flight: InFlight) -> StreamTail:
        if in_flight.acks is not None:
            acks = await in_flight.acks
            if acks.last.sequence != in_flight.tail.last_sequence:
                raise PublishError(f"stream sequence {acks.last.sequence}, expected {in_flight.tail.last_sequence}")
            self.published += acks.count
            self.failing = ""
        tail = in_flight.tail
        await self._store_position(
            positions, scanned=in_flight.scanned, published=tail.last_notification_id, log_digest=in_flight.log_digest
        )
        return tail

    async def _stream_tail(self, conn: asyncpg.Connection) -> StreamTail:
        """Where the stream ends, and the notification of its last message the relay published in
        order (messages republished from the store later stand after it, out of order, and messages
        anyone else published into the stream are passed over)."""
        info = await self._js.stream_info(self.stream)
        last_sequence = info.state.last_seq
        highest = await self._highest_notification(conn)
        stored = await self._stored_position(conn)
        foreign = ForeignMessages()
        republished_through = 0
        sequence = last_sequence
        while info.state.messages and sequence >= info.state.first_seq:
            try:
                last = await self._js.get_msg(self.stream, seq=sequence)
            except NotFoundError:  # deleted from the middle of the stream
                sequence -= 1
                continue
            headers = last.headers or {}
            notification = await self._own_notification(conn, headers, highest, stored)
            if notification is None:
                foreign.saw(last.subject or "", sequence, headers.get(MSG_ID, ""))
            elif REPUBLISHED in headers:
                republished_through = max(republished_through, notification)
            else:
                self._warn_of(foreign, notification)
                return StreamTail(last_sequence, notification, parse_digest(headers.get(LOG_DIGEST)))
            sequence -= 1
        # Purged by an operator, who republished from the store what the relay had published (all of
        # it, or the part up to here): go on after that. Empty: everything is published again.
        self._warn_of(foreign, republished_through)
        return StreamTail(last_sequence, republished_through)

    async def _highest_notification(self, conn: asyncpg.Connection) -> int:
        highest = await conn.fetchval(f'SELECT max(notification_id) FROM "{self._events_table}"')
        return int(highest or 0)

    async def _own_notification(
        self, conn: asyncpg.Connection, headers: Mapping[str, str], highest: int, stored: StoredPosition | None
    ) -> int | None:
        """The notification a message of the relay's came from; None for a message someone else
        published (NATS lets anyone publish on the stream's subjects): its id is not one the relay
        gives, names a notification the store does not hold yet, or one beyond what the relay has
        stored as published without the log digest the relay computed there."""
        source, _, number = headers.get(MSG_ID, "").partition(":")
        if source != self.service or not number.isdigit() or int(number) > highest:
            return None
        notification = int(number)
        digest = parse_digest(headers.get(LOG_DIGEST))
        if not await self._chain_agrees(conn, notification, digest, stored):
            return None
        return notification

    async def _chain_agrees(
        self, conn: asyncpg.Connection, notification: int, digest: bytes | None, stored: StoredPosition | None
    ) -> bool:
        """Whether a message naming ``notification`` carries the chain's value there, checked from the
        relay's stored position (over the events between the two). Only a message beyond what the
        relay stored as published is checked: taken wrongly, it would make the relay skip events.
        (One before it could only make the relay publish some again, and checking it would disown
        the relay's own messages if the store were altered since, which ``streams check`` reports.)"""
        if stored is None or stored.digest is None or notification <= stored.published:
            return True
        if digest is None:
            return False
        if notification <= stored.scanned:
            return await self._chain_through(conn, notification, digest, stored.scanned) == stored.digest
        return await self._chain_through(conn, stored.scanned, stored.digest, notification) == digest

    async def _chain_through(self, conn: asyncpg.Connection, position: int, digest: bytes, through: int) -> bytes:
        chain = LogChain(position, digest)
        async for rows in pages(conn, self._events_table, self._batch_size, after=position, through=through):
            chain.add_rows(rows)
        return chain.digest

    async def _stored_position(self, conn: asyncpg.Connection) -> StoredPosition | None:
        row = await conn.fetchrow(
            "SELECT scanned_through, published_through, log_digest FROM relay_position WHERE stream = $1", self.stream
        )
        if row is None:
            return None
        return StoredPosition(row["scanned_through"], row["published_through"], row["log_digest"])

    def _warn_of(self, foreign: ForeignMessages, position: int) -> None:
        if foreign.count:
            log.warning(
                "relay %s: stream %s holds %d message(s) the relay did not publish after its own last one, "
                "the latest on %s at sequence %d (Nats-Msg-Id %r); someone else publishes into the stream; "
                "going on after notification %d",
                self.service, self.stream, foreign.count, foreign.subject, foreign.sequence, foreign.msg_id, position,
            )  # fmt: skip

    def _message_id(self, notification: int) -> str:
        return f"{self.service}:{notification}"

    async def _resume_position(self, conn: asyncpg.Connection, tail: StreamTail) -> tuple[int, bytes | None]:
        """Where to go on from, and the chain's value there if it is known."""
        row = await conn.fetchrow(
            "SELECT scanned_through, published_through, log_digest FROM relay_position WHERE stream = $1", self.stream
        )
        if row is not None and row["published_through"] == tail.last_notification_id:
            if row["scanned_through"] > tail.last_notification_id:
                return int(row["scanned_through"]), row["log_digest"]
            return tail.last_notification_id, tail.log_digest or row["log_digest"]
        if row is not None and row["published_through"] > tail.last_notification_id:
            log.warning(
                "relay %s: stream %s lacks notifications after %d that were published before; republishing",
                self.service, self.stream, tail.last_notification_id,
            )  # fmt: skip
        return tail.last_notification_id, tail.log_digest

    async def _chain_at(self, conn: asyncpg.Connection, position: int, digest: bytes | None) -> LogChain:
        if digest is not None or position == 0:
            return LogChain(position, digest or GENESIS)
        log.info(
            "relay %s: computing the log digest over notifications 1-%d (once: they were published without it)",
            self.service, position,
        )  # fmt: skip
        chain = LogChain()
        async for rows in pages(conn, self._events_table, self._batch_size, through=position):
            chain.add_rows(rows)
        chain.position = position
        return chain

    async def _store_position(
        self, conn: asyncpg.Connection, *, scanned: int, published: int, log_digest: bytes
    ) -> None:
        await conn.execute(
            "INSERT INTO relay_position (stream, scanned_through, published_through, log_digest) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (stream) DO UPDATE "
            "SET scanned_through = $2, published_through = $3, log_digest = $4, updated_at = now()",
            self.stream,
            scanned,
            published,
            log_digest,
        )


@dataclass(frozen=True)
class StoredPosition:
    """The relay's position as stored after each batch's acks: the chain's value after ``scanned``."""

    scanned: int
    published: int
    digest: bytes | None


@dataclass
class ForeignMessages:
    """Messages in the stream the relay did not publish, seen walking back from its end."""

    count: int = 0
    subject: str = ""
    sequence: int = 0
    msg_id: str = ""

    def saw(self, subject: str, sequence: int, msg_id: str) -> None:
        if not self.count:  # the latest is the one named
            self.subject, self.sequence, self.msg_id = subject, sequence, msg_id
        self.count += 1


def _unconfirmed(in_flight: Sequence[InFlight]) -> bool:
    """Whether a message sent is not yet acknowledged."""
    return any(pending.acks is not None for pending in in_flight)


@dataclass
class Fetched:
    """A batch read from the notification log; ``rows`` is None when there was nothing new."""

    scanned: int
    rows: list[asyncpg.Record] | None


async def _first(item: Awaitable[Fetched], stop: asyncio.Event, producer: asyncio.Task[None]) -> Fetched | None:
    """The next batch, or None once ``stop`` is set; the producer's error if it failed (its
    connection lost, say), so that the relay does not wait forever for a batch that cannot come."""
    getter = asyncio.ensure_future(item)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([getter, stopper, producer], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if getter.done():
        return getter.result()
    getter.cancel()
    if producer.done():
        producer.result()  # raises what ended it
        raise RuntimeError("the relay's reader stopped")
    return None


@dataclass
class InFlight:
    """Batches sent but not yet acknowledged, and where the stream will end once they are."""

    acks: asyncio.Future[Acks] | None  # None: none of the events scanned was public

    def answered(self) -> bool:
        return self.acks is None or self.acks.done()

    scanned: int
    tail: StreamTail
    log_digest: bytes  # the chain after ``scanned``
