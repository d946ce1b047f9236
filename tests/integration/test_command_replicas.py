"""Two replicas of a service's command side on one event store: neither acts on state the other
has changed since it cached it, whether its decision would accept a command or refuse it, nor on the
absence of a record the other has made. And within one replica's group commit, repeats of a request
answer as its first run did."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest

from pathways_infra.commands import AnsweredBeforeError, CommandContext, CommandRunner, Session
from pathways_infra.database import DatabaseAddress, ensure_database
from pathways_infra.eventstore import Actor, EventStore, IdempotentResponse
from pathways_infra.settings import Settings

CONTEXT = CommandContext(actor=Actor(id="test", role="tester"))


@dataclass(frozen=True, kw_only=True)
class DoorInstalled:
    door_id: UUID


@dataclass(frozen=True, kw_only=True)
class DoorOpened:
    door_id: UUID


@dataclass(frozen=True, kw_only=True)
class DoorClosed:
    door_id: UUID


class DoorRuleError(Exception):
    pass


def evolve(state: str | None, event: object) -> str:
    return {DoorInstalled: "closed", DoorOpened: "open", DoorClosed: "closed"}[type(event)]


def install(door_id: UUID) -> Callable[[Session], int]:
    def job(session: Session) -> int:
        return session.append(evolve, door_id, [DoorInstalled(door_id=door_id)], CONTEXT).version

    return job


def change(door_id: UUID, *, to: str) -> Callable[[Session], int]:
    def job(session: Session) -> int:
        state, _version = session.load(evolve, door_id)
        if state is None:
            raise DoorRuleError(f"no door {door_id}")
        if state == to:
            raise DoorRuleError(f"the door is {state} already")
        event = DoorOpened(door_id=door_id) if to == "open" else DoorClosed(door_id=door_id)
        return session.append(evolve, door_id, [event], CONTEXT).version

    return job


def install_unless_installed(door_id: UUID, *, other: UUID) -> Callable[[Session], int]:
    """Like a transfer refused where the participant already has a case: a rule on a record it only reads."""

    def job(session: Session) -> int:
        if session.load(evolve, other)[0] is not None:
            raise DoorRuleError(f"door {other} is installed already")
        return session.append(evolve, door_id, [DoorInstalled(door_id=door_id)], CONTEXT).version

    return job


def install_if_closed(door_id: UUID, *, other: UUID) -> Callable[[Session], int]:
    def job(session: Session) -> int:
        if session.load(evolve, other)[0] != "closed":
            raise DoorRuleError(f"door {other} is not closed")
        return session.append(evolve, door_id, [DoorInstalled(door_id=door_id)], CONTEXT).version

    return job


def open_if_closed(door_id: UUID, *, other: UUID) -> Callable[[Session], int]:
    def job(session: Session) -> int:
        if session.load(evolve, other)[0] != "closed":
            raise DoorRuleError(f"door {other} is not closed")
        return change(door_id, to="open")(session)

    return job


def open_when_installed(door_id: UUID, *, other: UUID) -> Callable[[Session], int]:
    """Reads one door, then, only if it is there, the other: a refusal may hide a second stale read."""

    def job(session: Session) -> int:
        if session.load(evolve, other)[0] is None:
            raise DoorRuleError(f"no door {other}")
        return change(door_id, to="open")(session)

    return job


def look_at(door_id: UUID) -> Callable[[Session], str | None]:
    return lambda session: session.load(evolve, door_id)[0]


@dataclass(frozen=True)
class Keyed:
    key: str

    def answer(self, result: int) -> IdempotentResponse:
        return IdempotentResponse(key=self.key, request_hash="same request", status_code=201, body={"version": result})


def _hold_the_worker(_session: Session) -> None:
    time.sleep(0.3)  # on the runner's worker thread, not the event loop


async def _with_busy_worker(runner: CommandRunner, *jobs: Callable[[], Awaitable[object]]) -> list[object]:
    """Run the jobs as one group: they queue while the worker is busy, and it then takes them together."""
    busy = asyncio.create_task(runner.run(_hold_the_worker))
    await asyncio.sleep(0.1)
    results = await asyncio.gather(*(job() for job in jobs), return_exceptions=True)
    await busy
    return list(results)


@pytest.fixture
async def replicas(settings: Settings) -> AsyncIterator[tuple[CommandRunner, CommandRunner, EventStore]]:
    assert settings.database_url
    address = await ensure_database(DatabaseAddress.parse(settings.database_url), settings.database_name("training"))
    loop = asyncio.get_running_loop()
    stores = [
        await loop.run_in_executor(None, lambda: EventStore("training", address.eventsourcing_env())) for _ in range(2)
    ]
    runners = [CommandRunner(store) for store in stores]
    for runner in runners:
        runner.start()
    try:
        yield runners[0], runners[1], stores[0]
    finally:
        for runner, store in zip(runners, stores, strict=True):
            await loop.run_in_executor(None, runner.stop)
            store.close()


async def test_a_replica_does_not_refuse_on_state_another_replica_changed(
    replicas: tuple[CommandRunner, CommandRunner, EventStore],
) -> None:
    first, second, store = replicas
    door = uuid4()
    assert await second.run(install(door)) == 1  # cached by the second replica: closed, version 1
    # The first replica started before the door existed: its cache says there is no such door.
    assert await first.run(change(door, to="open")) == 2
    # The second replica's cache still says closed; the door is open, so closing it is right.
    assert await second.run(change(door, to="closed")) == 3
    history = await asyncio.get_running_loop().run_in_executor(None, lambda: store.history(door))
    assert [type(recorded.event) for recorded in history] == [DoorInstalled, DoorOpened, DoorClosed]


async def test_a_refusal_that_holds_in_the_store_is_still_a_refusal(
    replicas: tuple[CommandRunner, CommandRunner, EventStore],
) -> None:
    first, second, _store = replicas
    door = uuid4()
    await first.run(install(door))
    with pytest.raises(DoorRuleError, match="closed already"):
        await second.run(change(door, to="closed"))
    with pytest.raises(DoorRuleError, match="no door"):
        await first.run(change(uuid4(), to="open"))


async def test_a_replica_does_not_accept_on_the_absence_of_a_record_another_replica_made(
    replicas: tuple[CommandRunner, CommandRunner, EventStore],
) -> None:
    first, second, store = replicas
    installed, refused = uuid4(), uuid4()
    await second.run(install(installed))  # the first replica's cache says there is no such door
    with pytest.raises(DoorRuleError, match="installed already"):
        await first.run(install_unless_installed(refused, other=installed))
    history = await asyncio.get_running_loop().run_in_executor(None, lambda: store.history(refused))
    assert history == []


async def test_a_replica_does_not_accept_on_state_another_replica_changed_since_it_read_it(
    replicas: tuple[CommandRunner, CommandRunner, EventStore],
) -> None:
    first, second, _store = replicas
    door, new = uuid4(), uuid4()
    await first.run(install(door))  # cached by the first replica: closed
    await second.run(change(door, to="open"))
    with pytest.raises(DoorRuleError, match="not closed"):
        await first.run(install_if_closed(new, other=door))


async def test_a_refusal_run_again_from_the_store_reads_nothing_more_from_the_cache(
    replicas: tuple[CommandRunner, CommandRunner, EventStore],
) -> None:
    first, second, _store = replicas
    door, other = uuid4(), uuid4()
    await first.run(install(door))
    await first.run(change(door, to="open"))  # cached by the first replica: open
    await second.run(change(door, to="closed"))
    await second.run(install(other))
    # Refused at first on the other door's absence (cached); run again, it must not read the door
    # from the cache either: there it is open, in the store it is closed and may be opened.
    assert await first.run(open_when_installed(door, other=other)) == 4


async def test_a_refusal_on_what_an_earlier_job_of_the_group_read_from_the_cache_is_checked_in_the_store(
    replicas: tuple[CommandRunner, CommandRunner, EventStore],
) -> None:
    first, second, _store = replicas
    door = uuid4()
    await first.run(install(door))  # cached by the first replica: closed
    await second.run(change(door, to="open"))
    _looked, closed = await _with_busy_worker(
        first, lambda: first.run(look_at(door)), lambda: first.run(change(door, to="closed"))
    )
    assert closed == 3, closed


async def test_a_refusal_on_what_an_earlier_job_of_the_group_decided_stands_only_if_that_was_saved(
    replicas: tuple[CommandRunner, CommandRunner, EventStore],
) -> None:
    first, second, store = replicas
    door, other = uuid4(), uuid4()
    await first.run(install(door))  # cached by the first replica: closed
    await first.run(install(other))
    await second.run(change(door, to="open"))
    await first.call(lambda: first.cache.evict([other]))  # as the cache's capacity would: read from the store
    # The first job opens the other door on the stale "closed" and cannot commit; the second was
    # refused on that open door, which was never saved.
    opened, second_opened = await _with_busy_worker(
        first, lambda: first.run(open_if_closed(other, other=door)), lambda: first.run(change(other, to="open"))
    )
    history = await asyncio.get_running_loop().run_in_executor(None, lambda: store.history(other))
    assert isinstance(opened, DoorRuleError), opened
    assert second_opened == 2, second_opened
    assert [type(recorded.event) for recorded in history] == [DoorInstalled, DoorOpened]


async def test_repeats_of_a_request_in_the_group_of_its_first_run_answer_as_it_did(
    replicas: tuple[CommandRunner, CommandRunner, EventStore],
) -> None:
    runner, _other, _store = replicas
    door = uuid4()
    await runner.run(install(door))
    request = Keyed("open the door")
    answers = await _with_busy_worker(
        runner, *(lambda: runner.run(change(door, to="open"), idempotent=request) for _ in range(5))
    )
    first, *repeats = answers
    assert first == 2
    assert all(isinstance(repeat, AnsweredBeforeError) for repeat in repeats), repeats
    assert {repeat.answer.body["version"] for repeat in repeats if isinstance(repeat, AnsweredBeforeError)} == {2}
