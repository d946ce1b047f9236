"""Operator commands: parked (dead-letter) messages — list, show, replay."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import nats
from nats.js import JetStreamContext

from pathways_infra.settings import Settings

T = TypeVar("T")


def add_commands(commands: Any) -> None:
    dlq = commands.add_parser("dlq", help="list, inspect and replay messages parked on the DLQ stream")
    verbs = dlq.add_subparsers(title="dlq commands", metavar="VERB")
    listing = verbs.add_parser("list", help="list parked messages (one line each)")
    listing.add_argument("--consumer", help="only those parked by this consumer, e.g. training-from-enrollment")
    listing.set_defaults(run=_list)
    show = verbs.add_parser("show", help="show one parked message: headers, error and body")
    show.add_argument("sequence", type=int, help="its sequence in the DLQ stream (first column of 'list')")
    show.set_defaults(run=_show)
    replay = verbs.add_parser("replay", help="send a parked message back to the consumer that parked it")
    replay.add_argument("sequence", type=int, nargs="+", help="sequences in the DLQ stream")
    replay.set_defaults(run=_replay)


def _nats_url() -> str:
    settings = Settings()
    if settings.nats_url:
        return settings.nats_url
    from pathways_infra.embedded import EmbeddedNats

    running = EmbeddedNats(settings.data_dir.resolve())._running_server()
    if running is None:
        raise SystemExit("no NATS to talk to: set PATHWAYS_NATS_URL, or start the system with 'pathways up'")
    return running


def _with_jetstream(action: Callable[[JetStreamContext], Awaitable[T]]) -> T:
    async def run() -> T:
        nc = await nats.connect(_nats_url())
        try:
            return await action(nc.jetstream())
        finally:
            await nc.close()

    return asyncio.run(run())


def _list(args: argparse.Namespace) -> int:
    from pathways_infra.dlq import list_parked

    parked = _with_jetstream(lambda js: list_parked(js, consumer=args.consumer))
    if not parked:
        print("no parked messages")
        return 0
    print(f"{'SEQ':>6}  {'PARKED AT':<32}  {'CONSUMER':<28}  {'ORIGIN':<40}  ERROR")
    for p in parked:
        origin = f"{p.original_stream}#{p.original_sequence} {p.original_subject}"
        print(f"{p.sequence:>6}  {p.parked_at:<32}  {p.consumer:<28}  {origin:<40}  {p.error}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from pathways_infra.dlq import get_parked

    parked = _with_jetstream(lambda js: get_parked(js, args.sequence))
    try:
        body: Any = json.loads(parked.body)
    except ValueError:
        body = parked.body.decode(errors="replace")
    print(
        json.dumps({"sequence": parked.sequence, "headers": parked.headers, "body": body}, indent=2, ensure_ascii=False)
    )
    return 0


def _replay(args: argparse.Namespace) -> int:
    from pathways_infra.dlq import replay

    async def replay_all(js: JetStreamContext) -> list[tuple[int, int]]:
        return [(sequence, await replay(js, sequence)) for sequence in args.sequence]

    for sequence, replayed in _with_jetstream(replay_all):
        print(f"DLQ #{sequence} sent back to its consumer (REPLAY #{replayed})")
    return 0
