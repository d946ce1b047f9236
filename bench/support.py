"""Servers for a benchmark: the PATHWAYS_* ones if set, else embedded ones in a temporary folder."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import quantiles

from pathways_infra.embedded import EmbeddedServers, ServerUrls

BENCH_FOLDER = "pathways-bench-"  # prefix of the embedded servers' temporary folder


@contextmanager
def servers() -> Iterator[ServerUrls]:
    with (
        tempfile.TemporaryDirectory(prefix=BENCH_FOLDER) as folder,
        EmbeddedServers(
            Path(folder),
            database_url=os.environ.get("PATHWAYS_DATABASE_URL"),
            nats_url=os.environ.get("PATHWAYS_NATS_URL"),
            nats_port=0,
        ) as urls,
    ):
        yield urls


def percentile(samples: list[float], p: int) -> float:
    return quantiles(samples, n=100, method="inclusive")[p - 1]


def row(label: str, value: str) -> None:
    print(f"  {label:<52} {value}", flush=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    return cpu_in_stat(Path(f"/proc/{pid}/stat").read_text())


def cpu_seconds_if_running(pid: int) -> float | None:
    """As ``cpu_seconds``, or None once the process has gone (a PostgreSQL backend ends when its client does)."""
    try:
        return cpu_seconds(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None


def cpu_in_stat(stat: str) -> float:
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_processes(names: tuple[str, ...]) -> dict[int, tuple[str, float]]:
    """pid → (program, CPU seconds so far) of each process of the named programs (e.g. every
    PostgreSQL backend). Only those this bench started, when it started them (its NATS is its child;
    pg_ctl detaches PostgreSQL, found by its data folder): other servers on the machine, another test
    run's, are not ours to count."""
    found: dict[int, tuple[str, float]] = {}
    parents: dict[int, int] = {}
    roots = {os.getpid()}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            pid = int(stat.parent.name)
            program = text[text.index("(") + 1 : text.rindex(")")]
            if program == "postgres" and BENCH_FOLDER.encode() in (stat.parent / "cmdline").read_bytes():
                roots.add(pid)
        except OSError:
            continue  # it ended meanwhile
        parents[pid] = int(text.rsplit(")", 1)[1].split()[1])
        if program in names:
            found[pid] = (program, cpu_in_stat(text))
    ours = {pid: figures for pid, figures in found.items() if pid in roots or _descends_from(pid, roots, parents)}
    for name in names:  # servers given by PATHWAYS_* URLs: count every process of the program
        if not any(program == name for program, _ in ours.values()):
            ours |= {pid: figures for pid, figures in found.items() if figures[0] == name}
    return ours


def _descends_from(pid: int, ancestors: set[int], parents: dict[int, int]) -> bool:
    while pid > 1:
        pid = parents.get(pid, 0)
        if pid in ancestors:
            return True
    return False


def server_cpu(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU each program used between two snapshots, process by process (one that ended meanwhile is
    left out rather than subtracted)."""
    used = dict.fromkeys(SERVERS, 0.0)
    for pid, (program, cpu) in after.items():
        used[program] += cpu - before.get(pid, (program, 0.0))[1]
    return used


SERVERS = ("postgres", "nats-server")


def machine_busy_seconds() -> float:
    """CPU time all cores spent not idle, so far (from /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def wait_until_up(ports: list[int]) -> None:
    deadline = time.monotonic() + 90
    for port in ports:
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no service came up on port {port}") from None
                await asyncio.sleep(0.2)
