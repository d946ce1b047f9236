"""The vault inside commands: the only place personal data is written and erased, with the events.

The vault's crypto (``vault.py``) does no I/O; here its rows go through the command's session, so a
registration stores its personal data exactly when it stores its events, and an erasure destroys the
key exactly when it records the erasure. Reads happen before a command runs, with :class:`vault.Vault`.
"""

from __future__ import annotations

from uuid import UUID

from pathways_enrollment.vault import (
    PersonalData,
    VaultKeyring,
    encrypt_record,
    national_id_hash,
    new_data_key,
    wrap_data_key,
)
from pathways_infra.commands import Session
from pathways_infra.eventstore import BulkInsert

KEYS = BulkInsert(
    "INSERT INTO vault_keys (participant_id, wrapped_key, key_generation) "
    "SELECT * FROM unnest(%s::uuid[], %s::bytea[], %s::int[])"
)
RECORDS = BulkInsert(
    "INSERT INTO vault_records (participant_id, ciphertext, nonce, key_version) "
    "SELECT * FROM unnest(%s::uuid[], %s::bytea[], %s::bytea[], %s::int[])"
)
NATIONAL_IDS = BulkInsert(
    "INSERT INTO vault_national_ids (national_id_hash, participant_id, key_generation) "
    "SELECT * FROM unnest(%s::text[], %s::uuid[], %s::int[])"
)


class PersonalDataInCommands:
    def __init__(self, keys: VaultKeyring) -> None:
        self._keys = keys

    def store_new(self, session: Session, participant_id: UUID, data: PersonalData, *, index_national_id: bool) -> None:
        """Store a new participant's data under a fresh key; index the national ID unless another holds it."""
        keys, data_key = self._keys.current(), new_data_key()
        record = encrypt_record(data_key, participant_id, data)
        wrapped = wrap_data_key(keys.master_key, participant_id, data_key)
        session.also_insert(KEYS, participant_id, wrapped, keys.generation)
        session.also_insert(RECORDS, participant_id, record.ciphertext, record.nonce, record.key_version)
        if index_national_id and data.national_id is not None:
            digest = national_id_hash(keys.pepper, data.national_id)
            session.also_insert(NATIONAL_IDS, digest, participant_id, keys.generation)

    @staticmethod
    def erase(session: Session, participant_id: UUID) -> None:
        """Crypto-shred: the wrapped key, the record and the national-ID index go; a tombstone stays."""
        session.also(
            "UPDATE vault_keys SET wrapped_key = NULL, erased_at = now() WHERE participant_id = %s", participant_id
        )
        session.also("DELETE FROM vault_records WHERE participant_id = %s", participant_id)
        session.also("DELETE FROM vault_national_ids WHERE participant_id = %s", participant_id)
