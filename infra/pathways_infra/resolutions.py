"""How a parked message was resolved, recorded next to the DLQ, which is never changed.

The DLQ stream is the history of what was parked; each resolution is one more message on the
``DLQ_RESOLUTIONS`` stream, on ``dlq-resolution.<consumer>.<DLQ sequence>``:

- ``applied``: the consumer that parked the message took its replay and did not fail (its effects
  committed, or were there already). The consumer records it, since only it knows.
- ``superseded``: its replay failed again and was parked anew; the new entry stands for it.
- ``discarded``: an operator decided it is not to be applied, and said why.

A parked message is unresolved while no resolution names it. Naming the consumer in the subject
lets each service's NATS user record resolutions for its own consumers' entries only, and lets
``pathways status`` count unresolved entries from the streams' subject counts without reading them.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from pathways_contracts.registry import RESOLUTIONS_STREAM

RESOLUTION_SUBJECT = "dlq-resolution"
FETCH_BATCH = 500
FETCH_TIMEOUT_SECONDS = 5.0  # only reached when messages the server counted are gone before they came

log = logging.getLogger(__name__)


class ResolutionKind(StrEnum):
    APPLIED = "applied"
    SUPERSEDED = "superseded"
    DISCARDED = "discarded"
    UNREADABLE = "unreadable"  # a record on the stream that is not one of these: shown, never hidden


@dataclass(frozen=True, kw_only=True)
class Resolution:
    dlq_sequence: int
    consumer: str
    kind: ResolutionKind
    by: str  # the consumer that applied or parked it again, or the operator who discarded it
    at: str = ""
    reason: str = ""
    replay_sequence: int | None = None  # the replay that was applied or parked again
    replayed_by: str = ""
    superseded_by: int | None = None  # the DLQ sequence of the new entry

    @property
    def subject(self) -> str:
        return resolution_subject(self.consumer, self.dlq_sequence)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def from_json(cls, data: bytes) -> Resolution:
        fields = json.loads(data)
        return cls(**{**fields, "kind": ResolutionKind(fields["kind"])})

    def describe(self) -> str:
        if self.kind is ResolutionKind.SUPERSEDED:
            return f"superseded by DLQ #{self.superseded_by} (its replay failed again) at {self.at}"
        if self.kind is ResolutionKind.DISCARDED:
            return f"discarded by {self.by} at {self.at}: {self.reason}"
        if self.kind is ResolutionKind.UNREADABLE:
            return f"resolved by a record that cannot be read ({self.reason})"
        replayed = f", replayed by {self.replayed_by}" if self.replayed_by else ""
        return f"applied by {self.by} at {self.at} (REPLAY #{self.replay_sequence}{replayed})"


def resolution_subject(consumer: str, dlq_sequence: int) -> str:
    return f"{RESOLUTION_SUBJECT}.{consumer}.{dlq_sequence}"


async def record(js: JetStreamContext, resolution: Resolution) -> int:
    """Store ``resolution`` (stamped with the time now unless it has one); its sequence on the stream."""
    if not resolution.at:
        resolution = replace(resolution, at=datetime.now(UTC).isoformat())
    # A redelivered replay is recorded once; a discard is kept however often it is made.
    distinct = resolution.replay_sequence if resolution.kind is not ResolutionKind.DISCARDED else resolution.at
    headers = {"Nats-Msg-Id": f"{resolution.subject}:{resolution.kind}:{distinct}"}
    body = json.dumps(resolution.as_dict()).encode()
    ack = await js.publish(resolution.subject, body, headers=headers)
    return int(ack.seq)


async def last_sequence(js: JetStreamContext) -> int:
    """The stream's last sequence (0 while nothing was ever resolved): a replay carries it, so that
    its consumer can tell a discard made after the replay was sent from one made before."""
    try:
        return int((await js.stream_info(RESOLUTIONS_STREAM)).state.last_seq)
    except NotFoundError:
        return 0


async def latest_resolution(js: JetStreamContext, consumer: str, dlq_sequence: int) -> tuple[int, Resolution] | None:
    """(stream sequence, resolution) of the entry's latest resolution; None while it has none."""
    try:
        message = await js.get_last_msg(RESOLUTIONS_STREAM, resolution_subject(consumer, dlq_sequence))
    except NotFoundError:
        return None
    return message.seq or 0, _readable((consumer, dlq_sequence), message.data or b"")


async def resolved_counts(js: JetStreamContext) -> Counter[str]:
    """How many DLQ entries each consumer's resolutions name (each entry once, however often
    resolved), from the stream's subject counts: no message is read."""
    try:
        info = await js.stream_info(RESOLUTIONS_STREAM, subjects_filter=f"{RESOLUTION_SUBJECT}.>")
    except NotFoundError:  # a NATS set up before resolutions were recorded
        return Counter()
    entries = (_entry_of(subject) for subject in info.state.subjects or {})
    return Counter(entry[0] for entry in entries if entry is not None)


async def read_resolutions(
    js: JetStreamContext, *, of: tuple[str, int] | None = None
) -> dict[tuple[str, int], list[Resolution]]:
    """Every resolution, oldest first, by (consumer, DLQ sequence) as its subject names them; with
    ``of``, only that entry's."""
    try:
        await js.stream_info(RESOLUTIONS_STREAM)
    except NotFoundError:
        return {}
    subject = resolution_subject(*of) if of else f"{RESOLUTION_SUBJECT}.>"
    found: dict[tuple[str, int], list[Resolution]] = {}
    for message in await read_all(js, RESOLUTIONS_STREAM, subject):
        key = _entry_of(message.subject)
        if key is None:
            log.warning("%s names no DLQ entry (its last token is not a sequence): ignored", message.subject)
            continue
        found.setdefault(key, []).append(_readable(key, message.data))
    return found


async def read_all(js: JetStreamContext, stream: str, subject: str) -> list[Msg]:
    """Every message ``stream`` holds on ``subject`` now, through an ephemeral consumer. It stops when the
    server says none is left rather than after a fetch times out, which made each call idle half a second."""
    subscription = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
    )
    messages: list[Msg] = []
    try:
        pending = (await subscription.consumer_info()).num_pending or 0
        while pending:
            try:
                batch = await subscription.fetch(min(pending, FETCH_BATCH), timeout=FETCH_TIMEOUT_SECONDS)
            except TimeoutError:  # nats-py raises its own subclass or, between its two requests, asyncio's
                break  # removed meanwhile (limits, a purge): what was read is all there is
            messages += batch
            pending = batch[-1].metadata.num_pending
    finally:
        await subscription.unsubscribe()
    return messages


def _entry_of(subject: str) -> tuple[str, int] | None:
    """(consumer, DLQ sequence) a resolution's subject names; None if it names none."""
    _, consumer, sequence = subject.split(".", 2)
    return (consumer, int(sequence)) if sequence.isascii() and sequence.isdigit() else None


def _readable(key: tuple[str, int], data: bytes) -> Resolution:
    try:
        return Resolution.from_json(data)
    except (ValueError, TypeError, KeyError) as error:
        # Its subject names the entry, and status counts it: listed as what it is, not skipped.
        consumer, sequence = key
        return Resolution(dlq_sequence=sequence, consumer=consumer, kind=ResolutionKind.UNREADABLE, by="?",
                          reason=f"{type(error).__name__}: {error}")  # fmt: skip
