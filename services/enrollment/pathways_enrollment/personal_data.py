"""The vault inside commands: personal data written and erased in the same transaction as the events.

The vault's crypto (``vault.py``) does no I/O; here its rows go through the command's session, so a
registration stores its personal data exactly when it stores its events, and an erasure destroys the
key exactly when it records the erasure. Reads outside commands use :class:`vault.Vault`.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pathways_enrollment.vault import (
    EncryptedRecord,
    PersonalData,
    VaultKeys,
    decrypt_record,
    encrypt_record,
    national_id_hash,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from pathways_infra.commands import Session


class PersonalDataInCommands:
    def __init__(self, keys: VaultKeys) -> None:
        self._keys = keys

    def holder_of_national_id(self, session: Session, national_id: str) -> UUID | None:
        """Who is registered with this national ID (an erased participant no longer is)."""
        digest = national_id_hash(self._keys.pepper, national_id)
        rows = session.fetch("SELECT participant_id FROM vault_national_ids WHERE national_id_hash = %s", digest)
        return rows[0]["participant_id"] if rows else None

    def store_new(self, session: Session, participant_id: UUID, data: PersonalData, *, index_national_id: bool) -> None:
        """Store a new participant's data under a fresh key; index the national ID unless another holds it."""
        data_key = new_data_key()
        record = encrypt_record(data_key, participant_id, data)
        session.also(
            "INSERT INTO vault_keys (participant_id, wrapped_key) VALUES (%s, %s)",
            participant_id,
            wrap_data_key(self._keys.master_key, participant_id, data_key),
        )
        session.also(
            "INSERT INTO vault_records (participant_id, ciphertext, nonce, key_version) VALUES (%s, %s, %s, %s)",
            participant_id,
            record.ciphertext,
            record.nonce,
            record.key_version,
        )
        if index_national_id and data.national_id is not None:
            session.also(
                "INSERT INTO vault_national_ids (national_id_hash, participant_id) VALUES (%s, %s)",
                national_id_hash(self._keys.pepper, data.national_id),
                participant_id,
            )

    def read(self, session: Session, participant_id: UUID) -> PersonalData | None:
        rows = session.fetch(
            "SELECT k.wrapped_key, r.ciphertext, r.nonce, r.key_version "
            "FROM vault_keys k JOIN vault_records r USING (participant_id) WHERE k.participant_id = %s",
            participant_id,
        )
        if not rows or rows[0]["wrapped_key"] is None:
            return None
        row = rows[0]
        data_key = unwrap_data_key(self._keys.master_key, participant_id, row["wrapped_key"])
        record = EncryptedRecord(ciphertext=row["ciphertext"], nonce=row["nonce"], key_version=row["key_version"])
        return decrypt_record(data_key, participant_id, record)

    def date_of_birth(self, session: Session, participant_id: UUID) -> date | None:
        data = self.read(session, participant_id)
        return None if data is None else data.date_of_birth

    @staticmethod
    def erase(session: Session, participant_id: UUID) -> None:
        """Crypto-shred: the wrapped key, the record and the national-ID index go; a tombstone stays."""
        session.also(
            "UPDATE vault_keys SET wrapped_key = NULL, erased_at = now() WHERE participant_id = %s", participant_id
        )
        session.also("DELETE FROM vault_records WHERE participant_id = %s", participant_id)
        session.also("DELETE FROM vault_national_ids WHERE participant_id = %s", participant_id)
