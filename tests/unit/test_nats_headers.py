"""The faster header parser reads every header block exactly as nats-py's own parser does."""

from __future__ import annotations

import random

import pytest
from nats.aio.client import Client

from pathways_infra.nats_headers import install_fast_header_parser, nats_own_parser, parse_ascii_header_lines

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
    install_fast_header_parser()
    install_fast_header_parser()  # a second call changes nothing

    parsed = Client._parse_header_lines(b"ce-id: training:7\r\nbad name: x\r\n")

    assert parsed == {"ce-id": "training:7"}
    assert Client._parse_header_lines is not nats_own_parser()
