"""The design's floor: the least CPU a command can cost on this machine, measured on the same servers.

A command of this design does at least this, and here each part is done with nothing else around it:
- **HTTP**: one request to uvicorn (httptools, uvloop), the services' server, answered by a bare ASGI
  app that reads the JSON body and answers 201 (``bench.bare_http``), from the demo's own client;
- **store**: its events written to PostgreSQL, several commands to a commit as the services batch
  them, and read back once, as the relay reads them;
- **publish**: each event sent to JetStream with the sequence it must follow, pipelined and acked,
  as the relay sends it;
- **deliver**: each event delivered to every consumer that acts on it, pulled in batches and acked;
- **effect**: each delivery's effect written to PostgreSQL with its inbox row, one commit per batch.

No routing, validation, domain, translation or read-model logic is in it. Weighted by the demo's
own counts (events and deliveries per command), the sum is a floor no implementation of the design
on this stack goes below, and ``cores ÷ floor`` a ceiling on commands/s (with every core busy).

Usage: python -m bench.floor [--events-per-command F] [--deliveries-per-command F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from bench.support import cpu_seconds, cpu_seconds_if_running, row, server_processes, servers, wait_until_up
from pathways_contracts.enrollment import ParticipantEnrolledV1
from pathways_contracts.envelope import Envelope
from pathways_enrollment.commands import Apply
from pathways_infra.http_client import LeanClient
from pathways_infra.nats_fast_paths import install_nats_fast_paths
from pathways_infra.outbound_message import OutboundMessage
from pathways_infra.publisher import PipelinedPublisher
from pathways_infra.relay import expect_in_order
from tests.support.system import free_port

EVENT_BYTES = 450  # a stored event's JSON, about the demo's mean
TOPIC = "pathways_enrollment.domain.enrollment:ParticipantScreened"
COMMAND_BODY = {
    "participant_id": "6f1c2a8e-3b1d-4c55-9a7e-0d2b8f0c4e11",
    "screened_on": "2025-06-02",
    "criteria": {"age_18_or_over": True, "low_income": True, "resides_in_province": True},
    "note": "screened at the community hall",
}
COMMAND_HEADERS = {"Idempotency-Key": "floor", "X-Actor-Id": "pathways-demo", "X-Actor-Role": "programme-officer"}


@dataclass(frozen=True)
class Cost:
    """CPU a part of the work took: per unit, and its rate while measured."""

    units: int
    cpu_seconds: float
    wall_seconds: float
    server_seconds: float = 0.0  # the part of cpu_seconds spent by PostgreSQL or nats-server

    @property
    def ms_per_unit(self) -> float:
        return self.cpu_seconds * 1e3 / self.units

    @property
    def server_ms_per_unit(self) -> float:
        return self.server_seconds * 1e3 / self.units

    @property
    def rate(self) -> float:
        return self.units / self.wall_seconds


async def _measured(units: int, work: Callable[[], Awaitable[None]], *, pids: Callable[[], list[int]]) -> Cost:
    """CPU of this process and of ``pids`` (servers) while ``work`` runs."""
    before = {pid: cpu for pid in pids() if (cpu := cpu_seconds_if_running(pid)) is not None}
    own, started = time.process_time(), time.perf_counter()
    await work()
    wall, own = time.perf_counter() - started, time.process_time() - own
    after = {pid: cpu_seconds_if_running(pid) for pid in before}
    used = sum(cpu - before[pid] for pid, cpu in after.items() if cpu is not None)
    return Cost(units, own + used, wall, used)


def _pids_of(program: str) -> Callable[[], list[int]]:
    return lambda: [pid for pid, (name, _) in server_processes((program,)).items() if name == program]


async def http_cost(*, requests: int, concurrency: int) -> tuple[Cost, Cost]:
    """(server, client) CPU per request of the bare HTTP endpoint."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.bare_http", str(port)])  # noqa: ASYNC220
    try:
        await wait_until_up([port])
        async with LeanClient("127.0.0.1", port, connections=concurrency) as client:

            async def send(count: int) -> None:
                for _ in range(count):
                    await client.post("/enrollments/6f1c2a8e/screening", COMMAND_BODY, COMMAND_HEADERS)

            await asyncio.gather(*(send(10) for _ in range(concurrency)))  # warm up
            per_sender = requests // concurrency
            server_before, own = cpu_seconds(server.pid), time.process_time()
            started = time.perf_counter()
            await asyncio.gather(*(send(per_sender) for _ in range(concurrency)))
            wall = time.perf_counter() - started
            units = per_sender * concurrency
            return (
                Cost(units, cpu_seconds(server.pid) - server_before, wall),
                Cost(units, time.process_time() - own, wall),
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


@asynccontextmanager
async def _scratch_tables(
    database_url: str, *, create: str, drop: str, connections: int
) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Pool]]:
    """A connection and a pool on tables made for one measurement, dropped after it."""
    conn = await asyncpg.connect(database_url)
    pool = await asyncpg.create_pool(database_url, min_size=connections, max_size=connections)
    try:
        await conn.execute(create)
        yield conn, pool
    finally:
        await conn.execute(drop)
        await pool.close()
        await conn.close()


async def store_cost(database_url: str, *, events: int, per_commit: int, writers: int = 3) -> Cost:
    """Events written ``per_commit`` to a commit by ``writers`` connections, then read back in pages."""
    create = (
        "CREATE TABLE floor_events (notification_id bigserial PRIMARY KEY, originator_id uuid NOT NULL,"
        " originator_version int NOT NULL, topic text NOT NULL, state bytea NOT NULL,"
        " UNIQUE (originator_id, originator_version))"
    )
    async with _scratch_tables(
        database_url, create=create, drop="DROP TABLE IF EXISTS floor_events", connections=writers
    ) as (conn, pool):
        state = b"x" * EVENT_BYTES
        commits = events // per_commit // writers

        async def write() -> None:
            async with pool.acquire() as writer:
                for _ in range(commits):
                    rows = [(uuid.uuid4(), 1, TOPIC, state) for _ in range(per_commit)]
                    async with writer.transaction():
                        await writer.executemany(
                            "INSERT INTO floor_events (originator_id, originator_version, topic, state)"
                            " VALUES ($1, $2, $3, $4)",
                            rows,
                        )

        async def write_then_read() -> None:
            await asyncio.gather(*(write() for _ in range(writers)))
            position = 0
            while rows := await conn.fetch(
                "SELECT * FROM floor_events WHERE notification_id > $1 ORDER BY notification_id LIMIT 500", position
            ):
                position = rows[-1]["notification_id"]

        return await _measured(commits * per_commit * writers, write_then_read, pids=_pids_of("postgres"))


async def effect_cost(database_url: str, *, deliveries: int, batch: int = 50, consumers: int = 6) -> Cost:
    """Each delivery: an inbox row and a read-model row upserted, one commit per batch, per consumer."""
    async with _scratch_tables(
        database_url,
        create="CREATE TABLE floor_inbox (consumer text, event_id text, PRIMARY KEY (consumer, event_id));"
        "CREATE TABLE floor_read (id uuid PRIMARY KEY, events int NOT NULL)",
        drop="DROP TABLE IF EXISTS floor_inbox; DROP TABLE IF EXISTS floor_read",
        connections=consumers,
    ) as (_, pool):
        batches = deliveries // batch // consumers

        async def consume(name: str) -> None:
            async with pool.acquire() as db:
                for _ in range(batches):
                    ids = [uuid.uuid4() for _ in range(batch)]
                    async with db.transaction():
                        await db.executemany(
                            "INSERT INTO floor_read (id, events) VALUES ($1, 1)"
                            " ON CONFLICT (id) DO UPDATE SET events = floor_read.events + 1",
                            [(i,) for i in ids],
                        )
                        inbox = [(name, str(i)) for i in ids]
                        await db.executemany("INSERT INTO floor_inbox (consumer, event_id) VALUES ($1, $2)", inbox)

        async def all_consumers() -> None:
            await asyncio.gather(*(consume(f"floor-{n}") for n in range(consumers)))

        return await _measured(batches * batch * consumers, all_consumers, pids=_pids_of("postgres"))


def _envelope_headers(number: int) -> dict[str, str]:
    now = datetime.now(UTC)
    message_id = f"floor:{number}"
    return Envelope(
        id=message_id, source="/pathways/floor", type="th.pathways.enrollment.v1.application.screened",
        time=now, subject=str(uuid.uuid4()), correlation_id=str(uuid.uuid4()), causation_id=None,
        recorded_at=now, actor_id="pathways-demo", actor_role="programme-officer", actor_unit="cdu-1",
        traceparent=f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
    ).to_headers()  # fmt: skip


async def jetstream_costs(nats_url: str, *, events: int, consumers: int, batch: int = 50) -> tuple[Cost, Cost]:
    """(publish per event, deliver per delivery): published in groups as the relay sends them; pull
    consumers fetching batches and acking each message, as ours do."""
    install_nats_fast_paths()  # as the services do
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    name = f"FLOOR{uuid.uuid4().hex[:6].upper()}"
    subject = f"{name.lower()}.events"
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"]))
    try:
        publish = await _measured(events, lambda: _publish(nc, subject, events, batch), pids=_pids_of("nats-server"))
        deliver = await _measured(
            events * consumers,
            lambda: _deliver_to_all(js, name, subject, events=events, consumers=consumers),
            pids=_pids_of("nats-server"),
        )
        return publish, deliver
    finally:
        await js.delete_stream(name)
        await nc.close()


async def _publish(nc: NatsClient, subject: str, events: int, batch: int) -> None:
    publisher = PipelinedPublisher(nc)
    await publisher.start()
    body = b"{" + b'"x":"' + b"x" * (EVENT_BYTES - 8) + b'"}'
    try:
        sent = 0
        for start in range(0, events, batch):
            messages = [
                OutboundMessage(subject=subject, payload=body, headers=_envelope_headers(n), notification_id=n)
                for n in range(start, min(start + batch, events))
            ]
            expect_in_order(messages, last_sequence=sent)
            await (await publisher.send_each(messages))
            sent += len(messages)
    finally:
        await publisher.close()


async def _deliver_to_all(js: JetStreamContext, stream: str, subject: str, *, events: int, consumers: int) -> None:
    async def consume(number: int) -> None:
        durable = f"floor-{number}"
        await js.add_consumer(stream, ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT))
        subscription = await js.pull_subscribe(subject, durable=durable, stream=stream)
        received = 0
        while received < events:
            for message in await subscription.fetch(100, timeout=5):
                await message.ack()
                received += 1

    await asyncio.gather(*(consume(n) for n in range(consumers)))


def _cpu_per_call(function: Callable[[], object], calls: int) -> Cost:
    own, started = time.process_time(), time.perf_counter()
    for _ in range(calls):
        function()
    return Cost(calls, time.process_time() - own, time.perf_counter() - started)


def contract_costs(calls: int) -> tuple[Cost, Cost, Cost]:
    """pydantic's least work: (validate a command's body, build and encode an integration event,
    parse a delivered one and its envelope), with the services' real models."""
    body = json.dumps(
        {"participant_id": str(uuid.uuid4()), "project_id": str(uuid.uuid4()), "applied_on": "2025-06-02"}
    )
    now = datetime.now(UTC)
    fields = {
        "enrollment_id": uuid.uuid4(), "participant_id": uuid.uuid4(), "project_id": uuid.uuid4(),
        "province_code": "TH-40", "region": "NORTHEAST", "enrolled_on": now.date(), "occurred_at": now,
        "baseline_employment_status": "UNEMPLOYED", "baseline_monthly_income_thb": "4500.00",
        "informal_worker": True, "covid_affected": True, "sex": "F", "age_band": "25-34",
    }  # fmt: skip
    encoded = ParticipantEnrolledV1(**fields).model_dump_json().encode()
    headers = _envelope_headers(1)
    return (
        _cpu_per_call(lambda: Apply.model_validate_json(body), calls),
        _cpu_per_call(lambda: ParticipantEnrolledV1(**fields).model_dump_json(), calls),
        _cpu_per_call(
            lambda: (ParticipantEnrolledV1.model_validate_json(encoded), Envelope.from_headers(headers)), calls
        ),
    )


@dataclass(frozen=True)
class Floor:
    http_server: Cost
    http_client: Cost
    store: Cost
    publish: Cost
    deliver: Cost
    effect: Cost
    command_body: Cost
    event_out: Cost
    event_in: Cost
    events_per_command: float
    deliveries_per_command: float

    @property
    def services_ms(self) -> float:
        """Per command, without the load generator's side of HTTP."""
        return (
            self.http_server.ms_per_unit
            + self.command_body.ms_per_unit
            + self.events_per_command * (self.store.ms_per_unit + self.event_out.ms_per_unit + self.publish.ms_per_unit)
            + self.deliveries_per_command
            * (self.deliver.ms_per_unit + self.event_in.ms_per_unit + self.effect.ms_per_unit)
        )

    @property
    def with_client_ms(self) -> float:
        return self.services_ms + self.http_client.ms_per_unit


async def measure(
    database_url: str, nats_url: str, *, events_per_command: float, deliveries_per_command: float,
    concurrency: int, scale: int = 20_000,
) -> Floor:  # fmt: skip
    server, client = await http_cost(requests=scale, concurrency=concurrency)
    store = await store_cost(database_url, events=scale, per_commit=20)
    effect = await effect_cost(database_url, deliveries=scale)
    publish, deliver = await jetstream_costs(nats_url, events=scale // 2, consumers=3)
    command_body, event_out, event_in = contract_costs(scale)
    return Floor(
        server, client, store, publish, deliver, effect, command_body, event_out, event_in,
        events_per_command, deliveries_per_command,
    )  # fmt: skip


def report(floor: Floor, *, measured_ms: float | None = None) -> None:
    cores = len(os.sched_getaffinity(0))
    print(f"The design's floor on this machine ({cores} cores; same servers, measured in this run)")
    parts = [
        ("HTTP, bare ASGI on uvicorn: server side", floor.http_server, "request"),
        ("HTTP: the load generator's side", floor.http_client, "request"),
        ("pydantic: validate a command's body", floor.command_body, "request"),
        ("PostgreSQL: store an event (20 a commit), read it back", floor.store, "event"),
        ("pydantic: build and encode an integration event", floor.event_out, "event"),
        ("JetStream: publish an event, acked (groups of 50)", floor.publish, "event"),
        ("JetStream: deliver to a consumer (fetch 100), ack", floor.deliver, "delivery"),
        ("pydantic: parse a delivered event and its envelope", floor.event_in, "delivery"),
        ("PostgreSQL: a delivery's effect + inbox row", floor.effect, "delivery"),
    ]
    for label, cost, unit in parts:
        server = f", server {cost.server_ms_per_unit:.3f}" if cost.server_seconds else ""
        row(label, f"{cost.ms_per_unit:6.3f} ms CPU per {unit}{server} ({cost.rate:,.0f}/s)")
    weights = f"{floor.events_per_command:.2f} events, {floor.deliveries_per_command:.2f} deliveries"
    row(f"floor per command ({weights})", f"{floor.services_ms:6.3f} ms CPU")
    row("ceiling on this machine: cores ÷ floor", f"{cores * 1e3 / floor.services_ms:9,.0f} commands/s")
    row("  with the load generator on the same cores", f"{cores * 1e3 / floor.with_client_ms:9,.0f} commands/s")
    if measured_ms is not None:
        row("the demo's CPU per command ÷ the floor (with client)", f"{measured_ms / floor.with_client_ms:9.1f}×")


async def main(events_per_command: float, deliveries_per_command: float, concurrency: int) -> None:
    with servers() as urls:
        floor = await measure(
            urls.database_url, urls.nats_url, events_per_command=events_per_command,
            deliveries_per_command=deliveries_per_command, concurrency=concurrency,
        )  # fmt: skip
    report(floor)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # Defaults: what the article-scale demo measured (bench.demo_load prints its own, and weighs by them).
    parser.add_argument("--events-per-command", type=float, default=1.7)
    parser.add_argument("--deliveries-per-command", type=float, default=2.85)
    parser.add_argument("--concurrency", type=int, default=96)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events_per_command, arguments.deliveries_per_command, arguments.concurrency))
