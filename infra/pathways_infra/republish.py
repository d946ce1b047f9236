"""Republish what a stream lost, from the event store (the source of truth).

The stream check (:mod:`pathways_infra.stream_audit`) names the public events the relay published
but the stream no longer holds. This sends exactly those again, translated as the relay translates
them, with the same ``Nats-Msg-Id`` (so JetStream's dedup window refuses any that were in fact
stored moments ago) and a ``Pathways-Republished`` header: they land after later messages, and the
relay and the check know them for what they are. Nothing the stream still holds is sent twice,
and nothing the relay has not yet reached is touched; a relay running meanwhile is at worst made
to re-read the stream's tail once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from nats.aio.client import Client as NatsClient

from pathways_infra.database import OPERATOR_CONNECT_TIMEOUT_SECONDS
from pathways_infra.event_rows import pages
from pathways_infra.outbound_message import REPUBLISHED, OutboundMessage
from pathways_infra.publisher import Ack, PipelinedPublisher
from pathways_infra.relay_encoding import Encoder, Translator
from pathways_infra.settings import ServiceName
from pathways_infra.stream_audit import IdRanges, ProgressReport, StreamAudit, audit_stream, store_codec

PAGE_SIZE = 1_000
IN_FLIGHT = 500


@dataclass(frozen=True)
class Republished:
    """What a republish did for one service."""

    service: str
    chosen: IdRanges  # the missing ids it set out to send
    stored: int  # messages JetStream stored
    refused_as_duplicates: int  # messages JetStream's dedup window refused (their ids were stored recently)

    def as_dict(self) -> dict[str, object]:
        return {
            "service": self.service,
            "chosen": {"count": self.chosen.count, "text": self.chosen.text()},
            "stored": self.stored,
            "refused_as_duplicates": self.refused_as_duplicates,
        }


def within(found: IdRanges, wanted: Sequence[tuple[int, int]] | None) -> list[tuple[int, int]]:
    """The ranges of ``found`` that lie within ``wanted`` (all of them when ``wanted`` is None)."""
    if wanted is None:
        return list(found.ranges)
    chosen = []
    for first, last in found.ranges:
        for low, high in wanted:
            if low <= last and first <= high:
                chosen.append((max(first, low), min(last, high)))
    return sorted(chosen)


def parse_ranges(text: str) -> list[tuple[int, int]]:
    """``41-57, 90`` (as the stream check prints them) → [(41, 57), (90, 90)]."""
    ranges = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"not a notification id or range: {part!r} (write them as 41-57,90)")
        low, high = int(first), int(last or first)
        if low < 1 or high < low:
            raise ValueError(f"not a range of notification ids: {part!r}")
        ranges.append((low, high))
    if not ranges:
        raise ValueError("no notification ids given")
    return ranges


async def republish_missing(
    service: ServiceName,
    *,
    database_url: str,
    nc: NatsClient,
    only: Sequence[tuple[int, int]] | None = None,
    dry_run: bool = False,
    translate: Translator | None = None,
    on_progress: ProgressReport | None = None,
) -> tuple[StreamAudit, Republished]:
    """Check the stream, then republish the public events it lacks (within ``only`` if given)."""
    audit = await audit_stream(service, database_url=database_url, js=nc.jetstream(), on_progress=on_progress)
    ranges = within(audit.missing, only)
    if not ranges:
        return audit, Republished(service, IdRanges(), 0, 0)
    if translate is None:
        from pathways_infra.services import definition_of

        translate = definition_of(service).translate
    events_table, mapper = await store_codec(database_url, service)
    messages = await _messages(database_url, events_table, Encoder(service, mapper, translate), ranges)
    chosen = IdRanges(len(messages), tuple(ranges))
    if dry_run:
        return audit, Republished(service, chosen, 0, 0)
    acks = await _send(nc, messages)
    duplicates = sum(1 for ack in acks if ack.duplicate)
    return audit, Republished(service, chosen, len(acks) - duplicates, duplicates)


async def _messages(
    database_url: str, events_table: str, encoder: Encoder, ranges: Iterable[tuple[int, int]]
) -> list[OutboundMessage]:
    """The public events in ``ranges``, as the relay would publish them, marked as republished.
    (Missing public events are few next to the store: a lost range is held in memory whole.)"""
    stamp = datetime.now(UTC).isoformat()
    messages: list[OutboundMessage] = []
    conn = await asyncpg.connect(database_url, timeout=OPERATOR_CONNECT_TIMEOUT_SECONDS)
    try:
        for first, last in ranges:
            async for rows in pages(conn, events_table, PAGE_SIZE, after=first - 1, through=last):
                for message in encoder.encode(rows):
                    message.headers[REPUBLISHED] = stamp
                    messages.append(message)
    finally:
        await conn.close()
    return messages


async def _send(nc: NatsClient, messages: Sequence[OutboundMessage]) -> list[Ack]:
    """Each message on its own (no expected sequence: they stand wherever they land), pipelined."""
    publisher = PipelinedPublisher(nc)
    await publisher.start()
    try:
        acks: list[Ack] = []
        for start in range(0, len(messages), IN_FLIGHT):
            window = [await publisher.send_each([m]) for m in messages[start : start + IN_FLIGHT]]
            acks += [answer.last for answer in await asyncio.gather(*window)]
        return acks
    finally:
        await publisher.close()
