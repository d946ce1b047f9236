"""Parked messages on the DLQ stream: what operators list, inspect, send back and discard.

The DLQ is history and is never changed: how an entry was resolved (applied after a replay, parked
again, discarded) is recorded on its own stream (``resolutions.py``), and an entry is unresolved while
no resolution names it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import BadRequestError, NotFoundError

from pathways_contracts.registry import DLQ_STREAM, REPLAY_STREAM, STREAMS
from pathways_infra.consumer import (
    DLQ_CONSUMER,
    DLQ_DELIVERIES,
    DLQ_ERROR,
    DLQ_ORIGINAL_SEQUENCE,
    DLQ_ORIGINAL_STREAM,
    DLQ_ORIGINAL_SUBJECT,
    DLQ_PARKED_AT,
    REPLAY_OF,
    REPLAY_RESOLUTIONS_SEEN,
    REPLAYED_BY,
    fits_a_message,
    without_publish_conditions,
)
from pathways_infra.resolutions import Resolution, ResolutionKind, last_sequence, read_all, read_resolutions, record

# Where a parked message comes from: a service's stream, or (parked before replays named their
# event's own stream) the replay stream, which only operators write to. Never the DLQ itself.
_ORIGINS = frozenset({*(spec.name for spec in STREAMS.values()), REPLAY_STREAM})


@dataclass(frozen=True)
class ParkedMessage:
    sequence: int
    consumer: str
    original_subject: str
    original_stream: str
    original_sequence: int
    deliveries: int
    error: str
    parked_at: str
    headers: dict[str, str]
    body: bytes
    resolutions: tuple[Resolution, ...] = field(default=())  # oldest first; none while it is unresolved

    @property
    def resolved(self) -> bool:
        return bool(self.resolutions)

    @classmethod
    def of(cls, sequence: int, subject: str | None, headers: dict[str, str] | None, body: bytes) -> ParkedMessage:
        h = headers or {}
        return cls(
            sequence=sequence,
            consumer=_parked_by(subject) or h.get(DLQ_CONSUMER, "?"),
            original_subject=h.get(DLQ_ORIGINAL_SUBJECT, "?"),
            original_stream=h.get(DLQ_ORIGINAL_STREAM, "?"),
            original_sequence=int(h.get(DLQ_ORIGINAL_SEQUENCE, "0")),
            deliveries=int(h.get(DLQ_DELIVERIES, "0")),
            error=h.get(DLQ_ERROR, ""),
            parked_at=h.get(DLQ_PARKED_AT, ""),
            headers=dict(h),
            body=body,
        )


def _parked_by(subject: str | None) -> str:
    """The consumer named by the entry's subject (``dlq.<consumer>.<event subject>``), which is what
    ``pathways status`` counts by and what a resolution must name."""
    parts = (subject or "").split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "dlq" else ""


class NotReplayableError(LookupError):
    """A parked message that cannot be sent back (its body is gone or too large); the reason says which."""


class NotParkedError(LookupError):
    """No message is parked at that sequence (or nothing was ever parked)."""


class AlreadyResolvedError(LookupError):
    """The parked message was resolved already; the reason says how."""


async def list_parked(
    js: JetStreamContext, *, consumer: str | None = None, include_resolved: bool = False
) -> list[ParkedMessage]:
    """The unresolved parked messages (every one with ``include_resolved``), each with its resolutions."""
    resolutions = await read_resolutions(js)
    entries = [
        replace(p, resolutions=tuple(resolutions.get((p.consumer, p.sequence), ())))
        for p in await _all_entries(js, consumer)
    ]
    return [p for p in entries if include_resolved or not p.resolved]


async def _all_entries(js: JetStreamContext, consumer: str | None) -> list[ParkedMessage]:
    subject = f"dlq.{consumer}.>" if consumer else "dlq.>"
    try:
        await js.stream_info(DLQ_STREAM)
    except NotFoundError:  # no consumer has parked anything yet, so the stream was never made
        return []
    return [
        ParkedMessage.of(m.metadata.sequence.stream, m.subject, m.headers, m.data)
        for m in await read_all(js, DLQ_STREAM, subject)
    ]


async def get_parked(js: JetStreamContext, sequence: int) -> ParkedMessage:
    try:
        message = await js.get_msg(DLQ_STREAM, seq=sequence)
    except NotFoundError:
        raise NotParkedError(
            f"no message is parked at DLQ sequence {sequence} ('pathways dlq list' shows them)"
        ) from None
    parked = ParkedMessage.of(sequence, message.subject, message.headers, message.data or b"")
    resolutions = await read_resolutions(js, of=(parked.consumer, sequence))  # not all: one discard of many
    return replace(parked, resolutions=tuple(resolutions.get((parked.consumer, sequence), ())))


async def discard(js: JetStreamContext, sequence: int, *, reason: str, by: str) -> Resolution:
    """Record that an operator decided the parked message is not to be applied, and why. The
    entry stays on the DLQ (``dlq list --all`` and ``dlq show`` still show it, with the reason).
    A replay of it sent before and not yet taken is then not applied either: its consumer looks."""
    parked = await get_parked(js, sequence)
    if parked.resolved:
        raise AlreadyResolvedError(f"DLQ #{sequence} is resolved already: {parked.resolutions[-1].describe()}")
    discarded = Resolution(
        dlq_sequence=sequence, consumer=parked.consumer, kind=ResolutionKind.DISCARDED, by=by, reason=reason,
        at=datetime.now(UTC).isoformat(),
    )  # fmt: skip
    await record(js, discarded)
    return discarded


async def replay(js: JetStreamContext, sequence: int, *, by: str = "") -> int:
    """Send a parked message back to the consumer that parked it (and only to it).

    What is sent is the message as its stream holds it, body and headers, never the parked copy:
    every service may park, so a DLQ entry only chooses which stored message goes back to which
    consumer. Other consumers of the original stream never see it again. Its event id is
    unchanged, so a consumer that did process it after all skips it.

    The entry is resolved only once the consumer has taken the replay: it then records it applied,
    or parks it again as a new entry that supersedes this one. It carries how far the resolutions
    went when it was sent, so that a discard recorded after it keeps the consumer from applying it.
    """
    parked = await get_parked(js, sequence)
    settled = parked.resolutions[-1] if parked.resolved else None
    if settled is not None and settled.kind in (ResolutionKind.APPLIED, ResolutionKind.SUPERSEDED):
        # Sent again, it would be parked again as one more entry for one message (a discard may be undone).
        raise AlreadyResolvedError(f"DLQ #{sequence} is resolved already: {settled.describe()}")
    original = await _stored_original(js, parked)
    subject = original.subject or parked.original_subject
    headers = {
        **without_publish_conditions(original.headers),
        DLQ_ORIGINAL_SUBJECT: subject,
        DLQ_ORIGINAL_STREAM: parked.original_stream,
        DLQ_ORIGINAL_SEQUENCE: str(parked.original_sequence),
        REPLAY_OF: str(sequence),
        REPLAY_RESOLUTIONS_SEEN: str(await last_sequence(js)),
        **({REPLAYED_BY: by} if by else {}),
        "Nats-Msg-Id": f"replay:{sequence}:{datetime.now(UTC).timestamp()}",
    }
    body = original.data or b""
    if not fits_a_message(js, body, headers):
        raise NotReplayableError(
            f"DLQ sequence {sequence}: its {len(body):,}-byte body and the replay's headers are more than the "
            f"server takes in one message; it stays at {parked.original_stream} sequence {parked.original_sequence}"
        )
    ack = await js.publish(f"replay.{parked.consumer}.{subject}", body, headers=headers)
    return int(ack.seq)


async def _stored_original(js: JetStreamContext, parked: ParkedMessage) -> RawStreamMsg:
    if parked.original_stream not in _ORIGINS:
        raise NotReplayableError(
            f"DLQ sequence {parked.sequence} names {parked.original_stream!r} as its stream, which holds no "
            f"original messages (they are in {', '.join(sorted(_ORIGINS))})"
        )
    try:
        return await js.get_msg(parked.original_stream, seq=parked.original_sequence)
    except (NotFoundError, BadRequestError):
        raise NotReplayableError(
            f"DLQ sequence {parked.sequence}: {parked.original_stream} no longer holds sequence "
            f"{parked.original_sequence}, so there is no stored message to send back ('pathways streams check' "
            "finds the events a stream lost, 'pathways streams republish' sends them again)"
        ) from None
