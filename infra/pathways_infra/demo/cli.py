"""``pathways demo``: load the programme into running services, wait for every read model, summarise."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from pathways_infra.demo.driver import DemoError, Driver, Stats, progress_bar
from pathways_infra.demo.plan import (
    ARTICLE_PARTICIPANTS,
    ARTICLE_PROJECTS,
    ARTICLE_PROVINCES,
    Programme,
    expected_totals,
    plan_programme,
)
from pathways_infra.demo.run import ProgrammeRun
from pathways_infra.http_client import LeanClient
from pathways_infra.settings import SERVICE_NAMES, Settings

CATCH_UP_SECONDS = 600.0

_NOT_FRESH = (
    "The demo expects a fresh system, or one holding the same seed's programme (an interrupted run goes on):\n"
    "its participants' national IDs are numbered, not drawn, so another seed's repeat them and the enrollment\n"
    "service holds them back as potential duplicates. Stop the system, 'rm -rf .pathways', and start it again."
)


def add_command(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="generate the founding article's programme and drive it through the running services' HTTP APIs",
        description=(
            "Generates 194 projects run by career development units in 51 provinces across 4 regions and "
            "14,414 participants with realistic journeys (screen-outs, dropouts, transfers, withdrawals, "
            "employment, self-employment, enterprises, community enterprises, income at baseline and at "
            "follow-up), deterministic for a seed, and sends it to the services started by `pathways up`. "
            "Then it waits until the outcomes service's programme totals show exactly what was generated. "
            "Safe to run again with the same seed: every command carries an idempotency key."
        ),
    )
    demo.add_argument("--seed", type=int, default=1, help="the programme generated (default 1)")
    demo.add_argument("--participants", type=int, default=ARTICLE_PARTICIPANTS, help="enrolled participants")
    demo.add_argument("--projects", type=int, default=ARTICLE_PROJECTS)
    demo.add_argument("--provinces", type=int, default=ARTICLE_PROVINCES)
    demo.add_argument("--host", default="127.0.0.1", help="where the services listen (ports from PATHWAYS_*_PORT)")
    demo.add_argument("--concurrency", type=int, default=96, help="commands in flight at once")
    demo.add_argument("--json", action="store_true", help="print the summary as JSON (for scripts and benchmarks)")
    demo.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    try:
        programme = plan_programme(
            args.seed, participants=args.participants, projects=args.projects, provinces=args.provinces
        )
    except ValueError as error:
        print(f"pathways demo: error: {error}", file=sys.stderr)
        return 2
    settings = Settings()
    addresses: dict[str, tuple[str, int]] = {s: (args.host, settings.port_of(s)) for s in SERVICE_NAMES}
    try:
        summary = asyncio.run(load(programme, addresses, args.concurrency))
    except OSError as error:
        print(f"demo stopped: cannot reach the services ({error}); start them with 'pathways up'", file=sys.stderr)
        return 1
    except DemoError as error:
        print(f"demo stopped: {error}", file=sys.stderr)
        print(_NOT_FRESH, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        _print(summary)
    return 0 if summary["totals_match"] else 1


async def load(programme: Programme, addresses: Mapping[str, tuple[str, int]], concurrency: int = 96) -> dict[str, Any]:
    """Send the whole programme, then wait for the programme totals to match; the figures of the run."""
    stats = Stats()
    clients = {service: LeanClient(host, port, connections=concurrency) for service, (host, port) in addresses.items()}
    for client in clients.values():
        await client.__aenter__()
    try:
        with progress_bar() as progress:
            driver = Driver(clients, progress, stats, run_id=programme.run_id, concurrency=concurrency)
            await ProgrammeRun(driver, programme).everything()
        loaded = time.perf_counter() - stats.started
        expected = expected_totals(programme)
        reported = await _caught_up(clients["outcomes"], expected)
    finally:
        for client in clients.values():
            await client.__aexit__()
    caught_up = time.perf_counter() - stats.started
    return {
        "seed": programme.seed,
        "commands": stats.commands,
        "retries": stats.retries,
        "load_seconds": round(loaded, 1),
        "commands_per_second": round(stats.commands / loaded, 1),
        "p50_ms": round(stats.percentile(0.50) * 1000, 1),
        "p99_ms": round(stats.percentile(0.99) * 1000, 1),
        "caught_up_seconds": round(caught_up, 1),
        "phases": {name: round(seconds, 1) for name, seconds in stats.phases.items()},
        "slowest_commands": stats.slowest_kinds(5),
        "expected": expected,
        "reported": reported,
        "totals_match": _matches(expected, reported),
    }


def _matches(expected: dict[str, Any], reported: dict[str, Any] | None) -> bool:
    return reported is not None and all(reported.get(key) == value for key, value in expected.items())


async def _caught_up(outcomes: LeanClient, expected: dict[str, Any]) -> dict[str, Any] | None:
    """Poll the programme totals until they match (every stream processed) or time runs out."""
    deadline = time.monotonic() + CATCH_UP_SECONDS
    reported: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        response = await outcomes.get("/programme/totals")
        reported = response.json() if response.status_code == 200 else None
        if _matches(expected, reported):
            return reported
        await asyncio.sleep(0.5)
    return reported


def _print(summary: dict[str, Any]) -> None:
    console = Console()
    table = Table(title=f"Programme generated with seed {summary['seed']}")
    table.add_column("figure")
    table.add_column("generated", justify="right")
    table.add_column("outcomes service reports", justify="right")
    reported = summary["reported"] or {}
    for key, value in summary["expected"].items():
        if isinstance(value, dict):
            for part, count in value.items():
                table.add_row(f"{key} · {part}", _count(count), _count((reported.get(key) or {}).get(part)))
        else:
            table.add_row(key, _count(value), _count(reported.get(key)))
    console.print(table)
    console.print(
        f"{summary['commands']:,} commands in {summary['load_seconds']} s = {summary['commands_per_second']:,} "
        f"commands/s (p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, {summary['retries']:,} retries while "
        f"events travelled); every read model caught up after {summary['caught_up_seconds']} s."
    )
    console.print("[green]Totals match.[/green]" if summary["totals_match"] else "[red]Totals do NOT match.[/red]")


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "—"
