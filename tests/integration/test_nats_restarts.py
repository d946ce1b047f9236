"""When NATS goes away (a restart, an upgrade), commands go on, since their events wait in the
store; once it is back, however long it took, the relay publishes what was committed meanwhile,
once, and the consumers bring the read models up to date, with nobody restarting the service."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathways_infra.embedded import EmbeddedNats
from pathways_infra.settings import Settings
from pathways_infra.streams import provision_streams
from tests.support.journeys import created
from tests.support.system import RunningSystem, eventually, running_system


@pytest.fixture
def nats_of_its_own() -> Iterator[EmbeddedNats]:
    """A NATS server this test may stop and start again (the suite's is shared)."""
    data_dir = Path(tempfile.mkdtemp(prefix="pathways-test-nats-"))
    server = EmbeddedNats(data_dir, port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


async def test_commands_go_on_while_nats_is_down_and_everything_is_published_once_when_it_is_back(
    settings: Settings, nats_of_its_own: EmbeddedNats
) -> None:
    nats = nats_of_its_own
    assert nats.url
    # 60 attempts (nats-py's default limit) 50 ms apart are over long before NATS is back.
    settings = settings.model_copy(
        update={
            "nats_url": nats.url,
            "nats_service_urls": {"enrollment": nats.url_for("enrollment")},
            "nats_reconnect_wait_seconds": 0.05,
        }
    )
    await provision_streams(nats.url)  # as the operator: the service's user may not make them
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        created(await enrollment.post("/units", json={"name": "CDU Chiang Mai", "province_code": "TH-50"}))
        await eventually(lambda: _units_listed(system, 1), what="the first unit in the read model")

        nats.stop()
        during = [
            created(await enrollment.post("/units", json={"name": f"CDU Lampang {n}", "province_code": "TH-52"}))
            for n in range(3)
        ]
        assert all(answer["event_ids"] for answer in during)
        await asyncio.sleep(5)  # down for longer than 60 attempts to reconnect take

        nats.port = int(nats.url.rsplit(":", 1)[1])  # the same address: clients reconnect to it
        nats.start()
        await eventually(lambda: _units_listed(system, 4), timeout=60, what="the units committed while NATS was down")

        js = system.runtime("enrollment").js
        assert (await js.stream_info("ENROLLMENT")).state.messages == 4, "published twice, or lost"
        health = (await enrollment.get("/health")).json()
        assert health["relay"]["published"] >= 3 and health["consuming"] is True


async def _units_listed(system: RunningSystem, count: int) -> int | None:
    listed = (await system.client("enrollment").get("/units")).json()
    return len(listed) if len(listed) >= count else None
