"""The `pathways` command as a user runs it: a child process, told where this test's servers are."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings
from tests.support.system import free_port


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def run_pathways(env: Mapping[str, str], *args: str, timeout: float = 120) -> Ran:
    """``pathways ARGS…`` to its end, without blocking the event loop services of the test may run on."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pathways_infra", *args,
        env=dict(env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=timeout)
    assert process.returncode is not None
    return Ran(process.returncode, stdout.decode(), stderr.decode())


def system_env(settings: Settings, ports: Mapping[ServiceName, int]) -> dict[str, str]:
    """The environment of a user whose system runs on this test's servers, databases and ports."""
    return {
        **os.environ,
        "PATHWAYS_DATABASE_URL": settings.database_url or "",
        "PATHWAYS_NATS_URL": settings.nats_url or "",
        "PATHWAYS_DATABASE_PREFIX": settings.database_prefix,
        "PATHWAYS_DATA_DIR": str(settings.data_dir),
        "PATHWAYS_LOG_LEVEL": "WARNING",
        **{f"PATHWAYS_{service.upper()}_PORT": str(port) for service, port in ports.items()},
    }


@dataclass(frozen=True)
class UpRun:
    env: dict[str, str]
    ports: dict[ServiceName, int]


@asynccontextmanager
async def pathways_up(settings: Settings, *, start_timeout: float = 60) -> AsyncIterator[UpRun]:
    """`pathways up` in a child process, until every service answers /health; Ctrl-C (SIGINT) at the end,
    which must stop it cleanly (exit 0, "stopped")."""
    ports: dict[ServiceName, int] = {service: free_port() for service in SERVICE_NAMES}
    env = system_env(settings, ports)
    with tempfile.TemporaryFile() as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pathways_infra", "up", env=env, stdout=output, stderr=output
        )
        try:
            await _until_healthy(process, ports, start_timeout)
            yield UpRun(env, ports)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
            returncode = await asyncio.wait_for(process.wait(), timeout=60)
            output.seek(0)
            said = output.read().decode(errors="replace")
        assert returncode == 0, f"pathways up exited with {returncode}:\n{said}"
        assert said.rstrip().endswith("stopped"), said


async def _until_healthy(process: asyncio.subprocess.Process, ports: Mapping[ServiceName, int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        for service, port in ports.items():
            while True:
                if process.returncode is not None:
                    raise AssertionError(f"pathways up exited with {process.returncode} while starting")
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service} did not answer /health within {timeout:.0f}s of `pathways up`")
                await asyncio.sleep(0.1)
