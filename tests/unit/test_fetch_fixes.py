"""The fixes to nats-py's pull fetch under FastStream's batch loop, on a subscription that needs no server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import nats.errors
import nats.js.errors
import pytest
from nats.js import JetStreamContext

from pathways_infra.consumer import UNAVAILABLE_PAUSE_SECONDS, install_fetch_fixes


@pytest.fixture
def fetch_raising(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BaseException]]:
    """``PullSubscription.fetch`` raises what the test puts in the list, under the installed fixes."""
    raising: list[BaseException] = []

    async def original(self: Any, batch: int = 1, timeout: float | None = 5, heartbeat: float | None = None) -> Any:
        raise raising[0]

    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", original)
    install_fetch_fixes()
    yield raising


@pytest.mark.parametrize(
    "error", [nats.js.errors.ServiceUnavailableError(), nats.errors.ConnectionClosedError()], ids=["503", "closed"]
)
async def test_jetstream_unavailable_or_a_closed_connection_pauses_before_failing(
    fetch_raising: list[BaseException], error: BaseException, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastStream's loop fetches again at once after these: without the pause it spins at full CPU."""
    paused: list[float] = []

    async def sleep(seconds: float) -> None:
        paused.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    fetch_raising.append(error)
    with pytest.raises(type(error)):
        await JetStreamContext.PullSubscription.fetch(SimpleNamespace(), 10, 1.0)  # type: ignore[arg-type]
    assert paused == [UNAVAILABLE_PAUSE_SECONDS]


async def test_a_bare_asyncio_timeout_becomes_the_nats_timeout_faststream_expects(
    fetch_raising: list[BaseException],
) -> None:
    fetch_raising.append(TimeoutError())
    with pytest.raises(nats.errors.TimeoutError):
        await JetStreamContext.PullSubscription.fetch(SimpleNamespace(), 10, 1.0)  # type: ignore[arg-type]
