"""One ``pathways up`` (or ``pathways servers``) per data folder at a time.

An exclusive ``flock`` on a file in the data folder, held from before the servers start until after
they are stopped: a second start refuses at once instead of reusing servers the first is about to
stop, and the kernel lets go of the lock when its holder dies, even by SIGKILL. The file also
records the holder's PID and the services it started, so the next start can name any left running.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCK_FILE = "pathways.lock"


class DataDirBusyError(RuntimeError):
    """Another ``pathways`` process holds the data folder."""


@dataclass
class DataDirLock:
    data_dir: Path
    command: str
    previous: dict[str, Any] = field(default_factory=dict)  # what the last holder recorded
    _fd: int | None = None

    @property
    def path(self) -> Path:
        return self.data_dir / LOCK_FILE

    def acquire(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _record(fd)
            os.close(fd)
            raise DataDirBusyError(_busy_message(self.data_dir, holder)) from None
        self._fd = fd
        self.previous = _record(fd)
        self.record()

    def record(self, **details: Any) -> None:
        """Write this process's PID, command and ``details`` (e.g. its services' PIDs) into the lock file."""
        if self._fd is None:
            return
        text = json.dumps({"pid": os.getpid(), "command": self.command, **details}).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text, 0)

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the only descriptor releases the lock
        self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _record(fd: int) -> dict[str, Any]:
    try:
        size = os.fstat(fd).st_size
        loaded = json.loads(os.pread(fd, size, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _busy_message(data_dir: Path, holder: dict[str, Any]) -> str:
    pid = holder.get("pid", "?")
    command = holder.get("command", "up")
    return (
        f"pathways {command} is already running from PID {pid} on data folder {data_dir}; "
        f"stop it first (Ctrl-C in its terminal, or kill {pid}) and wait until it says 'stopped', "
        "or use another data folder (--data-dir or PATHWAYS_DATA_DIR)"
    )
