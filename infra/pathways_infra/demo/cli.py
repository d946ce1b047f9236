"""``pathways demo``: load the programme into running services, wait for every read model, summarise."""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
import time
from collections.abc import Mapping
from typing import Any

import nats
from rich.console import Console
from rich.table import Table

from pathways_infra.cli_types import positive_int
from pathways_infra.demo.driver import DemoError, Driver, Stats, progress_bar
from pathways_infra.demo.plan import (
    ARTICLE_PARTICIPANTS,
    ARTICLE_PROJECTS,
    ARTICLE_PROVINCES,
    Programme,
    expected_follow_ups,
    expected_totals,
    follow_up_figures_key,
    plan_programme,
)
from pathways_infra.demo.run import ProgrammeRun
from pathways_infra.http_client import LeanClient
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings
from pathways_infra.status import read_status
from pathways_outcomes.domain.follow_ups import FOLLOW_UP_MONTHS

CATCH_UP_SECONDS = 600.0
WAITING_NOTE_SECONDS = 5.0  # how often the wait for the read models says what it still waits for
EXIT_INTERRUPTED = 130  # what a shell reports for a program stopped by Ctrl-C (128 + SIGINT)

_NOT_FRESH = (
    "The demo expects a fresh system, or one holding the same programme (an interrupted run of the same --seed,\n"
    "--participants, --projects and --provinces goes on):\n"
    "its participants' national IDs are numbered, not drawn, so another seed's repeat them and the enrollment\n"
    "service holds them back as potential duplicates. Stop the system, delete its data folder\n"
    "(rm -rf {data_dir}), and start it again."
)


def add_command(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="generate the founding article's programme and drive it through the running services' HTTP APIs",
        description=(
            "Generates 194 projects run by career development units in 51 provinces across 4 regions and "
            "14,414 participants with realistic journeys (screen-outs, dropouts, transfers, withdrawals, "
            "employment, self-employment, enterprises, community enterprises, income at baseline and at the "
            "3-, 6- and 12-month follow-ups, where some are missed, some withdraw consent to be followed up "
            "and some lose or find work), deterministic for a seed, and sends it to the services started by "
            "`pathways up`. Then it waits until the outcomes service's programme totals, and its indicators at "
            "each follow-up, show exactly what was generated. "
            "It refuses a system that already holds other data, whose totals could never match. "
            "Safe to run again with the same options: every command carries an idempotency key, so an "
            "interrupted run continues."
        ),
    )
    demo.add_argument("--seed", type=int, default=1, help="the programme generated (default 1)")
    demo.add_argument(
        "--participants",
        type=int,
        default=ARTICLE_PARTICIPANTS,
        help=f"participants (default {ARTICLE_PARTICIPANTS:,})",
    )
    demo.add_argument(
        "--projects",
        type=int,
        default=ARTICLE_PROJECTS,
        help=f"projects, each run by a unit (default {ARTICLE_PROJECTS})",
    )
    demo.add_argument(
        "--provinces",
        type=int,
        default=ARTICLE_PROVINCES,
        help=f"provinces the projects are in, at least 4 and at most --projects (default {ARTICLE_PROVINCES})",
    )
    demo.add_argument(
        "--follow-up-months",
        type=follow_up_months,
        default=FOLLOW_UP_MONTHS,
        metavar="MONTHS",
        help="the follow-up rounds to load, comma-separated, of 3, 6 and 12 (default 3,6,12); e.g. 3 for a "
        "shorter run. The others stay due and unanswered. The same seed gives the same answers in each round, "
        "whichever are loaded",
    )
    demo.add_argument(
        "--host", default="127.0.0.1", help="where the services listen (default 127.0.0.1; ports from PATHWAYS_*_PORT)"
    )
    demo.add_argument("--concurrency", type=positive_int, default=96, help="commands in flight at once (default 96)")
    demo.add_argument("--json", action="store_true", help="print the summary as JSON (for scripts and benchmarks)")
    demo.set_defaults(run=run_demo)


def follow_up_months(text: str) -> tuple[int, ...]:
    """``3``, ``3,6`` or ``3,6,12``: the rounds asked for, in order, each once."""
    allowed = ", ".join(map(str, FOLLOW_UP_MONTHS))
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() and int(part) in FOLLOW_UP_MONTHS for part in parts):
        raise argparse.ArgumentTypeError(f"{text!r}: follow-ups are at {allowed} months; give some of them, "
                                         "comma-separated (e.g. 3 or 3,6,12)")  # fmt: skip
    return tuple(sorted({int(part) for part in parts}))


def run_demo(args: argparse.Namespace) -> int:
    try:
        programme = plan_programme(
            args.seed, participants=args.participants, projects=args.projects, provinces=args.provinces
        ).with_follow_up_months(args.follow_up_months)
    except ValueError as error:
        print(f"pathways demo: error: {error}", file=sys.stderr)
        return 2
    settings = Settings()
    addresses: dict[str, tuple[str, int]] = {s: (args.host, settings.port_of(s)) for s in SERVICE_NAMES}
    try:
        summary = asyncio.run(load(programme, addresses, args.concurrency, streams_url=_streams_url()))
    except KeyboardInterrupt:
        print("demo interrupted; run it again with the same options to continue where it stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        print(f"demo stopped: cannot reach the services ({error}); start them with 'pathways up'", file=sys.stderr)
        return 1
    except DemoError as error:
        print(f"demo stopped: {error}", file=sys.stderr)
        print(_NOT_FRESH.format(data_dir=shlex.quote(str(settings.data_dir))), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        _print(summary)
    return 0 if summary["totals_match"] and summary["every_message_applied"] is not False else 1


def _streams_url() -> str | None:
    """NATS as the operator's commands reach it, to see every consumer catch up; None: not reachable from here."""
    from pathways_infra.operator_cli import nats_url

    try:
        return nats_url()
    except SystemExit as unreachable:
        _say(f"{unreachable.code}: the demo will wait for the programme totals only, not for every consumer")
        return None


async def load(
    programme: Programme,
    addresses: Mapping[str, tuple[str, int]],
    concurrency: int = 96,
    *,
    streams_url: str | None = None,
) -> dict[str, Any]:
    """Send the whole programme, then wait for the programme totals and the programme's indicators at each
    follow-up to match and, given ``streams_url`` (NATS with the operator's rights), for every consumer to
    apply every message; the figures of the run.

    The figures come from a few of the outcomes service's read models: they can match while other read
    models (enrollment's and training's own) are still applying what was sent."""
    stats = Stats()
    clients = {service: LeanClient(host, port, connections=concurrency) for service, (host, port) in addresses.items()}
    for client in clients.values():
        await client.__aenter__()
    try:
        await _refuse_other_data(clients, programme)
        with progress_bar() as progress:
            driver = Driver(clients, progress, stats, run_id=programme.run_id, concurrency=concurrency)
            await ProgrammeRun(driver, programme).everything()
        loaded = time.perf_counter() - stats.started
        expected = expected_totals(programme) | expected_follow_ups(programme)
        reported = await _caught_up(clients["outcomes"], expected)
        all_applied = None
        if streams_url is not None and _matches(expected, reported):
            services = {service: "http://{}:{}".format(*addresses[service]) for service in SERVICE_NAMES}
            all_applied = await _every_message_applied(streams_url, services)
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
        "every_message_applied": all_applied,  # None: not checked (NATS not reachable, or totals differ)
    }


def _matches(expected: dict[str, Any], reported: dict[str, Any] | None) -> bool:
    return reported is not None and all(reported.get(key) == value for key, value in expected.items())


async def _totals(outcomes: LeanClient) -> dict[str, Any] | None:
    response = await outcomes.get("/programme/totals")
    return response.json() if response.status_code == 200 else None


async def _reported(outcomes: LeanClient, expected: Mapping[str, Any]) -> dict[str, Any] | None:
    """The programme totals and, once they match, the indicators at each follow-up, named as the expected
    figures are: the indicators' queries cost more, so they are not asked while the totals still differ."""
    totals = await _totals(outcomes)
    counted = {key: value for key, value in expected.items() if key not in _FOLLOW_UP_KEYS}
    if not _matches(counted, totals):
        return totals
    assert totals is not None
    everyone = await outcomes.get("/programme/indicators")
    panel = await outcomes.get("/programme/indicators?panel=true")
    if everyone.status_code != 200 or panel.status_code != 200:
        return totals
    return totals | _follow_up_figures(everyone.json(), panel.json())


_FOLLOW_UP_KEYS = frozenset(follow_up_figures_key(month) for month in FOLLOW_UP_MONTHS)


def _follow_up_figures(everyone: Mapping[str, Any], panel: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Of the whole programme's indicators (and those with ``panel=true``), the figures each round is checked by."""
    figures = {}
    for month in map(str, FOLLOW_UP_MONTHS):
        completion, employment = everyone["follow_up_completion"][month], everyone["employment"][month]
        figures[follow_up_figures_key(int(month))] = {
            "due": completion["denominator"],
            "completed": completion["numerator"],
            "employed": employment["numerator"],
            "panel": panel["employment"][month]["denominator"],
            "employed_in_panel": panel["employment"][month]["numerator"],
            "income_rose": everyone["income_rose"][month]["numerator"],
            "median_income_change_thb": everyone["median_income_change_thb"][month],
            "median_income_thb": everyone["median_income_thb"][month],
        }
    return figures


async def _refuse_other_data(clients: Mapping[str, LeanClient], programme: Programme) -> None:
    """A system holding anything but (part of) this programme could never show its totals: say so now,
    not after loading it all and waiting in vain."""
    reported = await _totals(clients["outcomes"])
    if reported is None or not _holds_anything(reported):
        return
    expected = expected_totals(programme)
    first_project = f"/projects/{programme.projects[0].project_id}"
    ours = (await clients["enrollment"].get(first_project)).status_code == 200
    if ours and not _beyond(expected, reported):
        _say(f"continuing an earlier run of this programme: {_described(reported)} already there")
        return
    raise DemoError(f"the system already holds other data ({_described(reported)}), so the totals could never match")


def _holds_anything(totals: Mapping[str, Any]) -> bool:
    return any(_holds_anything(value) if isinstance(value, dict) else bool(value) for value in totals.values())


def _beyond(expected: Mapping[str, Any], reported: Mapping[str, Any]) -> list[str]:
    """The figures where the system already holds more than the programme makes."""
    return [
        key
        for key, value in expected.items()
        if isinstance(value, int) and isinstance(reported.get(key), int) and reported[key] > value
    ]


def _described(totals: Mapping[str, Any]) -> str:
    return ", ".join(f"{totals.get(key, 0):,} {key}" for key in ("participants", "projects", "screened_out"))


async def _caught_up(outcomes: LeanClient, expected: dict[str, Any]) -> dict[str, Any] | None:
    """Poll the programme totals until they match (every stream processed) or time runs out, saying now and
    then what is still awaited."""
    deadline = time.monotonic() + CATCH_UP_SECONDS
    next_note = time.monotonic() + WAITING_NOTE_SECONDS
    reported: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        reported = await _reported(outcomes, expected)
        if _matches(expected, reported):
            return reported
        if time.monotonic() >= next_note:
            _say(f"waiting for the outcomes service's totals and indicators: {_awaited(expected, reported)}")
            next_note += WAITING_NOTE_SECONDS
        await asyncio.sleep(0.5)
    _say(f"gave up waiting after {CATCH_UP_SECONDS:.0f} s; still different: {_awaited(expected, reported)}")
    return reported


async def _every_message_applied(streams_url: str, services: Mapping[ServiceName, str]) -> bool:
    """Poll every service's consumers (as `pathways status --wait` does) until none has a message left to
    apply and every relay has published everything, or time runs out."""
    connection = await nats.connect(streams_url, allow_reconnect=False, max_reconnect_attempts=0)
    try:
        stream = connection.jetstream()
        deadline = time.monotonic() + CATCH_UP_SECONDS
        next_note = time.monotonic() + WAITING_NOTE_SECONDS
        while not (status := await read_status(stream, services)).caught_up:
            behind = sum(consumer.behind for consumer in status.consumers)
            if time.monotonic() >= deadline:
                _say(f"gave up waiting after {CATCH_UP_SECONDS:.0f} s: {behind:,} messages not yet applied")
                return False
            if time.monotonic() >= next_note:
                _say(f"totals match; waiting for the other read models: {behind:,} messages not yet applied")
                next_note += WAITING_NOTE_SECONDS
            await asyncio.sleep(0.5)
        return True
    finally:
        await connection.close()


def _awaited(expected: Mapping[str, Any], reported: Mapping[str, Any] | None, shown: int = 4) -> str:
    """The figures that differ, as 'name N of M' (the first few)."""
    if reported is None:
        return "no answer from GET /programme/totals"
    differing = [
        (name, reported_count, count)
        for name, count, reported_count in _flattened(expected, reported)
        if reported_count != count
    ]
    listed = ", ".join(f"{name} {_count(now)} of {_count(count)}" for name, now, count in differing[:shown])
    return listed + (f" and {len(differing) - shown} more" if len(differing) > shown else "")


def _flattened(expected: Mapping[str, Any], reported: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    figures = []
    for key, value in expected.items():
        if isinstance(value, dict):
            part_of = reported.get(key) or {}
            figures += [(f"{key} · {part}", count, part_of.get(part)) for part, count in value.items()]
        else:
            figures.append((key, value, reported.get(key)))
    return figures


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


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
        f"events travelled); {_caught_up_said(summary)} after {summary['caught_up_seconds']} s."
    )
    matched = "[green]Totals and follow-up indicators match.[/green]"
    console.print(matched if summary["totals_match"] else "[red]Totals or follow-up indicators do NOT match.[/red]")


def _caught_up_said(summary: Mapping[str, Any]) -> str:
    applied = summary["every_message_applied"]
    if applied:
        return "every read model caught up"
    if applied is None:
        return "the programme totals caught up (the other read models were not checked)"
    return "the programme totals caught up, but not every message was applied"


def _count(value: Any) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return "—" if value is None else str(value)
