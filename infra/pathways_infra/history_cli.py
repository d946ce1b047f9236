"""``pathways history``: a participant's whole cross-service history, from the event stores."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pathways_infra.operator_cli import database_url, service_name
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient

    from pathways_infra.history import History
    from pathways_infra.operator_cli import ProgressReport

_DESCRIPTION = """\
Replay, for audit, everything the three services stored about one participant: every event of
their event stores (the source of truth, never the read models), public or private, that names the
participant or one of their enrollments, merged into one timeline. Events that concern several
participants (a potential duplicate, an enterprise's founding members, an enterprise they belong
to) are included and marked *. Each line shows when the event happened and when it was recorded
(Thai time, UTC+7, as every day the services record), the service, aggregate and version, the
event, the subject the relay publishes it on (or "(private)"), the actor, correlation and causation
ids, and the event's data. Events carry no personal data; the vault is not read.

State as of a time: --happened-by keeps the events that had happened by then ("as it happened"),
--recorded-by those the system had recorded by then ("as it was recorded"); together they answer
"what did the system know at T about what had happened by D". A summary then gives the stage the
kept events lead to: the registry entry and each enrollment, training record, outcomes case and
enterprise. An event that happened before an event recorded earlier (recorded after the fact) is
marked ↶ backdated; the timeline is in happened order unless --order recorded.

--verify checks the stores shown against the digests their streams carry, as `pathways streams
check` does, and marks each event: ✓ verified (a digest published at or after it matches the chain),
✗ altered (the span it is in no longer hashes to the digest published for it), ? not yet published
(recorded after the last digest its relay published). It reads every event of those stores and
every message of their streams (a progress bar on stderr), so it takes a while on a large programme.

It only reads, in a read-only snapshot of each store: safe while the system runs.
PostgreSQL: PATHWAYS_DATABASE_URL, else the embedded server running under PATHWAYS_DATA_DIR.
NATS (--verify only): PATHWAYS_NATS_URL (the operator's user), else the embedded server running under
PATHWAYS_DATA_DIR.
"""

_EPILOG = """\
DATE_OR_DATETIME: 2025-08-29 (the end of that day in Thailand) or 2025-08-29T17:00:00+07:00
(no offset: Thai time).

exit status: 0 the history was shown (it may be empty within the cutoffs or services chosen),
             1 no stored event concerns the participant, or the id given is the start of several's,
             2 it could not run (no PostgreSQL or, with --verify, no NATS to talk to, or a server refused)
               or its arguments are wrong,
             3 with --verify: the history was shown, but a store or stream shown is altered or not an
               exact copy (`pathways streams check` says how)
"""


def add_command(commands: Any) -> None:
    command = commands.add_parser(
        "history",
        help="a participant's whole cross-service history from the event stores, as of any time",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "participant",
        type=_id_or_prefix,
        metavar="ID",
        help="the participant's id, or one of their cases' (enrollment, training record, outcomes case); "
        f"or its first {MIN_PREFIX} or more characters, as history lines show them",
    )
    command.add_argument(
        "service",
        nargs="*",
        type=service_name,
        metavar="SERVICE",
        help=f"only these services' events: {', '.join(SERVICE_NAMES)} (default: all three)",
    )
    command.add_argument(
        "--happened-by",
        type=_moment,
        metavar="DATE_OR_DATETIME",
        help="only events that had happened by then (their occurred time)",
    )
    command.add_argument(
        "--recorded-by",
        type=_moment,
        metavar="DATE_OR_DATETIME",
        help="only events the system had recorded by then (their recorded time)",
    )
    command.add_argument(
        "--order",
        choices=("happened", "recorded"),
        default="happened",
        help="timeline order: when events happened (default) or when they were recorded",
    )
    command.add_argument(
        "--verify",
        action="store_true",
        help="check each event shown against the digests its service's stream carries (reads whole stores and streams)",
    )
    command.add_argument("--json", action="store_true", help="print a JSON document on stdout instead of text")
    command.set_defaults(run=_run)


MIN_PREFIX = 8
_ID_CHARACTERS = frozenset("0123456789abcdef-")


def _id_or_prefix(text: str) -> str:
    """A full id in any form UUID reads, or the start of one as printed (lower-case hex and dashes)."""
    try:
        return str(UUID(text))
    except ValueError:
        prefix = text.strip().lower()
        if len(prefix.replace("-", "")) >= MIN_PREFIX and set(prefix) <= _ID_CHARACTERS:
            return prefix
    raise argparse.ArgumentTypeError(
        f"not an id (a UUID) nor its first {MIN_PREFIX} or more characters: {text!r}"
    ) from None


def _moment(text: str) -> datetime:
    from pathways_infra.history import parse_moment

    try:
        return parse_moment(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or date and time (ISO 8601): {text!r}") from None


def _run(args: argparse.Namespace) -> int:
    import asyncpg
    from eventsourcing.persistence import PersistenceError

    from pathways_infra.database import DatabaseAddress
    from pathways_infra.history import Cutoffs, describe, history, participants_named_by, read_history

    settings = Settings()
    services: list[ServiceName] = list(dict.fromkeys(args.service)) or list(SERVICE_NAMES)
    try:
        server = DatabaseAddress.parse(database_url())
        databases = {service: settings.database_name(service) for service in SERVICE_NAMES}
        named = asyncio.run(participants_named_by(args.participant, server=server, databases=databases))
        if len(named) != 1:
            print(_not_one_participant(args.participant, named), file=sys.stderr)
            return 1
        [participant] = named
        events = asyncio.run(read_history(participant, server=server, databases=databases))
    except SystemExit as unreachable:
        if not isinstance(unreachable.code, str):
            raise
        print(unreachable.code, file=sys.stderr)
        return 2
    except (OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError, PersistenceError) as error:
        print(f"the history could not be read: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    if str(participant) != args.participant:
        print(f"participant {participant}", file=sys.stderr)
    found = history(
        participant,
        events,
        services=services,
        cutoffs=Cutoffs(happened_by=args.happened_by, recorded_by=args.recorded_by),
        order=args.order,
    )
    if not found.known:
        print(f"no events concern participant {participant}", file=sys.stderr)
        return 1
    if args.verify:
        return _verified(found, args)
    if args.json:
        print(json.dumps(found.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(describe(found))
    return 0


def _verified(found: History, args: argparse.Namespace) -> int:
    from pathways_infra.history import describe
    from pathways_infra.history_verification import MARKS, Verification, summary, verified_dict
    from pathways_infra.operator_cli import operate, service_database
    from pathways_infra.stream_audit import StreamAudit, audit_stream

    async def audit_shown(nc: NatsClient, progress: ProgressReport) -> dict[str, StreamAudit]:
        js = nc.jetstream()
        return {
            service: await audit_stream(service, database_url=service_database(service), js=js, on_progress=progress)
            for service in found.services
        }

    audits = operate(audit_shown)
    if audits is None:
        return 2
    verification = Verification(audits)
    if args.json:
        print(json.dumps(verified_dict(found, verification), indent=2, ensure_ascii=False))
    else:
        print(describe(found, mark=lambda event: MARKS[verification.verdict(event)]))
        print()
        print(summary(found, verification))
    return 0 if verification.ok else 3


def _not_one_participant(given: str, named: list[UUID]) -> str:
    if not named:
        # A project, unit or mentor is named by events too, but is nobody's case: no history.
        named_as = "the id" if len(given) == len(str(UUID(int=0))) else "an id starting with"
        return f"no participant, nor any of their cases, has {named_as} {given}"
    listed = "\n  ".join(str(participant) for participant in named)
    return f"{given!r} names the cases of {len(named)} participants; give more of the id:\n  {listed}"
