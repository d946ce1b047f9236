"""The fast paths in front of nats-py behave as nats-py does: headers parse the same, queued messages
come out in order with the same bookkeeping, and an empty queue still waits and times out."""

from __future__ import annotations

import asyncio
import random
from types import SimpleNamespace
from typing import Any, cast

import nats.errors
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from pathways_infra.nats_fast_paths import install_nats_fast_paths, nats_own_parser, parse_ascii_header_lines

TRICKY = [
    b"",
    b"\r\n",
    b"ce-id: enrollment:42\r\nce-type: th.pathways.enrollment.v1.participant.enrolled\r\n\r\n",
    b"Name:Value\r\nOther:\tTabbed \r\n",
    b"no colon here\r\nkey: value: with: colons\r\n",
    b"bad name: x\r\nbad\tname: y\r\n\x1cname: z\r\nname\x1f: w\r\n",
    b" padded name : v\r\n\x0bvt: v\r\n",
    b": empty name\r\n   : blank name\r\n",
    b"dup: first\r\ndup: second\r\n",
    b"caf\xc3\xa9: name not ascii\r\nok: 1\r\n",
    b"value: caf\xc3\xa9\r\n",
    b"value: \xff\xfe broken utf-8\r\n",
    b"lone\rcr: x\r\nlone\nlf: y\r\n",
]


def _nats_own(raw: bytes) -> dict[str, str]:
    return nats_own_parser()(raw)


@pytest.mark.parametrize("raw", TRICKY)
def test_a_tricky_header_block_parses_as_nats_py_parses_it(raw: bytes) -> None:
    assert parse_ascii_header_lines(raw, _nats_own) == _nats_own(raw)


def test_random_header_blocks_parse_as_nats_py_parses_them() -> None:
    pieces = [b"a", b"Z", b"-", b"9", b":", b" ", b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x1f", b"\r", b"\n",
              b"\r\n", b"\r\n", b"\xc3\xa9", b"\xff", b"\x00", b"\x7f"]  # fmt: skip
    generator = random.Random(20261125)
    for _ in range(20_000):
        raw = b"".join(generator.choice(pieces) for _ in range(generator.randint(0, 40)))
        assert parse_ascii_header_lines(raw, _nats_own) == _nats_own(raw), raw


def test_once_installed_nats_py_parses_headers_with_it() -> None:
    install_nats_fast_paths()
    install_nats_fast_paths()  # a second call changes nothing

    parsed = Client._parse_header_lines(b"ce-id: training:7\r\nbad name: x\r\n")

    assert parsed == {"ce-id": "training:7"}
    assert Client._parse_header_lines is not nats_own_parser()


def _subscription() -> Subscription:
    return Subscription(SimpleNamespace(is_closed=False))


def _message(data: bytes) -> Msg:
    return Msg(_client=cast(Any, None), subject="events", data=data)


async def test_queued_messages_are_taken_in_order_with_nats_py_bookkeeping() -> None:
    install_nats_fast_paths()
    subscription = _subscription()
    for data in (b"one", b"three", b"fifteen"):
        subscription._pending_queue.put_nowait(_message(data))
        subscription._pending_size += len(data)

    taken = [await subscription.next_msg(timeout=1) for _ in range(3)]

    assert [msg.data for msg in taken] == [b"one", b"three", b"fifteen"]
    assert subscription.pending_bytes == 0
    assert subscription._pending_queue.empty()


async def test_with_nothing_queued_next_msg_waits_and_times_out_as_nats_py_does() -> None:
    install_nats_fast_paths()
    subscription = _subscription()

    with pytest.raises(nats.errors.TimeoutError):
        await subscription.next_msg(timeout=0.05)


async def test_a_message_arriving_while_waiting_is_delivered() -> None:
    install_nats_fast_paths()
    subscription = _subscription()
    asyncio.get_running_loop().call_later(0.02, subscription._pending_queue.put_nowait, _message(b"late"))

    assert (await subscription.next_msg(timeout=1)).data == b"late"
