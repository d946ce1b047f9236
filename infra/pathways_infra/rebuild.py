"""Blue/green rebuild of a read model from its streams, while the service keeps running.

1. The read model's tables are created afresh in a schema of their own (``rebuild_<name>``), with an
   inbox of their own, by running its DDL with that schema first on the search path.
2. They are filled from stream sequence 1 of every stream the read model reads, through the read
   model's own handlers. Live traffic meanwhile keeps reading and updating the old tables.
3. The switch, in one transaction: the read models' switch lock is taken exclusively (every live
   transaction on read-model tables holds it shared, so none is half done), the new tables catch up
   with what the streams received meanwhile, the old tables move to ``retired_<name>_<time>``
   (:func:`retired_schema`), the new ones to ``public``, and the read model's inbox rows are
   replaced by the rebuild's. Live consumers then go on with the new tables; whatever they deliver
   that the rebuild applied is skipped by the inbox, so nothing is applied twice or lost.

The old tables are dropped after the switch unless kept. If anything fails before the switch, the
rebuild's schema is dropped and the live tables are as they were.
"""

from __future__ import annotations

import contextlib
import re
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from pathways_contracts.registry import STREAMS
from pathways_infra.consumer import READ_MODELS_SWITCH_LOCK, Inbound, MessageRejectedError, ProjectionSink, parse
from pathways_infra.database import OPERATOR_CONNECT_TIMEOUT_SECONDS
from pathways_infra.read_model_versions import mark_rebuilt
from pathways_infra.service import ReadModel, ServiceDefinition

FETCH_BATCH = 500
FETCH_TIMEOUT_SECONDS = 5.0

ProgressReport = Callable[[str, int, int], None]


SKIPPED_SHOWN = 10  # unreadable messages named one a line; the rest counted


@dataclass(frozen=True)
class Skipped:
    """A message no handler could read (unknown subject, not JSON, not the event its subject names):
    the rebuild goes on without it, as the live consumers park it and go on."""

    stream: str
    sequence: int
    subject: str
    reason: str

    def describe(self) -> str:
        return f"{self.stream} #{self.sequence} ({self.subject}): {self.reason}"


class RebuildError(RuntimeError):
    """The rebuild stopped before the switch; the live tables are untouched."""


@dataclass
class Rebuilt:
    """What a rebuild did."""

    service: str
    read_model: str
    applied: int = 0  # messages put through the read model's handlers
    skipped: list[Skipped] = field(default_factory=list)  # unreadable messages, left out
    read_through: dict[str, int] = field(default_factory=dict)  # stream → last sequence read
    rows: dict[str, tuple[int | None, int]] = field(default_factory=dict)  # table → (rows before, rows after)
    retired_to: str | None = None  # where the old tables were kept, if they were
    seconds: float = 0.0

    @property
    def unreadable(self) -> int:
        return len(self.skipped)

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "read_model": self.read_model,
            "applied": self.applied,
            "unreadable": self.unreadable,
            "skipped": [asdict(skipped) for skipped in self.skipped],
            "read_through": self.read_through,
            "rows": {table: {"before": before, "after": after} for table, (before, after) in self.rows.items()},
            "old_tables_kept_in": self.retired_to,
            "seconds": round(self.seconds, 2),
        }


def tracking_names(service: str, read_model: ReadModel) -> dict[str, str]:
    """Source service → the read model's name in the inbox for that source's events."""
    return {source: read_model.tracking_name(service, source) for source in read_model.sources()}


async def rebuild_read_model(
    definition: ServiceDefinition,
    read_model: ReadModel,
    *,
    database_url: str,
    js: JetStreamContext,
    keep_old: bool = False,
    on_progress: ProgressReport | None = None,
) -> Rebuilt:
    """Rebuild ``read_model`` of ``definition``'s service in its database at ``database_url``."""
    report = on_progress or (lambda _what, _done, _total: None)
    rebuilt = Rebuilt(definition.name, read_model.name)
    started = time.monotonic()
    schema = f"rebuild_{read_model.name}"
    control = await asyncpg.connect(database_url, timeout=OPERATOR_CONNECT_TIMEOUT_SECONDS)
    try:
        await _only_rebuild_of(control, definition.name, read_model.name)
    except BaseException:
        await control.close()
        raise
    try:
        tables = await _create_tables(control, schema, read_model)
        pool = await asyncpg.create_pool(
            database_url, min_size=1, max_size=1, server_settings={"search_path": f'"{schema}", public'}
        )
        sources = [_Source(js, source, read_model) for source in read_model.sources()]
        try:
            sink = ProjectionSink(lambda: pool, _members(definition.name, read_model), switch_lock=False)
            for source in sources:
                await source.open()
                await source.fill(sink, rebuilt, report)
            async with pool.acquire() as conn:
                rebuilt.retired_to = await _switch(conn, sink, schema, tables, read_model, sources, rebuilt)
        finally:
            await pool.close()
            for source in sources:
                await source.close()
        if not keep_old:
            await control.execute(f'DROP SCHEMA "{rebuilt.retired_to}" CASCADE')
            rebuilt.retired_to = None
    finally:
        with contextlib.suppress(asyncpg.PostgresError, OSError):
            await control.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await control.close()
    rebuilt.seconds = time.monotonic() - started
    return rebuilt


def _members(service: str, read_model: ReadModel) -> dict[str, Any]:
    return {name: read_model.handlers_from(source) for source, name in tracking_names(service, read_model).items()}


async def _only_rebuild_of(conn: asyncpg.Connection, service: str, read_model: str) -> None:
    """Held for the connection's life: two rebuilds of one read model would fill one schema."""
    key = zlib.crc32(f"pathways-rebuild:{service}:{read_model}".encode())
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
        raise RebuildError(f"a rebuild of {service} read model {read_model!r} is already running")


async def _create_tables(conn: asyncpg.Connection, schema: str, read_model: ReadModel) -> list[str]:
    """The read model's tables, empty, in ``schema`` (left over from a rebuild that died: dropped first)."""
    await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.execute(f'CREATE TABLE "{schema}".inbox (LIKE public.inbox INCLUDING ALL)')
    async with conn.transaction():
        await conn.execute(f'SET LOCAL search_path = "{schema}", public; {read_model.ddl}')
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'inbox' ORDER BY tablename", schema
    )
    if not rows:
        raise RebuildError(f"read model {read_model.name!r} creates no tables")
    return [row["tablename"] for row in rows]


class _Source:
    """One stream the read model reads, from its first message, through an ephemeral consumer."""

    def __init__(self, js: JetStreamContext, source: str, read_model: ReadModel) -> None:
        self._js = js
        self.stream = STREAMS[source].name
        self._subjects = sorted(event.SUBJECT for event in read_model.handlers_from(source))
        self._name = ""
        self._subscription: JetStreamContext.PullSubscription | None = None
        self.last = 0

    async def open(self) -> None:
        consumer = await self._js.add_consumer(
            self.stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.NONE,
                deliver_policy=DeliverPolicy.ALL,
                filter_subjects=self._subjects,
                mem_storage=True,
                inactive_threshold=300.0,
            ),
        )
        self._name = consumer.name or ""
        self._subscription = await self._js.pull_subscribe_bind(stream=self.stream, name=self._name)

    async def fill(self, sink: ProjectionSink, rebuilt: Rebuilt, report: ProgressReport) -> None:
        """Everything the stream holds now, in batches of their own transactions."""
        what = f"{self.stream} → {rebuilt.read_model}"
        total = await self._pending()
        report(what, 0, total)
        done = 0
        while batch := await self._next_batch():
            parsed = self._parsed(batch, rebuilt)
            try:
                await sink.apply(sink_name(rebuilt), parsed)
            except Exception as error:
                raise await self._failed(None, sink, parsed, error) from error
            done += len(batch)
            report(what, done, max(total, done))

    async def catch_up(self, sink: ProjectionSink, conn: Any, rebuilt: Rebuilt) -> None:
        """What arrived since :meth:`fill`, into the caller's transaction."""
        while batch := await self._next_batch():
            parsed = self._parsed(batch, rebuilt)
            try:
                async with conn.transaction():  # a savepoint, so the culprit can be looked for after
                    await sink.apply_in(conn, parsed)
            except Exception as error:
                raise await self._failed(conn, sink, parsed, error) from error

    async def _failed(
        self, conn: Any, sink: ProjectionSink, batch: Sequence[Inbound[Any]], error: Exception
    ) -> RebuildError:
        """The error naming the first message of the batch that fails, tried one after another in a
        transaction undone after."""
        if conn is None:
            async with sink.connection() as own:
                return await self._failed(own, sink, batch, error)
        transaction = conn.transaction()
        await transaction.start()
        try:
            for inbound in batch:
                try:
                    async with conn.transaction():
                        await sink.apply_in(conn, [inbound])
                except Exception as culprit:
                    return RebuildError(
                        f"{inbound.stream} #{inbound.stream_sequence} ({inbound.subject}, event {inbound.event_id}) "
                        f"fails: {type(culprit).__name__}: {culprit}"
                    )
        finally:
            await transaction.rollback()
        return RebuildError(f"{self.stream}: a batch failed: {type(error).__name__}: {error}")

    def _parsed(self, batch: Sequence[Any], rebuilt: Rebuilt) -> list[Inbound[Any]]:
        parsed = []
        for msg in batch:
            try:
                parsed.append(parse(msg))
            except MessageRejectedError as error:
                position = msg.metadata.sequence.stream
                rebuilt.skipped.append(Skipped(self.stream, position, msg.subject, str(error)))
        rebuilt.applied += len(parsed)
        self.last = batch[-1].metadata.sequence.stream
        rebuilt.read_through[self.stream] = self.last
        return parsed

    async def _pending(self) -> int:
        info = await self._js.consumer_info(self.stream, self._name)
        return int(info.num_pending or 0)

    async def _next_batch(self) -> list[Any]:
        """The next messages, or none once the stream holds no more (asked of the server, not
        guessed from a timeout)."""
        pending = await self._pending()
        if not pending:
            return []
        assert self._subscription is not None
        try:
            return list(await self._subscription.fetch(min(pending, FETCH_BATCH), timeout=FETCH_TIMEOUT_SECONDS))
        except TimeoutError:  # nats-py raises its own subclass, or asyncio's between its two requests
            raise RebuildError(f"stream {self.stream} stopped delivering with {pending} messages to read") from None

    async def close(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(nats.errors.Error):
                await self._subscription.unsubscribe()
        if self._name:
            with contextlib.suppress(NotFoundError, nats.errors.Error):
                await self._js.delete_consumer(self.stream, self._name)


def sink_name(rebuilt: Rebuilt) -> str:
    return f"{rebuilt.service}-rebuild-{rebuilt.read_model}"


async def _switch(
    conn: Any,
    sink: ProjectionSink,
    schema: str,
    tables: Sequence[str],
    read_model: ReadModel,
    sources: Sequence[_Source],
    rebuilt: Rebuilt,
) -> str:
    """Catch up and swap the tables and inbox rows in one transaction; returns where the old ones went."""
    retired = retired_schema(read_model.name, datetime.now(UTC))
    names = list(tracking_names(rebuilt.service, read_model).values())
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1::bigint)", READ_MODELS_SWITCH_LOCK)
        for source in sources:
            await source.catch_up(sink, conn, rebuilt)
        await conn.execute(f'CREATE SCHEMA "{retired}"')
        for table in tables:
            before = await _rows(conn, "public", table)
            after = await _rows(conn, schema, table)
            rebuilt.rows[table] = (before, after or 0)
            if before is not None:
                await conn.execute(f'ALTER TABLE public."{table}" SET SCHEMA "{retired}"')
            await conn.execute(f'ALTER TABLE "{schema}"."{table}" SET SCHEMA public')
        await conn.execute("DELETE FROM public.inbox WHERE consumer = ANY($1::text[])", names)
        await conn.execute(f'INSERT INTO public.inbox SELECT * FROM "{schema}".inbox')
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await mark_rebuilt(conn, read_model)
    return retired


def retired_schema(read_model: str, at: datetime) -> str:
    """Where ``--keep-old`` keeps a read model's old tables: a name SQL takes unquoted, so that dropping it
    is a plain ``DROP SCHEMA retired_training_records_20261208004845 CASCADE``."""
    return f"retired_{re.sub(r'[^a-z0-9_]', '_', read_model.lower())}_{at:%Y%m%d%H%M%S}"


async def _rows(conn: asyncpg.Connection, schema: str, table: str) -> int | None:
    if await conn.fetchval("SELECT to_regclass($1)", f'"{schema}"."{table}"') is None:
        return None
    return int(await conn.fetchval(f'SELECT count(*) FROM "{schema}"."{table}"'))


def describe(rebuilt: Rebuilt) -> str:
    read = ", ".join(f"{stream} #1-#{last:,}" for stream, last in rebuilt.read_through.items()) or "nothing"
    unreadable = f", {rebuilt.unreadable:,} unreadable (skipped: see below)" if rebuilt.unreadable else ""
    lines = [
        f"{rebuilt.service} read model {rebuilt.read_model!r}: rebuilt and switched in {rebuilt.seconds:.1f}s",
        f"  read {read}: {rebuilt.applied:,} events{unreadable}",
        *_skipped_lines(rebuilt.skipped),
    ]
    for table, (before, after) in rebuilt.rows.items():
        was = "new table" if before is None else f"was {before:,}"
        lines.append(f"  {table:<36} {after:>10,} rows  ({was})")
    lines.append(f"  old tables kept in schema {rebuilt.retired_to}" if rebuilt.retired_to else "  old tables dropped")
    return "\n".join(lines)


def _skipped_lines(skipped: Sequence[Skipped]) -> list[str]:
    if not skipped:
        return []
    lines = ["  skipped as unreadable (live consumers park such messages on the DLQ):"]
    lines += [f"    {one.describe()}" for one in skipped[:SKIPPED_SHOWN]]
    if len(skipped) > SKIPPED_SHOWN:
        lines.append(f"    and {len(skipped) - SKIPPED_SHOWN:,} more (--json lists every one)")
    return lines
