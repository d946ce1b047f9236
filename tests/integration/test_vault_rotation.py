"""Rotating the vault's keys while the enrollment service runs, on real PostgreSQL.

Erasure destroys a participant's key in the live tables; PostgreSQL's WAL (and any backup) keeps
the wrapped key, which the master key opens. After a rotation no key that opens it exists.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from pathways_enrollment.keyring import KEYS_FILE, VaultKeys, keys_file, read_keys_file, write_keys_file
from pathways_enrollment.vault import (
    EncryptedRecord,
    PersonalData,
    VaultIntegrityError,
    decrypt_record,
    encrypt_record,
    national_id_hash,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from pathways_enrollment.vault_rotation import Rotation, RotationError, generation_status, rotate
from pathways_infra.cli import main
from pathways_infra.database import ensure_database
from pathways_infra.settings import Settings
from tests.integration.test_vault import (
    ALICE,
    BOB,
    ERASURE,
    _as_sent,
    _database,
    _personal_data,
    _register,
    _registration,
    _stored,
)
from tests.support.journeys import created
from tests.support.system import RunningSystem, running_system

SETTLE = 1.5  # above the services' 1 s re-read of the keys file


@contextlib.asynccontextmanager
async def _connection(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(_database(settings).url)
    try:
        yield conn
    finally:
        await conn.close()


async def _rotate(settings: Settings) -> Rotation:
    async with _connection(settings) as conn:
        return await rotate(conn, settings.data_dir / KEYS_FILE, settle_seconds=SETTLE)


def _opens(keys: VaultKeys, participant_id: UUID, copy: tuple[bytes, EncryptedRecord]) -> PersonalData | None:
    try:
        return decrypt_record(unwrap_data_key(keys.master_key, participant_id, copy[0]), participant_id, copy[1])
    except VaultIntegrityError:
        return None


def _files_holding(folder: Path, secrets: list[bytes]) -> list[str]:
    holding = []
    for path in folder.rglob("*"):
        if path.is_file() and any(secret in path.read_bytes() for secret in secrets):
            holding.append(str(path))
    return holding


async def _wal_holds(pool: asyncpg.Pool, blob: bytes) -> bool | None:
    """Whether PostgreSQL's WAL files hold ``blob``; None where the server's files are not on this machine."""
    folder = Path(await pool.fetchval("SHOW data_directory")) / "pg_wal"
    if not folder.is_dir():
        return None
    return any(blob in path.read_bytes() for path in folder.iterdir() if path.is_file())


def _key_material(keys: VaultKeys) -> list[bytes]:
    return [keys.master_key, keys.pepper, base64.b64encode(keys.master_key), base64.b64encode(keys.pepper)]


async def test_after_a_rotation_no_key_opens_an_erased_participants_rows_copied_before(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        enrollment, pool = system.client("enrollment"), system.runtime("enrollment").pool
        alice, bob = await _register(system, _as_sent(ALICE)), await _register(system, _as_sent(BOB))
        [old_keys] = read_keys_file(settings.data_dir / KEYS_FILE)
        alice_copy = await _stored(pool, alice)
        created(await enrollment.post(f"/participants/{alice}/erasure", json=ERASURE))
        in_wal = await _wal_holds(pool, alice_copy[0])
        opened_before_rotation = _opens(old_keys, alice, alice_copy)

        rotation = await _rotate(settings)

        [new_keys] = read_keys_file(settings.data_dir / KEYS_FILE)
        bob_after = await _personal_data(system, bob)
        bob_again = await enrollment.post("/participants", json=_registration(_as_sent(BOB, phone="02-111-2222")))
        bob_again_entry = (await enrollment.get(f"/participants/{created(bob_again)['id']}")).json()
        stored_hashes = {row["national_id_hash"] for row in await pool.fetch("SELECT * FROM vault_national_ids")}

    assert in_wal is not False, "the WAL does not hold the wrapped key: this test would not show the gap"
    assert opened_before_rotation == ALICE, "before rotating, the master key opens the copy: the gap rotation closes"
    assert (rotation.generation, rotation.destroyed, rotation.resumed) == (2, (1,), False)
    assert rotation.moved == 1, "Bob (key and national-ID hash) is moved; Alice, erased, has nothing to move"
    assert new_keys.generation == 2
    assert _opens(new_keys, alice, alice_copy) is None, "the new master key opens the erased participant's copy"
    assert _files_holding(settings.data_dir, _key_material(old_keys)) == [], "the old keys are still on disk"
    assert bob_after == BOB, "a live participant's data does not read back under the new keys"
    assert bob_again_entry["duplicate_of"] == str(bob), "Bob's national ID no longer flags a second registration"
    assert BOB.national_id and ALICE.national_id
    assert stored_hashes == {national_id_hash(new_keys.pepper, BOB.national_id)}, "a hash under the old pepper is left"


async def _register_many(system: RunningSystem, count: int) -> list[UUID]:
    async def one(number: int) -> UUID:
        body = _registration(_as_sent(BOB, full_name=f"Participant {number}", national_id=None))
        response = await system.client("enrollment").post("/participants", json=body)
        return UUID(created(response)["id"])

    registered: list[UUID] = []
    for start in range(0, count, 10):
        registered += await asyncio.gather(*(one(number) for number in range(start, min(start + 10, count))))
    return registered


async def test_registrations_while_the_keys_rotate_are_all_kept_and_readable(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        before = await _register_many(system, 20)
        during = asyncio.create_task(_register_many(system, 150))
        rotation = await _rotate(settings)
        registered = before + await during
        read_back = [await _personal_data(system, participant) for participant in registered]
        async with _connection(settings) as conn:
            status = await generation_status(conn, settings.data_dir / KEYS_FILE)
            generations = await conn.fetch("SELECT key_generation, count(*) FROM vault_keys GROUP BY 1")

    assert rotation.generation == 2 and rotation.destroyed == (1,)
    assert [person.full_name for person in read_back] == [f"Participant {n}" for n in [*range(20), *range(150)]], (
        "a registration made while the keys rotated was lost or is unreadable"
    )
    assert [tuple(row) for row in generations] == [(2, 170)]
    assert (status.current, status.rows_behind, status.live_participants, status.file_generations) == (2, 0, 170, (2,))


async def test_once_a_newer_generation_is_current_no_row_is_written_under_an_older_one(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        await _register(system, _as_sent(BOB))
        await _rotate(settings)
        async with _connection(settings) as conn:
            with pytest.raises(asyncpg.CheckViolationError, match="older than the current one"):
                await conn.execute(
                    "INSERT INTO vault_keys (participant_id, wrapped_key, key_generation) "
                    "VALUES (gen_random_uuid(), '\\x00', 1)"
                )
            with pytest.raises(asyncpg.CheckViolationError):
                await conn.execute("UPDATE vault_national_ids SET key_generation = 1")


async def test_an_interrupted_rotation_is_finished_by_running_it_again(settings: Settings) -> None:
    path = settings.data_dir / KEYS_FILE
    async with running_system(settings, ["enrollment"]) as system:
        bob = await _register(system, _as_sent(BOB))
        [first] = read_keys_file(path)
        write_keys_file(path, [first, VaultKeys.generate(2)])  # a rotation that stopped once it had made its keys
        await asyncio.sleep(SETTLE)
        alice = await _register(system, _as_sent(ALICE))
        alice_generation = await system.runtime("enrollment").pool.fetchval(
            "SELECT key_generation FROM vault_keys WHERE participant_id = $1", alice
        )
        rotation = await _rotate(settings)
        read_back = [await _personal_data(system, bob), await _personal_data(system, alice)]

    assert alice_generation == 2, "the service did not follow its keys file: it wrote under the older keys"
    assert (rotation.generation, rotation.resumed, rotation.destroyed, rotation.moved) == (2, True, (1,), 1)
    assert read_back == [BOB, ALICE]
    assert [keys.generation for keys in read_keys_file(path)] == [2]


async def test_a_keys_file_behind_the_database_is_refused_and_nothing_is_destroyed(settings: Settings) -> None:
    path = settings.data_dir / KEYS_FILE
    async with running_system(settings, ["enrollment"]) as system:
        bob = await _register(system, _as_sent(BOB))
        stale_copy = path.read_bytes()
        await _rotate(settings)
        path.write_bytes(stale_copy)  # an operator restored an old copy of the keys file
        async with _connection(settings) as conn:
            with pytest.raises(Exception, match="not this database's keys file"):
                await rotate(conn, path, settle_seconds=SETTLE)
        assert path.read_bytes() == stale_copy
        refused_read = await system.client("enrollment").get(f"/participants/{bob}/personal-data")

    assert refused_read.status_code == 500, "data under keys the file no longer holds was read somehow"


async def test_one_rotation_runs_at_a_time(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        bob = await _register(system, _as_sent(BOB))
        first = asyncio.create_task(_rotate(settings))
        await asyncio.sleep(SETTLE / 2)  # the first is waiting for the services to pick up its keys
        with pytest.raises(RotationError, match="another rotation"):
            await _rotate(settings)
        rotation = await first
        bob_after = await _personal_data(system, bob)

    assert rotation.generation == 2 and bob_after == BOB
    assert [keys.generation for keys in read_keys_file(settings.data_dir / KEYS_FILE)] == [2]


async def test_a_service_behind_the_rotation_reads_its_keys_again_and_its_registration_goes_through(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service that had not re-read its keys file when the new keys were made current (a long re-read
    interval stands for a paused process) writes under the older keys: refused, it reads them and retries."""
    monkeypatch.setattr("pathways_enrollment.keyring.RELOAD_SECONDS", 3600.0)
    async with running_system(settings, ["enrollment"]) as system:
        await _register(system, _as_sent(BOB))
        async with _connection(settings) as conn:
            await rotate(conn, settings.data_dir / KEYS_FILE, settle_seconds=0)
        response = await system.client("enrollment").post("/participants", json=_registration(_as_sent(ALICE)))
        alice = UUID(created(response)["id"])
        read_back = await _personal_data(system, alice)

    assert read_back == ALICE


async def test_a_service_that_cannot_read_the_current_keys_answers_503_not_a_conflict(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pathways_enrollment.keyring.RELOAD_SECONDS", 3600.0)
    monkeypatch.setattr("pathways_enrollment.keyring.VaultKeyring.reload", lambda _self: None)  # the file unreachable
    async with running_system(settings, ["enrollment"]) as system:
        await _register(system, _as_sent(BOB))
        async with _connection(settings) as conn:
            await rotate(conn, settings.data_dir / KEYS_FILE, settle_seconds=0)
        response = await system.client("enrollment").post("/participants", json=_registration(_as_sent(ALICE)))

    assert response.status_code == 503, response.text
    assert response.json()["retryable"] is True and "keys were rotated" in response.json()["error"]
    assert response.headers["retry-after"]


async def test_a_keys_file_of_another_installation_is_refused_before_the_database_changes(
    settings: Settings, tmp_path: Path
) -> None:
    """`pathways vault rotate` with the wrong data folder: another installation's keys file."""
    wrong = keys_file(tmp_path / "another-installation")
    wrong_before = wrong.read_bytes()
    async with running_system(settings, ["enrollment"]) as system:
        await _register(system, _as_sent(BOB))
        async with _connection(settings) as conn:
            with pytest.raises(RotationError, match="not this database's keys file; nothing was changed"):
                await rotate(conn, wrong, settle_seconds=SETTLE)
            current = await conn.fetchval("SELECT max(generation) FROM vault_key_generations")
        registration = await system.client("enrollment").post("/participants", json=_registration(_as_sent(ALICE)))
        right = await _rotate(settings)

    assert (current, registration.status_code, wrong.read_bytes()) == (1, 201, wrong_before)
    assert right.generation == 2


async def test_an_erasure_while_the_new_keys_settle_is_counted_for_the_next_rotation(settings: Settings) -> None:
    """Registered and erased between the new keys reaching the service and their being made current: the
    wrapped key went to the WAL under keys this rotation keeps, so status must say a rotation is due."""
    path = settings.data_dir / KEYS_FILE
    async with running_system(settings, ["enrollment"]) as system:
        pool = system.runtime("enrollment").pool
        async with _connection(settings) as conn:
            rotation = asyncio.create_task(rotate(conn, path, settle_seconds=4 * SETTLE))
            await asyncio.sleep(SETTLE)  # the service has the new keys; the database is not told yet
            alice = await _register(system, _as_sent(ALICE))
            generation = await pool.fetchval("SELECT key_generation FROM vault_keys WHERE participant_id = $1", alice)
            created(await system.client("enrollment").post(f"/participants/{alice}/erasure", json=ERASURE))
            await rotation
            status = await generation_status(conn, path)

    assert generation == 2 and status.current == 2
    assert status.erased_since == 1, "an erasure whose wrapped key the current keys open is not reported"


async def test_a_rotation_killed_while_writing_the_keys_file_leaves_no_destroyed_key_on_disk(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after writing the new keys file beside the old one, before replacing it; run again,
    the rotation finishes and what the dead one left is zeroed."""
    from pathways_enrollment import keyring

    path = settings.data_dir / KEYS_FILE
    write_private = keyring._write_private

    def dies_after_writing(*args: Any) -> Path:
        write_private(*args)
        raise KeyboardInterrupt("killed here")

    async with running_system(settings, ["enrollment"]) as system:
        bob = await _register(system, _as_sent(BOB))
        [old_keys] = read_keys_file(path)
        monkeypatch.setattr(keyring, "_write_private", dies_after_writing)
        async with _connection(settings) as conn:
            with pytest.raises(KeyboardInterrupt):
                await rotate(conn, path, settle_seconds=SETTLE)
            left_behind = sorted(p.name for p in settings.data_dir.iterdir())
            monkeypatch.setattr(keyring, "_write_private", write_private)
            rotation = await rotate(conn, path, settle_seconds=SETTLE)
        bob_after = await _personal_data(system, bob)

    assert len(left_behind) == 3, f"the crash should leave the new file and the old one's second name: {left_behind}"
    assert rotation.destroyed == (1,) and bob_after == BOB
    assert _files_holding(settings.data_dir, _key_material(old_keys)) == [], "destroyed keys still on disk"
    assert sorted(p.name for p in settings.data_dir.iterdir()) == [KEYS_FILE]


async def test_of_two_holders_of_one_national_id_under_different_generations_the_newer_keeps_holding_it(
    settings: Settings,
) -> None:
    """Two first registrations of one national ID whose lookups ran side by side as a rotation began: one
    committed under generation 1, the other under generation 2, and no index of holders could refuse
    either. After the rotation exactly one holds it; both stay indexed."""
    path = settings.data_dir / KEYS_FILE
    async with running_system(settings, ["enrollment"]) as system:
        first = await _register(system, _as_sent(BOB))
        [one] = read_keys_file(path)
        two = VaultKeys.generate(2)
        write_keys_file(path, [one, two])  # a rotation's first step
        later = await _stored_directly(settings, two, BOB)  # as the later registration's job wrote it
        async with _connection(settings) as conn:
            await rotate(conn, path, settle_seconds=SETTLE)
            rows = await conn.fetch("SELECT participant_id, holder FROM vault_national_ids")
        indexed = {row["participant_id"]: row["holder"] for row in rows}

    assert indexed == {first: False, later: True}


async def _stored_directly(settings: Settings, keys: VaultKeys, person: PersonalData) -> UUID:
    """A participant's vault rows, as a registration's job writes them under ``keys`` (without its events)."""
    participant, data_key = uuid4(), new_data_key()
    record = encrypt_record(data_key, participant, person)
    assert person.national_id
    async with _connection(settings) as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO vault_keys (participant_id, wrapped_key, key_generation) VALUES ($1, $2, $3)",
            participant,
            wrap_data_key(keys.master_key, participant, data_key),
            keys.generation,
        )
        await conn.execute(
            "INSERT INTO vault_records (participant_id, ciphertext, nonce, key_version) VALUES ($1, $2, $3, $4)",
            participant,
            record.ciphertext,
            record.nonce,
            record.key_version,
        )
        await conn.execute(
            "INSERT INTO vault_national_ids (national_id_hash, participant_id, key_generation) VALUES ($1, $2, $3)",
            national_id_hash(keys.pepper, person.national_id),
            participant,
            keys.generation,
        )
    return participant


async def test_a_session_holding_the_vault_tables_is_named_and_nothing_is_destroyed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An idle transaction (an open psql session, say) holds a write lock on the vault's keys: the rotation
    gives up waiting for it, naming it, rather than stall every registration behind its lock request."""
    monkeypatch.setattr("pathways_enrollment.vault_rotation.LOCK_ATTEMPTS", 2)
    path = settings.data_dir / KEYS_FILE
    async with running_system(settings, ["enrollment"]) as system:
        bob = await _register(system, _as_sent(BOB))
        async with _connection(settings) as idle, idle.transaction():
            await idle.execute("UPDATE vault_keys SET created_at = created_at WHERE participant_id = $1", bob)
            idle_pid = await idle.fetchval("SELECT pg_backend_pid()")
            async with _connection(settings) as conn:
                with pytest.raises(RotationError, match=rf"locked by database sessions \[{idle_pid}\]"):
                    await rotate(conn, path, settle_seconds=0)
        generations = [keys.generation for keys in read_keys_file(path)]
        finished = await _rotate(settings)
        bob_after = await _personal_data(system, bob)

    assert generations == [1, 2], "the new keys should wait in the file, the old ones kept"
    assert (finished.resumed, finished.destroyed, bob_after) == (True, (1,), BOB)


async def test_a_damaged_row_stops_the_rotation_naming_the_participant_and_erasing_it_lets_it_finish(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        pool = system.runtime("enrollment").pool
        bob, damaged = await _register(system, _as_sent(BOB)), await _register(system, _as_sent(ALICE))
        await pool.execute(
            "UPDATE vault_keys SET wrapped_key = (SELECT wrapped_key FROM vault_keys WHERE participant_id = $1) "
            "WHERE participant_id = $2",
            bob,
            damaged,
        )
        with pytest.raises(RotationError, match=rf"participant {damaged}'s key does not open"):
            await _rotate(settings)
        created(await system.client("enrollment").post(f"/participants/{damaged}/erasure", json=ERASURE))
        finished = await _rotate(settings)
        bob_after = await _personal_data(system, bob)

    assert (finished.resumed, finished.destroyed, bob_after) == (True, (1,), BOB)


def _cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    assert settings.database_url
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PATHWAYS_DATABASE_PREFIX", settings.database_prefix)
    monkeypatch.setenv("PATHWAYS_DATA_DIR", str(settings.data_dir))
    return main(["vault", *argv])


async def test_pathways_vault_status_and_rotate(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PATHWAYS_VAULT_MASTER_KEY", raising=False)
    monkeypatch.delenv("PATHWAYS_VAULT_PEPPER", raising=False)
    monkeypatch.setattr("pathways_enrollment.vault_rotation.SETTLE_SECONDS", SETTLE)
    async with running_system(settings, ["enrollment"]) as system:
        alice = await _register(system, _as_sent(ALICE))
        await _register(system, _as_sent(BOB))
        created(await system.client("enrollment").post(f"/participants/{alice}/erasure", json=ERASURE))
        status_before = await asyncio.to_thread(_cli, settings, monkeypatch, "status")
        before = capsys.readouterr().out
        rotated = await asyncio.to_thread(_cli, settings, monkeypatch, "rotate")
        rotate_output = capsys.readouterr().out
        status_after = await asyncio.to_thread(_cli, settings, monkeypatch, "status")
        after = capsys.readouterr().out
        (settings.data_dir / KEYS_FILE).rename(settings.data_dir / "moved-away.json")
        status_without_file = await asyncio.to_thread(_cli, settings, monkeypatch, "status")
        without_file = capsys.readouterr().err
        keys = VaultKeys.generate()
        monkeypatch.setenv("PATHWAYS_VAULT_MASTER_KEY", keys.to_base64()["master_key"])
        monkeypatch.setenv("PATHWAYS_VAULT_PEPPER", keys.to_base64()["pepper"])
        from_environment = await asyncio.to_thread(_cli, settings, monkeypatch, "rotate")
        refusal = capsys.readouterr().err
        foreign_keys = await asyncio.to_thread(_cli, settings, monkeypatch, "status")
        not_its_keys = capsys.readouterr().err
        its_keys = read_keys_file(settings.data_dir / "moved-away.json")[-1].to_base64()
        monkeypatch.setenv("PATHWAYS_VAULT_MASTER_KEY", its_keys["master_key"])
        monkeypatch.setenv("PATHWAYS_VAULT_PEPPER", its_keys["pepper"])
        own_keys = await asyncio.to_thread(_cli, settings, monkeypatch, "status")
        opened = capsys.readouterr().out

    assert status_before == 0 and "key generation 1" in before and "erased under these keys: 1  (copies" in before
    assert "live participants: 1" in before
    assert rotated == 0, rotate_output
    moved = "1 participants and mentors' contacts moved"
    assert f"rotated to key generation 2: {moved}; destroyed key generation 1" in rotate_output
    assert status_after == 0 and "key generation 2" in after and "erased under these keys: 0\n" in after
    assert status_without_file == 1 and "no keys file at" in without_file
    assert from_environment == 1 and "PATHWAYS_VAULT_MASTER_KEY" in refusal
    assert foreign_keys == 1, "keys from the environment that open none of its rows are not this database's"
    assert "do not open this database's rows: they are not its keys" in not_its_keys
    assert own_keys == 0 and "the keys in the environment open this database's rows" in opened


_TABLES_BEFORE_GENERATIONS = """
CREATE TABLE vault_keys (
    participant_id uuid PRIMARY KEY,
    wrapped_key bytea NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz NULL,
    CONSTRAINT vault_keys_live_xor_erased CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
CREATE TABLE vault_national_ids (
    national_id_hash text PRIMARY KEY,
    participant_id uuid NOT NULL UNIQUE REFERENCES vault_keys (participant_id)
);
"""


async def test_vault_tables_from_before_key_generations_are_brought_up_to_date(settings: Settings) -> None:
    address = await ensure_database(_database(settings), settings.database_name("enrollment"))
    earlier = UUID(int=1)
    async with _connection(settings) as conn:
        await conn.execute(_TABLES_BEFORE_GENERATIONS)
        await conn.execute("INSERT INTO vault_keys (participant_id, wrapped_key) VALUES ($1, '\\x01')", earlier)
        await conn.execute("INSERT INTO vault_national_ids VALUES ('some hash', $1)", earlier)
    async with running_system(settings, ["enrollment"]) as system:
        bob = await _register(system, _as_sent(BOB))
        bob_again = await _register(system, _as_sent(BOB, phone="02-111-2222"))
        flagged = (await system.client("enrollment").get(f"/participants/{bob_again}")).json()["duplicate_of"]
        async with _connection(settings) as conn:
            upgraded = await conn.fetchrow(
                "SELECT k.key_generation, n.key_generation AS hash_generation, n.holder "
                "FROM vault_keys k JOIN vault_national_ids n USING (participant_id) WHERE participant_id = $1",
                earlier,
            )
            await conn.execute("INSERT INTO vault_keys (participant_id, wrapped_key) VALUES ($1, '\\x02')", UUID(int=2))
            with pytest.raises(asyncpg.UniqueViolationError):
                await conn.execute("INSERT INTO vault_national_ids VALUES ('some hash', $1)", UUID(int=2))

    assert address.database == settings.database_name("enrollment")
    assert upgraded is not None and tuple(upgraded) == (1, 1, True), (
        "rows from before key generations are not generation 1, holders"
    )
    assert flagged == str(bob), "the upgraded index does not flag a second registration"


async def test_a_rotation_moves_mentors_contacts_too_and_leaves_an_erased_ones_copy_unopenable(
    settings: Settings,
) -> None:
    kept, gone = {"full_name": "Kanya Srisuk", "phone": "0812223333"}, {"full_name": "Prasit Boonmee"}
    async with running_system(settings, ["enrollment"]) as system:
        enrollment, pool = system.client("enrollment"), system.runtime("enrollment").pool
        kept_id = created(await enrollment.post("/mentors", json={"contact": kept}))["id"]
        gone_id = created(await enrollment.post("/mentors", json={"contact": gone}))["id"]
        [old_keys] = read_keys_file(settings.data_dir / KEYS_FILE)
        gone_copy = await _stored(pool, UUID(gone_id))
        created(await enrollment.post(f"/mentors/{gone_id}/contact/erasure", json={}))
        async with _connection(settings) as conn:
            before = await generation_status(conn, settings.data_dir / KEYS_FILE)

        rotation = await _rotate(settings)

        [new_keys] = read_keys_file(settings.data_dir / KEYS_FILE)
        kept_after = await enrollment.get(f"/mentors/{kept_id}/contact")
        generations = await pool.fetch("SELECT subject, key_generation FROM vault_keys WHERE wrapped_key IS NOT NULL")

    assert (before.live_participants, before.live_mentor_contacts, before.erased_since) == (0, 1, 1)
    assert _opens(old_keys, UUID(gone_id), gone_copy) == PersonalData(**gone), "the gap rotation closes"
    assert (rotation.generation, rotation.moved, rotation.destroyed) == (2, 1, (1,))
    assert _opens(new_keys, UUID(gone_id), gone_copy) is None
    assert (kept_after.status_code, kept_after.json()) == (200, kept), "a mentor's contact unreadable after"
    assert [tuple(row) for row in generations] == [("mentor", 2)]
