"""Operator commands: parked (dead-letter) messages — list, show, replay."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(commands: Any) -> None:
    dlq = commands.add_parser("dlq", help="list, inspect and replay messages parked on the DLQ stream")
    verbs = dlq.add_subparsers(title="dlq commands", metavar="VERB")
    listing = verbs.add_parser("list", help="list parked messages")
    listing.add_argument("--consumer", help="only those parked by this consumer")
    listing.set_defaults(run=_list)
    show = verbs.add_parser("show", help="show one parked message: headers, error and body")
    show.add_argument("sequence", type=int, help="its sequence in the DLQ stream")
    show.set_defaults(run=_show)
    replay = verbs.add_parser("replay", help="send a parked message back to the consumer that parked it")
    replay.add_argument("sequence", type=int, help="its sequence in the DLQ stream")
    replay.set_defaults(run=_replay)


def _list(args: argparse.Namespace) -> int:
    raise NotImplementedError


def _show(args: argparse.Namespace) -> int:
    raise NotImplementedError


def _replay(args: argparse.Namespace) -> int:
    raise NotImplementedError
