"""The vault's keys: generations of (master key, pepper), where they come from, and the keys file.

A *generation* is one master key (wraps participants' data keys) and one pepper (keys the
national-ID hash). The newest generation writes; every generation still in the keyring reads.
Rotation (:mod:`pathways_enrollment.vault_rotation`) adds a generation, moves every live row onto
it, then destroys the older ones: copies of the database made before (WAL, backups) still hold
erased participants' wrapped keys and hashes, but no key that opens them exists any more.

Keys come from ``PATHWAYS_VAULT_MASTER_KEY`` / ``PATHWAYS_VAULT_PEPPER`` (one fixed generation,
not rotatable from here) or, when those are unset, from the keys file in the data folder, which a
service re-reads when it changes, so a rotation reaches running services within a second.

Nothing happens at import time. Error messages and reprs never contain key material.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

KEY_SIZE = 32  # AES-256
MIN_PEPPER_SIZE = 32
KEYS_FILE = "vault-keys.json"
RELOAD_SECONDS = 1.0  # how stale a service's copy of the keys file may be


class VaultError(Exception):
    """Base of the vault's errors. Messages never contain personal data."""


class VaultConfigurationError(VaultError):
    """Keys are missing or malformed."""


class VaultKeysBehindError(VaultError):
    """The database has newer keys current than this service can read from its keys: retry later."""

    retryable = True


@dataclass(frozen=True)
class VaultKeys:
    """One generation of the two secrets: the master key (wraps data keys) and the pepper (keys the
    national-ID hash)."""

    master_key: bytes = field(repr=False)
    pepper: bytes = field(repr=False)
    generation: int = 1

    def __post_init__(self) -> None:
        if len(self.master_key) != KEY_SIZE:
            raise VaultConfigurationError(f"the vault master key must be {KEY_SIZE} bytes")
        if len(self.pepper) < MIN_PEPPER_SIZE:
            raise VaultConfigurationError(f"the vault pepper must be at least {MIN_PEPPER_SIZE} bytes")
        if hmac.compare_digest(self.master_key, self.pepper):
            raise VaultConfigurationError("the vault master key and pepper must be different keys")
        if self.generation < 1:
            raise VaultConfigurationError("a vault key generation is a positive number")

    @classmethod
    def generate(cls, generation: int = 1) -> VaultKeys:
        """Fresh random keys."""
        return cls(
            master_key=secrets.token_bytes(KEY_SIZE), pepper=secrets.token_bytes(KEY_SIZE), generation=generation
        )

    @classmethod
    def from_base64(cls, master_key: str, pepper: str, generation: int = 1) -> VaultKeys:
        return cls(
            master_key=_b64decode(master_key, "master key"), pepper=_b64decode(pepper, "pepper"), generation=generation
        )

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

    When both are unset (the embedded/dev setup), keys come from the data folder's keys file.
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


# --- the keys file ----------------------------------------------------------------------------


def keys_file(data_dir: Path) -> Path:
    """The data folder's keys file (mode 0600), with one generation of fresh keys if there was none.

    Concurrent first uses agree on one file. Whoever can read the data folder can read the keys.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEYS_FILE
    if not path.exists():
        temporary = _write_private(path, [VaultKeys.generate()])
        try:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)  # atomic, never replaces: a concurrent creator's file wins
        finally:
            temporary.unlink(missing_ok=True)
    return path


def read_keys_file(path: Path) -> tuple[VaultKeys, ...]:
    """The file's generations, oldest first. A file from before rotation (one bare pair) is generation 1."""
    try:
        if path.stat().st_mode & 0o077:
            raise VaultConfigurationError(f"{path} must be readable by its owner only (chmod 600)")
        text = path.read_text()
    except OSError as error:
        raise VaultConfigurationError(f"cannot read the vault's keys file {path}: {error.strerror}") from None
    try:
        stored = json.loads(text)
        entries: list[Any] = stored.get("generations", [{**stored, "generation": 1}])
        generations = tuple(
            sorted(
                (VaultKeys.from_base64(str(e["master_key"]), str(e["pepper"]), int(e["generation"])) for e in entries),
                key=lambda keys: keys.generation,
            )
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise VaultConfigurationError(f"{path} does not hold vault keys") from None
    if not generations or len({keys.generation for keys in generations}) != len(generations):
        raise VaultConfigurationError(f"{path} does not hold vault keys (one entry per generation)")
    return generations


def write_keys_file(path: Path, generations: Sequence[VaultKeys]) -> None:
    """Replace the file at once (a reader sees the old file or the new one), then overwrite the old
    file's bytes with zeros: keys dropped from it must not stay readable in freed blocks.

    The old file keeps a second name until it is zeroed, and the next write first zeroes whatever a
    write that died left behind (that name, a temporary file), so no key outlives a crash on disk.
    The new file keeps the old one's owner, so a rotation run as root leaves it readable by the service.
    """
    shred_leftovers(path)
    replaced = path.with_name(f".{path.name}.replaced")
    if path.exists():
        os.link(path, replaced)
    temporary = _write_private(path, generations)
    if replaced.exists() and os.geteuid() == 0:
        owner = replaced.stat()
        os.chown(temporary, owner.st_uid, owner.st_gid)
    os.replace(temporary, path)
    _fsync_folder(path.parent)
    _shred(replaced)


def shred_leftovers(path: Path) -> None:
    """Zero and remove what an interrupted :func:`write_keys_file` left beside ``path``."""
    for leftover in path.parent.glob(f".{path.name}.*"):
        _shred(leftover)


def _shred(path: Path) -> None:
    try:
        with open(path, "r+b") as file:
            file.write(bytes(os.fstat(file.fileno()).st_size))
            file.flush()
            os.fsync(file.fileno())
    except FileNotFoundError:
        return
    path.unlink(missing_ok=True)


def _write_private(path: Path, generations: Sequence[VaultKeys]) -> Path:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    document = {"generations": [{"generation": keys.generation, **keys.to_base64()} for keys in generations]}
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(document, file)
        file.flush()
        os.fsync(file.fileno())
    return temporary


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- what a service holds ---------------------------------------------------------------------


class VaultKeyring:
    """The generations a service holds: :meth:`current` writes, :meth:`of` reads a row of any generation.

    Keys from a file are re-read when the file changes (checked at most every ``reload_seconds``, and
    at once when a row names a generation not held). Safe to use from several threads.
    """

    def __init__(self, generations: Sequence[VaultKeys], source: Path | None = None, reload_seconds: float = 0) -> None:
        self._generations = _by_generation(generations)
        self._source = source
        self._reload_seconds = reload_seconds
        self._seen = _file_identity(source)
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    @classmethod
    def configured(cls, data_dir: Path) -> VaultKeyring:
        """The environment's keys if set, else the data folder's keys file (followed as it changes)."""
        settings = VaultSettings()
        if settings.configured:
            return cls([settings.keys()])
        path = keys_file(data_dir)
        return cls(read_keys_file(path), source=path, reload_seconds=RELOAD_SECONDS)

    @property
    def source(self) -> Path | None:
        """The keys file followed, or None for keys from the environment."""
        return self._source

    def current(self) -> VaultKeys:
        """The newest generation: what new rows are written under."""
        self._refresh_if_due()
        return self._generations[max(self._generations)]

    def held(self) -> tuple[VaultKeys, ...]:
        """Every generation held, oldest first (a national ID is looked up under each)."""
        self._refresh_if_due()
        return tuple(self._generations[generation] for generation in sorted(self._generations))

    def reload(self) -> None:
        """Read the keys file now (the database said newer keys are current)."""
        self._refresh(force=True)

    def of(self, generation: int) -> VaultKeys:
        """The keys of ``generation``; a generation destroyed by rotation is a configuration error."""
        self._refresh_if_due()
        if generation not in self._generations:
            self._refresh(force=True)
        try:
            return self._generations[generation]
        except KeyError:
            raise VaultConfigurationError(f"no vault keys of generation {generation} are configured") from None

    def _refresh_if_due(self) -> None:
        if self._source is not None and time.monotonic() - self._checked >= self._reload_seconds:
            self._refresh(force=False)

    def _refresh(self, *, force: bool) -> None:
        if self._source is None:
            return
        with self._lock:
            self._checked = time.monotonic()
            seen = _file_identity(self._source)
            if force or seen != self._seen:
                self._generations, self._seen = _read_settled(self._source, seen)


Identity = tuple[int, int, int] | None  # inode, mtime, size: a replaced or rewritten file differs


def _read_settled(path: Path, seen: Identity) -> tuple[dict[int, VaultKeys], Identity]:
    """The file's keys; read again if it was replaced while being read (the old one is zeroed then)."""
    for _ in range(3):
        try:
            return _by_generation(read_keys_file(path)), seen
        except VaultConfigurationError:
            now = _file_identity(path)
            if now == seen:
                raise
            seen = now
    return _by_generation(read_keys_file(path)), seen


def _by_generation(generations: Sequence[VaultKeys]) -> dict[int, VaultKeys]:
    if not generations:
        raise VaultConfigurationError("no vault keys are configured")
    return {keys.generation: keys for keys in generations}


def _file_identity(path: Path | None) -> Identity:
    if path is None:
        return None
    status = path.stat()
    return status.st_ino, status.st_mtime_ns, status.st_size
