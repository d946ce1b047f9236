"""Rotating the vault's keys, so that erasure reaches copies of the database made before it.

Erasure destroys a participant's wrapped data key in the live tables, but PostgreSQL's WAL and any
backup taken earlier still hold it, and the master key opens it. Rotation closes that:

1. a new generation of keys (master key and pepper) is added to the keys file; running services
   pick it up within :data:`~pathways_enrollment.keyring.RELOAD_SECONDS` and write new rows under it;
2. the database is told the new generation is current: from then on no row can be written under an
   older one (a trigger refuses it), and rows in flight under the old one have committed first;
3. every live participant's data key is re-wrapped under the new master key, and their national-ID
   hash recomputed under the new pepper, in batches, alongside running services (mentors' contacts
   are rows of the same tables, without a national ID: their keys are re-wrapped alike);
4. the older generations are destroyed: dropped from the keys file, whose old bytes are overwritten.

Afterwards no key that opens the wrapped key of a participant erased under the older keys, or tests
a guess against their national-ID hash, exists any more (those erased under the new keys wait for the
next rotation: ``pathways vault status`` counts them). A backup taken before the rotation can no longer be read for
anyone's personal data (events, journeys and counts stay readable): take a new backup after each
rotation. An interrupted rotation is finished by running it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

import asyncpg

from pathways_enrollment.keyring import (
    RELOAD_SECONDS,
    VaultConfigurationError,
    VaultKeys,
    read_keys_file,
    write_keys_file,
)
from pathways_enrollment.vault import (
    MENTOR,
    EncryptedRecord,
    VaultIntegrityError,
    decrypt_record,
    national_id_hash,
    unwrap_data_key,
    wrap_data_key,
)

log = logging.getLogger(__name__)

BATCH = 500
LOCK_ATTEMPTS = 10
LOCK_TIMEOUT_MS = 1000
_FIRST = UUID(int=0)
SETTLE_SECONDS = 2 * RELOAD_SECONDS + 0.5  # every service has re-read the keys file by then

Progress = Callable[[int, int], None]  # (participants moved so far, participants to move)

_TO_MOVE = """
SELECT count(*) FROM vault_keys k LEFT JOIN vault_national_ids n USING (participant_id)
WHERE k.wrapped_key IS NOT NULL AND (k.key_generation < $1 OR n.key_generation < $1)
"""

_BATCH = """
SELECT k.participant_id, k.subject, k.wrapped_key, k.key_generation, r.ciphertext, r.nonce, r.key_version,
       n.key_generation AS hash_generation, n.holder
FROM vault_keys k LEFT JOIN vault_records r USING (participant_id) LEFT JOIN vault_national_ids n USING (participant_id)
WHERE k.wrapped_key IS NOT NULL AND (k.key_generation < $1 OR n.key_generation < $1) AND k.participant_id > $3
ORDER BY k.participant_id LIMIT $2
FOR UPDATE OF k SKIP LOCKED
"""


class RotationError(Exception):
    """The rotation cannot go on; no key was destroyed. The message says what changed and what to do."""


@dataclass(frozen=True)
class VaultGenerationStatus:
    current: int
    since: datetime
    live_participants: int
    erased_since: int  # erased under the current keys (participants and mentors' contacts): copies made before
    # their erasure can still be opened
    rows_behind: int  # live rows still under an older generation (an unfinished rotation)
    file_generations: tuple[int, ...]
    live_mentor_contacts: int = 0


@dataclass(frozen=True)
class Rotation:
    generation: int
    moved: int
    resumed: bool
    destroyed: tuple[int, ...]


async def generation_status(conn: asyncpg.Connection, path: Path | None) -> VaultGenerationStatus:
    """Where the vault's keys stand: for ``pathways vault status``."""
    current = await conn.fetchrow(
        "SELECT generation, started_at FROM vault_key_generations ORDER BY generation DESC LIMIT 1"
    )
    if current is None:
        raise RotationError("the vault's tables are not there: start the enrollment service once first")
    # Erased rows keep the generation they were under: those under the current one went to the WAL
    # wrapped by keys that still exist (also those registered while a rotation's new keys settled).
    counts = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE wrapped_key IS NOT NULL AND subject = 'participant') AS live, "
        "count(*) FILTER (WHERE wrapped_key IS NOT NULL AND subject = 'mentor') AS live_mentors, "
        "count(*) FILTER (WHERE wrapped_key IS NULL AND key_generation >= $1) AS erased_since FROM vault_keys",
        current["generation"],
    )
    if counts is None:
        raise RotationError("the vault's tables could not be read")
    return VaultGenerationStatus(
        current=current["generation"],
        since=current["started_at"],
        live_participants=counts["live"],
        live_mentor_contacts=counts["live_mentors"],
        erased_since=counts["erased_since"],
        rows_behind=await conn.fetchval(_TO_MOVE, current["generation"]),
        file_generations=() if path is None else tuple(keys.generation for keys in read_keys_file(path)),
    )


async def rotate(
    conn: asyncpg.Connection,
    path: Path,
    *,
    progress: Progress | None = None,
    settle_seconds: float = SETTLE_SECONDS,
) -> Rotation:
    """Rotate the keys in ``path`` and every live row in the vault's tables onto them (see the module).

    A rotation left unfinished (the file holds more than one generation) is finished, not started anew.
    One rotation runs at a time: two would each make a generation of their own under one number.
    """
    if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext('pathways.vault.rotation'))"):
        raise RotationError("another rotation of the vault's keys is running; let it finish")
    try:
        return await _rotate(conn, path, progress or _no_progress, settle_seconds)
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext('pathways.vault.rotation'))")


async def _rotate(conn: asyncpg.Connection, path: Path, progress: Progress, settle_seconds: float) -> Rotation:
    held = read_keys_file(path)
    current = await _current_generation(conn)
    if held[-1].generation < current:
        raise RotationError(
            f"the database's vault is at key generation {current}, the keys file {path} only reaches "
            f"{held[-1].generation}: it is not this database's keys file; nothing was changed"
        )
    await _check_keys_open_rows(conn, path, held)
    resumed = len(held) > 1
    if not resumed:
        held = (*held, VaultKeys.generate(held[-1].generation + 1))
        write_keys_file(path, held)
        log.info("vault: key generation %d added to %s", held[-1].generation, path)
    if held[-1].generation > current:
        await asyncio.sleep(settle_seconds)
        await _make_current(conn, held[-1].generation)
    moved = await _move_rows(conn, held, progress)
    destroyed = await _destroy_older(conn, path, held)
    return Rotation(generation=held[-1].generation, moved=moved, resumed=resumed, destroyed=destroyed)


async def _current_generation(conn: asyncpg.Connection) -> int:
    current: int | None = await conn.fetchval("SELECT max(generation) FROM vault_key_generations")
    if current is None:
        raise RotationError("the vault's tables are not there: start the enrollment service once first")
    return current


async def _make_current(conn: asyncpg.Connection, generation: int) -> None:
    """From the commit on, rows can only be written under ``generation``; the SHARE locks wait for
    writes already under way, so no row of an older generation commits after the rows are moved.

    Commands wait behind the lock request, so it is given up after a second when a session holds the
    tables (an idle transaction, say) and tried again; the sessions holding them are named."""
    holders: list[int] = []
    for _ in range(LOCK_ATTEMPTS):
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
                await conn.execute("LOCK TABLE vault_keys, vault_national_ids IN SHARE MODE")
                await conn.execute(
                    "INSERT INTO vault_key_generations (generation) VALUES ($1) ON CONFLICT DO NOTHING", generation
                )
        except asyncpg.LockNotAvailableError:
            holders = await _sessions_holding_the_vault(conn)
            log.warning("vault: sessions %s hold the vault's tables; trying again", holders)
            await asyncio.sleep(1)
            continue
        log.info("vault: key generation %d is current", generation)
        return
    raise RotationError(
        f"the vault's tables stayed locked by database sessions {holders} (see pg_stat_activity); the new keys "
        "are in the keys file but not yet current, and nothing was destroyed: run the rotation again"
    )


async def _sessions_holding_the_vault(conn: asyncpg.Connection) -> list[int]:
    rows = await conn.fetch(
        "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname IN ('vault_keys', 'vault_national_ids') AND l.granted AND l.pid <> pg_backend_pid() "
        "ORDER BY 1"
    )
    return [row["pid"] for row in rows]


async def keys_open_a_live_row(conn: asyncpg.Connection, keys: VaultKeys) -> bool | None:
    """Whether ``keys`` (one fixed generation, as the environment gives them) open a live participant's
    wrapped key; None when no participant is live to try them on."""
    sample = await conn.fetchrow(
        "SELECT participant_id, wrapped_key FROM vault_keys WHERE wrapped_key IS NOT NULL ORDER BY created_at LIMIT 1"
    )
    if sample is None:
        return None
    try:
        unwrap_data_key(keys.master_key, sample["participant_id"], sample["wrapped_key"])
    except VaultIntegrityError:
        return False
    return True


async def _check_keys_open_rows(conn: asyncpg.Connection, path: Path, held: Sequence[VaultKeys]) -> None:
    """Refuse, before anything changes, a keys file that does not open a live row of every generation in use."""
    by_generation = {keys.generation: keys for keys in held}
    samples = await conn.fetch(
        "SELECT DISTINCT ON (key_generation) participant_id, wrapped_key, key_generation FROM vault_keys "
        "WHERE wrapped_key IS NOT NULL ORDER BY key_generation"
    )
    for sample in samples:
        keys = by_generation.get(sample["key_generation"])
        try:
            if keys is None:
                raise VaultIntegrityError("no such generation")
            unwrap_data_key(keys.master_key, sample["participant_id"], sample["wrapped_key"])
        except VaultIntegrityError:
            raise RotationError(
                f"the keys in {path} do not open this database's rows under key generation "
                f"{sample['key_generation']}: it is not this database's keys file; nothing was changed"
            ) from None


async def _move_rows(conn: asyncpg.Connection, held: Sequence[VaultKeys], progress: Progress) -> int:
    """Re-wrap and re-hash every live row still under an older generation, batch by batch, in the order
    of participant ids. Rows locked by a command under way (an erasure, say) are skipped and taken on a
    later pass."""
    newest = held[-1]
    by_generation = {keys.generation: keys for keys in held}
    total = await conn.fetchval(_TO_MOVE, newest.generation)
    moved, after = 0, _FIRST
    progress(moved, total)
    while True:
        async with conn.transaction():
            rows = await conn.fetch(_BATCH, newest.generation, BATCH, after)
            await _move_batch(conn, rows, by_generation, newest)
        moved += len(rows)
        progress(moved, max(total, moved))
        if rows:
            after = rows[-1]["participant_id"]
            continue
        left: int = await conn.fetchval(_TO_MOVE, newest.generation)
        if left == 0:
            progress(moved, moved)
            return moved
        after = _FIRST
        await asyncio.sleep(0.05)  # locked by commands under way: they commit or roll back soon


async def _move_batch(
    conn: asyncpg.Connection, rows: Sequence[asyncpg.Record], by_generation: dict[int, VaultKeys], newest: VaultKeys
) -> None:
    keys_rows: list[tuple[UUID, bytes]] = []
    hash_rows: list[tuple[UUID, str | None, bool]] = []
    for row in rows:
        participant_id: UUID = row["participant_id"]
        old = _keys_of(by_generation, row["key_generation"])
        try:
            data_key = unwrap_data_key(old.master_key, participant_id, row["wrapped_key"])
        except VaultIntegrityError:
            raise _damaged(row["subject"], participant_id, old.generation) from None
        if old.generation < newest.generation:
            keys_rows.append((participant_id, wrap_data_key(newest.master_key, participant_id, data_key)))
        if row["hash_generation"] is not None and row["hash_generation"] < newest.generation:
            hash_rows.append((participant_id, _national_id_hash_of(row, data_key, newest), row["holder"]))
    await conn.execute(
        "UPDATE vault_keys k SET wrapped_key = u.wrapped, key_generation = $3 "
        "FROM unnest($1::uuid[], $2::bytea[]) AS u (participant_id, wrapped) "
        "WHERE k.participant_id = u.participant_id AND k.key_generation < $3 AND k.wrapped_key IS NOT NULL",
        [participant_id for participant_id, _ in keys_rows],
        [wrapped for _, wrapped in keys_rows],
        newest.generation,
    )
    await _rehash(conn, hash_rows, newest.generation)


def _damaged(subject: str, subject_id: UUID, generation: int) -> RotationError:
    who, erasure = (
        (f"mentor {subject_id}'s contact", f"/mentors/{subject_id}/contact/erasure")
        if subject == MENTOR
        else (f"participant {subject_id}", f"/participants/{subject_id}/erasure")
    )
    return RotationError(
        f"{who}'s key does not open under key generation {generation}, which opens the others: its row is "
        f"damaged. Erase it (POST {erasure}) and run the rotation again; no key was destroyed"
    )


def _national_id_hash_of(row: asyncpg.Record, data_key: bytes, newest: VaultKeys) -> str | None:
    participant_id: UUID = row["participant_id"]
    if row["ciphertext"] is None:
        return None
    record = EncryptedRecord(ciphertext=row["ciphertext"], nonce=row["nonce"], key_version=row["key_version"])
    try:
        national_id = decrypt_record(data_key, participant_id, record).national_id
    except VaultIntegrityError:
        return None  # a damaged record: its hash cannot move, and reading it already fails
    return None if national_id is None else national_id_hash(newest.pepper, national_id)


async def _rehash(conn: asyncpg.Connection, rows: Sequence[tuple[UUID, str | None, bool]], generation: int) -> None:
    """Each participant's national-ID hash under the new pepper. Should two registrations of one ID both
    hold it, under different generations (their lookups ran side by side as the rotation began), the one
    already under the new keys keeps holding it, as the index of holders would have had it; a hash whose
    national ID can no longer be read (no record) could never be moved, and is dropped."""
    moving = [participant_id for participant_id, _, _ in rows]
    held = {
        record["national_id_hash"]
        for record in await conn.fetch(
            "SELECT national_id_hash FROM vault_national_ids "
            "WHERE holder AND national_id_hash = ANY($1::text[]) AND participant_id <> ALL($2::uuid[])",
            [digest for _, digest, _ in rows if digest is not None],
            moving,
        )
    }
    moved: list[tuple[UUID, str, bool]] = []
    for participant_id, digest, holder in rows:
        if digest is None:
            log.warning("vault: participant %s's national ID cannot be read; its hash is dropped", participant_id)
            await conn.execute("DELETE FROM vault_national_ids WHERE participant_id = $1", participant_id)
            continue
        gives_up = holder and digest in held
        if gives_up:
            log.warning("vault: participant %s no longer holds its national ID, held by another", participant_id)
        elif holder:
            held.add(digest)
        moved.append((participant_id, digest, gives_up))
    # `holder AND NOT gives_up`: a holder promoted meanwhile (its ID's holder erased) stays one.
    await conn.execute(
        "UPDATE vault_national_ids n SET national_id_hash = u.digest, key_generation = $4, "
        "holder = n.holder AND NOT u.gives_up "
        "FROM unnest($1::uuid[], $2::text[], $3::boolean[]) AS u (participant_id, digest, gives_up) "
        "WHERE n.participant_id = u.participant_id AND n.key_generation < $4",
        [row[0] for row in moved],
        [row[1] for row in moved],
        [row[2] for row in moved],
        generation,
    )


async def _destroy_older(conn: asyncpg.Connection, path: Path, held: Sequence[VaultKeys]) -> tuple[int, ...]:
    older = tuple(keys.generation for keys in held[:-1])
    await conn.execute(
        "UPDATE vault_key_generations SET retired_at = now() WHERE generation < $1 AND retired_at IS NULL",
        held[-1].generation,
    )
    write_keys_file(path, [held[-1]])
    if older:
        log.info("vault: key generations %s destroyed", ", ".join(map(str, older)))
    return older


def _keys_of(by_generation: dict[int, VaultKeys], generation: int) -> VaultKeys:
    try:
        return by_generation[generation]
    except KeyError:
        raise VaultConfigurationError(
            f"a live row is under key generation {generation}, which the keys file no longer holds"
        ) from None


def _no_progress(_done: int, _total: int) -> None:
    pass
