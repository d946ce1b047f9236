"""Demo load: commands/s and p50/p99 of `pathways demo` through HTTP, beside the raw PostgreSQL rate.

Starts embedded PostgreSQL and NATS (or uses PATHWAYS_DATABASE_URL / PATHWAYS_NATS_URL), measures the
raw rate of one-row-per-transaction INSERTs on that PostgreSQL (as many connections as the demo has
commands in flight), then starts the three services as separate processes, as `pathways up` does,
loads the generated programme through their HTTP APIs, and waits until every read model has caught up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import asyncpg

from bench.support import BENCH_FOLDER, row, servers
from pathways_infra.demo.cli import load
from pathways_infra.demo.plan import ARTICLE_PARTICIPANTS, plan_programme
from pathways_infra.http_client import LeanClient
from pathways_infra.settings import SERVICE_NAMES
from tests.support.system import free_port


async def raw_insert_rate(database_url: str, *, rows: int, connections: int) -> float:
    """Rows/s, each INSERT its own transaction (autocommit), ``connections`` at once."""
    pool = await asyncpg.create_pool(database_url, min_size=connections, max_size=connections)
    try:
        await pool.execute("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, body jsonb NOT NULL)")
        body = '{"event": "ParticipantEnrolled", "padding": "' + "x" * 400 + '"}'
        per_connection = rows // connections

        async def writer() -> None:
            async with pool.acquire() as conn:
                for _ in range(per_connection):
                    await conn.execute("INSERT INTO bench_raw (body) VALUES ($1)", body)

        started = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(connections)))
        return per_connection * connections / (time.perf_counter() - started)
    finally:
        await pool.execute("DROP TABLE IF EXISTS bench_raw")
        await pool.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    return _cpu_in_stat(Path(f"/proc/{pid}/stat").read_text())


def _cpu_in_stat(stat: str) -> float:
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_processes(names: tuple[str, ...]) -> dict[int, tuple[str, float]]:
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
            found[pid] = (program, _cpu_in_stat(text))
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


def _server_cpu(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU each program used between two snapshots, process by process (one that ended meanwhile is
    left out rather than subtracted)."""
    used = dict.fromkeys(SERVERS, 0.0)
    for pid, (program, cpu) in after.items():
        used[program] += cpu - before.get(pid, (program, 0.0))[1]
    return used


SERVERS = ("postgres", "nats-server")


def _machine_busy_seconds() -> float:
    """CPU time all cores spent not idle, so far (from /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def _wait_until_up(ports: list[int]) -> None:
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


async def _health(port: int) -> dict[str, Any]:
    async with LeanClient("127.0.0.1", port, connections=1) as client:
        return cast(dict[str, Any], (await client.get("/health")).json())


def _print_work(health: dict[str, dict[str, Any]]) -> None:
    """What the services did: events relayed, commands per commit, messages each consumer read."""
    for service, figures in health.items():
        commands = figures["commands"]
        row(f"  {service}: events relayed", f"{figures['relay']['published']:9,}")
        row(f"  {service}: jobs / commits", f"{commands['jobs']:,} / {commands['commits']:,} "
            f"({commands['jobs'] / max(commands['commits'], 1):.1f} jobs per commit)")  # fmt: skip
        for consumer, counts in figures["consumers"].items():
            row(f"    consumer {consumer}: messages", f"{counts['processed']:9,}")
        if figures["guard"]:
            row(f"    guard {figures['guard']['name']}: stray messages read", f"{figures['guard']['read']:9,}")


async def main(participants: int, concurrency: int) -> None:
    with servers() as urls, tempfile.TemporaryDirectory(prefix="pathways-bench-data-") as data_dir:
        raw_connections = min(concurrency, 80)  # the embedded server allows 100 connections in all
        raw = await raw_insert_rate(urls.database_url, rows=20_000, connections=raw_connections)
        ports = {service: free_port() for service in SERVICE_NAMES}
        env = {
            **os.environ, "PATHWAYS_DATABASE_URL": urls.database_url, "PATHWAYS_NATS_URL": urls.nats_url,
            "PATHWAYS_DATA_DIR": str(Path(data_dir)), "PATHWAYS_LOG_LEVEL": "WARNING",
            **{f"PATHWAYS_{service.upper()}_PORT": str(port) for service, port in ports.items()},
        }  # fmt: skip
        children = [
            subprocess.Popen([sys.executable, "-m", "pathways_infra", "serve", service], env=env)  # noqa: ASYNC220
            for service in SERVICE_NAMES
        ]
        try:
            await _wait_until_up(list(ports.values()))
            scale = {"participants": participants} if participants != ARTICLE_PARTICIPANTS else {}
            programme = plan_programme(1, **scale)
            before = {s: _cpu_seconds(c.pid) for s, c in zip(SERVICE_NAMES, children, strict=True)}
            busy_before, client_before = _machine_busy_seconds(), time.process_time()
            servers_before = _server_processes(SERVERS)
            summary = await load(programme, {s: ("127.0.0.1", p) for s, p in ports.items()}, concurrency)
            cpu: dict[str, float] = {
                s: _cpu_seconds(c.pid) - before[s] for s, c in zip(SERVICE_NAMES, children, strict=True)
            }
            cpu["demo client"] = time.process_time() - client_before
            server_cpu = _server_cpu(servers_before, _server_processes(SERVERS))
            cpu |= {f"{name} (all its processes)": seconds for name, seconds in server_cpu.items()}
            cpu["whole machine (all processes)"] = _machine_busy_seconds() - busy_before
            health: dict[str, dict[str, Any]] = {s: await _health(p) for s, p in ports.items()}
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=60)
    print(f"Demo load, seed 1: {len(programme.enrolled):,} participants, {len(programme.projects)} projects")
    row("raw PostgreSQL: one-row INSERT per transaction", f"{raw:9,.0f} rows/s ({raw_connections} connections)")
    row("demo through HTTP: commands", f"{summary['commands']:9,}")
    row("demo through HTTP: commands/s", f"{summary['commands_per_second']:9,.0f} ({concurrency} in flight)")
    row("demo through HTTP: command latency p50 / p99", f"{summary['p50_ms']:7.1f} / {summary['p99_ms']:7.1f} ms")
    row("demo: commands/s ÷ raw insert rate", f"{summary['commands_per_second'] / raw:9.2f}×")
    row("time to load the demo", f"{summary['load_seconds']:9.1f} s")
    row("time until every read model caught up (totals match)", f"{summary['caught_up_seconds']:9.1f} s")
    row("programme totals match the generator", str(summary["totals_match"]))
    for phase, seconds in summary["phases"].items():
        row(f"  phase: {phase}", f"{seconds:9.1f} s")
    row("  commands with the highest p99: p50 / p99 (count)", "")
    for kind in summary["slowest_commands"]:
        row(f"    {kind['p50_ms']:7.1f} / {kind['p99_ms']:7.1f} ms ({kind['count']:,})", kind["command"])
    for who, seconds in cpu.items():
        row(f"  CPU: {who}", f"{seconds:9.1f} s ({seconds * 1e3 / summary['commands']:.2f} ms per command)")
    _print_work(health)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=ARTICLE_PARTICIPANTS)
    parser.add_argument("--concurrency", type=int, default=96)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.participants, arguments.concurrency))
