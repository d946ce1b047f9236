"""Two replicas of a service's command side on one event store: neither acts on state the other
has changed since it cached it, whether its decision would accept a command or refuse it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest

from pathways_infra.commands import CommandContext, CommandRunner, Session
from pathways_infra.database import DatabaseAddress, ensure_database
from pathways_infra.eventstore import Actor, EventStore
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
