"""The vault's keys file and the keyring a service holds (no servers)."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from pathways_enrollment.keyring import (
    KEYS_FILE,
    VaultConfigurationError,
    VaultKeyring,
    VaultKeys,
    keys_file,
    read_keys_file,
    write_keys_file,
)


def test_a_keys_file_from_before_rotation_reads_as_generation_one(tmp_path: Path) -> None:
    keys = VaultKeys.generate()
    path = tmp_path / KEYS_FILE
    path.write_text(json.dumps(keys.to_base64()))
    path.chmod(0o600)

    assert read_keys_file(path) == (keys,)
    assert read_keys_file(path)[0].generation == 1


def test_writing_the_keys_file_replaces_it_whole_and_zeroes_the_old_bytes(tmp_path: Path) -> None:
    path = keys_file(tmp_path)
    [first] = read_keys_file(path)
    earlier_copy = tmp_path / "hard-link-to-the-old-file"
    os.link(path, earlier_copy)  # sees the old file's blocks, as a disk read after the rename would
    second = VaultKeys.generate(2)

    write_keys_file(path, [first, second])
    both = read_keys_file(path)
    write_keys_file(path, [second])

    assert both == (first, second)
    assert read_keys_file(path) == (second,)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    old_bytes = earlier_copy.read_bytes()
    assert old_bytes and old_bytes == bytes(len(old_bytes)), "the replaced file's keys are still readable on disk"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([KEYS_FILE, earlier_copy.name]), "a temporary file"


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"generations": []}',
        '{"generations": [{"generation": 1}]}',
        "DUPLICATE",
    ],
)
def test_a_keys_file_that_does_not_hold_keys_is_refused(tmp_path: Path, content: str) -> None:
    if content == "DUPLICATE":
        one = {"generation": 1, **VaultKeys.generate().to_base64()}
        content = json.dumps({"generations": [one, {**one, **VaultKeys.generate().to_base64()}]})
    path = tmp_path / KEYS_FILE
    path.write_text(content)
    path.chmod(0o600)

    with pytest.raises(VaultConfigurationError, match="does not hold vault keys"):
        read_keys_file(path)


def test_the_keyring_follows_its_file(tmp_path: Path) -> None:
    path = keys_file(tmp_path)
    [first] = read_keys_file(path)
    ring = VaultKeyring(read_keys_file(path), source=path, reload_seconds=0)
    second = VaultKeys.generate(2)

    write_keys_file(path, [first, second])
    current_during_rotation, held_during_rotation = ring.current(), ring.held()
    write_keys_file(path, [second])

    assert current_during_rotation == second, "new rows are not written under the newest keys"
    assert held_during_rotation == (first, second), "rows under the older keys cannot be read during the rotation"
    assert ring.of(2) == second
    with pytest.raises(VaultConfigurationError, match="generation 1"):
        ring.of(1)


def test_a_keyring_looks_at_its_file_at_most_once_per_interval_unless_a_row_names_an_unknown_generation(
    tmp_path: Path,
) -> None:
    path = keys_file(tmp_path)
    [first] = read_keys_file(path)
    ring = VaultKeyring(read_keys_file(path), source=path, reload_seconds=3600)
    second = VaultKeys.generate(2)
    write_keys_file(path, [first, second])

    assert ring.current() == first, "read the file again before the interval was up"
    assert ring.of(2) == second, "a row under a generation not held did not make it read the file"
    assert ring.current() == second


def test_keys_from_the_environment_are_one_fixed_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = VaultKeys.generate()
    monkeypatch.setenv("PATHWAYS_VAULT_MASTER_KEY", keys.to_base64()["master_key"])
    monkeypatch.setenv("PATHWAYS_VAULT_PEPPER", keys.to_base64()["pepper"])

    ring = VaultKeyring.configured(tmp_path)

    assert ring.source is None and ring.current() == keys and ring.held() == (keys,)
    assert list(tmp_path.iterdir()) == [], "a keys file was made although the environment gives the keys"


def test_a_service_reading_the_keys_file_while_a_rotation_replaces_it_never_fails(tmp_path: Path) -> None:
    """The old file is zeroed after the new one takes its name: a reader that opened it just before reads
    zeros, and must read the new one instead of failing its command (found in review)."""
    path = keys_file(tmp_path)
    ring = VaultKeyring(read_keys_file(path), source=path, reload_seconds=0)
    errors: list[str] = []
    deadline = time.monotonic() + 3
    reader = threading.Thread(target=_read_until, args=(ring, deadline, errors))
    reader.start()
    generation, writes = 1, 0
    while time.monotonic() < deadline and not errors:
        generation += 1
        write_keys_file(path, [read_keys_file(path)[-1], VaultKeys.generate(generation)])
        write_keys_file(path, [read_keys_file(path)[-1]])
        writes += 2
    reader.join()

    assert errors == [], f"after {writes} replacements of the keys file a reader failed: {errors[0]}"


def _read_until(ring: VaultKeyring, deadline: float, errors: list[str]) -> None:
    while time.monotonic() < deadline and not errors:
        try:
            ring.held()
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
