"""How a background part that keeps failing is logged while it is started again and again.

An outage of PostgreSQL or NATS fails it every few seconds: the first failure is logged with its
traceback, the next ones of the same kind in a line each, and its recovery in a line. A failure of
another kind gets its traceback again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg
import nats.errors

log = logging.getLogger(__name__)

# One kind: a server that is gone, hung or restarting, however the driver happens to say it this time.
UNREACHABLE = (
    OSError,  # TimeoutError and ConnectionError among them
    asyncpg.InterfaceError,  # "connection is closed"
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,  # "the database system is shutting down" / "is starting up"
    nats.errors.Error,
)


def failure_kind(error: BaseException) -> str:
    return "unreachable" if isinstance(error, UNREACHABLE) else type(error).__qualname__


def described(error: BaseException) -> str:
    """The error and what caused it, in one line: ``TimeoutError`` alone says little."""
    parts: list[str] = []
    seen: BaseException | None = error
    while seen is not None and len(parts) < 3:
        parts.append(f"{type(seen).__name__}: {seen}" if str(seen) else type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return " ← ".join(parts)


@dataclass
class FailureLog:
    """The log of one part's consecutive failures, e.g. ``subject`` "enrollment: the relay"."""

    subject: str
    _kind: str | None = None
    _count: int = 0

    @property
    def failing(self) -> bool:
        return self._kind is not None

    def failed(self, error: BaseException, delay: float) -> None:
        kind = failure_kind(error)
        self._count += 1
        if kind != self._kind:
            self._kind = kind
            log.error("%s failed; starting it again in %.1fs", self.subject, delay, exc_info=error)
        else:
            log.warning("%s failed again (%s); starting it again in %.1fs", self.subject, described(error), delay)

    def recovered(self) -> None:
        if self._kind is None:
            return
        log.info("%s runs again, after %d failure(s)", self.subject, self._count)
        self._kind, self._count = None, 0
