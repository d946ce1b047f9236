"""Durable JetStream consumers with exactly-once effects and a dead-letter stream.

FastStream pulls batches from a durable consumer (explicit ack) whose filter is exactly the subjects
its sink handles, so the server never sends it the rest of a busy stream. A batch is parsed, then handed
to a *sink*, which applies its effects and records every processed event id in one transaction;
only after that commit are the messages acked. A failing batch is retried message by message to
find the culprit (on its own, a message is applied to each read model under a savepoint, so one
read model's failure holds back that read model only); the culprit is NAKed with exponential
backoff and, after a bounded number of deliveries, parked on the ``DLQ`` stream with its error and
origin, then acked so the consumer moves on. Messages of the same participant that follow a failed
one in the batch are NAKed too, so a participant's events are never applied out of order.

A replay (an operator sent a parked message back) resolves its DLQ entry: the consumer records it
applied just before acking it, or, when it fails again, parks it anew and records that the new entry
supersedes the old (``resolutions.py``). A replay whose entry an operator discarded after sending it
is acked without being applied: the later decision stands.

Messages on subjects no contract knows reach none of these consumers; the stream's guard parks them
(``guard.py``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

import asyncpg
import nats.errors
import nats.js.errors
from faststream import Context
from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JetStreamAckPolicy
from nats.js.api import DeliverPolicy
from pydantic import ValidationError

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.envelope import Envelope, EnvelopeError
from pathways_contracts.registry import (
    REPLAY_STREAM,
    UnknownSubjectError,
    event_type_for,
)
from pathways_infra.commands import (
    AlreadyProcessedError,
    CommandContext,
    CommandRunner,
    Session,
)
from pathways_infra.database import DATABASE_UNAVAILABLE
from pathways_infra.eventstore import Actor
from pathways_infra.lease import HOLDS_LEASE_ASYNCPG, FenceSource, LeaseLostError
from pathways_infra.resolutions import Resolution, ResolutionKind, latest_resolution, record

log = logging.getLogger(__name__)

E = TypeVar("E", bound=IntegrationEvent)

DLQ_ERROR = "Pathways-Dlq-Error"
DLQ_CONSUMER = "Pathways-Dlq-Consumer"
DLQ_ORIGINAL_SUBJECT = "Pathways-Dlq-Original-Subject"
DLQ_ORIGINAL_STREAM = "Pathways-Dlq-Original-Stream"
DLQ_ORIGINAL_SEQUENCE = "Pathways-Dlq-Original-Sequence"
DLQ_DELIVERIES = "Pathways-Dlq-Deliveries"
DLQ_PARKED_AT = "Pathways-Dlq-Parked-At"
DLQ_BODY_OMITTED = "Pathways-Dlq-Body-Omitted"
DEFAULT_MAX_PAYLOAD = 1_048_576
REPLAY_OF = "Pathways-Replay-Of"
REPLAYED_BY = "Pathways-Replayed-By"
# The resolutions stream's last sequence when the replay was sent: a discard past it came later.
REPLAY_RESOLUTIONS_SEEN = "Pathways-Replay-Resolutions-Seen"


@dataclass(frozen=True, kw_only=True)
class Inbound(Generic[E]):
    """An integration event as a consumer receives it."""

    event_id: str
    subject: str
    event: E
    envelope: Envelope
    stream: str
    stream_sequence: int
    deliveries: int

    def context(self) -> CommandContext:
        """Commands caused by this event keep its actor, time and correlation; it is their cause."""
        envelope = self.envelope
        return CommandContext(
            actor=Actor(id=envelope.actor_id, role=envelope.actor_role, unit=envelope.actor_unit),
            occurred_at=envelope.time,
            correlation_id=UUID(envelope.correlation_id),
            causation_id=self.event_id,
        )


class Sink(Protocol):
    @property
    def subjects(self) -> frozenset[str]:
        """The subjects of the events the sink acts on."""

    async def apply(self, consumer: str, messages: Sequence[Inbound[Any]], *, isolate: bool = False) -> None:
        """Apply the effects of ``messages`` and record them as processed, in one transaction.

        Already processed messages are skipped; events the sink does not handle are only acknowledged.
        With ``isolate`` (one message, retried after its batch failed), a sink made of parts may keep
        the effects of the parts that succeeded and raise for the rest.
        """


class MessageRejectedError(ValueError):
    """A message that no retry can fix: garbled, or of an unknown kind."""


def original_subject(msg: Msg) -> str:
    """The subject the event was published on (replays travel under ``replay.<consumer>.``)."""
    headers = msg.headers or {}
    return headers.get(DLQ_ORIGINAL_SUBJECT, msg.subject) if msg.subject.startswith("replay.") else msg.subject


def parse(msg: Msg) -> Inbound[Any]:
    subject = original_subject(msg)
    try:
        event_type = event_type_for(subject)
        envelope = Envelope.from_headers(msg.headers)
        event = event_type.model_validate_json(msg.data)
    except UnknownSubjectError as error:
        raise MessageRejectedError(str(error)) from None
    except EnvelopeError as error:
        raise MessageRejectedError(f"bad envelope: {error}") from None
    except ValidationError as error:
        raise MessageRejectedError(f"body does not match {event_type.__name__}: {_brief(error)}") from None
    metadata = msg.metadata
    stream, sequence = _original_position(msg)
    return Inbound(
        event_id=envelope.id,
        subject=subject,
        event=event,
        envelope=envelope,
        stream=stream,
        stream_sequence=sequence,
        deliveries=metadata.num_delivered,
    )


def _original_position(msg: Msg) -> tuple[str, int]:
    """Where the event sits in its own stream. A replay carries that position in its headers:
    read models order facts by it, and the replay stream's sequence would put the event last."""
    headers = msg.headers or {}
    if msg.subject.startswith("replay.") and DLQ_ORIGINAL_SEQUENCE in headers:
        return headers[DLQ_ORIGINAL_STREAM], int(headers[DLQ_ORIGINAL_SEQUENCE])
    return msg.metadata.stream, msg.metadata.sequence.stream


def _brief(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(body)'}: {e['msg']}" for e in error.errors()[:5])


@dataclass
class RetryPolicy:
    max_deliveries: int = 5
    backoff_seconds: float = 1.0

    def delay(self, deliveries: int) -> float:
        return float(min(self.backoff_seconds * 2.0 ** max(deliveries - 1, 0), 300.0))


class BatchConsumer:
    """One durable consumer: a name, the stream it reads, and the sink its effects go to."""

    def __init__(
        self,
        *,
        name: str,
        stream: str,
        sink: Sink,
        js: Callable[[], JetStreamContext],
        retry: RetryPolicy,
        replays_for: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.stream = stream
        self.subjects = sorted(sink.subjects)
        # Consumers this one took over from: what operators replay to them comes here.
        self._replays_for = [name, *replays_for]
        self._sink = sink
        self._js = js
        self._retry = retry
        self.processed = 0
        self.parked = 0
        self.fenced = 0  # messages refused because this replica had lost the consumers' lock
        self._outage_batches = 0  # batches in a row that failed because the database was unavailable
        # Deliveries of a message that were sent back without it failing (the database was down, or
        # an earlier event of its participant failed): they do not count toward parking it.
        self._held_back: Counter[tuple[str, int]] = Counter()
        # A failed message, sent back to be retried later, still stands before its participant's
        # later messages: they wait (in later batches too) until it is applied or parked, or until
        # it has not come back long after its retry was due (deleted, or consumed elsewhere).
        self._blocked_by: dict[str, tuple[tuple[str, int], float]] = {}

    async def handle(self, messages: Sequence[Msg]) -> None:
        messages = await self._without_discarded_replays(messages)
        parsed: list[tuple[Msg, Inbound[Any]]] = []
        failed: list[tuple[Msg, Exception]] = []
        for msg in messages:
            try:
                parsed.append((msg, parse(msg)))
            except MessageRejectedError as error:
                failed.append((msg, error))
        blocked_keys = {_key_of(msg) for msg, _ in failed}
        ready = [(m, i) for m, i in parsed if _key_of(m) not in blocked_keys and not self._waits(m)]
        held = [m for m, i in parsed if _key_of(m) in blocked_keys or self._waits(m)]
        if ready:
            try:
                await self._sink.apply(self.name, [inbound for _, inbound in ready])
                done: list[Msg] = [m for m, _ in ready]
            except DATABASE_UNAVAILABLE as error:
                self._database_unavailable(error)
                done, held = [], held + [m for m, _ in ready]
            except LeaseLostError:
                self._lease_lost(len(ready))
                done, held = [], held + [m for m, _ in ready]
            except Exception:
                done, more_failed, more_held = await self._one_by_one(ready)
                failed += more_failed
                held += more_held
            await resolve_applied(self._js(), self.name, done)
            for msg in done:
                self._held_back.pop(_position(msg), None)
                self._unblock(msg)
                await msg.ack()
            self.processed += len(done)
            if done and self._outage_batches:
                log.info("consumer %s: the database is back after %d failed batches", self.name, self._outage_batches)
                self._outage_batches = 0
        for msg, reason in failed:
            await self._retry_or_park(msg, reason)
        delay = self._retry.backoff_seconds
        if self._outage_batches:
            delay = min(self._retry.delay(self._outage_batches), OUTAGE_MAX_DELAY_SECONDS)
        if len(self._held_back) > MAX_HELD_BACK_TRACKED:  # messages another replica went on with
            self._held_back.clear()
        for msg in held:
            self._held_back[_position(msg)] += 1
            await msg.nak(delay=delay)

    async def _without_discarded_replays(self, messages: Sequence[Msg]) -> Sequence[Msg]:
        """``messages`` less the replays an operator discarded after sending them, which are acked unapplied."""
        if not any(msg.subject.startswith("replay.") for msg in messages):
            return messages
        kept: list[Msg] = []
        for msg in messages:
            try:
                discard = await discarded_after_sent(self._js(), msg)
            except (nats.errors.Error, TimeoutError) as error:
                # Applied unchecked, it might undo an operator's decision: it waits for NATS to answer.
                log.warning("consumer %s: could not read the resolutions of a replay (%s: %s); it waits",
                            self.name, type(error).__name__, error)  # fmt: skip
                self._held_back[_position(msg)] += 1
                await msg.nak(delay=self._retry.backoff_seconds)
                continue
            if discard is None:
                kept.append(msg)
                continue
            log_replay_not_taken(self.name, msg, discard)
            await msg.ack()
        return kept

    def _waits(self, msg: Msg) -> bool:
        """Whether an earlier message of the same participant failed and waits to be retried."""
        key = _key_of(msg)
        blocker = self._blocked_by.get(key)
        if blocker is None:
            return False
        position, until = blocker
        if time.monotonic() > until:
            del self._blocked_by[key]
            return False
        return position != _position(msg)

    def _block(self, msg: Msg, retry_in: float) -> None:
        key, position = _key_of(msg), _position(msg)
        blocker = self._blocked_by.get(key)
        if (blocker is None and len(self._blocked_by) < MAX_HELD_BACK_TRACKED) or (blocker and blocker[0] == position):
            self._blocked_by[key] = (position, time.monotonic() + retry_in + BLOCK_GRACE_SECONDS)

    def _unblock(self, msg: Msg) -> None:
        blocker = self._blocked_by.get(key := _key_of(msg))
        if blocker is not None and blocker[0] == _position(msg):
            del self._blocked_by[key]

    def _database_unavailable(self, error: Exception) -> None:
        """The database, not the messages, failed: they wait, however long, and are never parked for it."""
        self._outage_batches += 1
        if self._outage_batches == 1:
            log.warning(
                "consumer %s: the database is unavailable (%s: %s); holding messages until it is back",
                self.name, type(error).__name__, error,
            )  # fmt: skip

    def _lease_lost(self, messages: int) -> None:
        """Another replica may be consuming: the messages go back to the consumer's stream for it."""
        self.fenced += messages
        log.warning(
            "consumer %s: this replica no longer holds the consumers' lock; %d messages left for the one that does",
            self.name, messages,
        )  # fmt: skip

    async def _one_by_one(
        self, ready: list[tuple[Msg, Inbound[Any]]]
    ) -> tuple[list[Msg], list[tuple[Msg, Exception]], list[Msg]]:
        done: list[Msg] = []
        failed: list[tuple[Msg, Exception]] = []
        held: list[Msg] = []
        blocked: set[str] = set()
        for msg, inbound in ready:
            key = _key_of(msg)
            if key in blocked:
                held.append(msg)
                continue
            try:
                await self._sink.apply(self.name, [inbound], isolate=True)
                done.append(msg)
            except AlreadyProcessedError:
                done.append(msg)
            except DATABASE_UNAVAILABLE as error:
                self._database_unavailable(error)
                held.append(msg)
                blocked.add(key)
            except LeaseLostError:
                self._lease_lost(1)
                held.append(msg)
                blocked.add(key)
            except Exception as error:
                failed.append((msg, error))
                blocked.add(key)
        return done, failed, held

    async def _retry_or_park(self, msg: Msg, error: Exception) -> None:
        deliveries = msg.metadata.num_delivered - self._held_back[_position(msg)]
        if deliveries < self._retry.max_deliveries and not isinstance(error, MessageRejectedError):
            delay = self._retry.delay(deliveries)
            self._block(msg, delay)
            log.warning(
                "consumer %s: %s seq %s failed (attempt %d of %d), retrying in %.1fs: %s",
                self.name, msg.subject, msg.metadata.sequence.stream, deliveries, self._retry.max_deliveries,
                delay, error,
            )  # fmt: skip
            await msg.nak(delay=delay)
            return
        await self.park(msg, error)
        await msg.ack_sync()
        self._held_back.pop(_position(msg), None)
        self._unblock(msg)

    async def park(self, msg: Msg, error: Exception) -> None:
        await park(self._js(), self.name, msg, error)
        self.parked += 1

    def consumer_configs(self) -> list[tuple[str, ConsumerConfig]]:
        """(stream, config) of the durable consumers: the stream itself, and operator replays to this one."""
        return [
            (self.stream, _durable_config(self.name, filter_subjects=self.subjects)),
            (
                REPLAY_STREAM,
                _durable_config(
                    replay_consumer_name(self.name), filter_subjects=[f"replay.{n}.>" for n in self._replays_for]
                ),
            ),
        ]

    def register(self, broker: NatsBroker, *, batch_size: int, batch_timeout: float) -> None:
        """Subscribe on the service's broker to the consumers of ``consumer_configs``."""

        async def on_batch(body: Any, message: Any = CURRENT_MESSAGE) -> None:
            await self.handle(message.raw_message)

        _subscribe(broker, self, on_batch, f"Durable consumer {self.name} of {', '.join(self.subjects)}.",
                   batch_size=batch_size, batch_timeout=batch_timeout)  # fmt: skip


class _Subscribable(Protocol):
    name: str

    def consumer_configs(self) -> list[tuple[str, ConsumerConfig]]: ...


def _subscribe(
    broker: NatsBroker,
    consumer: _Subscribable,
    on_batch: Callable[..., Awaitable[None]],
    description: str,
    *,
    batch_size: int,
    batch_timeout: float,
) -> None:
    async def keep_raw(message: Any) -> Any:
        # The sink parses; FastStream must not fail on a garbled body before we can park it.
        return message.raw_message

    on_batch.__name__ = f"consume_{consumer.name.replace('-', '_')}"
    on_batch.__doc__ = description
    for stream, config in consumer.consumer_configs():
        broker.subscriber(
            stream=JStream(stream, declare=False),
            durable=config.durable_name,
            pull_sub=PullSub(batch_size=batch_size, timeout=batch_timeout, batch=True),
            config=config,
            ack_policy=AckPolicy.MANUAL,
            decoder=keep_raw,
            title=config.durable_name,
            description=description,
        )(on_batch)


def replay_consumer_name(consumer: str) -> str:
    """The durable consumer on the replay stream through which operators send messages back to ``consumer``."""
    return f"{consumer}-replay"


def _durable_config(
    name: str, *, filter_subjects: list[str], ack: JetStreamAckPolicy = JetStreamAckPolicy.EXPLICIT
) -> ConsumerConfig:
    return ConsumerConfig(
        name=name,
        durable_name=name,
        filter_subjects=filter_subjects,
        ack_policy=ack,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=-1,  # we park after our own limit; the server must never give up silently
        ack_wait=30,
        max_ack_pending=20_000,
    )


async def ensure_consumers(js: JetStreamContext, consumers: Sequence[_Subscribable]) -> None:
    """Create each durable consumer, or bring an existing one's filter up to date (contracts change)."""
    for consumer in consumers:
        for stream, config in consumer.consumer_configs():
            await js.add_consumer(stream, config=config)


def fits_a_message(js: JetStreamContext, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether the server takes a message of this body and these headers (its largest message)."""
    nc = getattr(js, "_nc", None)
    largest = getattr(nc, "max_payload", 0) or DEFAULT_MAX_PAYLOAD
    header_block = len(b"NATS/1.0\r\n\r\n") + sum(len(k.encode()) + len(v.encode()) + 4 for k, v in headers.items())
    return len(body) + header_block <= largest


def without_publish_conditions(headers: Mapping[str, str] | None) -> dict[str, str]:
    """A message's headers, less those JetStream reads as conditions on publishing it (such as the
    relay's ``Nats-Expected-Last-Sequence``): sent on to another stream, they would have it refused."""
    return {k: v for k, v in (headers or {}).items() if not k.lower().startswith("nats-")}


async def park(js: JetStreamContext, consumer: str, msg: Msg, error: Exception) -> None:
    """Put ``msg`` on the DLQ stream with its error and origin, for an operator to see and replay.

    The origin is the event's own stream and sequence, also for a replay parked again."""
    metadata = msg.metadata
    stream, sequence = _original_position(msg)
    reason = f"{type(error).__name__}: {error}"[:2000]
    headers = {
        **without_publish_conditions(msg.headers),
        DLQ_ERROR: reason.replace("\r", " ").replace("\n", " "),
        DLQ_CONSUMER: consumer,
        DLQ_ORIGINAL_SUBJECT: original_subject(msg),
        DLQ_ORIGINAL_STREAM: stream,
        DLQ_ORIGINAL_SEQUENCE: str(sequence),
        DLQ_DELIVERIES: str(metadata.num_delivered),
        DLQ_PARKED_AT: datetime.now(UTC).isoformat(),
        "Nats-Msg-Id": f"dlq:{consumer}:{metadata.stream}:{metadata.sequence.stream}",
    }
    body = msg.data
    if not fits_a_message(js, body, headers):
        # NATS closes a connection that sends more than its largest message, and the client sends
        # it again on reconnecting: the body stays in its stream, where a replay reads it.
        headers[DLQ_BODY_OMITTED] = f"{len(body)} bytes, too large to park with these headers; kept in {stream}"
        body = b""
    ack = await js.publish(f"dlq.{consumer}.{original_subject(msg)}", body, headers=headers)
    log.error(
        "consumer %s: parked %s seq %s on DLQ after %d deliveries: %s",
        consumer, msg.subject, metadata.sequence.stream, metadata.num_delivered, reason,
    )  # fmt: skip
    if (target := replay_of(msg)) is not None:
        superseded = Resolution(
            dlq_sequence=await standing_entry(js, *target),
            consumer=target[0],
            kind=ResolutionKind.SUPERSEDED,
            by=consumer,
            replay_sequence=metadata.sequence.stream,
            replayed_by=(msg.headers or {}).get(REPLAYED_BY, ""),
            superseded_by=int(ack.seq),
        )
        await _record_or_log(js, superseded)


def replay_of(msg: Msg) -> tuple[str, int] | None:
    """(consumer, DLQ sequence) of the parked entry an operator sent ``msg`` back for; None if it is no replay."""
    sequence = (msg.headers or {}).get(REPLAY_OF, "")
    if not msg.subject.startswith("replay.") or not sequence.isdigit():
        return None
    return msg.subject.split(".")[1], int(sequence)


async def discarded_after_sent(js: JetStreamContext, msg: Msg) -> Resolution | None:
    """The discard of the entry ``msg`` replays, if an operator recorded it after the replay was sent."""
    target = replay_of(msg)
    seen = (msg.headers or {}).get(REPLAY_RESOLUTIONS_SEEN, "")
    if target is None or not seen.isdigit():  # no replay, or one sent before replays carried the header
        return None
    latest = await latest_resolution(js, target[0], await standing_entry(js, *target))
    if latest is None:
        return None
    sequence, resolution = latest
    return resolution if resolution.kind is ResolutionKind.DISCARDED and sequence > int(seen) else None


async def standing_entry(js: JetStreamContext, consumer: str, dlq_sequence: int) -> int:
    """The entry that stands for the message parked at ``dlq_sequence``: itself, or the last of the
    entries that superseded it (each replay that failed again parked a new one). A second replay of
    an entry, sent before the first came back, resolves that last entry, so one message never leaves
    two unresolved entries."""
    followed = {dlq_sequence}
    while True:
        try:
            latest = await latest_resolution(js, consumer, dlq_sequence)
        except (nats.errors.Error, TimeoutError) as error:
            log.warning("could not follow DLQ #%d of %s (%s); resolving it as is", dlq_sequence, consumer, error)
            return dlq_sequence
        if latest is None or latest[1].kind is not ResolutionKind.SUPERSEDED or latest[1].superseded_by is None:
            return dlq_sequence
        if latest[1].superseded_by in followed:  # a loop could only come from a forged record
            return dlq_sequence
        dlq_sequence = latest[1].superseded_by
        followed.add(dlq_sequence)


def log_replay_not_taken(consumer: str, msg: Msg, discard: Resolution) -> None:
    log.warning(
        "consumer %s: REPLAY #%d of DLQ #%d not applied: the entry was %s after it was sent; "
        "replay the entry again to apply it",
        consumer, msg.metadata.sequence.stream, discard.dlq_sequence, discard.describe(),
    )  # fmt: skip


async def resolve_applied(js: JetStreamContext, consumer: str, messages: Sequence[Msg]) -> None:
    """Record, before they are acked, that the replays among ``messages`` were taken back without failing."""
    for msg in messages:
        if (target := replay_of(msg)) is None:
            continue
        applied = Resolution(
            dlq_sequence=await standing_entry(js, *target),
            consumer=target[0],
            kind=ResolutionKind.APPLIED,
            by=consumer,
            replay_sequence=msg.metadata.sequence.stream,
            replayed_by=(msg.headers or {}).get(REPLAYED_BY, ""),
        )
        await _record_or_log(js, applied)


async def _record_or_log(js: JetStreamContext, resolution: Resolution) -> None:
    try:
        await record(js, resolution)
    except (nats.errors.Error, TimeoutError) as error:
        # The message is dealt with; holding it back would only redeliver it for ever. Unresolved,
        # the entry stays listed and counted, where an operator sees it: never hidden.
        log.error(
            "could not record that DLQ #%d of %s was %s (%s: %s); it stays listed as parked",
            resolution.dlq_sequence, resolution.consumer, resolution.kind, type(error).__name__, error,
        )  # fmt: skip


_FETCH_FIX_MARK = "_pathways_fetch_fixes"
_FULL_BATCH = "_pathways_full_batch"
QUICK_FETCH_SECONDS = 0.02
UNAVAILABLE_PAUSE_SECONDS = 1.0
MAX_HELD_BACK_TRACKED = 100_000
BLOCK_GRACE_SECONDS = 60.0  # past its retry's due time, a failed message that has not come back blocks no more
OUTAGE_MAX_DELAY_SECONDS = 30.0  # a database back after a long outage is used within this


def install_fetch_fixes() -> None:
    """Three fixes to nats-py 2.16's ``PullSubscription.fetch`` under FastStream 0.7.8, installed once.

    - **Latency without polling.** FastStream's batch loop tops a partial batch up until the batch is
      full or its timeout passes, and nats-py's own batch fetch, once a first message arrives, waits
      for the rest likewise: a lone event waited the whole timeout at every hop. A short timeout
      fixed that but made every idle consumer poll the server many times a second. Here a new batch
      waits (up to the timeout) for its first message only, then takes what else is there; a
      top-up (a smaller batch than the subscription's full one) takes only what is already there,
      and times out after ``QUICK_FETCH_SECONDS`` otherwise, which ends FastStream's loop.
    - **Timeouts.** A fetch whose deadline passes between its two requests raises a bare
      ``asyncio.TimeoutError``; FastStream's loop suppresses only ``nats.errors.TimeoutError`` there,
      so the bare one killed the loop and dropped the messages it had already fetched (unacked until
      ``ack_wait``). Here every timeout is ``nats.errors.TimeoutError`` (a subclass of the asyncio one).
    - **No busy loop.** When JetStream answers "unavailable" (a server restarting, a cluster electing a
      leader) or the connection is closed, FastStream's loop fetches again at once, in a tight loop at
      full CPU. Here such a fetch waits ``UNAVAILABLE_PAUSE_SECONDS`` before failing.
    """
    pull_subscription = JetStreamContext.PullSubscription
    if getattr(pull_subscription.fetch, _FETCH_FIX_MARK, False):
        return
    original = pull_subscription.fetch

    async def fetch_batch(subscription: Any, batch: int, timeout: float | None, heartbeat: float | None) -> list[Msg]:
        if batch == 1 or timeout is None:
            return await original(subscription, batch, timeout, heartbeat)
        if batch < getattr(subscription, _FULL_BATCH, 0):
            return await original(subscription, batch, min(timeout, QUICK_FETCH_SECONDS), heartbeat)
        setattr(subscription, _FULL_BATCH, batch)
        first = await original(subscription, 1, timeout, heartbeat)
        try:
            return first + await original(subscription, batch - 1, QUICK_FETCH_SECONDS, heartbeat)
        except TimeoutError:
            return first

    @functools.wraps(original)
    async def fetch(self: Any, batch: int = 1, timeout: float | None = 5, heartbeat: float | None = None) -> list[Msg]:
        try:
            return await fetch_batch(self, batch, timeout, heartbeat)
        except nats.errors.TimeoutError:
            raise
        except TimeoutError:
            raise nats.errors.TimeoutError from None
        except (nats.errors.ConnectionClosedError, nats.js.errors.ServiceUnavailableError):
            await asyncio.sleep(UNAVAILABLE_PAUSE_SECONDS)
            raise

    setattr(fetch, _FETCH_FIX_MARK, True)
    pull_subscription.fetch = fetch  # type: ignore[method-assign]


CURRENT_MESSAGE = Context("message")


def _position(msg: Msg) -> tuple[str, int]:
    metadata = msg.metadata
    return metadata.stream, metadata.sequence.stream


def _key_of(msg: Msg) -> str:
    return (msg.headers or {}).get("ce-subject") or f"seq:{msg.metadata.sequence.stream}"


ProjectionHandler = Callable[[Any, Inbound[Any]], Awaitable[None]]
ApplicationHandler = Callable[[Session, Inbound[Any]], None]


class ReadModelFailedError(Exception):
    """Some read models could not apply an event; the others' effects were kept."""

    def __init__(self, failures: Sequence[tuple[str, Exception]]) -> None:
        super().__init__("; ".join(f"{name}: {type(error).__name__}: {error}" for name, error in failures))


READ_MODELS_SWITCH_LOCK = 0x5EAD_0DE1
"""Advisory lock of a service's read-model tables: every live transaction on them holds it shared; a
rebuild holds it exclusively while it catches up with the stream and switches to the new tables."""


class ProjectionSink:
    """Applies events to the tables of one or more read models with asyncpg, in one transaction with
    their tracking rows.

    Each read model keeps its own tracking name (``members``: tracking name → handlers), so a read
    model never applies an event twice, whichever consumer delivers it and however often. A message
    retried on its own after its batch failed is applied to each read model under a savepoint: one
    read model's failure then holds back only that read model, and the message is retried (and in
    the end parked) for it alone, since the others have it in their inbox.

    A live sink's transactions share :data:`READ_MODELS_SWITCH_LOCK`, so a rebuild never switches
    tables under one of them (``switch_lock=False`` for the sink that fills a rebuild's own tables).
    With a ``fence``, a transaction commits only while the consumers' lock is this replica's.
    """

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        members: Mapping[str, Mapping[type[IntegrationEvent], ProjectionHandler]],
        *,
        switch_lock: bool = True,
        fence: FenceSource | None = None,
    ) -> None:
        self._pool = pool
        self._members = members
        self._lock = READ_MODELS_SWITCH_LOCK if switch_lock else None
        self._fence = fence

    @property
    def subjects(self) -> frozenset[str]:
        return frozenset(event.SUBJECT for handlers in self._members.values() for event in handlers)

    def connection(self) -> Any:
        """A connection of the sink's pool, for :meth:`apply_in` (``async with``)."""
        return self._pool().acquire()

    async def apply(self, consumer: str, messages: Sequence[Inbound[Any]], *, isolate: bool = False) -> None:
        handled = {name: _handled(handlers, messages) for name, handlers in self._members.items()}
        if not any(handled.values()):
            return
        async with self._pool().acquire() as conn, conn.transaction():
            failures = await self.apply_in(conn, messages, handled=handled, isolate=isolate)
            if self._fence is not None:
                await _check_fence(conn, self._fence)
        if failures:  # after the commit: the read models that did apply the message keep it
            raise ReadModelFailedError(failures)

    async def apply_in(
        self,
        conn: Any,
        messages: Sequence[Inbound[Any]],
        *,
        handled: Mapping[str, Sequence[Inbound[Any]]] | None = None,
        isolate: bool = False,
    ) -> list[tuple[str, Exception]]:
        """As :meth:`apply`, within the caller's transaction on ``conn``; returns the read models
        that failed (only with ``isolate``: else the first failure is raised)."""
        if handled is None:
            handled = {name: _handled(handlers, messages) for name, handlers in self._members.items()}
        failures: list[tuple[str, Exception]] = []
        done = await _processed(conn, handled, self._lock)
        inbox: list[tuple[str, str]] = []
        for inbound in messages:
            for name, handlers in self._members.items():
                handler = handlers.get(type(inbound.event))
                if handler is None or (name, inbound.event_id) in done:
                    continue
                done.add((name, inbound.event_id))
                try:
                    await _apply_one(conn, handler, inbound, isolate=isolate)
                except Exception as error:
                    if not isolate:
                        raise
                    failures.append((name, error))
                    continue
                inbox.append((name, inbound.event_id))
        await conn.executemany("INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)", inbox)
        return failures


async def _check_fence(conn: Any, fence: FenceSource) -> None:
    """Last in the transaction, so a replica that lost the lock since it fetched the batch commits nothing."""
    held = fence()
    if held is None or not await conn.fetchval(HOLDS_LEASE_ASYNCPG, *held.params()):
        raise LeaseLostError


async def _apply_one(conn: Any, handler: ProjectionHandler, inbound: Inbound[Any], *, isolate: bool) -> None:
    if not isolate:
        await handler(conn, inbound)
        return
    async with conn.transaction():  # a savepoint: a failure undoes this read model's part only
        await handler(conn, inbound)


def _handled(handlers: Mapping[type[IntegrationEvent], Any], messages: Sequence[Inbound[Any]]) -> list[Inbound[Any]]:
    """The messages a sink acts on. The others change nothing, so they need no inbox row: just an ack."""
    return [inbound for inbound in messages if type(inbound.event) in handlers]


async def _processed(
    conn: Any, handled: Mapping[str, Sequence[Inbound[Any]]], lock: int | None
) -> set[tuple[str, str]]:
    """(tracking name, event id) of the handled messages already applied, in one query that first
    takes the switch lock shared (the one-row side of the outer join is always read, so it always runs)."""
    names = [name for name, messages in handled.items() if messages]
    event_ids = list({m.event_id for messages in handled.values() for m in messages})
    if lock is None:
        rows = await conn.fetch(_PROCESSED, names, event_ids)
    else:
        rows = await conn.fetch(_PROCESSED_UNDER_LOCK, names, event_ids, lock)
    return {(row["consumer"], row["event_id"]) for row in rows if row["consumer"] is not None}


_PROCESSED = "SELECT consumer, event_id FROM inbox WHERE consumer = ANY($1::text[]) AND event_id = ANY($2::text[])"
_PROCESSED_UNDER_LOCK = (
    "SELECT i.consumer, i.event_id FROM (SELECT pg_advisory_xact_lock_shared($3::bigint)) AS switch "
    "LEFT JOIN inbox i ON i.consumer = ANY($1::text[]) AND i.event_id = ANY($2::text[])"
)


class ApplicationSink:
    """Turns events into commands on this service's aggregates; inbox rows commit with the events."""

    def __init__(
        self,
        runner: Callable[[], CommandRunner],
        handlers: Mapping[type[IntegrationEvent], ApplicationHandler],
        *,
        fence: FenceSource | None = None,
    ) -> None:
        self._runner = runner
        self._handlers = handlers
        self._fence = fence

    @property
    def subjects(self) -> frozenset[str]:
        return frozenset(event.SUBJECT for event in self._handlers)

    async def apply(self, consumer: str, messages: Sequence[Inbound[Any]], *, isolate: bool = False) -> None:
        handled = _handled(self._handlers, messages)
        if not handled:
            return

        def job(session: Session) -> None:
            done = session.already_processed(consumer, [m.event_id for m in handled])
            for inbound in handled:
                if inbound.event_id in done:
                    continue
                done.add(inbound.event_id)
                self._handlers[type(inbound.event)](session, inbound)
                session.mark_processed(consumer, inbound.event_id)
            if self._fence is not None:  # last: the group commits right after its jobs ran
                held = self._fence()
                if held is None or not session.holds_lease(held):
                    raise LeaseLostError

        await self._runner().run(job)
