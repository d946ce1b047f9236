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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import asyncpg

from bench.floor import measure as measure_floor
from bench.floor import report as report_floor
from bench.support import (
    SERVERS,
    cpu_seconds,
    machine_busy_seconds,
    row,
    server_cpu,
    server_processes,
    servers,
    wait_until_up,
)
from pathways_infra.demo.cli import load
from pathways_infra.demo.plan import ARTICLE_PARTICIPANTS, Programme, plan_programme
from pathways_infra.embedded import ServerUrls
from pathways_infra.http_client import LeanClient
from pathways_infra.settings import SERVICE_NAMES
from pathways_infra.streams import provision_streams
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


@dataclass(frozen=True)
class DemoRun:
    programme: Programme
    summary: dict[str, Any]
    cpu: dict[str, float]
    health: dict[str, dict[str, Any]]

    def per_command(self, total: float) -> float:
        return total / int(self.summary["commands"])

    @property
    def events_per_command(self) -> float:
        return self.per_command(sum(figures["relay"]["published"] for figures in self.health.values()))

    @property
    def deliveries_per_command(self) -> float:
        return self.per_command(
            sum(counts["processed"] for figures in self.health.values() for counts in figures["consumers"].values())
        )

    @property
    def parts_ms_per_command(self) -> float:
        """CPU per command of the services, the client, PostgreSQL and NATS (not the rest of the machine)."""
        return self.per_command(sum(s for who, s in self.cpu.items() if who != MACHINE)) * 1e3


MACHINE = "whole machine (all processes)"


async def run_demo(urls: ServerUrls, data_dir: Path, participants: int, concurrency: int) -> DemoRun:
    """The three services as separate processes, loaded with the planned programme through HTTP."""
    ports = {service: free_port() for service in SERVICE_NAMES}
    env = {
        **os.environ, "PATHWAYS_DATABASE_URL": urls.database_url,
        "PATHWAYS_DATA_DIR": str(data_dir), "PATHWAYS_LOG_LEVEL": "WARNING",
        **{f"PATHWAYS_{service.upper()}_PORT": str(port) for service, port in ports.items()},
    }  # fmt: skip
    await provision_streams(urls.nats_url)  # as `pathways up` does: services may not make streams
    children = [
        subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "pathways_infra", "serve", service],
            env={**env, "PATHWAYS_NATS_URL": urls.nats_url_of(service)},
        )
        for service in SERVICE_NAMES
    ]
    try:
        await wait_until_up(list(ports.values()))
        scale = {"participants": participants} if participants != ARTICLE_PARTICIPANTS else {}
        programme = plan_programme(1, **scale)
        before = {s: cpu_seconds(c.pid) for s, c in zip(SERVICE_NAMES, children, strict=True)}
        busy_before, client_before = machine_busy_seconds(), time.process_time()
        servers_before = server_processes(SERVERS)
        addresses: dict[str, tuple[str, int]] = {s: ("127.0.0.1", p) for s, p in ports.items()}
        summary = await load(programme, addresses, concurrency, streams_url=urls.nats_url)
        after = {s: cpu_seconds(c.pid) for s, c in zip(SERVICE_NAMES, children, strict=True)}
        cpu: dict[str, float] = {s: after[s] - before[s] for s in SERVICE_NAMES}
        cpu["demo client"] = time.process_time() - client_before
        servers_used = server_cpu(servers_before, server_processes(SERVERS))
        cpu |= {f"{name} (all its processes)": seconds for name, seconds in servers_used.items()}
        cpu[MACHINE] = machine_busy_seconds() - busy_before
        health: dict[str, dict[str, Any]] = {s: await _health(p) for s, p in ports.items()}
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=60)
    return DemoRun(programme, summary, cpu, health)


async def main(participants: int, concurrency: int, floor_scale: int) -> None:
    with servers() as urls, tempfile.TemporaryDirectory(prefix="pathways-bench-data-") as data_dir:
        raw_connections = min(concurrency, 80)  # the embedded server allows 100 connections in all
        raw = await raw_insert_rate(urls.database_url, rows=20_000, connections=raw_connections)
        run = await run_demo(urls, Path(data_dir), participants, concurrency)
        floor = None
        if floor_scale:
            floor = await measure_floor(
                urls.database_url, urls.nats_url, events_per_command=run.events_per_command,
                deliveries_per_command=run.deliveries_per_command, concurrency=concurrency, scale=floor_scale,
            )  # fmt: skip
    _print_run(run, raw, raw_connections, concurrency)
    if floor is not None:
        report_floor(floor, measured_ms=run.parts_ms_per_command)


def _print_run(run: DemoRun, raw: float, raw_connections: int, concurrency: int) -> None:
    summary, programme = run.summary, run.programme
    print(f"Demo load, seed 1: {len(programme.enrolled):,} participants, {len(programme.projects)} projects")
    row("raw PostgreSQL: one-row INSERT per transaction", f"{raw:9,.0f} rows/s ({raw_connections} connections)")
    row("demo through HTTP: commands", f"{summary['commands']:9,}")
    row("demo through HTTP: commands/s", f"{summary['commands_per_second']:9,.0f} ({concurrency} in flight)")
    row("demo through HTTP: command latency p50 / p99", f"{summary['p50_ms']:7.1f} / {summary['p99_ms']:7.1f} ms")
    row("demo: commands/s ÷ raw insert rate", f"{summary['commands_per_second'] / raw:9.2f}×")
    row("time to load the demo", f"{summary['load_seconds']:9.1f} s")
    row("time until every read model caught up (totals match)", f"{summary['caught_up_seconds']:9.1f} s")
    row("programme totals match the generator", str(summary["totals_match"]))
    row("every consumer applied every message", str(summary["every_message_applied"]))
    for phase, seconds in summary["phases"].items():
        row(f"  phase: {phase}", f"{seconds:9.1f} s")
    row("  commands with the highest p99: p50 / p99 (count)", "")
    for kind in summary["slowest_commands"]:
        row(f"    {kind['p50_ms']:7.1f} / {kind['p99_ms']:7.1f} ms ({kind['count']:,})", kind["command"])
    for who, seconds in run.cpu.items():
        row(f"  CPU: {who}", f"{seconds:9.1f} s ({run.per_command(seconds) * 1e3:.2f} ms per command)")
    _print_work(run.health)
    row("  events relayed / consumer deliveries per command",
        f"{run.events_per_command:.2f} / {run.deliveries_per_command:.2f}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=ARTICLE_PARTICIPANTS)
    parser.add_argument("--concurrency", type=int, default=96)
    parser.add_argument(
        "--floor-scale", type=int, default=20_000,
        help="units of work per part of the floor measured after the demo (bench.floor); 0 skips it",
    )  # fmt: skip
    arguments = parser.parse_args()
    asyncio.run(main(arguments.participants, arguments.concurrency, arguments.floor_scale))
