"""Relay throughput: notification log → acked JetStream messages, beside raw nats-py publish_async.

Usage: python -m bench.relay_throughput [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime
from statistics import median

import nats

from bench.support import row, servers
from pathways_contracts.registry import STREAMS
from pathways_enrollment.domain.enrollment import ParticipantEnrolled
from pathways_enrollment.outbound import translate
from pathways_infra.database import DatabaseAddress, ensure_database
from pathways_infra.eventstore import Actor, EventMetadata, EventStore, RecordedEvent
from pathways_infra.relay import Relay
from pathways_infra.settings import Settings
from pathways_infra.streams import ensure_streams


def _event(now: datetime) -> RecordedEvent:
    enrollment_id = uuid.uuid4()
    return RecordedEvent(
        originator_id=enrollment_id,
        originator_version=1,
        timestamp=now,
        event=ParticipantEnrolled(
            enrollment_id=enrollment_id,
            participant_id=uuid.uuid4(),
            project_id=uuid.uuid4(),
            unit_id=None,
            province_code="TH-40",
            region="NORTHEAST",
            enrolled_on=now.date(),
            consent_notice_version="2025-01",
            screened_on=now.date(),
        ),
        metadata=EventMetadata(
            event_id=uuid.uuid4(),
            occurred_at=now,
            actor=Actor(id="bench", role="bench", unit="cdu-1"),
            correlation_id=uuid.uuid4(),
        ),
    )


async def raw_publish_rate(nats_url: str, count: int, payload: bytes, headers: dict[str, str] | None) -> float:
    nc = await nats.connect(nats_url)
    js = nc.jetstream(publish_async_max_pending=8000)
    name = f"RAW{uuid.uuid4().hex[:6].upper()}"
    await js.add_stream(name=name, subjects=[f"{name.lower()}.>"])
    started = time.perf_counter()
    for i in range(count):
        await js.publish_async(
            f"{name.lower()}.x", payload, headers=None if headers is None else {**headers, "Nats-Msg-Id": str(i)}
        )
    await js.publish_async_completed()
    elapsed = time.perf_counter() - started
    await js.delete_stream(name)
    await nc.close()
    return count / elapsed


async def relay_rate(database_url: str, nats_url: str, count: int) -> tuple[float, int, bytes, dict[str, str]]:
    address = await ensure_database(DatabaseAddress.parse(database_url), f"bench_relay_{uuid.uuid4().hex[:8]}")
    store = EventStore("enrollment", address.eventsourcing_env())
    now = datetime.now(UTC)
    for start in range(0, count, 2_000):
        store.save(*(_event(now) for _ in range(min(2_000, count - start))))
    nc = await nats.connect(nats_url)
    js = nc.jetstream(publish_async_max_pending=8000)
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_stream(STREAMS["enrollment"].name)  # deleting also forgets the dedup ids
    await ensure_streams(js)
    relay = Relay(
        service="enrollment", stream="ENROLLMENT", database_url=address.url, events_table=store.events_table,
        mapper=store.mapper,  # type: ignore[arg-type]
        translate=translate, nc=nc, batch_size=Settings().relay_batch_size,
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    await relay.ready.wait()  # leader lock taken, publisher subscribed: steady state from here
    started = time.perf_counter()
    while relay.published < count:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    sample = await js.get_msg("ENROLLMENT", seq=1)
    in_stream = (await js.stream_info("ENROLLMENT")).state.messages
    await nc.close()
    store.close()
    relay_only = ("Nats-Expected-Last-Sequence",)
    headers = {k: v for k, v in (sample.headers or {}).items() if k not in relay_only}
    return count / elapsed, in_stream, sample.data or b"", headers


async def main(count: int, rounds: int = 3) -> None:
    """Relay and raw runs alternate, ``rounds`` times each; medians are compared (this host is noisy)."""
    relay: list[float] = []
    raw_plain: list[float] = []
    raw_headers: list[float] = []
    with servers() as urls:
        for _ in range(rounds):
            rate, in_stream, payload, headers = await relay_rate(urls.database_url, urls.nats_url, count)
            relay.append(rate)
            raw_plain.append(await raw_publish_rate(urls.nats_url, count, b"x" * len(payload), None))
            raw_headers.append(await raw_publish_rate(urls.nats_url, count, payload, headers))
    print(f"relay throughput, {count:,} events ({len(payload)} B body, {len(headers)} headers), median of {rounds}")
    row("raw nats-py publish_async, same body size, no headers", _rates(raw_plain, "msg/s"))
    row("raw nats-py publish_async, same body and headers", _rates(raw_headers, "msg/s"))
    row("relay: notification log → acked JetStream", _rates(relay, "events/s"))
    row("relay / raw (no headers)   [target ≥ 0.70]", f"{median(relay) / median(raw_plain):>10.2f}×")
    row("relay / raw (same headers)", f"{median(relay) / median(raw_headers):>10.2f}×")
    row("messages in stream (last round)", f"{in_stream:>10,}")


def _rates(samples: list[float], unit: str) -> str:
    return f"{median(samples):>10,.0f} {unit}  (runs: {', '.join(f'{s:,.0f}' for s in samples)})"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.rounds))
