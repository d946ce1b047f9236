"""Personal data vault: participants' personal data, encrypted, erasable by destroying a key.

Every participant (a random UUID; events carry nothing else) gets a random 256-bit *data key*.
Their :class:`PersonalData` is stored as one AES-256-GCM record under that key, and the data key
is stored *wrapped*: AES-256-GCM-encrypted under the *master key* (key-encryption key) from
configuration. Associated data binds the wrapped key and the record to the participant id (and
the record to its key version), so rows moved between participants fail to decrypt.

Erasure (PDPA §33) destroys the wrapped key, deletes the record and the national-ID hash, and
leaves a tombstone (``erased_at``): afterwards no live row holds anything personal, and a copy of
the ciphertext made earlier cannot be opened without the destroyed key.

National IDs are de-duplicated by a keyed hash, HMAC-SHA256 under a separate *pepper*, of the
normalised 13 digits; the clear ID is only ever inside the encrypted record.

The crypto part (:class:`VaultKeys`, ``wrap_data_key`` … ``national_id_hash``) does no I/O.
Rows are written and erased only inside commands, in the transaction of their events
(:mod:`pathways_enrollment.personal_data`); :class:`Vault` reads them.

Nothing happens at import time: keys come from :class:`VaultSettings`
(``PATHWAYS_VAULT_MASTER_KEY`` / ``PATHWAYS_VAULT_PEPPER``, base64) or, for the embedded/dev
setup, from :func:`dev_keys`.

Error messages and reprs never contain personal data or key material.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, TypeAlias
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pathways_enrollment.domain.national_id import normalise_national_id
from pathways_infra.command_model import IsoDay

__all__ = [
    "KEY_VERSION",
    "TABLES_DDL",
    "Database",
    "EncryptedRecord",
    "PersonalData",
    "Vault",
    "VaultConfigurationError",
    "VaultError",
    "VaultIntegrityError",
    "VaultKeys",
    "VaultSettings",
    "decrypt_record",
    "dev_keys",
    "encrypt_record",
    "keys_for",
    "national_id_hash",
    "new_data_key",
    "unwrap_data_key",
    "wrap_data_key",
]

KEY_SIZE = 32  # AES-256
NONCE_SIZE = 12  # 96-bit GCM nonce, random per encryption
MIN_PEPPER_SIZE = 32
KEY_VERSION = 1  # version of a participant's data key; part of the record's associated data
PADDING_BLOCK = 64  # records are padded to a multiple of this, so lengths leak less
DEV_KEYS_FILE = "vault-keys.json"

_AAD_DATA_KEY = b"pathways.vault.v1\x00data_key\x00"
_AAD_RECORD = b"pathways.vault.v1\x00personal_data\x00"

Database: TypeAlias = asyncpg.Pool | asyncpg.Connection | PoolConnectionProxy
"""What the reads accept: a pool, or a connection."""


class VaultError(Exception):
    """Base of the vault's errors. Messages never contain personal data."""


class VaultConfigurationError(VaultError):
    """Keys are missing or malformed."""


class VaultIntegrityError(VaultError):
    """A wrapped key or record failed authentication: wrong master key, tampering, or rows moved."""


# --- the data ---------------------------------------------------------------------------------

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class PersonalData(BaseModel):
    """A participant's personal data. Only the name is required.

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


# --- keys and configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class VaultKeys:
    """The two secrets: the master key (wraps data keys) and the pepper (keys the national-ID hash)."""

    master_key: bytes = field(repr=False)
    pepper: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.master_key) != KEY_SIZE:
            raise VaultConfigurationError(f"the vault master key must be {KEY_SIZE} bytes")
        if len(self.pepper) < MIN_PEPPER_SIZE:
            raise VaultConfigurationError(f"the vault pepper must be at least {MIN_PEPPER_SIZE} bytes")
        if hmac.compare_digest(self.master_key, self.pepper):
            raise VaultConfigurationError("the vault master key and pepper must be different keys")

    @classmethod
    def generate(cls) -> VaultKeys:
        """Fresh random keys (for tests and :func:`dev_keys`)."""
        return cls(master_key=secrets.token_bytes(KEY_SIZE), pepper=secrets.token_bytes(KEY_SIZE))

    @classmethod
    def from_base64(cls, master_key: str, pepper: str) -> VaultKeys:
        return cls(master_key=_b64decode(master_key, "master key"), pepper=_b64decode(pepper, "pepper"))

    def to_base64(self) -> dict[str, str]:
        return {
            "master_key": base64.b64encode(self.master_key).decode("ascii"),
            "pepper": base64.b64encode(self.pepper).decode("ascii"),
        }


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VaultConfigurationError(f"the vault {what} is not valid base64") from None


class VaultSettings(BaseSettings):
    """``PATHWAYS_VAULT_MASTER_KEY`` and ``PATHWAYS_VAULT_PEPPER``, base64.

    When both are unset (the embedded/dev setup), the caller passes keys from :func:`dev_keys`.
    """

    model_config = SettingsConfigDict(env_prefix="PATHWAYS_VAULT_", extra="ignore", hide_input_in_errors=True)

    master_key: SecretStr | None = Field(default=None, description="Key-encryption key: 32 bytes, base64.")
    pepper: SecretStr | None = Field(default=None, description="National-ID hash key: at least 32 bytes, base64.")

    @property
    def configured(self) -> bool:
        return self.master_key is not None or self.pepper is not None

    def keys(self) -> VaultKeys:
        if self.master_key is None or self.pepper is None:
            raise VaultConfigurationError("set both PATHWAYS_VAULT_MASTER_KEY and PATHWAYS_VAULT_PEPPER")
        return VaultKeys.from_base64(self.master_key.get_secret_value(), self.pepper.get_secret_value())


def dev_keys(data_dir: Path) -> VaultKeys:
    """Keys for the embedded/dev setup, kept in ``data_dir/vault-keys.json`` (mode 0600).

    Created on first use; concurrent first uses agree on one file. Not for production: whoever can
    read the data folder can read the keys.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DEV_KEYS_FILE
    if not path.exists():
        keys = VaultKeys.generate()
        temporary = data_dir / f".{DEV_KEYS_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as file:
                json.dump(keys.to_base64(), file)
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)  # atomic, never replaces: a concurrent creator's file wins
        finally:
            temporary.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        raise VaultConfigurationError(f"{path} must be readable by its owner only (chmod 600)")
    try:
        stored = json.loads(path.read_text())
        return VaultKeys.from_base64(str(stored["master_key"]), str(stored["pepper"]))
    except (ValueError, KeyError, TypeError):
        raise VaultConfigurationError(f"{path} does not hold vault keys") from None


def keys_for(data_dir: Path) -> VaultKeys:
    """The configured keys; for the embedded/dev setup (none configured), the data folder's."""
    settings = VaultSettings()
    return settings.keys() if settings.configured else dev_keys(data_dir)


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

TABLES_DDL = """
CREATE TABLE IF NOT EXISTS vault_keys (
    participant_id uuid PRIMARY KEY,
    wrapped_key bytea NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz NULL,
    CONSTRAINT vault_keys_live_xor_erased CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
CREATE TABLE IF NOT EXISTS vault_records (
    participant_id uuid PRIMARY KEY REFERENCES vault_keys (participant_id),
    ciphertext bytea NOT NULL,
    nonce bytea NOT NULL,
    key_version int NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS vault_national_ids (
    national_id_hash text PRIMARY KEY,
    participant_id uuid NOT NULL UNIQUE REFERENCES vault_keys (participant_id)
);
"""


class Vault:
    """Reads participants' personal data. Methods take a pool or a connection.

    Writing and erasing happen in commands, with :class:`~pathways_enrollment.personal_data.PersonalDataInCommands`.
    """

    def __init__(self, keys: VaultKeys) -> None:
        self._keys = keys

    def national_id_hash(self, national_id: str) -> str:
        """The keyed hash the vault indexes national IDs by (any accepted format; invalid IDs raise)."""
        return national_id_hash(self._keys.pepper, national_id)

    async def get(self, db: Database, participant_id: UUID) -> PersonalData | None:
        """The participant's personal data; ``None`` if never stored or erased.

        Raises :class:`VaultIntegrityError` if the stored rows fail authentication.
        """
        row = await db.fetchrow(
            "SELECT k.wrapped_key, r.ciphertext, r.nonce, r.key_version "
            "FROM vault_keys k JOIN vault_records r USING (participant_id) WHERE k.participant_id = $1",
            participant_id,
        )
        if row is None or row["wrapped_key"] is None:
            return None
        record = EncryptedRecord(ciphertext=row["ciphertext"], nonce=row["nonce"], key_version=row["key_version"])
        return decrypt_record(self._unwrap(participant_id, row["wrapped_key"]), participant_id, record)

    async def find_by_national_id_hash(self, db: Database, digest: str) -> UUID | None:
        """The participant stored with this :meth:`national_id_hash`, if any (erased ones are not)."""
        participant_id: UUID | None = await db.fetchval(
            "SELECT participant_id FROM vault_national_ids WHERE national_id_hash = $1", digest
        )
        return participant_id

    async def is_erased(self, db: Database, participant_id: UUID) -> bool:
        erased: bool | None = await db.fetchval(
            "SELECT erased_at IS NOT NULL FROM vault_keys WHERE participant_id = $1", participant_id
        )
        return bool(erased)

    def _unwrap(self, participant_id: UUID, wrapped: bytes) -> bytes:
        return unwrap_data_key(self._keys.master_key, participant_id, wrapped)
