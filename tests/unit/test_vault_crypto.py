"""The personal data vault's crypto and configuration, without a database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

from pathways_enrollment.domain.national_id import InvalidNationalIdError, check_digit, normalise_national_id
from pathways_enrollment.keyring import keys_file, read_keys_file
from pathways_enrollment.vault import (
    KEY_VERSION,
    PersonalData,
    VaultConfigurationError,
    VaultIntegrityError,
    VaultKeys,
    VaultSettings,
    decrypt_record,
    encrypt_record,
    national_id_hash,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)

NID = "3100600445635"
NID_FORMATTED = "3-1006-00445-63-5"
OTHER_NID = "110170020345" + str(check_digit("110170020345"))

PERSON = PersonalData(
    full_name="สมชาย ใจดี",
    national_id=NID_FORMATTED,
    phone="081-234-5678",
    address="99/1 หมู่ 3 ต.ในเมือง อ.เมือง จ.ขอนแก่น 40000",
    date_of_birth=date(1990, 4, 13),
)


def test_personal_data_normalises_the_national_id_and_needs_only_a_name() -> None:
    assert PERSON.national_id == NID
    minimal = PersonalData(full_name="  Somchai  ")
    assert minimal.full_name == "Somchai"
    assert (minimal.national_id, minimal.phone, minimal.address, minimal.date_of_birth) == (None, None, None, None)
    with pytest.raises(ValidationError):
        PersonalData(full_name="   ")
    with pytest.raises(ValidationError):
        PersonalData.model_validate({"national_id": NID})


def test_personal_data_never_echoes_personal_data() -> None:
    assert "สมชาย" not in repr(PERSON) and NID not in repr(PERSON) and "081" not in repr(PERSON)
    bad_id = "3100600445636"  # wrong check digit
    with pytest.raises(ValidationError) as error:
        PersonalData(full_name="Somchai", national_id=bad_id)
    assert bad_id not in str(error.value)
    assert "bad_check_digit" in str(error.value)


def test_round_trip() -> None:
    participant = uuid4()
    data_key = new_data_key()
    record = encrypt_record(data_key, participant, PERSON)
    assert record.key_version == KEY_VERSION
    assert len(record.nonce) == 12
    assert decrypt_record(data_key, participant, record) == PERSON
    assert NID.encode() not in record.ciphertext and "สมชาย".encode() not in record.ciphertext


def test_each_encryption_uses_a_fresh_nonce() -> None:
    participant, data_key = uuid4(), new_data_key()
    first, second = encrypt_record(data_key, participant, PERSON), encrypt_record(data_key, participant, PERSON)
    assert first.nonce != second.nonce and first.ciphertext != second.ciphertext


def test_record_lengths_are_padded() -> None:
    participant, data_key = uuid4(), new_data_key()
    short = encrypt_record(data_key, participant, PersonalData(full_name="Ann"))
    longer = encrypt_record(data_key, participant, PersonalData(full_name="Annabelle"))
    assert len(short.ciphertext) == len(longer.ciphertext)


def test_record_bound_to_its_participant() -> None:
    """A record copied to another participant's row does not decrypt, even under the same data key."""
    data_key = new_data_key()
    record = encrypt_record(data_key, uuid4(), PERSON)
    with pytest.raises(VaultIntegrityError):
        decrypt_record(data_key, uuid4(), record)


def test_record_bound_to_its_key_version() -> None:
    participant, data_key = uuid4(), new_data_key()
    record = encrypt_record(data_key, participant, PERSON)
    with pytest.raises(VaultIntegrityError):
        decrypt_record(data_key, participant, replace(record, key_version=KEY_VERSION + 1))


@pytest.mark.parametrize("position", [0, 17, -1])
def test_tampered_record_is_rejected(position: int) -> None:
    participant, data_key = uuid4(), new_data_key()
    record = encrypt_record(data_key, participant, PERSON)
    flipped = bytearray(record.ciphertext)
    flipped[position] ^= 0x01
    with pytest.raises(VaultIntegrityError):
        decrypt_record(data_key, participant, replace(record, ciphertext=bytes(flipped)))
    with pytest.raises(VaultIntegrityError):
        decrypt_record(data_key, participant, replace(record, nonce=bytes(12)))


def test_wrong_data_key_is_rejected() -> None:
    participant = uuid4()
    record = encrypt_record(new_data_key(), participant, PERSON)
    with pytest.raises(VaultIntegrityError):
        decrypt_record(new_data_key(), participant, record)


def test_data_key_wrap_round_trip() -> None:
    keys, participant, data_key = VaultKeys.generate(), uuid4(), new_data_key()
    wrapped = wrap_data_key(keys.master_key, participant, data_key)
    assert data_key not in wrapped
    assert unwrap_data_key(keys.master_key, participant, wrapped) == data_key


def test_wrong_master_key_fails() -> None:
    participant, data_key = uuid4(), new_data_key()
    wrapped = wrap_data_key(VaultKeys.generate().master_key, participant, data_key)
    with pytest.raises(VaultIntegrityError):
        unwrap_data_key(VaultKeys.generate().master_key, participant, wrapped)


def test_wrapped_key_bound_to_its_participant() -> None:
    master_key, data_key = VaultKeys.generate().master_key, new_data_key()
    wrapped = wrap_data_key(master_key, uuid4(), data_key)
    with pytest.raises(VaultIntegrityError):
        unwrap_data_key(master_key, uuid4(), wrapped)
    with pytest.raises(VaultIntegrityError):
        unwrap_data_key(master_key, uuid4(), wrapped[:5])  # truncated garbage is an integrity error too


def test_national_id_hash_is_hmac_sha256_of_the_normalised_digits() -> None:
    pepper = os.urandom(32)
    expected = hmac.new(pepper, NID.encode(), hashlib.sha256).hexdigest()
    assert national_id_hash(pepper, NID) == expected
    assert len(expected) == 64 and int(expected, 16) >= 0


@pytest.mark.parametrize("written", [NID, NID_FORMATTED, f"  {NID}  ", "3 1006 00445 63 5", "3-1006 00445-63-5"])
def test_national_id_hash_is_the_same_for_every_accepted_format(written: str) -> None:
    pepper = os.urandom(32)
    assert normalise_national_id(written) == NID
    assert national_id_hash(pepper, written) == national_id_hash(pepper, NID)


def test_national_id_hash_is_stable_and_keyed() -> None:
    pepper = os.urandom(32)
    assert national_id_hash(pepper, NID) == national_id_hash(bytes(pepper), NID)
    assert national_id_hash(pepper, NID) != national_id_hash(os.urandom(32), NID)
    assert national_id_hash(pepper, NID) != national_id_hash(pepper, OTHER_NID)
    assert national_id_hash(pepper, NID) != hashlib.sha256(NID.encode()).hexdigest()  # not a plain hash


@pytest.mark.parametrize("invalid", ["3100600445636", "310060044563", "0100600445635", "31006OO445635", ""])
def test_national_id_hash_rejects_invalid_ids(invalid: str) -> None:
    with pytest.raises(InvalidNationalIdError):
        national_id_hash(os.urandom(32), invalid)


def test_vault_keys_are_validated_and_hidden() -> None:
    with pytest.raises(VaultConfigurationError):
        VaultKeys(master_key=os.urandom(16), pepper=os.urandom(32))
    with pytest.raises(VaultConfigurationError):
        VaultKeys(master_key=os.urandom(32), pepper=os.urandom(16))
    same = os.urandom(32)
    with pytest.raises(VaultConfigurationError):
        VaultKeys(master_key=same, pepper=same)
    keys = VaultKeys.generate()
    assert repr(keys.master_key) not in repr(keys) and repr(keys.pepper) not in repr(keys)


def test_settings_read_base64_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = VaultKeys.generate()
    monkeypatch.setenv("PATHWAYS_VAULT_MASTER_KEY", base64.b64encode(keys.master_key).decode())
    monkeypatch.setenv("PATHWAYS_VAULT_PEPPER", base64.b64encode(keys.pepper).decode())
    settings = VaultSettings()
    assert settings.configured
    assert settings.keys() == keys
    assert base64.b64encode(keys.master_key).decode() not in repr(settings)


def test_settings_unset_or_incomplete(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATHWAYS_VAULT_MASTER_KEY", raising=False)
    monkeypatch.delenv("PATHWAYS_VAULT_PEPPER", raising=False)
    assert not VaultSettings().configured
    with pytest.raises(VaultConfigurationError):
        VaultSettings().keys()
    monkeypatch.setenv("PATHWAYS_VAULT_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    assert VaultSettings().configured
    with pytest.raises(VaultConfigurationError):
        VaultSettings().keys()  # only one of the two: an error, never a silent fallback
    monkeypatch.setenv("PATHWAYS_VAULT_PEPPER", "not base64!")
    with pytest.raises(VaultConfigurationError):
        VaultSettings().keys()


def _keys_in(data_dir: Path) -> VaultKeys:
    return read_keys_file(keys_file(data_dir))[-1]


def test_dev_keys_are_created_once_and_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _keys_in(data_dir)
    path = data_dir / "vault-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _keys_in(data_dir) == first
    assert [p.name for p in data_dir.iterdir()] == ["vault-keys.json"]  # no temporary file left behind
    assert _keys_in(tmp_path / "elsewhere") != first


def test_dev_keys_refuses_a_readable_file(tmp_path: Path) -> None:
    _keys_in(tmp_path)
    (tmp_path / "vault-keys.json").chmod(0o644)
    with pytest.raises(VaultConfigurationError):
        _keys_in(tmp_path)
