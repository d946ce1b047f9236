"""Operator commands: parked (dead-letter) messages — list, show, replay, discard; streams — check, republish."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

if TYPE_CHECKING:
    from pathways_infra.dlq import ParkedMessage
    from pathways_infra.republish import Republished

ProgressReport = Callable[[str, int, int], None]

T = TypeVar("T")

_CHECK_DESCRIPTION = """\
Verify that each service's JetStream stream is an exact, in-order copy of the public events in
its event store (the source of truth). For each service it reports:

  missing          public events the relay has published (up to its stored position) that the
                   stream lacks, as notification-id ranges such as 41-57, 90
  not yet relayed  public events after the relay's position: pending, not an error
  duplicated       a message id found at more than one stream sequence
  out of order     messages whose notification id is lower than one before them
  foreign/unknown  messages whose Nats-Msg-Id is not <service>:<notification id> of a stored
                   public event, nor of one the relay has published (published by hand, or by
                   something else)
  not in the store messages named as the relay names an event it has published, which the store
                   no longer holds (removed from the store since, or published by hand so)
  wrong subject    messages on another subject than their stored event translates to
  republished      messages republished from the store after later ones (not an error)
  store unaltered  each message carries the hash chain over the whole notification log up to
                   its event (Pathways-Log-Digest); the check recomputes the chain from the
                   store and names every span of notification ids where a stored event, public
                   or private, was changed, removed or slipped in after it was published

It only reads: it creates no database, table, stream or durable consumer, and it is safe to run
while the services and relays are running.

PostgreSQL: PATHWAYS_DATABASE_URL, else the embedded server running under PATHWAYS_DATA_DIR.
NATS: PATHWAYS_NATS_URL, else the embedded server running there.
"""

_CHECK_EPILOG = """\
exit status: 0 every stream is an exact copy (events not yet relayed are fine),
             1 something is missing, duplicated, out of order, foreign or on a wrong subject,
               or the store was altered after publishing,
             2 the check could not run (no server to talk to, or a server refused)
"""


_DLQ_DESCRIPTION = """\
A consumer that cannot apply a message after PATHWAYS_CONSUMER_MAX_DELIVERIES tries (at once for
one no retry can fix) parks it on the DLQ stream with its error and origin, and goes on. The DLQ
is history and is never changed: how each entry was resolved is recorded on the DLQ_RESOLUTIONS
stream. An entry is resolved when the consumer that parked it has applied its replay, when that
replay failed again and was parked as a new entry (which stands for it from then on), or when an
operator discarded it with a reason. 'pathways status' counts unresolved entries only.

NATS: PATHWAYS_NATS_URL (the operator's user), else the embedded server running under PATHWAYS_DATA_DIR.
"""

_DLQ_EPILOG = """\
exit status: 0 done, 1 refused (no such entry, nothing to send back, resolved already),
             2 it could not run (no NATS to talk to) or its arguments are wrong
"""
_DLQ_SHOW_EPILOG = """\
exit status: 0 shown (resolved or not), 1 no message is parked at that sequence,
             2 it could not run (no NATS to talk to) or its arguments are wrong
"""
_DLQ_DISCARD_EPILOG = """\
exit status: 0 every one discarded, 1 some refused (no such entry, resolved already; the others
               are discarded), 2 it could not run (no NATS to talk to) or its arguments are wrong
"""
_DLQ_LIST_EPILOG = """\
exit status: 0 listed (perhaps nothing), 2 it could not run (no NATS to talk to) or its arguments are wrong
"""

_LIST_DESCRIPTION = """\
One line per parked message: its DLQ sequence (what 'show', 'replay' and 'discard' take), when it
was parked, the consumer that parked it, the event's own stream, sequence and subject, and the
error. Only unresolved messages, unless --all, which adds how each was resolved.
"""

_REPLAY_DESCRIPTION = """\
Send each parked message back to the consumer that parked it, and to no other: the message as its
stream holds it, never the parked copy. The consumer takes it asynchronously: once it has applied
it, the entry is resolved (applied); if it fails again, it is parked as a new entry that supersedes
this one. Until then the entry stays listed.
"""

_DISCARD_DESCRIPTION = """\
Record that a parked message is not to be applied, with the reason and who decided. It is no
longer counted as parked, and stays on the DLQ: 'dlq list --all' and 'dlq show' still show it,
with the reason. To apply it after all, replay it.
"""

_REPUBLISH_DESCRIPTION = """\
Republish, from the service's event store (the source of truth), exactly the public events that
'pathways streams check' reports missing from its stream: events the relay published that the
stream no longer holds (JetStream acknowledges before it syncs to disk, so a power loss can drop
acknowledged messages).

Each is translated as the relay translates it and sent with its own Nats-Msg-Id and a
Pathways-Republished header. It lands after later messages: consumers apply it if they never
did (they deduplicate by event id), the relay does not take it for the stream's tail, and the
check counts it as republished, not out of order. Nothing the stream still holds is sent again,
and events the relay has not reached yet are left to it. Safe while the system runs.

After republishing it checks the stream again and prints the verdict.
"""

_REPUBLISH_EPILOG = """\
exit status: 0 the stream now holds every event the relay published,
             1 something is still missing (see the check's report), or JetStream refused some,
             2 it could not run (no server to talk to, or a server refused) or its arguments are wrong
"""


def add_commands(commands: Any) -> None:
    _add_dlq_commands(commands)

    streams = commands.add_parser(
        "streams",
        help="check the streams against the event stores",
        description=(
            "The JetStream streams against the services' event stores: `check` verifies each stream is an exact, "
            "in-order copy of its service's public stored events; `ensure` makes the streams that are missing; "
            "`republish` publishes again what a stream lost. `pathways streams VERB --help` says more."
        ),
    )
    streams.set_defaults(run=lambda _args: streams.print_help() or 2)  # a group named without a verb
    stream_verbs = streams.add_subparsers(title="streams commands", metavar="VERB")
    check = stream_verbs.add_parser(
        "check",
        help="verify each stream is an exact, in-order copy of its service's public stored events",
        description=_CHECK_DESCRIPTION,
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "service",
        nargs="*",
        type=service_name,
        metavar="SERVICE",
        help=f"services to check: {', '.join(SERVICE_NAMES)} (default: all three)",
    )
    check.add_argument("--json", action="store_true", help="print a JSON document on stdout instead of text")
    check.set_defaults(run=_check)

    ensure = stream_verbs.add_parser(
        "ensure",
        help="make the streams that are missing and check the others (services may not make them)",
        description="Make each missing stream (ENROLLMENT, TRAINING, OUTCOMES, DLQ, REPLAY, DLQ_RESOLUTIONS) with "
        "PATHWAYS_STREAM_REPLICAS replicas, and check that the existing ones store their own subjects "
        "and nothing copied from elsewhere. `pathways up` does this before starting the services; a "
        "deployment runs it once as the operator before them. Exits 1 when a stream is misconfigured.",
    )
    ensure.set_defaults(run=_ensure)

    republish = stream_verbs.add_parser(
        "republish",
        help="republish from the event store the public events a stream lost",
        description=_REPUBLISH_DESCRIPTION,
        epilog=_REPUBLISH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    republish.add_argument("service", type=service_name, metavar="SERVICE", help=", ".join(SERVICE_NAMES))
    republish.add_argument(
        "--ids",
        type=_id_ranges,
        metavar="RANGES",
        help="only missing events within these notification ids, written as the check prints them: 41-57,90",
    )
    republish.add_argument("--dry-run", action="store_true", help="only say what would be republished")
    republish.add_argument("--json", action="store_true", help="print a JSON document on stdout instead of text")
    republish.set_defaults(run=_republish)

    from pathways_infra import read_models_cli, status_cli

    read_models_cli.add_commands(commands)
    status_cli.add_command(commands)


def _add_dlq_commands(commands: Any) -> None:
    dlq = commands.add_parser(
        "dlq",
        help="list, inspect, replay and discard messages parked on the DLQ stream",
        description=_DLQ_DESCRIPTION,
        epilog=_DLQ_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dlq.set_defaults(run=lambda _args: dlq.print_help() or 2)
    verbs = dlq.add_subparsers(title="dlq commands", metavar="VERB")

    def verb(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = verbs.add_parser(
            name, help=help_text, description=description, epilog=_DLQ_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        return parser

    listing = verb("list", "list unresolved parked messages (one line each)", _LIST_DESCRIPTION)
    listing.epilog = _DLQ_LIST_EPILOG
    listing.add_argument("--consumer", help="only those parked by this consumer, e.g. training-from-enrollment")
    listing.add_argument("--all", action="store_true", help="resolved ones too, with how each was resolved")
    listing.set_defaults(run=_list)
    show_description = "Show one parked message as JSON: headers (error, origin), body, and how it was resolved."
    show = verb("show", "show one parked message: headers, error, body and resolutions", show_description)
    show.epilog = _DLQ_SHOW_EPILOG
    show.add_argument("sequence", type=dlq_sequence, help="its sequence in the DLQ stream (first column of 'list')")
    show.set_defaults(run=_show)
    replay = verb("replay", "send parked messages back to the consumer that parked them", _REPLAY_DESCRIPTION)
    replay.add_argument("sequence", type=dlq_sequence, nargs="+", help="sequences in the DLQ stream")
    replay.add_argument("--by", default=_operator(), help="who sends it back, for the record (default: %(default)s)")
    replay.set_defaults(run=_replay)
    discard = verb("discard", "resolve parked messages without applying them, saying why", _DISCARD_DESCRIPTION)
    discard.epilog = _DLQ_DISCARD_EPILOG
    discard.add_argument("sequence", type=dlq_sequence, nargs="+", help="sequences in the DLQ stream")
    discard.add_argument("--reason", required=True, type=reason_text, help="why it is not to be applied (kept with it)")
    discard.add_argument("--by", default=_operator(), help="who decided, for the record (default: %(default)s)")
    discard.set_defaults(run=_discard)


def _operator() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment, and no passwd entry
        return "unknown"


def nats_url() -> str:
    """The configured NATS, else the embedded one if it is running (never started from here)."""
    from pathways_infra.embedded import EmbeddedNats

    return _server_url(Settings().nats_url, EmbeddedNats, "NATS", "PATHWAYS_NATS_URL")


def database_url() -> str:
    """The configured PostgreSQL, else the embedded one if it is running (never started from here)."""
    from pathways_infra.embedded import EmbeddedPostgres

    return _server_url(Settings().database_url, EmbeddedPostgres, "PostgreSQL", "PATHWAYS_DATABASE_URL")


def _server_url(configured: str | None, embedded: Any, what: str, variable: str) -> str:
    if configured:
        return configured
    running: str | None = embedded(Settings().data_dir.resolve()).running_url()
    if running is None:
        raise SystemExit(f"no {what} to talk to: set {variable}, or start the system with 'pathways up'")
    return running


def service_name(name: str) -> ServiceName:
    """argparse's ``choices`` rejects an empty ``nargs="*"`` list on Python 3.11, hence a type."""
    for service in SERVICE_NAMES:
        if name == service:
            return service
    raise argparse.ArgumentTypeError(f"no service {name!r} (choose from {', '.join(SERVICE_NAMES)})")


def _id_ranges(text: str) -> list[tuple[int, int]]:
    from pathways_infra.republish import parse_ranges

    try:
        return parse_ranges(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def with_jetstream(action: Callable[[JetStreamContext], Awaitable[T]]) -> T:
    """Run ``action`` on a JetStream connection that gives up in seconds, not minutes, when NATS is
    unreachable (exits with that reason)."""
    return _with_nats(lambda nc: action(nc.jetstream()))


def _with_nats(action: Callable[[NatsClient], Awaitable[T]]) -> T:
    async def run() -> T:
        from pathways_infra.nats_auth import redacted

        url = nats_url()
        started = time.monotonic()
        try:
            nc = await nats.connect(url, **_FAIL_FAST)
        except (OSError, nats.errors.Error) as error:
            reason = _unreachable_reason(error, time.monotonic() - started)
            raise SystemExit(f"cannot reach NATS at {redacted(url)}: {reason}") from None
        try:
            return await action(nc)
        finally:
            await nc.close()

    return asyncio.run(run())


def _unreachable_reason(error: Exception, waited: float) -> str:
    if isinstance(error, TimeoutError):  # asyncio's says nothing: no message at all
        return f"timed out: no answer within {waited:.1f}s (a server that is hung, or a network that drops packets)"
    return f"{type(error).__name__}: {error}"


def _list(args: argparse.Namespace) -> int:
    from pathways_infra.dlq import list_parked

    parked = _on_the_dlq(lambda js: list_parked(js, consumer=args.consumer, include_resolved=args.all))
    if parked is None:
        return 2
    if not parked and args.consumer:
        return _none_parked_by(args.consumer)
    if not parked:
        print("no parked messages" if args.all else "no unresolved parked messages ('--all' shows resolved ones too)")
        return 0
    print(_table(parked, with_resolution=args.all))
    return 0


def _none_parked_by(consumer: str) -> int:
    """An empty list for a consumer: say whether it ever parked anything, so a misspelt name shows."""
    from pathways_infra.dlq import list_parked

    everything = _on_the_dlq(lambda js: list_parked(js, include_resolved=True))
    if everything is None:
        return 2
    consumers = sorted({p.consumer for p in everything})
    if consumer in consumers:
        print(f"no unresolved messages parked by {consumer} ('--all' shows resolved ones too)")
    else:
        others = f"those that did: {', '.join(consumers)}" if consumers else "no consumer ever parked a message"
        print(f"consumer {consumer!r} never parked a message ({others})")
    return 0


def _table(parked: list[ParkedMessage], *, with_resolution: bool) -> str:
    header = ["SEQ", "PARKED AT", "CONSUMER", "ORIGIN", *(["RESOLUTION"] if with_resolution else []), "ERROR"]
    rows = [header] + [
        [
            str(p.sequence),
            p.parked_at,
            p.consumer,
            f"{p.original_stream}#{p.original_sequence} {p.original_subject}",
            *([p.resolutions[-1].describe() if p.resolved else "unresolved"] if with_resolution else []),
            p.error,
        ]
        for p in parked
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    return "\n".join(_line(row, widths) for row in rows)


def _line(row: list[str], widths: list[int]) -> str:
    """Columns as wide as their widest cell; the last (the error) as long as it is."""
    padded = [row[0].rjust(widths[0]), *(cell.ljust(width) for cell, width in zip(row[1:-1], widths[1:], strict=True))]
    return "  ".join([*padded, row[-1]]).rstrip()


def _show(args: argparse.Namespace) -> int:
    from pathways_infra.dlq import NotParkedError, get_parked

    try:
        parked = _on_the_dlq(lambda js: get_parked(js, args.sequence))
    except NotParkedError as error:
        print(error, file=sys.stderr)
        return 1
    if parked is None:
        return 2
    try:
        body: Any = json.loads(parked.body)
    except ValueError:
        body = parked.body.decode(errors="replace")
    shown = {
        "sequence": parked.sequence,
        "resolved": parked.resolved,
        "resolutions": [r.as_dict() for r in parked.resolutions],
        "headers": parked.headers,
        "body": body,
    }
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return 0


def dlq_sequence(text: str) -> int:
    """A stream sequence as the CLI takes it: a whole number from 1 (argparse says what is wrong, exit 2)."""
    try:
        sequence = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a DLQ sequence (a whole number from 1)") from None
    if not 1 <= sequence < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a DLQ sequence (a whole number from 1)")
    return sequence


def reason_text(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("say why (it is kept with the entry)")
    return text


def _replay(args: argparse.Namespace) -> int:
    from pathways_infra.dlq import AlreadyResolvedError, NotParkedError, NotReplayableError, replay

    async def replay_one(js: JetStreamContext, sequence: int) -> str:
        replay_sequence = await replay(js, sequence, by=args.by)
        return (
            f"DLQ #{sequence} sent back to its consumer (REPLAY #{replay_sequence}); "
            "it is resolved once the consumer has applied it"
        )

    refusals = (NotParkedError, NotReplayableError, AlreadyResolvedError)
    return _each_on_the_dlq(args.sequence, replay_one, refusals=refusals, doing="sending back")


def _discard(args: argparse.Namespace) -> int:
    from pathways_infra.dlq import AlreadyResolvedError, NotParkedError, discard

    async def discard_one(js: JetStreamContext, sequence: int) -> str:
        resolution = await discard(js, sequence, reason=args.reason, by=args.by)
        return f"DLQ #{resolution.dlq_sequence} {resolution.describe()}"

    refusals = (NotParkedError, AlreadyResolvedError)
    return _each_on_the_dlq(args.sequence, discard_one, refusals=refusals, doing="discarding")


PROGRESS_FROM = 20  # entries acted on at once from which a progress bar shows on stderr


def _each_on_the_dlq(
    sequences: Sequence[int],
    act: Callable[[JetStreamContext, int], Awaitable[str]],
    *,
    refusals: tuple[type[Exception], ...],
    doing: str,
) -> int:
    """Act on each entry in turn, saying what became of it as it goes: a refusal of one does not
    stop the others, and what was done before an outage is said before it is. 0, 1 if any was
    refused, 2 if NATS could not be reached or failed."""

    async def each(js: JetStreamContext) -> bool:
        refused = False
        with _progress(doing, len(sequences)) as advance:
            for sequence in sequences:
                try:
                    print(await act(js, sequence), flush=True)
                except refusals as error:
                    print(error, file=sys.stderr, flush=True)
                    refused = True
                advance()
        return refused

    refused = _on_the_dlq(each)
    if refused is None:
        return 2
    return 1 if refused else 0


@contextlib.contextmanager
def _progress(what: str, total: int) -> Iterator[Callable[[], None]]:
    """A function to call after each of ``total`` steps, which moves a progress bar when there are many."""
    if total < PROGRESS_FROM:
        yield lambda: None
        return
    from pathways_infra.demo.driver import progress_bar

    with progress_bar() as progress:
        task = progress.add_task(what, total=total)
        yield lambda: progress.advance(task)


def _on_the_dlq(action: Callable[[JetStreamContext], Awaitable[T]]) -> T | None:
    """``action``'s result; None, after one line on stderr, when NATS cannot be reached or fails it."""
    try:
        return unless_unreachable(lambda: with_jetstream(action))
    except (OSError, TimeoutError, nats.errors.Error) as error:
        print(f"could not run: {type(error).__name__}: {error}", file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    from pathways_infra.stream_audit import StreamAudit, audit_stream, describe

    services: list[ServiceName] = list(dict.fromkeys(args.service)) or list(SERVICE_NAMES)

    async def audit_all(nc: NatsClient, progress: ProgressReport) -> list[StreamAudit]:
        js = nc.jetstream()
        return [
            await audit_stream(service, database_url=service_database(service), js=js, on_progress=progress)
            for service in services
        ]

    audits = operate(audit_all)
    if audits is None:
        return 2
    ok = all(audit.ok for audit in audits)
    if args.json:
        print(json.dumps({"ok": ok, "services": [audit.as_dict() for audit in audits]}, indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(describe(audit) for audit in audits))
    return 0 if ok else 1


def _ensure(args: argparse.Namespace) -> int:
    from pathways_infra.streams import StreamMisconfiguredError, ensure_streams

    replicas = Settings().stream_replicas

    async def ensure(js: JetStreamContext) -> bool:
        await ensure_streams(js, replicas)
        return True

    try:
        if unless_unreachable(lambda: with_jetstream(ensure)) is None:
            return 2
    except StreamMisconfiguredError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"streams ready ({replicas} replica{'s' if replicas > 1 else ''} each)")
    return 0


def _republish(args: argparse.Namespace) -> int:
    from pathways_infra.republish import republish_missing
    from pathways_infra.stream_audit import StreamAudit, audit_stream, describe

    service: ServiceName = args.service

    async def run(nc: NatsClient, progress: ProgressReport) -> tuple[Republished, StreamAudit]:
        url = service_database(service)
        before, done = await republish_missing(
            service, database_url=url, nc=nc, only=args.ids, dry_run=args.dry_run, on_progress=progress
        )
        if args.dry_run or not done.chosen.count:
            return done, before
        return done, await audit_stream(service, database_url=url, js=nc.jetstream(), on_progress=progress)

    outcome = operate(run)
    if outcome is None:
        return 2
    done, after = outcome
    if args.json:
        print(json.dumps({**done.as_dict(), "dry_run": args.dry_run, "check": after.as_dict()}, indent=2))
    else:
        print(_republish_summary(done, dry_run=args.dry_run, still_missing=after.missing.count))
        print(describe(after))
    # The check after it says whether the stream holds every event (a run beside it may have stored some).
    return 0 if not after.missing.count else 1


def _republish_summary(done: Republished, *, dry_run: bool, still_missing: int) -> str:
    if not done.chosen.count:
        return f"{done.service}: nothing to republish"
    chosen = f"{done.chosen.count:,} missing public events ({done.chosen.text(20)})"
    if dry_run:
        return f"{done.service}: would republish {chosen}"
    refused = ""
    if done.refused_as_duplicates and still_missing:
        refused = (
            f"; JetStream refused {done.refused_as_duplicates:,} as duplicates of messages stored within its "
            "dedup window (2 minutes): run again once it has passed"
        )
    elif done.refused_as_duplicates:
        refused = f"; {done.refused_as_duplicates:,} were stored already (by another run, as the check below shows)"
    return f"{done.service}: republished {chosen}: {done.stored:,} stored{refused}\n"


def service_database(service: ServiceName) -> str:
    from pathways_infra.database import DatabaseAddress

    return DatabaseAddress.parse(database_url()).with_database(Settings().database_name(service)).url


def operate(action: Callable[[NatsClient, ProgressReport], Awaitable[T]]) -> T | None:
    """Run a stream operation with progress bars; None (after one line on stderr) if it could not run."""
    import asyncpg
    from rich.progress import TaskID

    from pathways_infra.database import OPERATOR_CONNECT_TIMEOUT_SECONDS
    from pathways_infra.demo.driver import progress_bar
    from pathways_infra.nats_fast_paths import install_nats_fast_paths
    from pathways_infra.stream_audit import AuditError

    install_nats_fast_paths()  # reading every message's headers is most of the work

    async def run(nc: NatsClient) -> T:
        with progress_bar() as progress:
            tasks: dict[str, TaskID] = {}

            def report(what: str, done: int, total: int) -> None:
                if what not in tasks:
                    tasks[what] = progress.add_task(what, total=total)
                progress.update(tasks[what], completed=done, total=total)

            return await action(nc, report)

    def checked() -> T:
        database_url()  # fail before connecting to NATS when there is no PostgreSQL
        return _with_nats(run)

    try:
        return unless_unreachable(checked)
    except nats.errors.Error as error:
        print(f"could not run: NATS: {type(error).__name__}: {error}", file=sys.stderr)
        return None
    except TimeoutError:
        print(
            f"could not run: PostgreSQL did not answer within {OPERATOR_CONNECT_TIMEOUT_SECONDS:.0f} s (is it running, "
            "and reachable at PATHWAYS_DATABASE_URL or under PATHWAYS_DATA_DIR?)",
            file=sys.stderr,
        )
        return None
    except (OSError, asyncpg.PostgresError, AuditError) as error:
        print(f"could not run: {type(error).__name__}: {error}", file=sys.stderr)
        return None


def unless_unreachable(action: Callable[[], T]) -> T | None:
    """``action``'s result; None, after one line on stderr, when there is no server to talk to."""
    try:
        return action()
    except SystemExit as unreachable:
        if not isinstance(unreachable.code, str):
            raise
        print(unreachable.code, file=sys.stderr)
        return None


async def _no_report(_error: Exception) -> None:
    """Connection errors end the check with one line; nats-py would print a traceback per attempt."""


NATS_CONNECT_TIMEOUT_SECONDS = 2  # nats-py's default, for each attempt: a server that accepts and never answers

# nats-py retries a first connection 60 times, 2 s apart, before it gives up: the check gives up in seconds.
_FAIL_FAST: dict[str, Any] = {
    "connect_timeout": NATS_CONNECT_TIMEOUT_SECONDS,
    "allow_reconnect": False,
    "max_reconnect_attempts": 2,
    "reconnect_time_wait": 1.0,
    "error_cb": _no_report,
}
