"""Composition of one service's running parts: event store, command runner, relay, consumers, API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.registry import REPLAY_STREAM, STREAMS
from pathways_infra.commands import CommandRunner
from pathways_infra.consumer import (
    ApplicationHandler,
    ApplicationSink,
    BatchConsumer,
    ProjectionHandler,
    ProjectionSink,
    RetryPolicy,
    ensure_consumers,
    install_fetch_fixes,
    replay_consumer_name,
)
from pathways_infra.database import DatabaseAddress, ensure_database, keep_session
from pathways_infra.eventstore import EventStore
from pathways_infra.guard import StreamGuard, retire_full_stream_guard
from pathways_infra.lease import ConsumersLease, Fence
from pathways_infra.nats_connection import connection_options
from pathways_infra.nats_fast_paths import install_nats_fast_paths
from pathways_infra.read_model_versions import StaleReadModel, note_versions, stale_read_models
from pathways_infra.relay import Relay
from pathways_infra.relay_encoding import Translator
from pathways_infra.settings import ServiceName, Settings
from pathways_infra.streams import await_streams
from pathways_infra.supervision import FailureLog, described
from pathways_infra.waiting import wait_until

log = logging.getLogger(__name__)

CONSUMERS_STANDBY_POLL_SECONDS = 2.0
SUPERVISOR_FIRST_DELAY_SECONDS = 0.5
SUPERVISOR_MAX_DELAY_SECONDS = 30.0
SUPERVISOR_STEADY_SECONDS = 10.0


HEALTH_QUERY_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class ReadModel:
    """A projection module: its tables and the events it handles, from one stream or several.

    A service's read models share one durable consumer per source stream, and apply each batch in
    one transaction; each keeps its own tracking name. Handlers must not depend on the order of
    events from different streams (each writes its own columns, or is otherwise commutative).
    """

    name: str
    ddl: str
    handlers: dict[type[IntegrationEvent], ProjectionHandler]
    version: int = 1
    """Raised when rows applied before a change lack what it keeps (see :mod:`pathways_infra.read_model_versions`)."""
    first_source: str | None = None
    """The one source it read before it read others (None: it read them all from the start): its events
    keep the name they were tracked by then, so inbox rows, parked messages and the per-read-model
    consumer an upgrade retires are still found under it."""

    def sources(self) -> list[str]:
        return sorted({event.SOURCE_SERVICE for event in self.handlers})

    def tracking_name(self, service: str, source: str) -> str:
        """Its name in the inbox for events of ``source``: the durable consumer's name when each read
        model had its own, so inbox rows written then still count."""
        if len(self.sources()) == 1 or source == self.first_source:
            return f"{service}-{self.name}"
        return f"{service}-{self.name}-from-{source}"

    def handlers_from(self, source: str) -> dict[type[IntegrationEvent], ProjectionHandler]:
        return {event: handler for event, handler in self.handlers.items() if source == event.SOURCE_SERVICE}


@dataclass(frozen=True)
class ReadModelsConsumer:
    """The durable consumer a service's read models share for one source stream."""

    name: str
    source: str
    members: dict[str, dict[type[IntegrationEvent], ProjectionHandler]]  # tracking name → handlers


def read_models_consumers(service: str, read_models: Sequence[ReadModel]) -> list[ReadModelsConsumer]:
    sources = sorted({source for read_model in read_models for source in read_model.sources()})
    return [
        ReadModelsConsumer(
            name=f"{service}-read-models-from-{source}",
            source=source,
            members={
                read_model.tracking_name(service, source): read_model.handlers_from(source)
                for read_model in read_models
                if source in read_model.sources()
            },
        )
        for source in sources
    ]


@dataclass(frozen=True)
class Reaction:
    """Commands this service runs when another service's events arrive."""

    name: str
    source_service: str
    handlers: dict[type[IntegrationEvent], ApplicationHandler]


@dataclass(frozen=True)
class ServiceDefinition:
    """What a service's composition root hands to the runtime."""

    name: ServiceName
    translate: Translator
    publishes: Sequence[type[IntegrationEvent]]
    read_models: Sequence[ReadModel] = ()
    reactions: Sequence[Reaction] = ()
    tables: Sequence[str] = ()  # DDL of the service's own tables besides events and read models
    description: str = ""


def guard_name(service: str) -> str:
    """The stream guard's name: its replay consumer's too, and the prefix of its consumers on the stream."""
    return f"{service}-guard"


def reaction_consumer_name(service: str, reaction: Reaction) -> str:
    return f"{service}-{reaction.name}"


def retired_consumers(definition: ServiceDefinition) -> list[tuple[str, str]]:
    """(stream, name) of the durable consumers earlier versions gave each read model (named as its
    tracking name is now); left behind, the server would keep every new message pending for them."""
    groups = read_models_consumers(definition.name, definition.read_models)
    current = {group.name for group in groups} | {
        reaction_consumer_name(definition.name, r) for r in definition.reactions
    }
    retired = []
    for group in groups:
        for old in sorted(set(group.members) - current):
            retired += [(STREAMS[group.source].name, old), (REPLAY_STREAM, replay_consumer_name(old))]
    return retired


def durable_consumers(definition: ServiceDefinition) -> list[tuple[str, str]]:
    """(stream, name) of every durable consumer the service makes or retires: what its NATS user may
    use on other services' streams (``nats_auth``), and nothing else there."""
    guard = [(STREAMS[definition.name].name, guard_name(definition.name))]
    return kept_consumers(definition) + _with_replays(guard) + retired_consumers(definition)


def kept_consumers(definition: ServiceDefinition) -> list[tuple[str, str]]:
    """(stream, name) of the durable consumers the service makes at start and keeps while it runs,
    each with its replay consumer (not the guard's, made afresh at every sweep): without one of them
    nothing reaches what it feeds, so ``pathways status`` looks for each."""
    made = [
        (STREAMS[group.source].name, group.name)
        for group in read_models_consumers(definition.name, definition.read_models)
    ]
    made += [(STREAMS[r.source_service].name, reaction_consumer_name(definition.name, r)) for r in definition.reactions]
    return _with_replays(made)


def _with_replays(consumers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        pair for stream, name in consumers for pair in ((stream, name), (REPLAY_STREAM, replay_consumer_name(name)))
    ]


@dataclass
class ServiceRuntime:
    """One service's running parts. ``start`` brings them up in order; ``stop`` in reverse."""

    definition: ServiceDefinition
    settings: Settings
    run_relay: bool = True
    run_consumers: bool = True
    store: EventStore = field(init=False)
    runner: CommandRunner = field(init=False)
    pool: asyncpg.Pool = field(init=False)
    broker: NatsBroker = field(init=False)
    nc: NatsClient = field(init=False)
    js: JetStreamContext = field(init=False)
    relay: Relay | None = field(init=False, default=None)
    consumers: list[BatchConsumer] = field(init=False, default_factory=list)
    guard: StreamGuard | None = field(init=False, default=None)
    consuming: bool = field(init=False, default=False)  # this replica runs the service's consumers
    _broker_started: bool = field(init=False, default=False)
    _lease: ConsumersLease | None = field(init=False, default=None)
    _consuming_ended: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    _stop: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[Any]] = field(init=False, default_factory=list)

    @property
    def name(self) -> ServiceName:
        return self.definition.name

    async def start(self) -> None:
        settings = self.settings
        if not settings.database_url or not settings.nats_url:
            raise RuntimeError("PATHWAYS_DATABASE_URL and PATHWAYS_NATS_URL must be set (pathways up sets them)")
        address = await ensure_database(DatabaseAddress.parse(settings.database_url), settings.database_name(self.name))
        loop = asyncio.get_running_loop()
        self.store = await loop.run_in_executor(None, lambda: EventStore(self.name, address.eventsourcing_env()))
        self.runner = CommandRunner(self.store)
        self.runner.start()
        self.pool = await asyncpg.create_pool(address.url, min_size=1, max_size=8, reset=keep_session)
        async with self.pool.acquire() as conn:
            for ddl in [*self.definition.tables, *(read_model.ddl for read_model in self.definition.read_models)]:
                await conn.execute(ddl)
            for stale in await note_versions(conn, self.name, self.definition.read_models):
                log.warning("%s", stale.advice(self.name))
        install_nats_fast_paths()
        self.nc = await nats.connect(
            servers=settings.nats_servers_of(self.name),
            **connection_options(settings, f"pathways-{self.name}", closing=self._stop.is_set),
        )
        self.js = self.nc.jetstream(publish_async_max_pending=8000)
        if not await await_streams(self.js, settings.stream_replicas, stopping=self._stop):
            return
        self.broker = self.build_broker()
        if self.run_consumers:
            install_fetch_fixes()
            self._lease = ConsumersLease(address.url, self.name, self.settings.consumers_lease_check_seconds)
            took_over = False
            if not await self._lease.take():
                log.info("%s: another replica runs the consumers; standing by to take over", self.name)
            elif in_flight := await self._in_flight():
                took_over = True  # from a replica whose lock went with its session; it may be mid-batch
                log.info("%s: %d messages in flight from the replica that ran the consumers", self.name, in_flight)
            else:
                await self._consume()
            self._tasks.append(self._supervised("consumers", lambda: self._run_consumers(took_over=took_over)))
        if self.run_relay:
            self.relay = self.build_relay(address.url)
            relay = self.relay
            self._tasks.append(self._supervised("relay", lambda: relay.run(self._stop), relay.caught_up.wait))
        log.info("%s service started (database %s)", self.name, address.database)

    async def stale_read_models(self) -> list[StaleReadModel] | None:
        """Read models whose rows from before an upgrade need a rebuild (checked anew: a rebuild may have run);
        None when PostgreSQL does not answer."""
        try:
            async with asyncio.timeout(HEALTH_QUERY_TIMEOUT_SECONDS), self.pool.acquire() as conn:
                return await stale_read_models(conn, self.definition.read_models)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return None

    def _supervised(
        self, part: str, run: Callable[[], Awaitable[None]], working: Callable[[], Awaitable[object]] | None = None
    ) -> asyncio.Task[None]:
        """Run a background part until the service stops, starting it again after it fails: a
        PostgreSQL or NATS restart must not leave the service without its relay (or guard, or standby).
        ``working``: done once a run shows the part works again (by default: it ran
        ``SUPERVISOR_STEADY_SECONDS`` without failing), when its recovery is logged."""
        failures = FailureLog(f"{self.name}: the {part}")

        async def supervise() -> None:
            attempts = 0
            while not self._stop.is_set():
                try:
                    await self._watched(run(), working, failures)
                    return
                except Exception as error:
                    if self._stop.is_set():  # its connections closed under it as the service stops
                        log.info("%s: the %s ended as the service stopped (%s)", self.name, part, described(error))
                        return
                    attempts += 1
                    delay = min(SUPERVISOR_FIRST_DELAY_SECONDS * 2 ** (attempts - 1), SUPERVISOR_MAX_DELAY_SECONDS)
                    failures.failed(error, delay)
                    await wait_until(self._stop, timeout=delay)

        return asyncio.create_task(supervise(), name=f"{part}-{self.name}")

    @staticmethod
    async def _watched(
        run: Awaitable[None], working: Callable[[], Awaitable[object]] | None, failures: FailureLog
    ) -> None:
        """``run``, logging the part's recovery once ``working`` says so while it runs."""
        if not failures.failing:
            await run
            return

        async def recovery() -> None:
            await (working() if working is not None else asyncio.sleep(SUPERVISOR_STEADY_SECONDS))
            failures.recovered()

        watcher = asyncio.create_task(recovery())
        try:
            await run
        finally:
            watcher.cancel()

    async def _run_consumers(self, *, took_over: bool = False) -> None:
        """Run the consumers while this replica holds their lease; stand by while another replica does.
        ``took_over``: the lease is held already, from a replica that may still be finishing a batch."""
        lease = self._lease
        assert lease is not None, "only a runtime that runs consumers has their lease"
        while not self._stop.is_set():
            if self.consuming:
                if not await lease.watch(self._stop):
                    return
                log.warning("%s: lost the consumers' lock (its PostgreSQL session ended); stopping them", self.name)
                await self._stop_consuming()
            elif took_over or (not await self._paused(CONSUMERS_STANDBY_POLL_SECONDS) and await lease.take()):
                took_over = False
                log.info("%s: took the consumers' lock over; consuming in %.0fs", self.name, lease.grace_seconds)
                if not await self._paused(lease.grace_seconds):
                    await self._consume()

    async def _in_flight(self) -> int:
        """Messages delivered to this service's durable consumers and not yet acknowledged."""
        total = 0
        for consumer in self.consumers:
            for stream, config in consumer.consumer_configs():
                with contextlib.suppress(NotFoundError):  # not made yet: the service's first start
                    total += (await self.js.consumer_info(stream, config.durable_name or "")).num_ack_pending or 0
        return total

    async def _paused(self, seconds: float) -> bool:
        """Wait; True if the service is stopping."""
        return await wait_until(self._stop, timeout=seconds)

    async def _consume(self) -> None:
        if self._broker_started:  # this replica consumed before, lost the lease and stopped that broker
            self.broker = self.build_broker()
        await ensure_consumers(self.js, self.consumers)
        await self._retire_per_read_model_consumers()
        self._broker_started = True
        await self.broker.start()
        self._consuming_ended = asyncio.Event()
        self._start_guard(self._consuming_ended)
        self.consuming = True

    async def _stop_consuming(self) -> None:
        self.consuming = False
        self._consuming_ended.set()
        with contextlib.suppress(Exception):
            await self.broker.stop()

    async def _retire_per_read_model_consumers(self) -> None:
        for stream, name in retired_consumers(self.definition):
            with contextlib.suppress(NotFoundError):
                await self.js.delete_consumer(stream, name)
                log.info("%s: retired durable consumer %s (its read model now shares one per source stream)",
                         self.name, name)  # fmt: skip

    def _start_guard(self, until: asyncio.Event) -> None:
        own = STREAMS[self.name]
        self.guard = StreamGuard(
            name=guard_name(self.name),
            stream=own.name,
            subjects=own.subjects[0],
            js=lambda: self.js,
            poll_seconds=self.settings.guard_poll_seconds,
        )
        guard = self.guard

        async def guard_stream() -> None:
            await retire_full_stream_guard(self.js, guard.stream, guard.name)
            await guard.run(until)

        self._tasks.append(self._supervised("guard", guard_stream))

    def build_broker(self) -> NatsBroker:
        settings = self.settings
        broker = NatsBroker(
            settings.nats_servers_of(self.name) or "nats://localhost:4222",
            logger=logging.getLogger(f"faststream.{self.name}"),
            log_level=logging.DEBUG,
            **connection_options(
                settings, f"pathways-{self.name}-consumers", closing=lambda: not self.consuming, quiet=True
            ),
        )
        if not self.consumers:
            self.consumers = self._build_consumers()
        for consumer in self.consumers:
            consumer.register(
                broker, batch_size=settings.consumer_batch_size, batch_timeout=settings.consumer_batch_timeout_seconds
            )
        for event in self.definition.publishes:
            broker.publisher(event.SUBJECT, schema=event, title=event.SUBJECT, description=event.__doc__)
        return broker

    def _build_consumers(self) -> list[BatchConsumer]:
        retry = RetryPolicy(self.settings.consumer_max_deliveries, self.settings.consumer_backoff_seconds)
        consumers: list[BatchConsumer] = []
        for group in read_models_consumers(self.name, self.definition.read_models):
            consumers.append(
                BatchConsumer(
                    name=group.name,
                    stream=STREAMS[group.source].name,
                    sink=ProjectionSink(lambda: self.pool, group.members, fence=self._fence),
                    js=lambda: self.js,
                    retry=retry,
                    replays_for=list(group.members),
                )
            )
        for reaction in self.definition.reactions:
            consumers.append(
                BatchConsumer(
                    name=reaction_consumer_name(self.name, reaction),
                    stream=STREAMS[reaction.source_service].name,
                    sink=ApplicationSink(lambda: self.runner, reaction.handlers, fence=self._fence),
                    js=lambda: self.js,
                    retry=retry,
                )
            )
        return consumers

    def _fence(self) -> Fence | None:
        return self._lease.fence() if self._lease is not None else None

    def build_relay(self, database_url: str) -> Relay:
        return Relay(
            service=self.name,
            stream=STREAMS[self.name].name,
            database_url=database_url,
            events_table=self.store.events_table,
            mapper=self.store.mapper,  # type: ignore[arg-type]
            translate=self.definition.translate,
            nc=self.nc,
            batch_size=self.settings.relay_batch_size,
            poll_seconds=self.settings.relay_poll_seconds,
        )

    async def stop(self) -> None:
        """Graceful: stop taking messages, let the relay finish its batch, drain, close."""
        self._stop.set()
        await self._stop_consuming()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)
        self._tasks.clear()
        await asyncio.get_running_loop().run_in_executor(None, self.runner.stop)
        with contextlib.suppress(Exception):
            await self.nc.drain()
        if self._lease is not None:  # after the drain: a standby takes over once this replica is done
            await self._lease.release()
        await self.pool.close()
        self.store.close()
        log.info("%s service stopped", self.name)


DefinitionFactory = Callable[[], ServiceDefinition]
