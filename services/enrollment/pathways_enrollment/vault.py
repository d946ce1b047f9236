"""Personal data vault: participants' personal data and mentors' contacts, encrypted, erasable by destroying a key.

Every participant (a random UUID; events carry nothing else) gets a random 256-bit *data key*, and so does
every mentor whose contact is given (a full name and a phone, never a national ID: nothing is indexed
for them). Each row names its *subject* (``participant`` or ``mentor``), and reads ask for one, so an id
of the other kind is unknown to them; the column ``participant_id`` holds either kind's id (ids are
unique across kinds). Rotation moves both alike.
Their :class:`PersonalData` is stored as one AES-256-GCM record under that key, and the data key
is stored *wrapped*: AES-256-GCM-encrypted under the *master key* (key-encryption key) from
configuration. Associated data binds the wrapped key and the record to the participant id (and
the record to its key version), so rows moved between participants fail to decrypt.

Erasure (PDPA §33) destroys the wrapped key, deletes the record and the national-ID hash, and
leaves a tombstone (``erased_at``): afterwards no live row holds anything personal, and a copy of
the ciphertext made earlier cannot be opened without the destroyed key. Copies of the *wrapped*
key made earlier (WAL, backups) can be opened with the master key until the keys are rotated
(:mod:`pathways_enrollment.vault_rotation`): each row names the key generation it is under.

National IDs are de-duplicated by a keyed hash, HMAC-SHA256 under a separate *pepper*, of the
normalised 13 digits; the clear ID is only ever inside the encrypted record. Every live
registration's hash is indexed; one registration per hash *holds* it (the first, or the next when
it is erased), and later registrations are flagged as potential duplicates of the holder.

The crypto part (:class:`VaultKeys`, ``wrap_data_key`` … ``national_id_hash``) does no I/O.
Rows are written and erased only inside commands, in the transaction of their events
(:mod:`pathways_enrollment.personal_data`); :class:`Vault` reads them.

Nothing happens at import time: keys come from :class:`~pathways_enrollment.keyring.VaultKeyring`
(``PATHWAYS_VAULT_MASTER_KEY`` / ``PATHWAYS_VAULT_PEPPER``, base64, or the data folder's keys file).

Error messages and reprs never contain personal data or key material.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal, TypeAlias
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from pathways_enrollment.domain.national_id import normalise_national_id
from pathways_enrollment.keyring import (
    KEY_SIZE,
    VaultConfigurationError,
    VaultError,
    VaultKeyring,
    VaultKeys,
    VaultKeysBehindError,
    VaultSettings,
)
from pathways_infra.command_model import IsoDay

__all__ = [
    "KEY_VERSION",
    "MENTOR",
    "OLDER_GENERATION_REFUSED",
    "PARTICIPANT",
    "TABLES_DDL",
    "Database",
    "EncryptedRecord",
    "PersonalData",
    "Subject",
    "Vault",
    "VaultConfigurationError",
    "VaultError",
    "VaultIntegrityError",
    "VaultKeyring",
    "VaultKeys",
    "VaultKeysBehindError",
    "VaultSettings",
    "decrypt_record",
    "encrypt_record",
    "national_id_hash",
    "new_data_key",
    "unwrap_data_key",
    "wrap_data_key",
]

NONCE_SIZE = 12  # 96-bit GCM nonce, random per encryption
KEY_VERSION = 1  # version of a participant's data key; part of the record's associated data
PADDING_BLOCK = 64  # records are padded to a multiple of this, so lengths leak less

_AAD_DATA_KEY = b"pathways.vault.v1\x00data_key\x00"
_AAD_RECORD = b"pathways.vault.v1\x00personal_data\x00"

Database: TypeAlias = asyncpg.Pool | asyncpg.Connection | PoolConnectionProxy
"""What the reads accept: a pool, or a connection."""

Subject: TypeAlias = Literal["participant", "mentor"]
"""Whose record a vault row is: reads of one kind never hand out the other's."""
PARTICIPANT: Subject = "participant"
MENTOR: Subject = "mentor"


class VaultIntegrityError(VaultError):
    """A wrapped key or record failed authentication: wrong master key, tampering, or rows moved."""


# --- the data ---------------------------------------------------------------------------------

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class PersonalData(BaseModel):
    """A participant's personal data, or a mentor's contact (full name and phone only). Only the name is required.

    ``national_id`` is validated (check digit) and normalised to 13 bare digits. Fields are left
    out of ``repr`` and validation errors do not echo their input, so neither leaks into logs.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    full_name: _Text = Field(repr=False)
    national_id: str | None = Field(default=None, repr=False)
    phone: _Text | None = Field(default=None, repr=False)
    address: _Text | None = Field(default=None, repr=False)
    date_of_birth: IsoDay | None = Field(default=None, repr=False)

    @field_validator("national_id")
    @classmethod
    def _normalise_national_id(cls, value: str | None) -> str | None:
        return None if value is None else normalise_national_id(value)


@dataclass(frozen=True)
class EncryptedRecord:
    """One encrypted :class:`PersonalData` as stored: GCM ciphertext (with tag), its nonce, key version."""

    ciphertext: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    key_version: int = KEY_VERSION


# --- crypto (no I/O) --------------------------------------------------------------------------


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_SIZE)


def _data_key_aad(participant_id: UUID) -> bytes:
    return _AAD_DATA_KEY + participant_id.bytes


def _record_aad(participant_id: UUID, key_version: int) -> bytes:
    return _AAD_RECORD + participant_id.bytes + key_version.to_bytes(4, "big")


def wrap_data_key(master_key: bytes, participant_id: UUID, data_key: bytes) -> bytes:
    """``nonce || AES-256-GCM(master_key, data_key)``, bound to the participant."""
    if len(data_key) != KEY_SIZE:
        raise ValueError(f"a data key must be {KEY_SIZE} bytes")
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce + AESGCM(master_key).encrypt(nonce, data_key, _data_key_aad(participant_id))


def unwrap_data_key(master_key: bytes, participant_id: UUID, wrapped: bytes) -> bytes:
    try:
        return AESGCM(master_key).decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], _data_key_aad(participant_id))
    except (InvalidTag, ValueError):
        raise VaultIntegrityError(f"data key of participant {participant_id} failed authentication") from None


def encrypt_record(
    data_key: bytes, participant_id: UUID, data: PersonalData, key_version: int = KEY_VERSION
) -> EncryptedRecord:
    plaintext = data.model_dump_json().encode()
    plaintext += b" " * (-len(plaintext) % PADDING_BLOCK)  # JSON ignores trailing whitespace
    nonce = secrets.token_bytes(NONCE_SIZE)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _record_aad(participant_id, key_version))
    return EncryptedRecord(ciphertext=ciphertext, nonce=nonce, key_version=key_version)


def decrypt_record(data_key: bytes, participant_id: UUID, record: EncryptedRecord) -> PersonalData:
    try:
        plaintext = AESGCM(data_key).decrypt(
            record.nonce, record.ciphertext, _record_aad(participant_id, record.key_version)
        )
    except (InvalidTag, ValueError):
        raise VaultIntegrityError(f"personal data of participant {participant_id} failed authentication") from None
    return PersonalData.model_validate_json(plaintext)


def national_id_hash(pepper: bytes, national_id: str) -> str:
    """HMAC-SHA256 (hex) of the normalised 13-digit ID; any accepted format gives the same hash.

    Raises :class:`~pathways_enrollment.domain.national_id.InvalidNationalIdError` for an invalid ID.
    """
    digits = normalise_national_id(national_id)
    return hmac.new(pepper, digits.encode("ascii"), hashlib.sha256).hexdigest()


# --- tables and reads (asyncpg) ---------------------------------------------------------------

OLDER_GENERATION_REFUSED = "older than the current one"  # in the trigger's refusal, below

# Rows name the key generation they are under. A row may not be written under a generation older
# than the newest the database knows: once rotation has moved every row onto a new generation,
# nothing can slip back under the old one it is about to destroy (a service not yet holding the new
# keys is refused and its command retried).
TABLES_DDL = """
SELECT pg_advisory_xact_lock(hashtext('pathways.vault.tables'));
CREATE TABLE IF NOT EXISTS vault_keys (
    participant_id uuid PRIMARY KEY,
    wrapped_key bytea NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz NULL,
    CONSTRAINT vault_keys_live_xor_erased CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
ALTER TABLE vault_keys ADD COLUMN IF NOT EXISTS key_generation int NOT NULL DEFAULT 1;
ALTER TABLE vault_keys ADD COLUMN IF NOT EXISTS subject text NOT NULL DEFAULT 'participant'
    CONSTRAINT vault_keys_subject_known CHECK (subject IN ('participant', 'mentor'));
CREATE TABLE IF NOT EXISTS vault_records (
    participant_id uuid PRIMARY KEY REFERENCES vault_keys (participant_id),
    ciphertext bytea NOT NULL,
    nonce bytea NOT NULL,
    key_version int NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS vault_national_ids (
    national_id_hash text NOT NULL,
    participant_id uuid NOT NULL UNIQUE REFERENCES vault_keys (participant_id)
);
ALTER TABLE vault_national_ids ADD COLUMN IF NOT EXISTS key_generation int NOT NULL DEFAULT 1;
ALTER TABLE vault_national_ids ADD COLUMN IF NOT EXISTS holder boolean NOT NULL DEFAULT true;
ALTER TABLE vault_national_ids ADD COLUMN IF NOT EXISTS indexed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE vault_national_ids DROP CONSTRAINT IF EXISTS vault_national_ids_pkey;
CREATE UNIQUE INDEX IF NOT EXISTS vault_national_ids_one_holder ON vault_national_ids (national_id_hash) WHERE holder;
CREATE TABLE IF NOT EXISTS vault_key_generations (
    generation int PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz NULL
);
INSERT INTO vault_key_generations (generation) SELECT 1 WHERE NOT EXISTS (SELECT FROM vault_key_generations);
CREATE OR REPLACE FUNCTION vault_refuse_older_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.key_generation < (SELECT max(generation) FROM vault_key_generations) THEN
        RAISE EXCEPTION 'vault rows may not be written under key generation %, older than the current one',
            NEW.key_generation USING ERRCODE = 'check_violation', CONSTRAINT = 'vault_key_generation_current';
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER vault_keys_generation_current BEFORE INSERT OR UPDATE OF wrapped_key, key_generation
    ON vault_keys FOR EACH ROW WHEN (NEW.wrapped_key IS NOT NULL) EXECUTE FUNCTION vault_refuse_older_generation();
CREATE OR REPLACE TRIGGER vault_national_ids_generation_current
    BEFORE INSERT OR UPDATE OF national_id_hash, key_generation ON vault_national_ids
    FOR EACH ROW EXECUTE FUNCTION vault_refuse_older_generation();
"""


class Vault:
    """Reads participants' personal data and mentors' contacts. Methods take a pool or a connection.

    Writing and erasing happen in commands, with :class:`~pathways_enrollment.personal_data.PersonalDataInCommands`.
    """

    def __init__(self, keys: VaultKeyring) -> None:
        self._keys = keys

    def national_id_hashes(self, national_id: str) -> list[str]:
        """The keyed hashes the vault may index this national ID by: one per key generation held
        (any accepted format; invalid IDs raise)."""
        return [national_id_hash(keys.pepper, national_id) for keys in self._keys.held()]

    async def get(self, db: Database, participant_id: UUID, subject: Subject = PARTICIPANT) -> PersonalData | None:
        """The subject's personal data (a mentor's: the contact); ``None`` if never stored, erased, or the id
        is another kind's.

        Raises :class:`VaultIntegrityError` if the stored rows fail authentication.
        """
        found = await self.get_many(db, [participant_id], subject)
        return found.get(participant_id)

    async def get_many(
        self, db: Database, ids: Sequence[UUID], subject: Subject = PARTICIPANT
    ) -> dict[UUID, PersonalData]:
        """The personal data held for each of ``ids`` of this kind, in one query (a page of a list);
        those with none held, erased or of another kind are left out.

        Raises :class:`VaultIntegrityError` if any stored row fails authentication.
        """
        rows = await db.fetch(
            "SELECT k.participant_id, k.wrapped_key, k.key_generation, r.ciphertext, r.nonce, r.key_version "
            "FROM vault_keys k JOIN vault_records r USING (participant_id) "
            "WHERE k.participant_id = ANY($1::uuid[]) AND k.subject = $2 AND k.wrapped_key IS NOT NULL",
            list(ids),
            subject,
        )
        return {row["participant_id"]: self._decrypt(row) for row in rows}

    def _decrypt(self, row: asyncpg.Record) -> PersonalData:
        subject_id: UUID = row["participant_id"]
        record = EncryptedRecord(ciphertext=row["ciphertext"], nonce=row["nonce"], key_version=row["key_version"])
        master_key = self._keys.of(row["key_generation"]).master_key
        return decrypt_record(unwrap_data_key(master_key, subject_id, row["wrapped_key"]), subject_id, record)

    async def find_by_national_id_hash(self, db: Database, digests: Sequence[str]) -> UUID | None:
        """The registration holding one of these :meth:`national_id_hashes`, if any (erased ones hold none)."""
        participant_id: UUID | None = await db.fetchval(
            "SELECT participant_id FROM vault_national_ids WHERE national_id_hash = ANY($1::text[]) AND holder",
            list(digests),
        )
        return participant_id

    async def registered_with(self, db: Database, national_id: str) -> list[tuple[UUID, bool]]:
        """Every live registration indexed under this national ID (valid, any accepted format), first the
        one holding it, then the others by when they were indexed; with whether each holds it."""
        rows = await db.fetch(
            "SELECT participant_id, holder FROM vault_national_ids WHERE national_id_hash = ANY($1::text[]) "
            "ORDER BY holder DESC, indexed_at, participant_id",
            self.national_id_hashes(national_id),
        )
        return [(row["participant_id"], row["holder"]) for row in rows]

    async def is_erased(self, db: Database, participant_id: UUID, subject: Subject = PARTICIPANT) -> bool:
        erased: bool | None = await db.fetchval(
            "SELECT erased_at IS NOT NULL FROM vault_keys WHERE participant_id = $1 AND subject = $2",
            participant_id,
            subject,
        )
        return bool(erased)
