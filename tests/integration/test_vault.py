"""The personal data vault through the enrollment service, on real PostgreSQL and NATS.

Personal data is written and erased only by the service's commands, so these tests register and
erase participants over HTTP, then look at what the vault's tables hold.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from pathways_enrollment.domain.national_id import check_digit
from pathways_enrollment.vault import (
    EncryptedRecord,
    PersonalData,
    VaultIntegrityError,
    VaultKeyring,
    VaultKeys,
    decrypt_record,
    national_id_hash,
    unwrap_data_key,
)
from pathways_infra.database import DatabaseAddress
from pathways_infra.settings import Settings
from tests.support.journeys import CONSENT, created
from tests.support.leaks import found, pg_dump, raw_contents, secrets_of
from tests.support.system import RunningSystem, eventually, running_system

ALICE = PersonalData(
    full_name="สมหญิง รักเรียน",
    national_id="3-1006-00445-63-5",
    phone="081-234-5678",
    address="12/3 ถนนมิตรภาพ ต.ในเมือง อ.เมือง จ.ขอนแก่น 40000",
    date_of_birth=date(1988, 2, 29),
)
BOB = PersonalData(
    full_name="Boonmee Srisuk",
    national_id="110170020345" + str(check_digit("110170020345")),
    phone="+66 89 765 4321",
    address="7 Moo 5, Tambon Pa Daet, Chiang Mai 50100",
    date_of_birth=date(1975, 12, 1),
)
ERASURE = {"erased_on": "2026-02-01"}


def _as_sent(person: PersonalData, **changes: Any) -> dict[str, Any]:
    return {**person.model_dump(mode="json"), **changes}


def _registration(personal_data: dict[str, Any], participant_id: UUID | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "personal_data": personal_data,
        "sex": "F",
        "consent": {**CONSENT, "granted_at": "2025-05-01T09:00:00+07:00"},
    }
    if participant_id is not None:
        body["participant_id"] = str(participant_id)
    return body


async def _register(system: RunningSystem, personal_data: dict[str, Any]) -> UUID:
    response = await system.client("enrollment").post("/participants", json=_registration(personal_data))
    return UUID(created(response)["id"])


async def _personal_data(system: RunningSystem, participant_id: UUID) -> PersonalData:
    response = await system.client("enrollment").get(f"/participants/{participant_id}/personal-data")
    assert response.status_code == 200, response.text
    return PersonalData.model_validate(response.json())


async def _participant(system: RunningSystem, participant_id: UUID) -> dict[str, Any]:
    response = await system.client("enrollment").get(f"/participants/{participant_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _database(settings: Settings) -> DatabaseAddress:
    assert settings.database_url
    return DatabaseAddress.parse(settings.database_url).with_database(settings.database_name("enrollment"))


def _hash_of(keys: VaultKeys, person: PersonalData) -> bytes:
    assert person.national_id
    return national_id_hash(keys.pepper, person.national_id).encode()


def _holds(haystack: bytes, blob: bytes) -> bool:
    """``blob`` as raw bytes or as the hex PostgreSQL writes bytea in."""
    return blob in haystack or blob.hex().encode() in haystack


async def _stored(pool: asyncpg.Pool, participant_id: UUID) -> tuple[bytes, EncryptedRecord]:
    """The participant's wrapped key and encrypted record, as a backup taken now would hold them."""
    row = await pool.fetchrow(
        "SELECT k.wrapped_key, r.ciphertext, r.nonce, r.key_version "
        "FROM vault_keys k JOIN vault_records r USING (participant_id) WHERE participant_id = $1",
        participant_id,
    )
    assert row is not None, f"nothing in the vault for {participant_id}"
    record = EncryptedRecord(ciphertext=row["ciphertext"], nonce=row["nonce"], key_version=row["key_version"])
    return row["wrapped_key"], record


async def _data_keys_left(pool: asyncpg.Pool, keys: VaultKeys) -> list[bytes]:
    """Every data key the database still gives to someone holding the master key (raw or wrapped)."""
    _, blobs = await raw_contents(pool)
    participant_ids = [row["participant_id"] for row in await pool.fetch("SELECT participant_id FROM vault_keys")]
    candidates = [blob for blob in blobs if len(blob) == len(keys.master_key)]
    for blob in blobs:
        for participant_id in participant_ids:
            with contextlib.suppress(VaultIntegrityError):
                candidates.append(unwrap_data_key(keys.master_key, participant_id, blob))
    return candidates


def _opens(data_key: bytes, participant_id: UUID, record: EncryptedRecord) -> bool:
    try:
        decrypt_record(data_key, participant_id, record)
    except VaultIntegrityError:
        return False
    return True


async def test_personal_data_reads_back_as_registered_and_is_stored_only_encrypted(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment, pool = system.client("enrollment"), system.runtime("enrollment").pool
        alice = await _register(system, _as_sent(ALICE, national_id="3-1006-00445-63-5"))
        bob = await _register(system, _as_sent(BOB))
        read_back = [await _personal_data(system, alice), await _personal_data(system, bob)]
        stranger = uuid4()
        unknown = await enrollment.get(f"/participants/{stranger}/personal-data")
        stranger_erased = await enrollment.post(f"/participants/{stranger}/erasure", json=ERASURE)
        unknown_after = await enrollment.get(f"/participants/{stranger}/personal-data")

        # Controls: the searches below really see plain text, bytea, and the vault's rows.
        await pool.execute("CREATE TABLE search_control (t text, b bytea)")
        await pool.execute("INSERT INTO search_control VALUES ($1, $2)", "ข้อความควบคุม", "ไบต์ควบคุม".encode())
        dump = await pg_dump(_database(settings))
        raw, _ = await raw_contents(pool)
        alice_hash = _hash_of(VaultKeyring.configured(settings.data_dir).current(), ALICE)

    assert read_back == [ALICE, BOB], "the national ID comes back as 13 digits, the rest as given"
    assert unknown.status_code == 404
    assert stranger_erased.status_code == 404 and unknown_after.status_code == 404, "a stranger got a tombstone"
    for where, haystack in (("pg_dump", dump), ("table contents", raw)):
        assert found(haystack, ["ข้อความควบคุม", "ไบต์ควบคุม"]) == ["ข้อความควบคุม", "ไบต์ควบคุม"]
        assert str(alice).encode() in haystack and alice_hash in haystack, f"the vault's rows are not in the {where}"
        assert found(haystack, secrets_of(ALICE) + secrets_of(BOB)) == [], f"personal data in clear in the {where}"


async def test_erasure_destroys_the_key_so_a_copy_of_the_ciphertext_cannot_be_opened(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment, pool = system.client("enrollment"), system.runtime("enrollment").pool
        alice, bob = await _register(system, _as_sent(ALICE)), await _register(system, _as_sent(BOB))
        keys = VaultKeyring.configured(settings.data_dir).current()
        alice_key, alice_copy = await _stored(pool, alice)
        _, bob_record = await _stored(pool, bob)

        created(await enrollment.post(f"/participants/{alice}/erasure", json=ERASURE))

        alice_after = await enrollment.get(f"/participants/{alice}/personal-data")
        bob_after = await _personal_data(system, bob)
        dump = await pg_dump(_database(settings))
        raw, _ = await raw_contents(pool)
        keys_left = await _data_keys_left(pool, keys)

    before = decrypt_record(unwrap_data_key(keys.master_key, alice, alice_key), alice, alice_copy)
    assert before == ALICE, "the copy taken before erasure is not Alice's record"
    assert alice_after.status_code == 410
    assert bob_after == BOB, "erasing one participant touched another's data"
    for where, haystack in (("pg_dump", dump), ("table contents", raw)):
        assert not _holds(haystack, alice_key), f"Alice's wrapped key is still in the {where}"
        assert not _holds(haystack, alice_copy.ciphertext), f"Alice's ciphertext is still in the {where}"
        assert _hash_of(keys, ALICE) not in haystack, f"Alice's national-ID hash is still in the {where}"
        assert _hash_of(keys, BOB) in haystack, f"Bob's national-ID hash is gone from the {where}"
    assert any(_opens(key, bob, bob_record) for key in keys_left), "the search for keys left finds none at all"
    assert not any(_opens(key, alice, alice_copy) for key in keys_left), "a key left in the database opens the copy"


async def test_after_erasure_nothing_is_stored_for_the_participant_again_and_their_national_id_is_free(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        alice = await _register(system, _as_sent(ALICE))
        created(await enrollment.post(f"/participants/{alice}/erasure", json=ERASURE))

        again = await enrollment.post("/participants", json=_registration(_as_sent(ALICE), alice))
        still_erased = await enrollment.get(f"/participants/{alice}/personal-data")
        newcomer = await _register(system, _as_sent(ALICE, full_name="Somchai Kaewmanee"))
        newcomer_entry = await _participant(system, newcomer)

    assert again.status_code == 409 and again.json()["rule"] == "participant-registered-once"
    assert still_erased.status_code == 410, "personal data was stored again for an erased participant"
    assert newcomer_entry["status"] == "REGISTERED" and newcomer_entry["duplicate_of"] is None, (
        "the erased participant's national ID still flags newcomers: its hash outlived the erasure"
    )


async def test_a_national_id_in_any_format_flags_later_registrations_as_duplicates_of_its_first_holder(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        registered = {
            "alice": await _register(system, _as_sent(ALICE, national_id="3-1006-00445-63-5")),
            "spaced": await _register(system, _as_sent(ALICE, national_id=" 3 1006 00445 63 5 ", phone="089-000-1111")),
            "bare": await _register(system, _as_sent(ALICE, national_id="3100600445635")),
            "bob": await _register(system, _as_sent(BOB)),
            "without_id": await _register(system, _as_sent(BOB, full_name="Kanya Meesuk", national_id=None)),
        }
        entries = {name: await _participant(system, pid) for name, pid in registered.items()}

    alice = registered["alice"]
    flags = {name: (entry["status"], entry["duplicate_of"]) for name, entry in entries.items()}
    assert flags == {
        "alice": ("REGISTERED", None),
        "spaced": ("POTENTIAL_DUPLICATE", str(alice)),
        "bare": ("POTENTIAL_DUPLICATE", str(alice)),  # a flagged duplicate does not take over the ID
        "bob": ("REGISTERED", None),
        "without_id": ("REGISTERED", None),
    }


async def test_once_the_holder_of_a_national_id_is_erased_the_next_registration_of_it_holds_it(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        first = await _register(system, _as_sent(ALICE))
        second = await _register(system, _as_sent(ALICE, full_name="Someone Else", phone="089-000-1111"))
        third = await _register(system, _as_sent(ALICE, phone="089-000-2222"))
        not_a_duplicate = {"resolution": "NOT_A_DUPLICATE"}  # it was flagged, or this would be refused
        created(await enrollment.post(f"/participants/{second}/duplicate-resolution", json=not_a_duplicate))
        created(await enrollment.post(f"/participants/{first}/erasure", json=ERASURE))
        fourth = await _register(system, _as_sent(ALICE, phone="089-000-3333"))
        created(await enrollment.post(f"/participants/{second}/erasure", json=ERASURE))
        created(await enrollment.post(f"/participants/{third}/erasure", json=ERASURE))
        fifth = await _register(system, _as_sent(ALICE, phone="089-000-4444"))
        flags = {
            name: (await _participant(system, pid))["duplicate_of"]
            for name, pid in {"third": third, "fourth": fourth, "fifth": fifth}.items()
        }

    assert flags == {
        "third": str(first),
        "fourth": str(second),  # the erased holder's ID is forgotten, not the other registrations of it
        "fifth": str(fourth),
    }


@contextlib.asynccontextmanager
async def _national_ids_locked(address: DatabaseAddress) -> AsyncIterator[asyncpg.Connection]:
    """Hold the national-ID index so that lookups of it wait; leaving releases them all at once."""
    conn = await asyncpg.connect(address.url)
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE vault_national_ids IN ACCESS EXCLUSIVE MODE")
            yield conn
    finally:
        await conn.close()


async def _until_waiting(conn: asyncpg.Connection, count: int) -> None:
    async def waiting() -> bool | None:
        await conn.execute("SELECT pg_stat_clear_snapshot()")  # else the transaction sees its first answer again
        blocked = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return True if blocked >= count else None

    await eventually(waiting, what=f"{count} national-ID lookups to wait for the lock")


async def test_of_two_first_registrations_of_one_national_id_at_once_one_is_refused_whole(
    settings: Settings,
) -> None:
    """Both look the ID up before either commits, so neither is flagged: the vault's unique index decides."""
    first, second = uuid4(), uuid4()
    bodies = {
        first: _registration(_as_sent(ALICE), first),
        second: _registration(_as_sent(ALICE, phone="089-000-1111"), second),
    }
    async with running_system(settings, ["enrollment"]) as system:
        enrollment, pool = system.client("enrollment"), system.runtime("enrollment").pool
        async with _national_ids_locked(_database(settings)) as lock:
            racing = {pid: asyncio.create_task(enrollment.post("/participants", json=b)) for pid, b in bodies.items()}
            await _until_waiting(lock, len(racing))
        statuses = {pid: (await task).status_code for pid, task in racing.items()}
        [winner] = [pid for pid, status in statuses.items() if status == 201]
        [refused] = [pid for pid, status in statuses.items() if status == 409]
        refused_entry = await enrollment.get(f"/participants/{refused}")
        refused_data = await enrollment.get(f"/participants/{refused}/personal-data")
        raw, _ = await raw_contents(pool)
        winner_data = await _personal_data(system, winner)
        retried = await enrollment.post("/participants", json=bodies[refused])
        retried_entry = await _participant(system, refused)

    assert refused_entry.status_code == 404 and refused_data.status_code == 404
    assert str(refused).encode() not in raw, "the refused registration left rows behind"
    assert winner_data == PersonalData.model_validate(bodies[winner]["personal_data"])
    assert retried.status_code == 201, retried.text
    assert (retried_entry["status"], retried_entry["duplicate_of"]) == ("POTENTIAL_DUPLICATE", str(winner))


async def _give_rows_to(pool: asyncpg.Pool, source: UUID, target: UUID) -> None:
    """Copy all of ``source``'s wrapped key and record onto ``target``: only the associated data can object."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE vault_keys SET wrapped_key = (SELECT wrapped_key FROM vault_keys WHERE participant_id = $1) "
            "WHERE participant_id = $2",
            source,
            target,
        )
        await conn.execute(
            "UPDATE vault_records t SET ciphertext = s.ciphertext, nonce = s.nonce "
            "FROM vault_records s WHERE s.participant_id = $1 AND t.participant_id = $2",
            source,
            target,
        )


async def test_rows_moved_to_another_participant_are_not_handed_out_as_theirs(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment = system.client("enrollment")
        alice, bob = await _register(system, _as_sent(ALICE)), await _register(system, _as_sent(BOB))
        await _give_rows_to(system.runtime("enrollment").pool, alice, bob)
        as_bob = await enrollment.get(f"/participants/{bob}/personal-data")
        alice_after = await _personal_data(system, alice)

    assert as_bob.status_code == 500
    assert found(as_bob.content, secrets_of(ALICE)) == [], "Alice's data was handed out as Bob's"
    assert alice_after == ALICE


async def test_the_data_reads_back_after_a_restart_but_not_under_another_master_key(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PATHWAYS_VAULT_MASTER_KEY", raising=False)
    monkeypatch.delenv("PATHWAYS_VAULT_PEPPER", raising=False)
    async with running_system(settings, ["enrollment"]) as system:
        alice = await _register(system, _as_sent(ALICE))
    async with running_system(settings, ["enrollment"]) as system:
        after_restart = await _personal_data(system, alice)

    pepper = VaultKeyring.configured(settings.data_dir).current().pepper
    other = VaultKeys(master_key=VaultKeys.generate().master_key, pepper=pepper)
    monkeypatch.setenv("PATHWAYS_VAULT_MASTER_KEY", other.to_base64()["master_key"])
    monkeypatch.setenv("PATHWAYS_VAULT_PEPPER", other.to_base64()["pepper"])
    async with running_system(settings, ["enrollment"]) as system:
        wrong_key = await system.client("enrollment").get(f"/participants/{alice}/personal-data")

    assert after_restart == ALICE
    assert wrong_key.status_code == 500
    assert found(wrong_key.content, secrets_of(ALICE)) == []
