"""Event-store wiring: eventsourcing on PostgreSQL, holding pure domain events.

Domain events are plain frozen dataclasses owned by each service's ``domain`` package. Here they
are wrapped with their metadata into :class:`RecordedEvent` (what eventsourcing stores), encoded
with pydantic, and written by a recorder that also stores, in the same transaction, which inbound
messages were processed (the inbox) and what an idempotent HTTP request answered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import get_topic, resolve_topic
from psycopg import ClientCursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier
from pydantic import TypeAdapter

E = TypeVar("E")


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who issued a command. Not authenticated yet: it is what the caller says."""

    id: str
    role: str
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class EventMetadata:
    event_id: UUID
    occurred_at: datetime
    actor: Actor
    correlation_id: UUID
    causation_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordedEvent:
    """A domain event as stored: its aggregate, its position there, and its metadata.

    ``timestamp`` is when it was recorded (eventsourcing's name for it).
    """

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    event: Any
    metadata: EventMetadata
    notification_id: int | None = field(default=None, compare=False)

    @property
    def recorded_at(self) -> datetime:
        return self.timestamp


_adapters: dict[type[Any], TypeAdapter[Any]] = {}
_stored_adapters: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(event_type: type[Any]) -> TypeAdapter[Any]:
    adapter = _adapters.get(event_type)
    if adapter is None:
        adapter = _adapters[event_type] = TypeAdapter(event_type)
    return adapter


@dataclass(frozen=True)
class _StoredState(Generic[E]):
    """The stored JSON of a current-version event, written and parsed in one pass by pydantic-core."""

    v: int
    data: E
    meta: EventMetadata
    recorded_at: datetime


def _stored_adapter(event_type: type[Any]) -> TypeAdapter[Any]:
    adapter = _stored_adapters.get(event_type)
    if adapter is None:
        adapter = _stored_adapters[event_type] = TypeAdapter(_StoredState[event_type])  # type: ignore[valid-type]
    return adapter


_metadata_adapter: TypeAdapter[EventMetadata] = TypeAdapter(EventMetadata)
_datetime_adapter: TypeAdapter[datetime] = TypeAdapter(datetime)


class RecordedEventMapper(Mapper[UUID]):
    """Maps :class:`RecordedEvent` to and from eventsourcing's stored events.

    The stored topic is the domain event's class, so history reads as the domain speaks. A domain
    event class may declare ``schema_version`` and ``upcast_v1_v2(data)``-style static methods;
    older stored data is upcast when read.
    """

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        recorded: RecordedEvent = domain_event
        event_type = type(recorded.event)
        state = _StoredState(
            v=getattr(event_type, "schema_version", 1),
            data=recorded.event,
            meta=recorded.metadata,
            recorded_at=recorded.timestamp,
        )
        return StoredEvent(
            originator_id=recorded.originator_id,
            originator_version=recorded.originator_version,
            topic=get_topic(event_type),
            state=self._seal(_stored_adapter(event_type).dump_json(state)),  # one pass in pydantic-core
        )

    def to_domain_event(self, stored_event: StoredEvent) -> RecordedEvent:
        return self.decode(stored_event)

    def decode(self, stored_event: StoredEvent, notification_id: int | None = None) -> RecordedEvent:
        return self.decode_row(
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.topic,
            stored_event.state,
            notification_id,
        )

    def decode_row(
        self, originator_id: Any, originator_version: int, topic: str, state: bytes, notification_id: int | None
    ) -> RecordedEvent:
        """As :meth:`decode`, from a row's columns (the relay's hot path: no StoredEvent in between)."""
        event_type = _resolve(topic)
        raw = self._unseal(state) if self.cipher or self.compressor else state
        if getattr(event_type, "schema_version", 1) == 1:
            parsed = _stored_adapter(event_type).validate_json(raw)
            return RecordedEvent(
                originator_id=_uuid(originator_id),
                originator_version=originator_version,
                timestamp=parsed.recorded_at,
                event=parsed.data,
                metadata=parsed.meta,
                notification_id=notification_id,
            )
        stored = json.loads(raw)
        data = upcast(event_type, stored["data"], stored.get("v", 1))
        return RecordedEvent(
            originator_id=_uuid(originator_id),
            originator_version=originator_version,
            timestamp=_datetime_adapter.validate_python(stored["recorded_at"]),
            event=_adapter(event_type).validate_python(data),
            metadata=_metadata_adapter.validate_python(stored["meta"]),
            notification_id=notification_id,
        )

    def _seal(self, state: bytes) -> bytes:
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return state

    def _unseal(self, state: bytes) -> bytes:
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        return state


@lru_cache(maxsize=1024)
def _resolve(topic: str) -> type[Any]:
    resolved: type[Any] = resolve_topic(topic)
    return resolved


def _uuid(value: Any) -> UUID:
    # asyncpg and psycopg hand back UUID subclasses already; only strings need parsing.
    return value if isinstance(value, UUID) else UUID(str(value))


def upcast(event_type: type[Any], data: dict[str, Any], version: int) -> dict[str, Any]:
    current = getattr(event_type, "schema_version", 1)
    while version < current:
        step = getattr(event_type, f"upcast_v{version}_v{version + 1}")
        data = step(data)
        version += 1
    return data


@dataclass(frozen=True, kw_only=True)
class IdempotentResponse:
    """What an idempotent request answered, stored with the events it caused."""

    key: str
    request_hash: str
    status_code: int
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Statement:
    """A write to one of the service's own tables, committed in the same transaction as a command's events."""

    sql: str
    params: tuple[Any, ...]


@dataclass(frozen=True)
class BulkInsert:
    """An INSERT that takes its rows as one array per column (``unnest``): a group's rows in one round trip.

    ``sql`` example: ``INSERT INTO t (a, b) SELECT * FROM unnest(%s::uuid[], %s::bytea[])``.
    """

    sql: str

    def of(self, rows: Sequence[tuple[Any, ...]]) -> Statement:
        return Statement(self.sql, tuple(list(column) for column in zip(*rows, strict=True)))


class PathwaysRecorder(PostgresApplicationRecorder):
    """The events table plus, in the same transaction, the inbox and idempotency records.

    ``save(..., inbox=[(consumer, event_id), …])`` records processed inbound messages;
    a duplicate raises IntegrityError and nothing of the transaction is kept.
    ``save(..., idempotent=[IdempotentResponse, …])`` records request answers likewise.
    ``save(..., unchanged={aggregate_id: version, …})`` commits only if those aggregates have no later
    events (IntegrityError naming ``aggregates_read_are_unchanged`` otherwise).
    """

    inbox_table: ClassVar[str] = "inbox"
    idempotency_table: ClassVar[str] = "idempotency"
    read_checks_table: ClassVar[str] = "read_checks"

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "consumer text NOT NULL, event_id text NOT NULL, "
                "processed_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (consumer, event_id))"
            ).format(schema=schema, table=Identifier(self.inbox_table))
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "key text PRIMARY KEY, request_hash text NOT NULL, status_code int NOT NULL, "
                "body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            ).format(schema=schema, table=Identifier(self.idempotency_table))
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "changed_aggregate uuid CONSTRAINT aggregates_read_are_unchanged CHECK (changed_aggregate IS NULL))"
            ).format(schema=schema, table=Identifier(self.read_checks_table))
        )
        self._insert_inbox = SQL(
            "INSERT INTO {schema}.{table} (consumer, event_id) SELECT * FROM unnest(%s::text[], %s::text[])"
        ).format(schema=schema, table=Identifier(self.inbox_table))
        self._insert_idempotency = SQL(
            "INSERT INTO {schema}.{table} (key, request_hash, status_code, body) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::int[], %s::jsonb[])"
        ).format(schema=schema, table=Identifier(self.idempotency_table))
        self._select_inbox = SQL(
            "SELECT event_id FROM {schema}.{table} WHERE consumer = %s AND event_id = ANY(%s)"
        ).format(schema=schema, table=Identifier(self.inbox_table))
        self._select_idempotency = SQL(
            "SELECT key, request_hash, status_code, body FROM {schema}.{table} WHERE key = ANY(%s)"
        ).format(schema=schema, table=Identifier(self.idempotency_table))
        self._insert_events_values = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)"
        ).format(schema=schema, table=Identifier(self.events_table_name))
        self._check_reads_prefix = SQL(
            "INSERT INTO {schema}.{table} (changed_aggregate) SELECT r.id FROM unnest("
        ).format(schema=schema, table=Identifier(self.read_checks_table))
        self._check_reads_suffix = SQL(
            ") AS r(id, version) WHERE EXISTS (SELECT 1 FROM {schema}.{events} e "
            "WHERE e.originator_id = r.id AND e.originator_version > r.version) LIMIT 1"
        ).format(schema=schema, events=Identifier(self.events_table_name))
        self._check_reads_sql: tuple[str, str] | None = None
        self._events_prefix: list[str] | None = None
        self._topic_literals: dict[str, str] = {}

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Inbox and idempotency rows, then the events under the table lock: one transaction, one round trip.

        Every statement is bound on the client and sent as one simple query, which PostgreSQL runs as a
        single implicit transaction (all or nothing). Sent one by one, a commit took nine round trips,
        and on a busy machine each waited for the server to be scheduled: three quarters of the command
        thread's time went to those waits. Not psycopg's pipeline mode, which does the same with one
        sync: over a Unix socket (the embedded server) a pipelined insert of about a thousand events
        never returned.
        """
        with self.datastore.get_connection() as conn, ClientCursor(conn) as curs:
            if not conn.autocommit:  # else the query's statements would join a transaction left open
                raise RuntimeError("the event store's connections must be in autocommit mode")
            statements = self._side_statements(curs, **kwargs)
            check_reads = self._check_reads_statement(curs, kwargs.get("unchanged", {}))
            if stored_events:
                statements += self._events_statements(curs, stored_events, check_reads)
            elif check_reads:
                statements.append(check_reads)  # nothing to lock for: no events, so no order to keep
            if not statements:
                return []
            curs.execute("; ".join(statements).encode())
            while curs.nextset():
                pass  # the last result is the events' RETURNING
            return [row["notification_id"] for row in curs.fetchall()] if stored_events else []

    def _check_reads_statement(self, curs: ClientCursor[DictRow], unchanged: Mapping[UUID, int]) -> str | None:
        """Fails the transaction (aggregates_read_are_unchanged) if an aggregate the decisions read has events
        past the version they read it at: another writer (a second replica) changed it since.

        Run after the table lock, it sees every commit before this one: writers of events take turns.
        """
        if not unchanged:
            return None
        ids = ",".join(str(UUID(str(aggregate_id))) for aggregate_id in unchanged)
        versions = ",".join(str(int(version)) for version in unchanged.values())
        if self._check_reads_sql is None:
            self._check_reads_sql = self._check_reads_prefix.as_string(curs), self._check_reads_suffix.as_string(curs)
        prefix, suffix = self._check_reads_sql
        return f"{prefix}'{{{ids}}}'::uuid[], '{{{versions}}}'::bigint[]{suffix}"

    def _events_statements(
        self, curs: ClientCursor[DictRow], stored_events: Sequence[StoredEvent], check_reads: str | None = None
    ) -> list[str]:
        """Lock the table, check what was read, notify the relay, insert the events (returning their notification ids).

        The events are written as a VALUES list of literals made here: psycopg's quoting of an array of
        composites took a third of the command thread. Every part is safe as a literal by construction:
        a UUID, an int, a topic quoted by psycopg (once per topic), the state as hex.
        """
        if self._events_prefix is None:
            if curs.connection.info.parameter_status("standard_conforming_strings") != "on":
                raise RuntimeError("PostgreSQL must run with standard_conforming_strings = on (its default)")
            self._events_prefix = [curs.mogrify(statement) for statement in self.lock_table_statements] + [
                curs.mogrify(SQL("NOTIFY {0}").format(Identifier(self.channel_name))),
                curs.mogrify(self._insert_events_values),
            ]
        *locks, notify, insert = self._events_prefix
        values = ",".join(
            f"('{UUID(str(e.originator_id))}',{int(e.originator_version)},{self._topic_literal(curs, e.topic)},"
            f"'\\x{e.state.hex()}')"
            for e in stored_events
        )
        checks = [check_reads] if check_reads else []
        return [*locks, *checks, notify, f"{insert} VALUES {values} RETURNING notification_id"]

    def _topic_literal(self, curs: ClientCursor[DictRow], topic: str) -> str:
        literal = self._topic_literals.get(topic)
        if literal is None:
            literal = self._topic_literals[topic] = curs.mogrify("%s", (topic,))
        return literal

    def _side_statements(self, curs: ClientCursor[DictRow], **kwargs: Any) -> list[str]:
        """What commits with the events: idempotent answers, inbox rows, a command's own statements.

        Answers and inbox rows go first: a repeat then fails on its key or its message, which says it is
        a repeat, rather than on a row of its own (a vault's national id) that would look like a conflict.
        """
        sql = []
        idempotent: Sequence[IdempotentResponse] = kwargs.get("idempotent", ())
        if idempotent:
            answers = (
                [r.key for r in idempotent],
                [r.request_hash for r in idempotent],
                [r.status_code for r in idempotent],
                [json.dumps(r.body) for r in idempotent],
            )
            sql.append(curs.mogrify(self._insert_idempotency, answers))
        inbox: Sequence[tuple[str, str]] = kwargs.get("inbox", ())
        if inbox:
            sql.append(curs.mogrify(self._insert_inbox, ([c for c, _ in inbox], [e for _, e in inbox])))
        statements: Sequence[Statement] = kwargs.get("statements", ())
        sql += [curs.mogrify(statement.sql, statement.params) for statement in statements]
        return sql

    def select(self, sql: str, params: Sequence[Any]) -> list[DictRow]:
        """Rows of a query on the service's own tables, outside any command's transaction."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, params)
            return curs.fetchall()

    def processed_event_ids(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_inbox, (consumer, list(event_ids)))
            return {row["event_id"] for row in curs.fetchall()}

    def idempotent_responses(self, keys: Sequence[str]) -> dict[str, IdempotentResponse]:
        """The stored answers of those keys that have one (one query for a whole group of commands)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_idempotency, (list(keys),))
            rows = curs.fetchall()
        return {
            row["key"]: IdempotentResponse(
                key=row["key"], request_hash=row["request_hash"], status_code=row["status_code"], body=row["body"]
            )
            for row in rows
        }


class PathwaysFactory(PostgresFactory):
    application_recorder_class = PathwaysRecorder


class EventStore(Application[UUID]):
    """One service's event store. The application name names its tables (``<name>_events``)."""

    def __init__(self, name: str, env: Mapping[str, str]) -> None:
        self.name = name
        super().__init__(
            env={
                "PERSISTENCE_MODULE": get_topic(PathwaysFactory),
                "CREATE_TABLE": "y",
                "POSTGRES_POOL_SIZE": "4",
                "POSTGRES_MAX_OVERFLOW": "4",
                **env,
            }
        )

    def construct_mapper(self) -> Mapper[UUID]:
        return RecordedEventMapper(
            transcoder=self.factory.transcoder(),
            compressor=self.factory.compressor(),
            cipher=self.factory.cipher(),
        )

    @property
    def pathways_recorder(self) -> PathwaysRecorder:
        recorder = self.recorder
        assert isinstance(recorder, PathwaysRecorder)
        return recorder

    @property
    def events_table(self) -> str:
        return self.pathways_recorder.events_table_name

    def append(self, events: Sequence[RecordedEvent], **kwargs: Any) -> None:
        """Store events, and what commits with them (``kwargs`` of ``PathwaysRecorder.insert_events``).

        Straight to the recorder: ``Application.save`` would add, per event, isinstance checks
        against runtime protocols (slow in Python 3.11) and hooks this store does not use.
        """
        mapper = self.mapper
        self.pathways_recorder.insert_events([mapper.to_stored_event(event) for event in events], **kwargs)

    def history(self, aggregate_id: UUID) -> list[RecordedEvent]:
        return list(self.events.get(aggregate_id))  # type: ignore[arg-type]
