"""The vault inside commands: the only place personal data is written and erased, with the events.

Participants' personal data and mentors' contacts alike: ``replace`` and ``erase`` work by id on either.

The vault's crypto (``vault.py``) does no I/O; here its rows go through the command's session, so a
registration stores its personal data exactly when it stores its events, and an erasure destroys the
key exactly when it records the erasure. Reads happen before a command runs, with :class:`vault.Vault`.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from pathways_enrollment.vault import (
    MENTOR,
    PARTICIPANT,
    PersonalData,
    Subject,
    VaultKeyring,
    VaultKeys,
    encrypt_record,
    national_id_hash,
    new_data_key,
    wrap_data_key,
)
from pathways_infra.commands import Session
from pathways_infra.eventstore import BulkInsert

KEYS = BulkInsert(
    "INSERT INTO vault_keys (participant_id, wrapped_key, key_generation, subject) "
    "SELECT * FROM unnest(%s::uuid[], %s::bytea[], %s::int[], %s::text[])"
)
RECORDS = BulkInsert(
    "INSERT INTO vault_records (participant_id, ciphertext, nonce, key_version) "
    "SELECT * FROM unnest(%s::uuid[], %s::bytea[], %s::bytea[], %s::int[])"
)
NATIONAL_IDS = BulkInsert(
    "INSERT INTO vault_national_ids (national_id_hash, participant_id, key_generation, holder) "
    "SELECT * FROM unnest(%s::text[], %s::uuid[], %s::int[], %s::boolean[])"
)

# The CTE's DELETE is not seen by the UPDATE's subquery (one snapshot), hence the erased one is excluded by id.
# The next registration is found by the erased row's hash and by the hashes of its national ID under every
# generation of keys: while keys rotate, the two may be under different ones.
_ERASE_NATIONAL_ID = """
WITH erased AS (DELETE FROM vault_national_ids WHERE participant_id = %s RETURNING national_id_hash, holder)
UPDATE vault_national_ids SET holder = true WHERE participant_id = (
    SELECT next.participant_id FROM vault_national_ids next, erased
    WHERE erased.holder AND next.participant_id <> %s
      AND (next.national_id_hash = erased.national_id_hash OR next.national_id_hash = ANY(%s::text[]))
    ORDER BY next.indexed_at, next.participant_id LIMIT 1
)
"""


_INDEX_NATIONAL_ID = (
    "INSERT INTO vault_national_ids (national_id_hash, participant_id, key_generation, holder) VALUES (%s, %s, %s, %s)"
)


class PersonalDataInCommands:
    def __init__(self, keys: VaultKeyring) -> None:
        self._keys = keys

    def store_new(self, session: Session, participant_id: UUID, data: PersonalData, *, holds_national_id: bool) -> None:
        """Store a new participant's data under a fresh key, and index its national ID: as its holder, or
        (when another registration holds it) so that it can hold it once that one is erased."""
        keys = self._store(session, participant_id, data, PARTICIPANT)
        if data.national_id is not None:
            digest = national_id_hash(keys.pepper, data.national_id)
            session.also_insert(NATIONAL_IDS, digest, participant_id, keys.generation, holds_national_id)

    def store_mentor_contact(self, session: Session, mentor_id: UUID, contact: PersonalData) -> None:
        """Store a mentor's contact under a fresh key of its own. A mentor's national ID is never kept, so
        nothing is indexed (the command refuses one before it gets here)."""
        if contact.national_id is not None or contact.address is not None or contact.date_of_birth is not None:
            raise ValueError("a mentor's contact is a full name and a phone only")
        self._store(session, mentor_id, contact, MENTOR)

    def _store(self, session: Session, subject_id: UUID, data: PersonalData, subject: Subject) -> VaultKeys:
        keys, data_key = self._keys.current(), new_data_key()
        record = encrypt_record(data_key, subject_id, data)
        wrapped = wrap_data_key(keys.master_key, subject_id, data_key)
        session.also_insert(KEYS, subject_id, wrapped, keys.generation, subject)
        session.also_insert(RECORDS, subject_id, record.ciphertext, record.nonce, record.key_version)
        return keys

    def replace(self, session: Session, participant_id: UUID, data: PersonalData) -> None:
        """Store a participant's corrected data under a fresh key: the old record, in a copy made earlier,
        stays under the old key (rotation destroys its wrapping key with the rest of the old generation)."""
        keys, data_key = self._keys.current(), new_data_key()
        record = encrypt_record(data_key, participant_id, data)
        wrapped = wrap_data_key(keys.master_key, participant_id, data_key)
        session.also(
            "UPDATE vault_keys SET wrapped_key = %s, key_generation = %s "
            "WHERE participant_id = %s AND wrapped_key IS NOT NULL",
            wrapped, keys.generation, participant_id,
        )  # fmt: skip
        session.also(
            "UPDATE vault_records SET ciphertext = %s, nonce = %s, key_version = %s, updated_at = now() "
            "WHERE participant_id = %s",
            record.ciphertext, record.nonce, record.key_version, participant_id,
        )  # fmt: skip

    def index_national_id_anew(
        self, session: Session, participant_id: UUID, national_id: str, old_hashes: Sequence[str], *, holds: bool
    ) -> None:
        """Index a corrected national ID: the old index entry goes (the registration of the old ID indexed
        next holds it from then on, as after an erasure), the new one comes, as its holder or not."""
        keys = self._keys.current()
        digest = national_id_hash(keys.pepper, national_id)
        # Plain statements, in this order: a bulk insert would run before the old entry goes.
        session.also(_ERASE_NATIONAL_ID, participant_id, participant_id, list(old_hashes))
        session.also(_INDEX_NATIONAL_ID, digest, participant_id, keys.generation, holds)

    @staticmethod
    def erase(session: Session, participant_id: UUID, national_id_hashes: Sequence[str] = ()) -> None:
        """Crypto-shred: the wrapped key, the record and the national-ID index go; a tombstone stays. The
        registration of the same national ID indexed next after the erased one holds it from then on
        (``national_id_hashes``: its hashes under every generation of keys held)."""
        session.also(
            "UPDATE vault_keys SET wrapped_key = NULL, erased_at = now() WHERE participant_id = %s", participant_id
        )
        session.also("DELETE FROM vault_records WHERE participant_id = %s", participant_id)
        session.also(_ERASE_NATIONAL_ID, participant_id, participant_id, list(national_id_hashes))
