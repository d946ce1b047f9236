"""The log's hash chain: every field of every stored event counts, and the chain runs in order."""

from __future__ import annotations

from uuid import UUID

import pytest

from pathways_infra.log_digest import GENESIS, LogChain, chain_step, parse_digest
from pathways_infra.stream_audit import ChainVerifier

AGGREGATE = UUID("6f1c2a4e-0000-4000-8000-000000000001")


def _rows(count: int) -> list[tuple[int, UUID, int, str, bytes]]:
    return [(n, AGGREGATE, n, "pathways_x:Happened", b'{"n":%d}' % n) for n in range(1, count + 1)]


def test_a_change_to_any_field_changes_the_digest() -> None:
    base = chain_step(GENESIS, 7, AGGREGATE, 3, "m:Topic", b"{}")
    assert len(base) == 32
    assert chain_step(GENESIS, 8, AGGREGATE, 3, "m:Topic", b"{}") != base
    assert chain_step(GENESIS, 7, UUID(int=1), 3, "m:Topic", b"{}") != base
    assert chain_step(GENESIS, 7, AGGREGATE, 4, "m:Topic", b"{}") != base
    assert chain_step(GENESIS, 7, AGGREGATE, 3, "m:Topi", b"c{}") != base, "bytes cannot move between fields"
    assert chain_step(GENESIS, 7, AGGREGATE, 3, "m:Topic", b"{ }") != base
    assert chain_step(bytes([1]) * 32, 7, AGGREGATE, 3, "m:Topic", b"{}") != base
    assert chain_step(GENESIS, 7, str(AGGREGATE), 3, "m:Topic", b"{}") == base, "asyncpg and psycopg ids agree"


def test_the_chain_refuses_to_go_backwards() -> None:
    chain = LogChain()
    chain.add_rows(_rows(3))
    with pytest.raises(ValueError, match="not after 3"):
        chain.add(3, AGGREGATE, 3, "m:T", b"")


def test_a_header_digest_is_64_hex_digits_or_nothing() -> None:
    assert parse_digest("ab" * 32) == bytes([0xAB]) * 32
    assert parse_digest(None) is None
    assert parse_digest("ab" * 31) is None
    assert parse_digest("zz" * 32) is None


def _published(rows: list[tuple[int, UUID, int, str, bytes]], public: set[int]) -> dict[int, bytes]:
    chain, digests = LogChain(), {}
    for row in rows:
        digest = chain.add(*row)
        if row[0] in public:
            digests[row[0]] = digest
    return digests


def test_an_unaltered_log_passes_every_published_digest() -> None:
    rows = _rows(50)
    verifier = ChainVerifier(_published(rows, public=set(range(2, 51, 2))))
    verifier.add_rows(rows)
    assert (verifier.checked, verifier.altered) == (25, [])


def test_each_change_is_named_in_the_span_between_two_published_digests() -> None:
    rows = [row for row in _rows(50) if row[0] != 42]  # a gap, as a rolled-back transaction leaves
    published = _published(rows, public=set(range(5, 51, 5)))
    tampered = [
        *[row if row[0] != 12 else (*row[:4], b'{"n":999}') for row in rows if row[0] != 33 and row[0] < 42],
        (42, AGGREGATE, 99, "pathways_x:SlippedIn", b"{}"),
        *[row for row in rows if row[0] > 42],
    ]
    verifier = ChainVerifier(published)
    verifier.add_rows(tampered)
    assert verifier.checked == 10
    assert verifier.altered == [(10, 15), (30, 35), (40, 45)], "changed, removed, slipped in: each alone"
