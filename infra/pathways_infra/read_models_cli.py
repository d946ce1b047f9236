"""``pathways read-models``: list a service's read models; rebuild them blue/green while it runs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, cast

from nats.aio.client import Client as NatsClient

from pathways_infra.settings import SERVICE_NAMES, ServiceName

_REBUILD_DESCRIPTION = """\
Rebuild read models from stream sequence 1 while the service keeps running (blue/green).

The read model's tables are created afresh in a schema of their own and filled through its own
handlers from every stream it reads; the API keeps reading the old tables meanwhile. Then, in one
transaction, the new tables catch up with what the streams received in the meantime and take the
old ones' place, with their tracking (inbox) rows: live consumers go on with the new tables, and
nothing is applied twice or lost. Live read-model updates wait during that transaction only.

Use it when a read model went wrong, or after a change to a read model's handlers or tables that
existing rows should reflect. It first checks each stream it reads against its service's event store
(as 'pathways streams check' does): a stream that lacks events the relay published (deleted, or lost
in a crash) would leave them out of the rebuilt tables, so the rebuild refuses, naming them, until
they are republished ('pathways streams republish SERVICE'), unless --despite-missing.

A message no handler can read (a subject no contract knows, a body that is not JSON or not the
event its subject names, a bad envelope: published by hand, say) is skipped, as the live consumers
park it, and the report names each one with its stream, sequence and why (ten, then how many
more; --json lists all). A handler that fails on a readable event stops the rebuild instead: it
says on which message and leaves the live tables as they were.

PostgreSQL: PATHWAYS_DATABASE_URL, else the embedded server running under PATHWAYS_DATA_DIR.
NATS: PATHWAYS_NATS_URL, else the embedded server running there.
"""

_REBUILD_EPILOG = """\
exit status: 0 rebuilt and switched, 1 a rebuild stopped, or a stream lacks published events (the
             live tables are unchanged),
             2 it could not run (no server to talk to, or no such read model) or its arguments are wrong,
             130 interrupted
             (those switched before are named)
"""


def add_commands(commands: Any) -> None:
    read_models = commands.add_parser(
        "read-models",
        help="list read models; rebuild them from the streams",
        description=(
            "Each service's read models (the tables its queries read), rebuilt from the streams: `list` names "
            "them, their tables and the streams they read; `rebuild` fills them afresh while the service runs and "
            "switches to them at once. `pathways read-models VERB --help` says more."
        ),
    )
    read_models.set_defaults(run=lambda _args: read_models.print_help() or 2)
    verbs = read_models.add_subparsers(title="read-models commands", metavar="VERB")
    listing = verbs.add_parser(
        "list",
        help="each service's read models, their versions, tables and source streams",
        description="Each service's read models, the version of their code, their tables and the streams they are "
        "built from. Reads nothing from the servers: `pathways status` names the read models whose rows were built "
        "by an older version and need a rebuild.",
    )
    listing.add_argument("service", nargs="?", choices=SERVICE_NAMES, help="only this service")
    listing.set_defaults(run=_list)
    rebuild = verbs.add_parser(
        "rebuild",
        help="rebuild read models from stream sequence 1 and switch to them atomically",
        description=_REBUILD_DESCRIPTION,
        epilog=_REBUILD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rebuild.add_argument("service", choices=SERVICE_NAMES, metavar="SERVICE", help=", ".join(SERVICE_NAMES))
    rebuild.add_argument("read_model", nargs="*", metavar="READ_MODEL", help="read models to rebuild (see 'list')")
    rebuild.add_argument("--all", action="store_true", help="every read model of the service, one after another")
    rebuild.add_argument(
        "--keep-old",
        action="store_true",
        help="keep the old tables in schema retired_<name>_<time> until you DROP SCHEMA it (README says how)",
    )
    rebuild.add_argument("--json", action="store_true", help="print a JSON document on stdout instead of text")
    rebuild.add_argument(
        "--despite-missing",
        action="store_true",
        help="rebuild even from a stream that lacks published events (they will be missing from the tables)",
    )
    rebuild.set_defaults(run=_rebuild)


async def _streams_lacking_events(nc: NatsClient, services: list[str], progress: Any) -> str:
    """What the streams a rebuild reads lack of what their relays published; empty if nothing."""
    from pathways_infra.operator_cli import service_database
    from pathways_infra.stream_audit import audit_stream

    lacking = []
    for source in services:
        service = cast(ServiceName, source)  # a read model's sources are services
        database_url = service_database(service)
        audit = await audit_stream(service, database_url=database_url, js=nc.jetstream(), on_progress=progress)
        if audit.missing.count:
            lacking.append(
                f"stream {audit.stream} lacks {audit.missing.count:,} events its relay published "
                f"(notification ids {audit.missing.text(limit=5)}): run 'pathways streams republish {service}'"
            )
    if not lacking:
        return ""
    return "; ".join(lacking) + ", or rebuild --despite-missing to leave them out"


def _list(args: argparse.Namespace) -> int:
    from pathways_infra.services import definition_of

    for service in [args.service] if args.service else SERVICE_NAMES:
        print(service)
        for read_model in definition_of(service).read_models:
            sources = ", ".join(read_model.sources())
            print(
                f"  {read_model.name:<22} v{read_model.version:<3} from {sources:<32} "
                f"tables: {', '.join(_tables(read_model.ddl))}"
            )
    return 0


def _tables(ddl: str) -> list[str]:
    marker = "CREATE TABLE IF NOT EXISTS "
    return [part.split()[0].strip("(") for part in ddl.split(marker)[1:]]


def _rebuild(args: argparse.Namespace) -> int:
    from pathways_infra.operator_cli import ProgressReport, operate, service_database
    from pathways_infra.rebuild import RebuildError, Rebuilt, describe, rebuild_read_model
    from pathways_infra.services import definition_of

    service: ServiceName = args.service
    definition = definition_of(service)
    known = {read_model.name: read_model for read_model in definition.read_models}
    if args.all and args.read_model:
        print("name read models to rebuild, or --all: not both", file=sys.stderr)
        return 2
    wanted = list(known) if args.all else list(dict.fromkeys(args.read_model))
    unknown = [name for name in wanted if name not in known]
    if unknown or not wanted:
        what = f"no read model {unknown[0]!r} in {service}" if unknown else "name read models to rebuild, or --all"
        print(f"{what}; its read models: {', '.join(known)}", file=sys.stderr)
        return 2

    switched: list[Rebuilt] = []
    sources = sorted({source for name in wanted for source in known[name].sources()})

    async def run(nc: NatsClient, progress: ProgressReport) -> list[Rebuilt] | RebuildError:
        if not args.despite_missing and (lacking := await _streams_lacking_events(nc, sources, progress)):
            return RebuildError(lacking)
        for name in wanted:
            database_url = service_database(service)
            try:
                rebuilt = await rebuild_read_model(
                    definition, known[name], database_url=database_url, js=nc.jetstream(),
                    keep_old=args.keep_old, on_progress=progress,
                )  # fmt: skip
            except RebuildError as error:
                return error
            switched.append(rebuilt)
            if not args.json:  # said as it happens: an interrupted run has switched these already
                print(describe(rebuilt), flush=True)
        return switched

    try:
        outcome = operate(run)
    except KeyboardInterrupt:
        done = [rebuilt.read_model for rebuilt in switched]
        rest = [name for name in wanted if name not in done]
        print(
            f"interrupted: {', '.join(done) or 'nothing'} switched; {', '.join(rest)} not (their live tables are "
            "unchanged; run the rebuild again for them)",
            file=sys.stderr,
        )
        return 130
    if outcome is None:
        return 2
    if isinstance(outcome, RebuildError):
        before = f" ({', '.join(r.read_model for r in switched)} switched before it)" if switched else ""
        print(f"rebuild stopped, the live tables are unchanged{before}: {outcome}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([rebuilt.as_dict() for rebuilt in outcome], indent=2))
    return 0
