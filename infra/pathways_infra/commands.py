"""The one bridge from asyncio to the synchronous event store, with group commit.

Commands (HTTP requests, inbound events) are jobs: plain functions that load aggregates through a
:class:`Session` and append new domain events. A single worker thread takes every job waiting,
runs them one after another against a shared view of the aggregates, and saves all their events
(and inbox / idempotency records) in one transaction. Many commands per commit is where the speed
comes from; a conflict in a group is sorted out by running its jobs again one by one.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from pathways_infra.eventstore import (
    Actor,
    BulkInsert,
    EventMetadata,
    EventStore,
    IdempotentResponse,
    RecordedEvent,
    Statement,
)
from pathways_infra.ids import new_id
from pathways_infra.lease import HOLDS_LEASE_PSYCOPG, Fence
from pathways_infra.thai_time import thai_day

log = logging.getLogger(__name__)

S = TypeVar("S")
T = TypeVar("T")


class Evolver(Protocol[S]):
    """How an aggregate's state follows from its events (a service's domain provides it)."""

    def __call__(self, state: S | None, event: Any, /) -> S: ...


class IdTakenError(Exception):
    """The id given for a new record is already another kind of record's."""

    rule = "unique-id"

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(f"{aggregate_id} is already the id of another kind of record; use a new id")
        self.aggregate_id = aggregate_id


class ConcurrencyError(Exception):
    """Someone else changed the aggregate first; reload and try again."""

    rule = "optimistic-concurrency"

    def __init__(
        self, aggregate_id: UUID | None = None, expected: int | None = None, actual: int | None = None, detail: str = ""
    ) -> None:
        if aggregate_id is None:
            message = f"a concurrent command changed the same aggregate; retry ({detail})"
        else:
            message = f"aggregate {aggregate_id} is at version {actual}, not {expected}; reload it and retry"
        super().__init__(message)
        self.aggregate_id, self.expected, self.actual = aggregate_id, expected, actual


class AlreadyProcessedError(Exception):
    """The inbound message was processed by a concurrent worker; nothing to do."""


class AnsweredBeforeError(Exception):
    """The request's idempotency key already has a stored answer: the command did not run again."""

    def __init__(self, answer: IdempotentResponse) -> None:
        super().__init__(f"idempotency key {answer.key!r} was answered before")
        self.answer = answer


class IdempotentRequest(Protocol):
    """A command sent with an idempotency key: its answer is stored with its events."""

    @property
    def key(self) -> str: ...

    def answer(self, result: Any, /) -> IdempotentResponse: ...


@dataclass(frozen=True, kw_only=True)
class CommandContext:
    """Who asked, when the fact happened, and which conversation it belongs to."""

    actor: Actor
    occurred_at: datetime | None = None
    correlation_id: UUID = field(default_factory=new_id)
    causation_id: str | None = None
    expected_version: int | None = None  # If-Match: act only if the aggregate is still at this version

    def metadata(self, recorded_at: datetime) -> EventMetadata:
        return EventMetadata(
            event_id=new_id(),
            occurred_at=self.occurred_at or recorded_at,
            actor=self.actor,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )


@dataclass(frozen=True, kw_only=True)
class Appended(Generic[S]):
    """An aggregate after a command: its new state and version, and the ids of the new events."""

    aggregate_id: UUID
    state: S | None
    version: int
    event_ids: list[UUID]


@dataclass
class _Loaded(Generic[S]):
    state: S | None
    version: int
    evolve: Any = None  # what built ``state``: the aggregate's kind (None while there is no state)
    other_kind: bool = False  # the id is another kind of aggregate's (never shared or cached)

    def of_another_kind_than(self, evolve: Any) -> bool:
        return self.other_kind or (self.evolve is not None and self.evolve is not evolve)


class StateCache:
    """Aggregates as this runner last committed them, so most commands read nothing from the database.

    It also knows which aggregates exist at all (their ids, read once at start and kept up to date
    by commits), so a command creating one does not have to ask the database that it is new.

    Only this runner's successful commits fill it. Another writer (a second replica) can make an
    entry stale, or create what the cache says does not exist; the commit of a decision taken on it
    then fails (the events table's unique version for what the group writes, the check of the
    versions it read for the rest), and the runner evicts what the group touched (to be read from
    the store) before running its jobs again. A job refused on a cached entry writes nothing to fail
    on, so the runner evicts what it read from the cache and runs it again from the store alone.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[UUID, _Loaded[Any]] = OrderedDict()
        self._existing: set[UUID] | None = None  # None: not known, ask the store

    def know_existing(self, aggregate_ids: Iterable[UUID]) -> None:
        self._existing = set(aggregate_ids)

    def get(self, aggregate_id: UUID) -> _Loaded[Any] | None:
        loaded = self._entries.get(aggregate_id)
        if loaded is not None:
            self._entries.move_to_end(aggregate_id)
            return loaded
        if self._existing is not None and aggregate_id not in self._existing:
            return _Loaded(None, 0)
        return None

    def peek(self, aggregate_id: UUID) -> Any | None:
        """The state last committed, if cached; safe from any thread (one lookup, order untouched).
        It may be stale: only for what never changes once recorded."""
        loaded = self._entries.get(aggregate_id)
        return None if loaded is None else loaded.state

    def keep(self, aggregates: dict[UUID, _Loaded[Any]]) -> None:
        self._entries.update(aggregates)
        for aggregate_id, loaded in aggregates.items():
            self._entries.move_to_end(aggregate_id)
            if self._existing is not None and loaded.version:
                self._existing.add(aggregate_id)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def evict(self, aggregate_ids: Iterable[UUID]) -> None:
        for aggregate_id in aggregate_ids:
            self._entries.pop(aggregate_id, None)
            if self._existing is not None:
                self._existing.add(aggregate_id)  # may exist after all: read it from the store


class GroupView:
    """What a group's jobs have seen: each aggregate as the group leaves it, the version the group first
    read it at (its commit checks no one has written past it), and which came from the cache."""

    def __init__(self) -> None:
        self.shared: dict[UUID, _Loaded[Any]] = {}
        self.read_versions: dict[UUID, int] = {}
        self.from_cache: set[UUID] = set()

    def saw(self, aggregate_id: UUID, loaded: _Loaded[Any], *, cached: bool) -> None:
        self.shared[aggregate_id] = loaded
        self.read_versions.setdefault(aggregate_id, loaded.version)
        if cached:
            self.from_cache.add(aggregate_id)
        else:
            self.from_cache.discard(aggregate_id)

    def unchanged_since_read(self, written: set[UUID]) -> dict[UUID, int]:
        """The versions to check at commit; what the group writes is checked by the events' unique version."""
        return {aggregate_id: v for aggregate_id, v in self.read_versions.items() if aggregate_id not in written}


class Session:
    """What a job sees: aggregates as of this group, and where its new events go."""

    def __init__(self, store: EventStore, group: GroupView, now: datetime, cache: StateCache | None = None) -> None:
        self._store = store
        self._group = group
        self._shared = group.shared
        self._cache = cache
        self._seen: set[UUID] = set()
        self._mine: dict[UUID, _Loaded[Any]] = {}
        self.new_events: list[RecordedEvent] = []
        self.processed: list[tuple[str, str]] = []
        self.statements: list[Statement] = []
        self.bulk_rows: list[tuple[BulkInsert, tuple[Any, ...]]] = []
        self.now = now

    @property
    def today(self) -> date:
        """The day it is in Thailand now: the day of a command that gives none (days given are Thai days)."""
        return thai_day(self.now)

    def also(self, sql: str, *params: Any) -> None:
        """Write to the service's own tables in the same transaction as the job's events."""
        self.statements.append(Statement(sql, params))

    def also_insert(self, insert: BulkInsert, *row: Any) -> None:
        """Insert a row in the same transaction as the job's events, with the group's other rows for ``insert``."""
        self.bulk_rows.append((insert, row))

    def already_processed(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Which of these inbound events the consumer has processed (committed) before."""
        return self._store.pathways_recorder.processed_event_ids(consumer, event_ids)

    def holds_lease(self, fence: Fence) -> bool:
        """Whether the consumers' lock is still held by the session ``fence`` names."""
        return bool(self._store.pathways_recorder.select(HOLDS_LEASE_PSYCOPG, fence.params())[0]["exists"])

    def mark_processed(self, consumer: str, event_id: str) -> None:
        """Record, in the same transaction as the job's events, that the consumer processed this event."""
        self.processed.append((consumer, event_id))

    def load(self, evolve: Evolver[S], aggregate_id: UUID) -> tuple[S | None, int]:
        """The aggregate's state and version; (None, 0) if there is none of this kind with that id."""
        loaded = self._loaded(evolve, aggregate_id)
        if loaded.of_another_kind_than(evolve):
            return None, 0
        return loaded.state, loaded.version

    def _loaded(self, evolve: Evolver[S], aggregate_id: UUID) -> _Loaded[S]:
        self._seen.add(aggregate_id)
        loaded = self._mine.get(aggregate_id) or self._shared.get(aggregate_id)
        if loaded is None and self._cache is not None:
            loaded = self._cache.get(aggregate_id)
            if loaded is not None:
                self._group.saw(aggregate_id, loaded, cached=True)
        if loaded is None:
            loaded = self._load_stored(evolve, aggregate_id)
        return loaded

    def _load_stored(self, evolve: Evolver[S], aggregate_id: UUID) -> _Loaded[S]:
        state: S | None = None
        version = 0
        for recorded in self._store.history(aggregate_id):
            try:
                state = evolve(state, recorded.event)
            except TypeError:
                if state is None:  # its first event is no event of this kind: the id is another kind's
                    return _Loaded(None, 0, other_kind=True)
                raise
            version = recorded.originator_version
        loaded = _Loaded(state, version, evolve if state is not None else None)
        self._group.saw(aggregate_id, loaded, cached=False)
        return loaded

    def _check_version(self, evolve: Evolver[S], aggregate_id: UUID, expected: int) -> _Loaded[S]:
        """If-Match disagreed: a cached version may be stale (another replica wrote); only the store can refuse."""
        loaded = self._mine.get(aggregate_id) or self._shared[aggregate_id]
        if aggregate_id in self._group.from_cache and aggregate_id not in self._mine:
            loaded = self._load_stored(evolve, aggregate_id)
        if expected != loaded.version:
            raise ConcurrencyError(aggregate_id, expected, loaded.version)
        return loaded

    def append(
        self,
        evolve: Evolver[S],
        aggregate_id: UUID,
        events: Sequence[Any],
        context: CommandContext,
        *,
        expected_version: int | None = None,
    ) -> Appended[S]:
        """Append events to an aggregate; with ``expected_version``, only if it is still there."""
        if expected_version is None:
            expected_version = context.expected_version
        loaded = self._loaded(evolve, aggregate_id)
        if loaded.of_another_kind_than(evolve):
            raise IdTakenError(aggregate_id)
        current = loaded.state, loaded.version
        if expected_version is not None and expected_version != current[1]:
            checked = self._check_version(evolve, aggregate_id, expected_version)
            current = checked.state, checked.version
        state: S | None = current[0]
        version = current[1]
        event_ids: list[UUID] = []
        for event in events:
            version += 1
            state = evolve(state, event)
            metadata = context.metadata(self.now)
            event_ids.append(metadata.event_id)
            self.new_events.append(
                RecordedEvent(
                    originator_id=aggregate_id,
                    originator_version=version,
                    timestamp=self.now,
                    event=event,
                    metadata=metadata,
                )
            )
        self._mine[aggregate_id] = _Loaded(state, version, evolve)
        return Appended(aggregate_id=aggregate_id, state=state, version=version, event_ids=event_ids)

    def decide(
        self,
        evolve: Evolver[S],
        aggregate_id: UUID,
        decision: Callable[[S | None], Sequence[Any]],
        context: CommandContext,
    ) -> Appended[S]:
        """Load the aggregate, let the domain decide on its state, and append what it decided.

        With If-Match, a stale version is refused before the domain decides: the caller's view is out
        of date, whatever rule its command might break now."""
        loaded = self.load(evolve, aggregate_id)
        state: S | None = loaded[0]
        expected = context.expected_version
        version = loaded[1]
        if expected is not None and state is not None and expected != version:  # none: the domain says unknown
            state = self._check_version(evolve, aggregate_id, expected).state
        return self.append(evolve, aggregate_id, decision(state), context)

    def read_from_cache(self) -> set[UUID]:
        """The aggregates this job saw as the cache held them (itself or through an earlier job of its group)."""
        return self._seen & self._group.from_cache

    def keep(self) -> None:
        """The job succeeded: later jobs of the group see what it did."""
        self._shared.update(self._mine)


Job = Callable[[Session], T]


@dataclass
class _Pending(Generic[T]):
    job: Job[T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    idempotent: IdempotentRequest | None = None
    settled: bool = False

    def settle(self, result: T | None = None, error: BaseException | None = None) -> None:
        self.settled = True  # read on the worker thread; the future itself belongs to the loop

        def _set() -> None:
            if self.future.done():
                return
            if error is not None:
                self.future.set_exception(error)
            else:
                self.future.set_result(result)  # type: ignore[arg-type]

        self.loop.call_soon_threadsafe(_set)


@dataclass
class _Outcome(Generic[T]):
    pending: _Pending[T]
    result: T
    session: Session


_STOP = object()


class CommandRunner:
    """Runs jobs on one worker thread, committing every group of waiting jobs together."""

    def __init__(
        self, store: EventStore, *, max_group: int = 512, conflict_retries: int = 3, cache_size: int = 200_000
    ) -> None:
        self.store = store
        self.cache = StateCache(cache_size)
        self._max_group = max_group
        self._conflict_retries = conflict_retries
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.commits = 0
        self.jobs = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name=f"commands-{self.store.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the jobs already queued, then stop the worker."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    async def run(
        self,
        job: Job[T],
        *,
        idempotent: IdempotentRequest | None = None,
    ) -> T:
        if self._thread is None:
            raise RuntimeError("the command runner is not started")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Pending(job, loop, future, idempotent))
        return await future

    def peek(self, aggregate_id: UUID) -> Any | None:
        """An aggregate's state as cached, without waiting for the worker (see ``StateCache.peek``)."""
        return self.cache.peek(aggregate_id)

    async def call(self, function: Callable[[], T]) -> T:
        """Run a read on the worker (it owns the event store's connections' thread)."""
        return await self.run(lambda _session: function())

    def _work(self) -> None:
        recorder = self.store.pathways_recorder
        table = recorder.events_table_name
        self.cache.know_existing(
            row["originator_id"] for row in recorder.select(f"SELECT DISTINCT originator_id FROM {table}", ())
        )
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            group = [item]
            stop_after = False
            while len(group) < self._max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop_after = True
                    break
                group.append(more)
            self._run_group(group)
            if stop_after:
                return

    def _run_group(self, group: list[_Pending[Any]], *, from_store: bool = False) -> None:
        """Run the jobs, commit what succeeded, then answer what failed: a failure may be the repeat of a
        request whose first run committed in this very group, and then its answer is that one's."""
        outcomes, failed, view = self._execute(group, use_cache=not from_store)
        failures, stale = self._on_cached_state(failed, recheck=not from_store)
        if outcomes and not self._commit_group(outcomes, view) and failed:
            # A refusal may rest on what an earlier job of the group decided, which was not saved.
            for pending, _error, _cached in failed:
                self._run_group([pending], from_store=from_store)
            return
        self._settle_failures(failures)
        self._recheck(stale)

    def _commit_group(self, outcomes: list[_Outcome[Any]], view: GroupView) -> bool:
        """Commit the jobs that succeeded, and answer them; whether they committed together, as decided."""
        try:
            self._commit(outcomes, view)
        except IntegrityError as error:
            if len(outcomes) == 1:
                self._resolve_conflict(outcomes[0].pending, error)
            else:
                for outcome in outcomes:
                    self._run_group([outcome.pending])
            return False
        except Exception as error:  # the database is down, or worse: every job hears of it
            log.exception("commit failed")
            for outcome in outcomes:
                outcome.pending.settle(error=error)
            return False
        for outcome in outcomes:
            outcome.pending.settle(result=outcome.result)
        return True

    def _on_cached_state(
        self, failures: list[tuple[_Pending[Any], Exception, set[UUID]]], *, recheck: bool
    ) -> tuple[list[tuple[_Pending[Any], Exception]], list[tuple[_Pending[Any], set[UUID]]]]:
        """Failures to answer now, and those to run again from the store: a job refused on state read
        from the cache may have been refused on state another replica has since changed (a decision
        it accepts is checked at commit; one it refuses writes nothing)."""
        final = [(pending, error) for pending, error, cached in failures if not (recheck and cached)]
        stale = [(pending, cached) for pending, _error, cached in failures if recheck and cached]
        return final, stale

    def _recheck(self, stale: list[tuple[_Pending[Any], set[UUID]]]) -> None:
        """Run each again reading only the store: what it reads once past the stale entry may be stale too."""
        for pending, cached in stale:
            self.cache.evict(cached)
            self._run_group([pending], from_store=True)

    def _settle_failures(self, failures: list[tuple[_Pending[Any], Exception]]) -> None:
        """A job that failed may be the repeat of a request answered before: then the answer is its result.

        Keys are looked up only here, not for every group: a repeat whose job succeeds again is caught
        by the idempotency table's key when the group commits (and then re-run alone).
        """
        keys = [pending.idempotent.key for pending, _ in failures if pending.idempotent is not None]
        answered = self.store.pathways_recorder.idempotent_responses(keys) if keys else {}
        for pending, error in failures:
            stored = answered.get(pending.idempotent.key) if pending.idempotent is not None else None
            pending.settle(error=AnsweredBeforeError(stored) if stored is not None else error)

    def _execute(
        self, group: list[_Pending[Any]], *, use_cache: bool = True
    ) -> tuple[list[_Outcome[Any]], list[tuple[_Pending[Any], Exception, set[UUID]]], GroupView]:
        """Run the group's jobs in turn: what succeeded, what failed (with the aggregates it read from
        the cache), and what the group saw of every aggregate it loaded or changed."""
        view = GroupView()
        now = datetime.now(UTC)
        outcomes: list[_Outcome[Any]] = []
        failures: list[tuple[_Pending[Any], Exception, set[UUID]]] = []
        for pending in group:
            session = Session(self.store, view, now, self.cache if use_cache else None)
            try:
                result = pending.job(session)
            except Exception as error:
                failures.append((pending, error, session.read_from_cache()))
                continue
            session.keep()
            outcomes.append(_Outcome(pending, result, session))
        return outcomes, failures, view

    def _commit(self, outcomes: list[_Outcome[Any]], view: GroupView) -> None:
        """Save the group in one transaction, if nothing it decided on has changed since it read it;
        then its aggregates, as saved, are what the cache holds."""
        events = [event for outcome in outcomes for event in outcome.session.new_events]
        inbox = [entry for outcome in outcomes for entry in outcome.session.processed]
        idempotent = [o.pending.idempotent.answer(o.result) for o in outcomes if o.pending.idempotent is not None]
        statements = _bulk([row for outcome in outcomes for row in outcome.session.bulk_rows])
        statements += [statement for outcome in outcomes for statement in outcome.session.statements]
        if events or inbox or idempotent or statements:
            unchanged = view.unchanged_since_read({event.originator_id for event in events})
            try:
                self.store.append(
                    events, inbox=inbox, idempotent=idempotent, statements=statements, unchanged=unchanged
                )
            except Exception:
                self.cache.evict(view.shared)
                raise
            self.commits += 1
        self.cache.keep(view.shared)
        self.jobs += len(outcomes)

    def _resolve_conflict(self, pending: _Pending[Any], error: IntegrityError) -> None:
        message = str(error)
        if "inbox" in message or "idempotency" in message:
            pending.settle(error=AlreadyProcessedError(message))
            return
        for _ in range(self._conflict_retries):
            outcomes, failures, view = self._execute([pending])
            if not outcomes:
                self._settle_failures([(failed, error) for failed, error, _cached in failures])
                return
            try:
                self._commit(outcomes, view)
            except IntegrityError as again:
                error = again
                continue
            pending.settle(result=outcomes[0].result)
            return
        pending.settle(error=_conflict_error(error))


def _bulk(rows: Sequence[tuple[BulkInsert, tuple[Any, ...]]]) -> list[Statement]:
    """One statement per kind of insert, in the order each kind first appeared (parents before children)."""
    by_insert: dict[BulkInsert, list[tuple[Any, ...]]] = {}
    for insert, row in rows:
        by_insert.setdefault(insert, []).append(row)
    return [insert.of(same) for insert, same in by_insert.items()]


def _conflict_error(error: IntegrityError) -> Exception:
    message = str(error)
    if "idempotency" in message:
        return AlreadyProcessedError(message)
    return ConcurrencyError(detail=message.splitlines()[0])
