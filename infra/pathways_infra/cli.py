"""``pathways``: run the system, a service, a relay; inspect and replay parked messages; check the streams;
replay a participant's history for audit."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pathways_infra.gc_tuning import tune_for_service
from pathways_infra.logs import configure_logging
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

if TYPE_CHECKING:
    from pathways_infra.embedded import ServerUrls

DATA_DIR_HELP = "where embedded servers keep their data (default: PATHWAYS_DATA_DIR, else .pathways)"
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by SIGINT
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # what a shell reports for a program killed by SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            code = _run(argv)
        finally:  # also after SystemExit (--help): buffered output meets a closed pipe only here
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`pathways status --json | head`): nothing more can be said, and Python would
        # complain again when flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        # Commands with work to report on an interruption say it themselves; the rest stop quietly.
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


class _Parser(argparse.ArgumentParser):
    """Leftover arguments are refused by the innermost command that saw them, with its own usage:
    argparse otherwise hands them up to ``pathways``, whose usage says nothing of the command's options."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pathways",
        description=(
            "Pathways: case management for community-based reskill/upskill programmes. Three event-sourced "
            "services (enrollment, training, outcomes) on PostgreSQL and NATS JetStream. `up` and `servers` "
            "start embedded PostgreSQL and NATS under --data-dir unless PATHWAYS_DATABASE_URL / PATHWAYS_NATS_URL "
            "name servers to use; `serve` and `relay` need those two set; the other commands use them, else the "
            "embedded servers running under PATHWAYS_DATA_DIR."
        ),
        epilog="Configuration comes from PATHWAYS_* environment variables; see README.md.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    up = commands.add_parser(
        "up",
        help="start embedded PostgreSQL and NATS (if needed) and all three services",
        description=(
            "Start embedded PostgreSQL and NATS JetStream under --data-dir (or use PATHWAYS_DATABASE_URL / "
            "PATHWAYS_NATS_URL), make the streams, and run the three services, each in its own process, until "
            "Ctrl-C or SIGTERM. One `up` or `servers` runs per data folder (it holds pathways.lock there; a "
            "second one refuses, naming the first one's PID). A service port another program holds is named "
            "before anything starts, with the PATHWAYS_<SERVICE>_PORT that moves it."
        ),
        epilog=(
            "exit status: 0 stopped by Ctrl-C or SIGTERM,\n"
            "             1 something could not start, or something it watches (a service, PostgreSQL, NATS) died"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    up.add_argument("--data-dir", type=Path, help=DATA_DIR_HELP)
    up.set_defaults(run=_up)

    serve = commands.add_parser(
        "serve",
        help="run one service: HTTP API, relay and consumers",
        description=(
            "Run one service in this process: its HTTP API, its outbox relay and its stream consumers (each of "
            "the last two in one replica at a time). Needs PATHWAYS_DATABASE_URL and PATHWAYS_NATS_URL (the "
            "service's NATS user; `pathways servers` prints both); `pathways up` runs all three for you."
        ),
        epilog="exit status: 0 stopped by Ctrl-C or SIGTERM, 1 it could not start, 2 a URL is missing",
    )
    serve.add_argument("service", choices=SERVICE_NAMES)
    serve.add_argument("--port", type=int, help="HTTP port (default from PATHWAYS_<SERVICE>_PORT)")
    serve.add_argument("--no-relay", action="store_true", help="do not run the outbox relay in this process")
    serve.add_argument("--no-consumers", action="store_true", help="do not consume streams (an API-only replica)")
    serve.set_defaults(run=_serve)

    relay = commands.add_parser(
        "relay",
        help="run only a service's outbox relay (event store → JetStream)",
        description=(
            "Run only SERVICE's outbox relay: publish the events its store records to its JetStream stream, in "
            "order, until stopped (Ctrl-C or SIGTERM). Only one relay per service publishes at a time; another "
            "waits. Needs PATHWAYS_DATABASE_URL and PATHWAYS_NATS_URL (with the service's NATS user)."
        ),
    )
    relay.epilog = "exit status: 0 stopped by Ctrl-C or SIGTERM, 2 a URL is missing"
    relay.add_argument("service", choices=SERVICE_NAMES)
    relay.set_defaults(run=_relay)

    servers = commands.add_parser(
        "servers",
        help="start only the embedded PostgreSQL and NATS (its streams made) and print their URLs",
        description=(
            "Start only the embedded PostgreSQL and NATS JetStream under --data-dir (the streams made), print "
            "the `export` lines that point `pathways serve` and the operator commands at them, and run until "
            "Ctrl-C or SIGTERM. One `up` or `servers` runs per data folder."
        ),
        epilog="exit status: 0 stopped by Ctrl-C or SIGTERM, 1 something could not start or died",
    )
    servers.add_argument("--data-dir", type=Path, help=DATA_DIR_HELP)
    servers.set_defaults(run=_servers)

    contracts = commands.add_parser("contracts", help="write the JSON Schemas and AsyncAPI documents under contracts/")
    contracts.add_argument("--check", action="store_true", help="only report documents that are out of date")
    contracts.set_defaults(run=_contracts)

    from pathways_infra import history_cli, operator_cli
    from pathways_infra.demo import cli as demo_cli

    demo_cli.add_command(commands)
    operator_cli.add_commands(commands)
    history_cli.add_command(commands)
    importlib.import_module("pathways_enrollment.vault_cli").add_command(commands)  # the vault is enrollment's
    return parser


def _settings(data_dir: Path | None = None) -> Settings:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def _up(args: argparse.Namespace) -> int:
    from pathways_infra.up import run_up

    settings = _settings(args.data_dir)
    configure_logging(settings.log_level, "up")
    return run_up(settings)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from pathways_infra.services import build_app, build_runtime

    service = cast(ServiceName, args.service)
    settings = _settings()
    if not _servers_named(settings, f"serve {service}"):
        return 2
    configure_logging(settings.log_level, service)
    runtime = build_runtime(service, settings, relay=not args.no_relay, consumers=not args.no_consumers)
    app = build_app(runtime)
    port = args.port or settings.port_of(service)
    config = uvicorn.Config(
        app, host=settings.http_host, port=port, log_config=None, access_log=False, lifespan="on", ws="none",
        proxy_headers=False,  # no proxy in front; its middleware parsed the client address on every request
    )  # fmt: skip
    tune_for_service()
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1  # uvicorn logged why it did not start


def _relay(args: argparse.Namespace) -> int:
    from pathways_infra.services import build_runtime

    service = cast(ServiceName, args.service)
    settings = _settings()
    if not _servers_named(settings, f"relay {service}"):
        return 2
    configure_logging(settings.log_level, f"{service}-relay")

    async def run() -> None:
        runtime = build_runtime(service, settings, relay=True, consumers=False)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runtime.start()
        tune_for_service()
        try:
            await stop.wait()
        finally:
            await runtime.stop()

    asyncio.run(run())
    return 0


def _servers_named(settings: Settings, command: str) -> bool:
    """Whether the servers a service runs on are named; if not, say so in one line."""
    missing = [name for name, url in (("DATABASE", settings.database_url), ("NATS", settings.nats_url)) if not url]
    if missing:
        variables = " and ".join(f"PATHWAYS_{name}_URL" for name in missing)
        print(
            f"pathways {command}: set {variables} (`pathways servers` prints them; `pathways up` runs everything)",
            file=sys.stderr,
        )
    return not missing


def _servers(args: argparse.Namespace) -> int:
    from pathways_infra.up import run_servers

    settings = _settings(args.data_dir)
    configure_logging(settings.log_level, "servers")
    return run_servers(settings, _print_server_urls)


def _print_server_urls(urls: ServerUrls) -> None:
    print(f"export PATHWAYS_DATABASE_URL='{urls.database_url}'", flush=True)
    print(f"export PATHWAYS_NATS_URL='{urls.nats_url}'  # the operator's user: may do anything", flush=True)
    for service, url in urls.nats_service_urls.items():
        print(f"# pathways serve {service}: PATHWAYS_NATS_URL='{url}'", flush=True)
    for name, url in urls.nats_integrator_urls.items():
        print(f"# integrator {name} (reads OUTCOMES through consumer {name!r}): {url}", flush=True)


def _contracts(args: argparse.Namespace) -> int:
    from pathways_infra.contracts_export import stale_documents, write_documents

    if args.check:
        stale = stale_documents()
        for path in stale:
            print(f"out of date: {path}")
        if not stale:
            print("contract documents are up to date")
        return 1 if stale else 0
    for path in write_documents():
        print(f"wrote {path}")
    return 0
