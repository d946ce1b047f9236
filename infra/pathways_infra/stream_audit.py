"""Is a service's stream an exact, in-order copy of the public events in its event store?

The event stores are the source of truth and the streams a copy, and JetStream can lose
acknowledged messages (it syncs to disk after acknowledging). This check finds what the copy
lacks or holds wrongly: it compares what the relay would publish from the store (notification id
and subject of each public event) with what the stream holds (sequence, message id and subject of
each message). It only reads: no database, table, stream or durable consumer is created.

It also proves the store unaltered since publishing: each message carries the hash chain over the
whole notification log up to its event (:mod:`pathways_infra.log_digest`). Reading the store, the
check recomputes the chain from each message's digest to the next and names every span of
notifications where the store no longer gives the digest that was published (an event changed,
removed or slipped in).

The comparison, :func:`compare`, does no I/O. The readers keep ids, subjects and digests only,
never bodies: a couple of hundred bytes per event, so a million events take some 200 megabytes.
"""

from __future__ import annotations

import asyncio
import contextlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, NamedTuple, TypeVar

import asyncpg
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from pathways_contracts.envelope import MSG_ID
from pathways_contracts.registry import STREAMS
from pathways_infra.database import OPERATOR_CONNECT_TIMEOUT_SECONDS, DatabaseAddress
from pathways_infra.event_rows import pages
from pathways_infra.eventstore import RecordedEventMapper
from pathways_infra.log_digest import LOG_DIGEST, LogChain, parse_digest
from pathways_infra.outbound_message import REPUBLISHED
from pathways_infra.relay_encoding import Encoder, Translator
from pathways_infra.settings import ServiceName

T = TypeVar("T")

EXAMPLES = 10
"""Offending messages kept per kind of problem: enough to start looking; the counts stay exact."""

PAGE_SIZE = 2_000
FETCH_BATCH = 1_000
FETCH_TIMEOUT_SECONDS = 5.0

ProgressReport = Callable[[str, int, int], None]
"""Called with (what is being read, how far, out of how much) as reading goes on."""


class AuditError(RuntimeError):
    """The check could not read what it needs: no finding about the stream either way."""


class StoredEntry(NamedTuple):
    """A stored event: its notification id and the subject the relay publishes it on (None: private)."""

    notification_id: int
    subject: str | None


class StreamEntry(NamedTuple):
    """A message in the stream, as the check sees it (its body is never read)."""

    sequence: int
    msg_id: str
    subject: str
    republished: bool = False


@dataclass(frozen=True)
class LogCheck:
    """The store's hash chain against the digests the stream's messages carry.

    ``altered`` spans are (after, through): the stored events with notification ids in that span
    no longer hash to the digest published with notification ``through``.
    """

    checked: int = 0
    altered: tuple[tuple[int, int], ...] = ()
    through: int = 0
    """The last notification a published digest was checked at: the chain is judged up to it."""


NOTHING_CHECKED = LogCheck()


class ChainVerifier:
    """Recomputes the store's chain, checking it at every notification the stream has a digest for.

    After each checked message the chain goes on from the digest the stream holds, so each span
    is judged on its own and one change does not make every later message look altered."""

    def __init__(self, published: dict[int, bytes]) -> None:
        self._published = published
        self._chain = LogChain()
        self._anchor = 0
        self.checked = 0
        self.altered: list[tuple[int, int]] = []

    def add_rows(self, rows: Iterable[Any]) -> None:
        published, chain = self._published, self._chain
        for notification_id, originator_id, version, topic, state in rows:
            digest = chain.add(notification_id, originator_id, version, topic, state)
            expected = published.get(notification_id)
            if expected is None:
                continue
            self.checked += 1
            if digest != expected:
                self.altered.append((self._anchor, notification_id))
                chain.digest = expected
            self._anchor = notification_id

    def result(self) -> LogCheck:
        return LogCheck(self.checked, tuple(self.altered), self._anchor)


@dataclass(frozen=True)
class Duplicate:
    msg_id: str
    first_sequence: int
    sequence: int


@dataclass(frozen=True)
class Foreign:
    """A message that stands for no stored public event (published by hand, or by something else)."""

    sequence: int
    msg_id: str
    subject: str


@dataclass(frozen=True)
class WrongSubject:
    sequence: int
    msg_id: str
    subject: str
    expected: str


@dataclass(frozen=True)
class Sample(Generic[T]):
    """How many there are, and the first few in stream order."""

    count: int = 0
    first: tuple[T, ...] = ()


NONE_FOUND: Sample[Any] = Sample()


@dataclass(frozen=True)
class IdRanges:
    """Notification ids as ranges. A range spans public events that are consecutive in the store;
    private events inside it are never published, so republishing the range is exactly right."""

    count: int = 0
    ranges: tuple[tuple[int, int], ...] = ()

    def text(self, limit: int | None = None) -> str:
        """``41-57, 90``; with ``limit``, only the first ranges and how many more there are."""
        shown = self.ranges if limit is None else self.ranges[:limit]
        text = ", ".join(str(first) if first == last else f"{first}-{last}" for first, last in shown)
        if len(shown) < len(self.ranges):
            text += f", … and {len(self.ranges) - len(shown)} more ranges"
        return text


@dataclass(frozen=True)
class StreamAudit:
    """What the check found for one service."""

    service: str
    stored_events: int
    private_events: int
    stream_messages: int
    published_through: int
    missing: IdRanges
    pending: IdRanges
    duplicated: Sample[Duplicate]
    out_of_order: Sample[int]
    foreign: Sample[Foreign]
    wrong_subject: Sample[WrongSubject]
    unstored: Sample[Foreign] = NONE_FOUND
    """Messages named as the relay names them, within what it published, for events the store no longer
    holds: removed from the store since (or published by hand under such a name)."""
    republished: int = 0
    log_check: LogCheck = NOTHING_CHECKED
    unverified: int = 0
    """Messages that stand for stored events but carry no digest (published before digests were kept)."""
    notes: tuple[str, ...] = ()

    @property
    def stream(self) -> str:
        return STREAMS[self.service].name

    @property
    def ok(self) -> bool:
        """Events not yet relayed are not a fault: the relay publishes them when it runs."""
        return not (
            self.missing.count
            or self.duplicated.count
            or self.out_of_order.count
            or self.foreign.count
            or self.unstored.count
            or self.wrong_subject.count
            or self.log_check.altered
        )

    def as_dict(self) -> dict[str, Any]:
        def ranges(found: IdRanges) -> dict[str, Any]:
            return {"count": found.count, "ranges": [list(r) for r in found.ranges], "text": found.text()}

        return {
            "service": self.service,
            "stream": self.stream,
            "ok": self.ok,
            "stored_public_events": self.stored_events,
            "stored_private_events": self.private_events,
            "stream_messages": self.stream_messages,
            "published_through": self.published_through,
            "missing": ranges(self.missing),
            "not_yet_relayed": ranges(self.pending),
            "duplicated": _sample_dict(self.duplicated),
            "out_of_order": {"count": self.out_of_order.count, "first_sequences": list(self.out_of_order.first)},
            "foreign": _sample_dict(self.foreign),
            "not_in_the_store": _sample_dict(self.unstored),
            "wrong_subject": _sample_dict(self.wrong_subject),
            "republished": self.republished,
            "log_digests": {
                "checked": self.log_check.checked,
                "unverified": self.unverified,
                "altered": [{"after": after, "through": through} for after, through in self.log_check.altered],
            },
            "notes": list(self.notes),
        }


def _sample_dict(sample: Sample[Any]) -> dict[str, Any]:
    return {"count": sample.count, "first": [vars(item) for item in sample.first]}


class StoreIndex:
    """The public stored events in notification order: an array of ids and their subjects."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.subjects: list[str] = []
        self.private_ids = array("q")

    @classmethod
    def of(cls, entries: Iterable[StoredEntry]) -> StoreIndex:
        if isinstance(entries, StoreIndex):
            return entries
        index = cls()
        index.extend(entries)
        return index

    def extend(self, entries: Iterable[StoredEntry]) -> None:
        for notification_id, subject in entries:
            if subject is None:
                self.private_ids.append(notification_id)
                continue
            if self.ids and notification_id <= self.ids[-1]:
                raise ValueError(f"stored events out of notification order at {notification_id}")
            self.ids.append(notification_id)
            self.subjects.append(subject)

    def position(self, notification_id: int | None) -> int | None:
        if notification_id is None:
            return None
        at = bisect_left(self.ids, notification_id)
        return at if at < len(self.ids) and self.ids[at] == notification_id else None

    @property
    def private(self) -> int:
        return len(self.private_ids)

    def holds_private(self, notification_id: int) -> bool:
        at = bisect_left(self.private_ids, notification_id)
        return at < len(self.private_ids) and self.private_ids[at] == notification_id

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[StoredEntry]:
        return (StoredEntry(n, s) for n, s in zip(self.ids, self.subjects, strict=True))


class StreamCopy:
    """Messages in stream order. Ids the relay's way (``<service>:<n>``) are kept as numbers (0
    stands for any other id, kept as it is); subjects are shared, so a message costs a few dozen bytes."""

    def __init__(self, service: str) -> None:
        self._prefix = f"{service}:"
        self._sequences = array("q")
        self._ids = array("q")
        self._other_ids: dict[int, str] = {}
        self._subjects: list[str] = []
        self._known_subjects: dict[str, str] = {}
        self._republished: set[int] = set()
        self.digests: dict[int, bytes] = {}
        """The log digest published with each notification (messages in order only, first one wins)."""

    def add(
        self, sequence: int, msg_id: str, subject: str, *, log_digest: bytes | None = None, republished: bool = False
    ) -> None:
        notification_id = notification_id_of(msg_id, self._prefix)
        if notification_id is None:
            self._other_ids[len(self._ids)] = msg_id
        if republished:
            self._republished.add(len(self._ids))
        elif notification_id is not None and log_digest is not None:
            self.digests.setdefault(notification_id, log_digest)
        self._sequences.append(sequence)
        self._ids.append(notification_id or 0)
        self._subjects.append(self._known_subjects.setdefault(subject, subject))

    def __len__(self) -> int:
        return len(self._sequences)

    def __iter__(self) -> Iterator[StreamEntry]:
        for at, (sequence, notification_id, subject) in enumerate(
            zip(self._sequences, self._ids, self._subjects, strict=True)
        ):
            msg_id = f"{self._prefix}{notification_id}" if notification_id else self._other_ids[at]
            yield StreamEntry(sequence, msg_id, subject, at in self._republished)


def notification_id_of(msg_id: str, prefix: str) -> int | None:
    """The notification id in a message id exactly as the relay writes it, else None."""
    if not msg_id.startswith(prefix):
        return None
    digits = msg_id[len(prefix) :]
    if not (digits.isascii() and digits.isdigit()) or digits.startswith("0"):
        return None
    return int(digits)


class _Collector(Generic[T]):
    def __init__(self, keep: int) -> None:
        self._keep = keep
        self.count = 0
        self.first: list[T] = []

    def add(self, item: T) -> None:
        self.count += 1
        if len(self.first) < self._keep:
            self.first.append(item)

    def sample(self) -> Sample[T]:
        return Sample(self.count, tuple(self.first))


class _RangeBuilder:
    def __init__(self) -> None:
        self.count = 0
        self.ranges: list[tuple[int, int]] = []
        self._open = False

    def add(self, notification_id: int) -> None:
        self.count += 1
        if self._open:
            self.ranges[-1] = (self.ranges[-1][0], notification_id)
        else:
            self.ranges.append((notification_id, notification_id))
            self._open = True

    def close(self) -> None:
        self._open = False

    def result(self) -> IdRanges:
        return IdRanges(self.count, tuple(self.ranges))


def compare(
    service: str,
    stored: Iterable[StoredEntry],
    messages: Iterable[StreamEntry],
    published_through: int,
    *,
    log_check: LogCheck = NOTHING_CHECKED,
    examples: int = EXAMPLES,
) -> StreamAudit:
    """Compare the store (notification order) with the stream (stream order).

    A public event after ``published_through`` that the stream lacks is pending, not missing: the
    relay has not got to it. A message repeating an earlier one counts as a duplicate only, not
    also as out of order; a message that stands for no stored public event counts as foreign only.
    A republished message stands after later ones by design: it is not out of order.
    """
    index = StoreIndex.of(stored)
    prefix = f"{service}:"
    seen_at = array("q", bytes(8 * len(index)))  # stream sequence of each public event; 0: not in the stream
    duplicated: _Collector[Duplicate] = _Collector(examples)
    out_of_order: _Collector[int] = _Collector(examples)
    foreign: _Collector[Foreign] = _Collector(examples)
    unstored: _Collector[Foreign] = _Collector(examples)
    wrong_subject: _Collector[WrongSubject] = _Collector(examples)
    highest = 0
    count = 0
    republished = 0
    for sequence, msg_id, subject, was_republished in messages:
        count += 1
        notification_id_named = notification_id_of(msg_id, prefix)
        at = index.position(notification_id_named)
        if at is None:
            relayed = (
                notification_id_named is not None
                and notification_id_named <= published_through
                and not index.holds_private(notification_id_named)
            )
            (unstored if relayed else foreign).add(Foreign(sequence, msg_id, subject))
            continue
        if seen_at[at]:
            duplicated.add(Duplicate(msg_id, seen_at[at], sequence))
            continue
        seen_at[at] = sequence
        notification_id = index.ids[at]
        if was_republished:
            republished += 1
        elif notification_id < highest:
            out_of_order.add(sequence)
        else:
            highest = notification_id
        if subject != index.subjects[at]:
            wrong_subject.add(WrongSubject(sequence, msg_id, subject, index.subjects[at]))
    missing, pending = _absent(index, seen_at, published_through)
    return StreamAudit(
        service=service,
        stored_events=len(index),
        private_events=index.private,
        stream_messages=count,
        published_through=published_through,
        missing=missing,
        pending=pending,
        duplicated=duplicated.sample(),
        out_of_order=out_of_order.sample(),
        foreign=foreign.sample(),
        unstored=unstored.sample(),
        wrong_subject=wrong_subject.sample(),
        republished=republished,
        log_check=log_check,
        unverified=max(count - foreign.count - unstored.count - duplicated.count - republished - log_check.checked, 0),
    )


def _absent(index: StoreIndex, seen_at: Sequence[int], published_through: int) -> tuple[IdRanges, IdRanges]:
    """Public events the stream lacks: missing up to the relay's position, pending after it."""
    missing, pending = _RangeBuilder(), _RangeBuilder()
    for notification_id, sequence in zip(index.ids, seen_at, strict=True):
        if sequence:
            missing.close()
            pending.close()
        elif notification_id <= published_through:
            missing.add(notification_id)
        else:
            pending.add(notification_id)
    return missing.result(), pending.result()


# --- reading -------------------------------------------------------------------------------------


async def read_published_through(conn: asyncpg.Connection, stream: str) -> int:
    """How far the relay says it has published (0 if it never has)."""
    if await conn.fetchval("SELECT to_regclass('relay_position')") is None:
        return 0
    published = await conn.fetchval("SELECT published_through FROM relay_position WHERE stream = $1", stream)
    return int(published or 0)


async def read_stream(
    js: JetStreamContext, stream: str, service: str, on_progress: ProgressReport | None = None
) -> StreamCopy | None:
    """Every message's sequence, id and subject, from the first; None if there is no such stream.

    Headers only, through an ephemeral consumer that acknowledges nothing and is deleted after.
    Messages added after reading started are left out: they are not needed to judge the rest.
    """
    try:
        info = await js.stream_info(stream)
    except NotFoundError:
        return None
    copy = StreamCopy(service)
    total, last = info.state.messages, info.state.last_seq
    if not total:
        return copy
    consumer = await js.add_consumer(
        stream,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.ALL,
            headers_only=True,
            mem_storage=True,
            inactive_threshold=60.0,
        ),
    )
    name = consumer.name or ""
    subscription = await js.pull_subscribe_bind(stream=stream, name=name)
    try:
        await _fetch_all(
            subscription, copy, consumer.num_pending or 0, last, _reporter(on_progress, f"stream {stream}", total)
        )
    finally:
        await subscription.unsubscribe()
        with contextlib.suppress(NotFoundError, nats.errors.Error):
            await js.delete_consumer(stream, name)
    return copy


async def _fetch_all(
    subscription: JetStreamContext.PullSubscription,
    copy: StreamCopy,
    remaining: int,
    last: int,
    report: Callable[[int], None],
) -> None:
    while remaining:
        try:
            batch = await subscription.fetch(FETCH_BATCH, timeout=FETCH_TIMEOUT_SECONDS)
        except TimeoutError:  # nats-py 2.16 raises its own subclass or, between its two requests, asyncio's
            raise AuditError(f"the stream stopped delivering with {remaining} messages still to read") from None
        for msg in batch:
            sequence = msg.metadata.sequence.stream
            if sequence > last:
                return
            headers = msg.headers or {}
            copy.add(
                sequence,
                headers.get(MSG_ID, ""),
                msg.subject,
                log_digest=parse_digest(headers.get(LOG_DIGEST)),
                republished=REPUBLISHED in headers,
            )
            remaining = 0 if sequence == last else msg.metadata.num_pending
        report(len(copy))


def _reporter(on_progress: ProgressReport | None, what: str, total: int) -> Callable[[int], None]:
    if on_progress is None:
        return lambda _done: None
    on_progress(what, 0, total)
    return lambda done: on_progress(what, done, total)


async def read_store(
    conn: asyncpg.Connection,
    events_table: str,
    encoder: Encoder,
    *,
    page_size: int = PAGE_SIZE,
    on_progress: ProgressReport | None = None,
    verifier: ChainVerifier | None = None,
) -> StoreIndex:
    """The stored events, public or not, read in pages and put through the relay's own encoder,
    so that "public" and each subject are exactly what the relay publishes; with ``verifier``,
    also through the log's hash chain."""
    index = StoreIndex()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        last = int(await conn.fetchval(f'SELECT coalesce(max(notification_id), 0) FROM "{events_table}"'))
        report = _reporter(on_progress, f"{events_table} (notification ids)", last)
        async for rows in pages(conn, events_table, page_size):
            index.extend(_entries(rows, encoder))
            if verifier is not None:
                verifier.add_rows(rows)
            report(rows[-1]["notification_id"])
    return index


def _entries(rows: Sequence[asyncpg.Record], encoder: Encoder) -> Iterator[StoredEntry]:
    public = {message.notification_id: message.subject for message in encoder.encode(rows)}
    return (StoredEntry(row["notification_id"], public.get(row["notification_id"])) for row in rows)


async def store_codec(database_url: str, service: ServiceName) -> tuple[str, RecordedEventMapper]:
    """The events table and mapper exactly as the service builds them, without creating tables."""
    from pathways_infra.eventstore import EventStore

    env = {
        **DatabaseAddress.parse(database_url).eventsourcing_env(),
        "CREATE_TABLE": "n",
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "0",
    }

    def build() -> tuple[str, RecordedEventMapper]:
        store = EventStore(service, env)
        try:
            mapper = store.mapper
            assert isinstance(mapper, RecordedEventMapper)
            return store.events_table, mapper
        finally:
            store.close()

    return await asyncio.get_running_loop().run_in_executor(None, build)


async def _connect(database_url: str) -> asyncpg.Connection | None:
    """A connection to the service's database, or None if it has none yet."""
    try:
        return await asyncpg.connect(database_url, timeout=OPERATOR_CONNECT_TIMEOUT_SECONDS)
    except asyncpg.InvalidCatalogNameError:
        return None


async def audit_stream(
    service: ServiceName,
    *,
    database_url: str,
    js: JetStreamContext,
    translate: Translator | None = None,
    page_size: int = PAGE_SIZE,
    on_progress: ProgressReport | None = None,
) -> StreamAudit:
    """Check one service's stream against its event store (``database_url`` names the service's database).

    Read in this order so that a relay running meanwhile causes no false alarm: its position
    first, then the stream (which by then holds everything up to that position), then the store
    (which by then holds everything the stream does).
    """
    stream = STREAMS[service].name
    conn = await _connect(database_url)
    try:
        published_through = 0 if conn is None else await read_published_through(conn, stream)
        copy = await read_stream(js, stream, service, on_progress)
        stored = None
        verifier = ChainVerifier({} if copy is None else copy.digests)
        if conn is not None:
            stored = await _read_events(conn, database_url, service, translate, page_size, on_progress, verifier)
    finally:
        if conn is not None:
            await conn.close()
    notes = [f"there is no stream {stream}"] if copy is None else []
    if conn is None:
        notes.append(f"the service has no database ({DatabaseAddress.parse(database_url).database})")
    elif stored is None:
        notes.append("the service's database has no events table")
    audit = compare(
        service,
        StoreIndex() if stored is None else stored,
        StreamCopy(service) if copy is None else copy,
        published_through,
        log_check=verifier.result(),
    )
    return replace(audit, notes=tuple(notes))


async def _read_events(
    conn: asyncpg.Connection,
    database_url: str,
    service: ServiceName,
    translate: Translator | None,
    page_size: int,
    on_progress: ProgressReport | None,
    verifier: ChainVerifier,
) -> StoreIndex | None:
    """The store through the service's own mapper and translation; None if it has no events table."""
    events_table, mapper = await store_codec(database_url, service)
    if await conn.fetchval("SELECT to_regclass($1)", f'"{events_table}"') is None:
        return None
    if translate is None:
        from pathways_infra.services import definition_of

        translate = definition_of(service).translate
    encoder = Encoder(service, mapper, translate)
    return await read_store(
        conn, events_table, encoder, page_size=page_size, on_progress=on_progress, verifier=verifier
    )


# --- for people ----------------------------------------------------------------------------------

_RANGES_SHOWN = 20


def describe(audit: StreamAudit) -> str:
    """One block per service, for an operator's terminal."""
    verdict = "OK, an exact copy" if audit.ok else "NOT AN EXACT COPY"
    lines = [f"{audit.service} (stream {audit.stream}): {verdict}"]
    private = f"   (and {audit.private_events:,} private, never published)" if audit.private_events else ""
    lines += [
        _line("stored public events", f"{audit.stored_events:,}{private}"),
        _line("messages in the stream", f"{audit.stream_messages:,}"),
        _line("relay published through", f"notification {audit.published_through:,}"),
        _line("missing", _ranges(audit.missing)),
        _line("not yet relayed", _ranges(audit.pending) + ("  (pending, not an error)" if audit.pending.count else "")),
        _line("duplicated", _sample(audit.duplicated, _duplicate)),
        _line("out of order", _sample(audit.out_of_order, lambda s: f"#{s}", "at stream sequences ")),
        _line("foreign/unknown", _sample(audit.foreign, _foreign)),
        _line(
            "not in the store",
            _sample(audit.unstored, _foreign) + ("  (removed from it since?)" if audit.unstored.count else ""),
        ),
        _line("wrong subject", _sample(audit.wrong_subject, _wrong_subject)),
        _line("republished", _republished(audit.republished)),
        _line("store unaltered", _log_check(audit)),
    ]
    lines += [f"  note: {note}" for note in audit.notes]
    return "\n".join(lines)


def _republished(count: int) -> str:
    return f"{count:,}  (from the store, after later ones)" if count else "none"


def _log_check(audit: StreamAudit) -> str:
    check = audit.log_check
    unverified = f"; {audit.unverified:,} published before digests were kept" if audit.unverified else ""
    if not check.altered:
        return f"yes, by {check.checked:,} published digests{unverified}"
    spans = ", ".join(
        str(through) if after + 1 == through else f"{after + 1}-{through}"
        for after, through in check.altered[:_RANGES_SHOWN]
    )
    more = f", … and {len(check.altered) - _RANGES_SHOWN} more" if len(check.altered) > _RANGES_SHOWN else ""
    return (
        f"NO: {len(check.altered):,} of {check.checked:,} published digests differ; stored events were "
        f"changed, removed or added within notifications {spans}{more}"
    )


def _line(label: str, value: str) -> str:
    return f"  {label:<25}{value}"


def _ranges(found: IdRanges) -> str:
    if not found.count:
        return "none"
    return f"{found.count:,}: {found.text(_RANGES_SHOWN)}"


def _sample(sample: Sample[T], show: Callable[[T], str], lead: str = "") -> str:
    if not sample.count:
        return "none"
    more = f", … ({sample.count - len(sample.first):,} more)" if sample.count > len(sample.first) else ""
    return f"{sample.count:,}: {lead}{', '.join(show(item) for item in sample.first)}{more}"


def _duplicate(d: Duplicate) -> str:
    return f"{d.msg_id} at #{d.first_sequence} and #{d.sequence}"


def _foreign(f: Foreign) -> str:
    return f"#{f.sequence} {f.msg_id or '(no Nats-Msg-Id)'} on {f.subject}"


def _wrong_subject(w: WrongSubject) -> str:
    return f"#{w.sequence} {w.msg_id} on {w.subject}, expected {w.expected}"
