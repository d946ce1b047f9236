"""``pathways status``: is every event published and applied, is anything parked, is every service up?"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from nats.js import JetStreamContext

from pathways_infra.cli_types import non_negative_seconds
from pathways_infra.operator_cli import unless_unreachable, with_jetstream
from pathways_infra.settings import Settings
from pathways_infra.status import SystemStatus, read_status, render, service_urls

_DESCRIPTION = """\
The whole system at a glance: how many messages each service's stream holds; how far behind each
durable consumer is (messages not yet delivered, and delivered but not yet acknowledged); what is
parked on the DLQ and not resolved yet (applied after a replay, parked again, or discarded: see
'pathways dlq --help'), by the consumer that parked it; and each service's /health (up, its relay
caught up, whether this replica runs the consumers, and the read models whose rows were built by an
older version and need 'pathways read-models rebuild'). It reads counts only: cheap, and safe while
the system runs.

With --wait it polls until every consumer has applied every message and every relay has published
everything, for example after loading data and before reading the read models. A service that
is down is not waited for: what it recorded and has not published yet cannot be seen from here
(it is published when the service starts again), and the report names it under relays_unknown.

The last line is the verdict. It starts with DOWN and the services that do not answer when any
do not; else healthy, caught up (nothing left to apply, but something parked or a consumer
missing) or catching up. In --json, caught_up means what --wait waits for: no consumer, a down
service's included, has messages left to apply, and every running relay has published all; it
says nothing of a down service's relay (relays_unknown), and healthy is false while one is down.

NATS: PATHWAYS_NATS_URL, else the embedded server running under PATHWAYS_DATA_DIR. Services: on
PATHWAYS_HTTP_HOST and their PATHWAYS_<SERVICE>_PORT.
"""

_EPILOG = """\
exit status: 0 healthy: caught up, nothing parked unresolved, every service up
               (with --wait: caught up in time, whatever else),
             1 not healthy (with --wait: not caught up in time),
             2 it could not run (no NATS to talk to) or its arguments are wrong
"""

POLL_SECONDS = 0.5


def add_command(commands: Any) -> None:
    status = commands.add_parser(
        "status",
        help="is every event published and applied, is anything parked, is every service up?",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument("--json", action="store_true", help="print a JSON document on stdout instead of text")
    status.add_argument(
        "--wait",
        type=non_negative_seconds,
        nargs="?",
        const=300.0,
        metavar="SECONDS",
        help="first wait until everything has caught up, at most this long (default 300)",
    )
    status.set_defaults(run=_status)


def _status(args: argparse.Namespace) -> int:
    urls = service_urls(Settings())

    async def look(js: JetStreamContext) -> SystemStatus:
        status = await read_status(js, urls)
        if args.wait is None:
            return status
        deadline = time.monotonic() + args.wait
        shown = False
        while not status.caught_up and time.monotonic() < deadline:
            if sys.stderr.isatty():
                behind = sum(c.behind for c in status.consumers)
                print(f"\rwaiting: {behind:,} messages not yet applied ", end="", file=sys.stderr, flush=True)
                shown = True
            await asyncio.sleep(POLL_SECONDS)
            status = await read_status(js, urls)
        if shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
        return status

    status = unless_unreachable(lambda: with_jetstream(look))
    if status is None:
        return 2
    print(json.dumps(status.as_dict(), indent=2) if args.json else render(status))
    if args.wait is not None:
        return 0 if status.caught_up else 1
    return 0 if status.healthy else 1
