"""The personal data vault on real PostgreSQL: storage, de-duplication, and erasure that leaves nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from uuid import UUID, uuid4

import asyncpg
import pytest

from pathways_enrollment.domain.national_id import check_digit
from pathways_enrollment.vault import (
    NationalIdAlreadyRegisteredError,
    ParticipantErasedError,
    PersonalData,
    Vault,
    VaultIntegrityError,
    VaultKeys,
    create_tables,
    unwrap_data_key,
)
from pathways_infra.database import DatabaseAddress, ensure_database
from pathways_infra.settings import Settings
from tests.support.leaks import found, pg_dump, raw_contents, secrets_of


def _nid(first12: str) -> str:
    return first12 + str(check_digit(first12))


ALICE = PersonalData(
    full_name="สมหญิง รักเรียน",
    national_id="3-1006-00445-63-5",
    phone="081-234-5678",
    address="12/3 ถนนมิตรภาพ ต.ในเมือง อ.เมือง จ.ขอนแก่น 40000",
    date_of_birth=date(1988, 2, 29),
)
BOB = PersonalData(
    full_name="Boonmee Srisuk",
    national_id=_nid("110170020345"),
    phone="+66 89 765 4321",
    address="7 Moo 5, Tambon Pa Daet, Chiang Mai 50100",
    date_of_birth=date(1975, 12, 1),
)


@pytest.fixture
async def address(settings: Settings) -> DatabaseAddress:
    assert settings.database_url
    # Named like the enrollment service's database, so the settings fixture drops it afterwards.
    return await ensure_database(DatabaseAddress.parse(settings.database_url), settings.database_name("enrollment"))


@pytest.fixture
async def pool(address: DatabaseAddress) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(address.url, min_size=1, max_size=4)
    try:
        # Idempotent, also concurrently; a module function and a Vault method.
        await asyncio.gather(create_tables(pool), create_tables(pool), Vault(VaultKeys.generate()).create_tables(pool))
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def keys() -> VaultKeys:
    return VaultKeys.generate()


@pytest.fixture
def vault(keys: VaultKeys) -> Vault:
    return Vault(keys)


async def test_put_get_round_trip_and_update(pool: asyncpg.Pool, vault: Vault) -> None:
    alice = uuid4()
    assert await vault.get(pool, alice) is None
    await vault.put(pool, alice, ALICE)
    assert await vault.get(pool, alice) == ALICE
    moved = ALICE.model_copy(update={"address": "1 Sukhumvit Road, Bangkok 10110", "phone": None})
    await vault.put(pool, alice, moved)
    assert await vault.get(pool, alice) == moved
    assert not await vault.is_erased(pool, alice)
    async with pool.acquire() as conn:  # a connection works as well as a pool
        assert await vault.get(conn, alice) == moved


async def test_find_by_national_id_hash(pool: asyncpg.Pool, vault: Vault) -> None:
    alice, bob = uuid4(), uuid4()
    await vault.put(pool, alice, ALICE)
    await vault.put(pool, bob, BOB)
    assert ALICE.national_id
    for written in (ALICE.national_id, "3-1006-00445-63-5", " 3 1006 00445 63 5 "):
        assert await vault.find_by_national_id_hash(pool, vault.national_id_hash(written)) == alice
    assert BOB.national_id
    assert await vault.find_by_national_id_hash(pool, vault.national_id_hash(BOB.national_id)) == bob
    assert await vault.find_by_national_id_hash(pool, vault.national_id_hash(_nid("123456789012"))) is None


async def test_a_national_id_belongs_to_one_participant(pool: asyncpg.Pool, vault: Vault) -> None:
    alice, impostor = uuid4(), uuid4()
    await vault.put(pool, alice, ALICE)
    with pytest.raises(NationalIdAlreadyRegisteredError) as error:
        await vault.put(pool, impostor, PersonalData(full_name="Someone Else", national_id=ALICE.national_id))
    assert error.value.existing_participant_id == alice
    assert await vault.get(pool, impostor) is None  # the whole put was rolled back


async def test_changing_or_dropping_the_national_id_moves_its_hash(pool: asyncpg.Pool, vault: Vault) -> None:
    alice, later = uuid4(), uuid4()
    assert ALICE.national_id
    old_hash = vault.national_id_hash(ALICE.national_id)
    await vault.put(pool, alice, ALICE)
    corrected = ALICE.model_copy(update={"national_id": _nid("512345678901")})
    await vault.put(pool, alice, corrected)
    assert await vault.find_by_national_id_hash(pool, old_hash) is None
    assert corrected.national_id
    assert await vault.find_by_national_id_hash(pool, vault.national_id_hash(corrected.national_id)) == alice
    await vault.put(pool, later, ALICE)  # the old ID is free again
    await vault.put(pool, alice, corrected.model_copy(update={"national_id": None}))
    assert await pool.fetchval("SELECT count(*) FROM vault_national_ids WHERE participant_id = $1", alice) == 0


async def test_put_joins_the_callers_transaction(pool: asyncpg.Pool, vault: Vault) -> None:
    alice = uuid4()
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await vault.put(conn, alice, ALICE)
        assert await vault.get(conn, alice) == ALICE
        await transaction.rollback()
    assert await vault.get(pool, alice) is None
    assert await pool.fetchval("SELECT count(*) FROM vault_keys") == 0


async def test_rows_moved_between_participants_do_not_decrypt(pool: asyncpg.Pool, vault: Vault) -> None:
    alice, bob = uuid4(), uuid4()
    await vault.put(pool, alice, ALICE)
    await vault.put(pool, bob, BOB)
    async with pool.acquire() as conn, conn.transaction():
        # Give Bob Alice's wrapped key and record (all of it, so only the associated data can object).
        await conn.execute(
            "UPDATE vault_keys SET wrapped_key = (SELECT wrapped_key FROM vault_keys WHERE participant_id = $1) "
            "WHERE participant_id = $2",
            alice,
            bob,
        )
        await conn.execute(
            "UPDATE vault_records b SET ciphertext = a.ciphertext, nonce = a.nonce "
            "FROM vault_records a WHERE a.participant_id = $1 AND b.participant_id = $2",
            alice,
            bob,
        )
    with pytest.raises(VaultIntegrityError):
        await vault.get(pool, bob)
    assert await vault.get(pool, alice) == ALICE


async def test_another_master_key_cannot_read(pool: asyncpg.Pool, vault: Vault) -> None:
    alice = uuid4()
    await vault.put(pool, alice, ALICE)
    with pytest.raises(VaultIntegrityError):
        await Vault(VaultKeys.generate()).get(pool, alice)


async def test_erasure_leaves_nothing_personal_in_the_database(
    pool: asyncpg.Pool, vault: Vault, keys: VaultKeys, address: DatabaseAddress
) -> None:
    alice, bob = uuid4(), uuid4()
    await vault.put(pool, alice, ALICE)
    await vault.put(pool, alice, ALICE.model_copy(update={"phone": "089-000-1111"}))  # an older version too
    await vault.put(pool, alice, ALICE)
    await vault.put(pool, bob, BOB)
    assert ALICE.national_id and BOB.national_id
    alice_hash, bob_hash = vault.national_id_hash(ALICE.national_id), vault.national_id_hash(BOB.national_id)

    # Controls: the searches below really see plain text, bytea, and the vault's rows.
    await pool.execute("CREATE TABLE search_control (t text, b bytea)")
    await pool.execute("INSERT INTO search_control VALUES ($1, $2)", "ข้อความควบคุม", "ไบต์ควบคุม".encode())
    dump = await pg_dump(address)
    raw, _ = await raw_contents(pool)
    for haystack in (dump, raw):
        assert found(haystack, ["ข้อความควบคุม", "ไบต์ควบคุม"]) == ["ข้อความควบคุม", "ไบต์ควบคุม"]
        assert str(alice).encode() in haystack and alice_hash.encode() in haystack
        assert found(haystack, secrets_of(ALICE) + secrets_of(BOB)) == [], "stored in clear before erasure"

    assert await vault.erase(pool, alice) is True

    assert await vault.get(pool, alice) is None
    assert await vault.is_erased(pool, alice)
    assert await vault.find_by_national_id_hash(pool, alice_hash) is None
    assert await vault.erase(pool, alice) is False  # already erased
    with pytest.raises(ParticipantErasedError):
        await vault.put(pool, alice, ALICE)
    assert await vault.get(pool, bob) == BOB
    assert await vault.find_by_national_id_hash(pool, bob_hash) == bob

    dump = await pg_dump(address)
    raw, blobs = await raw_contents(pool)
    for where, haystack in (("pg_dump", dump), ("table contents", raw)):
        assert found(haystack, secrets_of(ALICE)) == [], f"Alice's personal data is in the {where}"
        assert alice_hash.encode() not in haystack, f"Alice's national-ID hash is in the {where}"
        assert found(haystack, ["ไบต์ควบคุม"]) == ["ไบต์ควบคุม"]  # the search still works
        assert bob_hash.encode() in haystack  # Bob is untouched
    # Even with the master key, no value left in the database is Alice's data key.
    for blob in blobs:
        with pytest.raises(VaultIntegrityError):
            unwrap_data_key(keys.master_key, alice, blob)
    row = await pool.fetchrow("SELECT wrapped_key, erased_at FROM vault_keys WHERE participant_id = $1", alice)
    assert row is not None and row["wrapped_key"] is None and row["erased_at"] is not None
    assert await pool.fetchval("SELECT count(*) FROM vault_records WHERE participant_id = $1", alice) == 0


async def test_erasing_an_unknown_participant_leaves_a_tombstone(pool: asyncpg.Pool, vault: Vault) -> None:
    ghost: UUID = uuid4()
    assert not await vault.is_erased(pool, ghost)
    assert await vault.erase(pool, ghost) is False
    assert await vault.is_erased(pool, ghost)
    with pytest.raises(ParticipantErasedError):
        await vault.put(pool, ghost, BOB)
    assert await vault.find_by_national_id_hash(pool, vault.national_id_hash(BOB.national_id or "")) is None
