"""Vault key rotation: participants re-wrapped and re-hashed per second, beside a raw PostgreSQL
update of the same rows in the same batches (no crypto, no locks) measured in the same run, at two
sizes, so that time per participant should stay flat as the vault grows.

Usage: python -m bench.vault_rotation [--participants N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from bench.support import row, servers
from pathways_enrollment.domain.national_id import check_digit
from pathways_enrollment.keyring import keys_file, read_keys_file
from pathways_enrollment.vault import (
    TABLES_DDL,
    PersonalData,
    VaultKeys,
    encrypt_record,
    national_id_hash,
    new_data_key,
    wrap_data_key,
)
from pathways_enrollment.vault_rotation import BATCH, rotate
from pathways_infra.database import DatabaseAddress, ensure_database


def _person(number: int) -> PersonalData:
    twelve = f"1{number:011d}"
    return PersonalData(
        full_name=f"Participant {number}",
        national_id=twelve + str(check_digit(twelve)),
        phone="081-234-5678",
        address="12/3 Moo 4, Khon Kaen 40000",
    )


async def _fill(conn: asyncpg.Connection, keys: VaultKeys, count: int) -> list[uuid.UUID]:
    """``count`` participants' vault rows as registrations write them (COPY, not the timed part)."""
    ids = [uuid.uuid4() for _ in range(count)]
    key_rows, records, hashes = [], [], []
    for number, participant in enumerate(ids):
        data_key, person = new_data_key(), _person(number)
        record = encrypt_record(data_key, participant, person)
        key_rows.append((participant, wrap_data_key(keys.master_key, participant, data_key), keys.generation))
        records.append((participant, record.ciphertext, record.nonce, record.key_version))
        assert person.national_id
        hashes.append((national_id_hash(keys.pepper, person.national_id), participant, keys.generation))
    await conn.copy_records_to_table(
        "vault_keys", records=key_rows, columns=["participant_id", "wrapped_key", "key_generation"]
    )
    await conn.copy_records_to_table(
        "vault_records", records=records, columns=["participant_id", "ciphertext", "nonce", "key_version"]
    )
    await conn.copy_records_to_table(
        "vault_national_ids", records=hashes, columns=["national_id_hash", "participant_id", "key_generation"]
    )
    return ids


async def _raw_update_rate(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> float:
    """A copy of the keys table updated in the same batches and the same way (one UPDATE from arrays per
    batch, one transaction each), with the bytes made up front: what PostgreSQL alone costs."""
    await conn.execute(
        "CREATE TABLE raw_copy AS SELECT participant_id, wrapped_key FROM vault_keys; "
        "ALTER TABLE raw_copy ADD PRIMARY KEY (participant_id)"
    )
    blob = bytes(60)
    started = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        async with conn.transaction():
            batch = ids[start : start + BATCH]
            await conn.execute(
                "UPDATE raw_copy r SET wrapped_key = u.wrapped FROM unnest($1::uuid[], $2::bytea[]) AS u (id, wrapped) "
                "WHERE r.participant_id = u.id",
                batch,
                [blob] * len(batch),
            )
    return len(ids) / (time.perf_counter() - started)


async def _one_size(server: DatabaseAddress, count: int) -> tuple[float, float]:
    address = await ensure_database(server, f"bench_vault_{uuid.uuid4().hex[:8]}")
    conn = await asyncpg.connect(address.url)
    try:
        await conn.execute(TABLES_DDL)
        with tempfile.TemporaryDirectory(prefix="pathways-bench-vault-") as folder:
            path = keys_file(Path(folder))
            ids = await _fill(conn, read_keys_file(path)[-1], count)
            raw = await _raw_update_rate(conn, ids)
            started = time.perf_counter()
            rotation = await rotate(conn, path, settle_seconds=0)
            elapsed = time.perf_counter() - started
        assert rotation.moved == count, rotation
        return count / elapsed, raw
    finally:
        await conn.close()
        drop = await asyncpg.connect(server.with_database("postgres").url)
        try:
            await drop.execute(f'DROP DATABASE "{address.database}"')
        finally:
            await drop.close()


async def main(participants: int) -> None:
    with servers() as urls:
        server = DatabaseAddress.parse(urls.database_url)
        sizes = (participants, 4 * participants)
        measured = [await _one_size(server, size) for size in sizes]
    print("vault key rotation (re-wrap every live key, re-hash every national ID), settle wait left out")
    for size, (rate, raw) in zip(sizes, measured, strict=True):
        row(f"raw PostgreSQL: batched UPDATE, {size:,} rows", f"{raw:>10,.0f} rows/s")
        row(f"rotation: {size:,} participants", f"{rate:>10,.0f} participants/s  ({size / rate:.1f} s)")
        row("rotation / raw update", f"{rate / raw:>10.2f}×")
    row("time per participant, larger / smaller", f"{measured[0][0] / measured[1][0]:>10.2f}×  (flat: 1.00)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=14_414, help="the smaller size (the larger is 4×)")
    asyncio.run(main(parser.parse_args().participants))
