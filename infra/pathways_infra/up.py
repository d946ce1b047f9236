"""``pathways up`` and ``pathways servers``: embedded servers and the three services, watched until stopped.

Exit status: 0 when asked to stop (Ctrl-C, SIGTERM), 1 when it stopped because something failed or
died: a service, the embedded PostgreSQL or NATS, or a start that could not happen.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pathways_infra.data_lock import DataDirBusyError, DataDirLock
from pathways_infra.embedded import EmbeddedServerError, EmbeddedServers, ServerUrls
from pathways_infra.nats_auth import redacted
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
CHILD_STOP_SECONDS = 30.0

Children = dict[ServiceName, "subprocess.Popen[bytes]"]


class StopRequest:
    """Set by SIGINT or SIGTERM; installed before anything starts, so a stop at any moment is heard.
    A second one while stopping means: now (services still running are killed)."""

    def __init__(self) -> None:
        self.count = 0

    @property
    def requested(self) -> bool:
        return self.count > 0

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._request)
        signal.signal(signal.SIGINT, self._request)

    def _request(self, *_: Any) -> None:
        self.count += 1


def embedded_servers(settings: Settings, *, external: bool, lock: DataDirLock) -> EmbeddedServers:
    """The servers under the data folder; with ``external``, those the settings name are not started.
    If the folder's last holder died holding it (it left its record), the servers it left running
    are this one's to stop: nobody else will."""
    return EmbeddedServers(
        settings.data_dir, database_url=settings.database_url if external else None,
        nats_url=settings.nats_url if external else None, nats_port=settings.embedded_nats_port,
        nats_integrators=settings.nats_integrators, adopt_running=bool(lock.previous),
    )  # fmt: skip


def run_up(settings: Settings) -> int:
    stop = StopRequest()
    stop.install()
    try:
        with DataDirLock(settings.data_dir.resolve(), "up") as lock:
            problem = leftover_services(lock.previous) or taken_ports(settings)
            if problem:
                print(problem, file=sys.stderr)
                return 1
            servers = embedded_servers(settings, external=True, lock=lock)
            try:
                return _run_system(settings, servers, lock, stop)
            finally:
                servers.stop()
                print("stopped", flush=True)
    except DataDirBusyError as error:
        print(error, file=sys.stderr)
        return 1


def run_servers(settings: Settings, announce: Callable[[ServerUrls], None]) -> int:
    stop = StopRequest()
    stop.install()
    try:
        with DataDirLock(settings.data_dir.resolve(), "servers") as lock:
            servers = embedded_servers(settings, external=False, lock=lock)
            try:
                urls = start_servers(servers, settings, stop)
                if urls is None:
                    return 0 if stop.requested else 1
                announce(urls)
                return _watch(stop, lambda: _stopped_servers(servers))
            finally:
                servers.stop()
    except DataDirBusyError as error:
        print(error, file=sys.stderr)
        return 1


def start_servers(servers: EmbeddedServers, settings: Settings, stop: StopRequest) -> ServerUrls | None:
    """Start the servers and make the streams as the operator (services may not).

    None when a stop was asked for meanwhile, or when it failed (said on stderr); the caller stops
    whatever was started either way.
    """
    import nats.errors

    from pathways_infra.streams import StreamMisconfiguredError, provision_streams

    try:
        urls = servers.start()
        if stop.requested:
            return None
        for name in asyncio.run(provision_streams(urls.nats_url, settings.stream_replicas, settings.nats_integrators)):
            print(f"warning: integrator {name!r} has a consumer on OUTCOMES but no NATS user now: add it to "
                  "PATHWAYS_NATS_INTEGRATORS to let it read again", file=sys.stderr, flush=True)  # fmt: skip
    except (StreamMisconfiguredError, EmbeddedServerError) as error:
        _unless_stopping(stop, str(error))
        return None
    except subprocess.SubprocessError as error:  # Ctrl-C reaches pg_ctl and initdb too: no failure then
        _unless_stopping(stop, f"PostgreSQL did not start ({error}); see {settings.data_dir.resolve() / 'postgres'}")
        return None
    except (OSError, nats.errors.Error) as error:
        _unless_stopping(stop, f"could not reach NATS to make the streams: {error!r}")
        return None
    return None if stop.requested else urls


def _unless_stopping(stop: StopRequest, message: str) -> None:
    if not stop.requested:
        print(message, file=sys.stderr)


def _run_system(settings: Settings, servers: EmbeddedServers, lock: DataDirLock, stop: StopRequest) -> int:
    urls = start_servers(servers, settings, stop)
    if urls is None:
        return 0 if stop.requested else 1
    children: Children = {}
    try:
        for service in SERVICE_NAMES:
            if stop.requested:
                return 0
            children[service] = _spawn(service, urls)
        lock.record(services={service: child.pid for service, child in children.items()})
        _announce(settings, urls)
        return _watch(stop, lambda: _stopped_children(children) + _stopped_servers(servers))
    finally:
        _stop_children(children, stop)


def _spawn(service: ServiceName, urls: ServerUrls) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PATHWAYS_DATABASE_URL": urls.database_url, "PATHWAYS_NATS_URL": urls.nats_url_of(service)}
    command = [sys.executable, "-m", "pathways_infra", "serve", service]
    # preexec_fn is unsafe with threads; `up` runs none of its own when it starts the services.
    return subprocess.Popen(command, env=env, preexec_fn=die_with_parent())  # noqa: PLW1509


def die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn making the child get SIGTERM when this process dies, even by SIGKILL (Linux only):
    services left running would hold their ports and the next ``pathways up`` could not start."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: the child only makes the call
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _announce(settings: Settings, urls: ServerUrls) -> None:
    print(f"NATS:       {redacted(urls.nats_url)}", flush=True)
    print(f"PostgreSQL: {urls.database_url}", flush=True)
    for name, url in urls.nats_integrator_urls.items():
        print(f"integrator {name}: {redacted(url)} (reads OUTCOMES through consumer {name!r}; "
              f"password in {urls.nats_passwords_file})", flush=True)  # fmt: skip
    for service in SERVICE_NAMES:
        print(f"{service:<11} http://{settings.http_host}:{settings.port_of(service)}  (docs: /docs)", flush=True)
    print("Press Ctrl-C to stop.", flush=True)


def _watch(stop: StopRequest, failures: Callable[[], list[str]]) -> int:
    """Wait for a stop (0), or for ``failures`` to name something that died (1, said)."""
    while not stop.requested:
        failed = failures()
        if failed:
            print(f"{'; '.join(failed)}: stopping everything", file=sys.stderr, flush=True)
            return 1
        time.sleep(0.2)
    return 0


def _stopped_children(children: Children) -> list[str]:
    return [f"{name} exited with {child.returncode}" for name, child in children.items() if child.poll() is not None]


def _stopped_servers(servers: EmbeddedServers) -> list[str]:
    return [f"the embedded {server} server stopped" for server in servers.stopped()]


def _stop_children(children: Children, stop: StopRequest) -> None:
    """SIGTERM to each, then wait for all together; kill what is left after ``CHILD_STOP_SECONDS``,
    or at once on a Ctrl-C (or SIGTERM) while stopping."""
    running = [child for child in children.values() if child.poll() is None]
    for child in running:
        child.send_signal(signal.SIGTERM)
    heard = stop.count
    deadline = time.monotonic() + CHILD_STOP_SECONDS
    while any(child.poll() is None for child in running):
        if time.monotonic() > deadline or stop.count > heard:
            print("killing the services still running", file=sys.stderr, flush=True)
            break
        time.sleep(0.1)
    for child in running:
        if child.poll() is None:
            child.kill()
            child.wait()


def taken_ports(settings: Settings) -> str | None:
    """What to do about service ports another program listens on, if any."""
    taken = [service for service in SERVICE_NAMES if not _can_listen(settings.http_host, settings.port_of(service))]
    if not taken:
        return None
    return "\n".join(
        f"port {settings.port_of(service)} on {settings.http_host}, where the {service} service listens, is taken "
        f"by another program: stop that program, or set PATHWAYS_{service.upper()}_PORT to a free port"
        for service in taken
    )


def _can_listen(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def leftover_services(previous: Mapping[str, Any]) -> str | None:
    """How to stop services an earlier ``pathways up`` of this data folder left running (killed, e.g. by SIGKILL,
    where its services could not be made to die with it), if any still run."""
    recorded = previous.get("services")
    if not isinstance(recorded, dict):
        return None
    alive = {
        service: pid
        for service, pid in recorded.items()
        if isinstance(pid, int) and pid > 0 and _is_service(pid, service)
    }
    if not alive:
        return None
    listed = ", ".join(f"{service} (PID {pid})" for service, pid in alive.items())
    pids = " ".join(str(pid) for pid in alive.values())
    return (
        f"an earlier pathways up (PID {previous.get('pid', '?')}) of this data folder stopped without stopping its "
        f"services, still running: {listed}. Stop them first: kill {pids}"
    )


def _is_service(pid: int, service: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: a PID reused since
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.parent.exists():
        return True  # no /proc to tell a reused PID apart: say so rather than stay silent
    try:
        arguments = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return b"serve" in arguments and service.encode() in arguments
