"""Which replica of a service runs its consumers: the one holding a PostgreSQL advisory lock.

Competing replicas on one durable consumer would apply a participant's events out of order, so one
replica consumes and the others stand by. The lock belongs to a session and ends with it (a
PostgreSQL restart, a killed or cut connection), and a standby may take it the next moment. So the
holder watches its session and gives the consumers up as soon as the session is gone, and a replica
taking the lock over waits a grace period before consuming, long enough for the old holder to have
noticed. A holder frozen for longer than that (a stopped process, a paused VM) cannot notice anything
until it wakes, with batches in hand: so every consumer transaction is *fenced*. Each replica takes a
new epoch as it takes the lock, and a consumer transaction checks, just before it commits, that the
epoch is still its replica's, and commits nothing otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from pathways_infra.waiting import wait_until

log = logging.getLogger(__name__)

# The server drops a session whose peer went silent after about idle + interval × count seconds, so
# a replica cut off from PostgreSQL does not keep the lock, and its standby waiting, for hours.
KEEPALIVES = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2", "tcp_keepalives_count": "3"}
LOCK_HELD = """
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 0 AND objid = $1::bigint::oid AND granted
)"""

# Each holder of the lock takes the next epoch as it takes the lock; a consumer transaction commits
# only while the epoch is still its replica's (a primary-key read: it runs in every consumer batch).
EPOCH_DDL = "CREATE TABLE IF NOT EXISTS consumers_lease (service text PRIMARY KEY, epoch bigint NOT NULL)"
TAKE_EPOCH = (
    "INSERT INTO consumers_lease AS l (service, epoch) VALUES ($1, 1) "
    "ON CONFLICT (service) DO UPDATE SET epoch = l.epoch + 1 RETURNING epoch"
)
HOLDS_LEASE_ASYNCPG = "SELECT EXISTS (SELECT 1 FROM consumers_lease WHERE service = $1 AND epoch = $2)"
HOLDS_LEASE_PSYCOPG = "SELECT EXISTS (SELECT 1 FROM consumers_lease WHERE service = %s AND epoch = %s)"


class LeaseLostError(Exception):
    """This replica no longer holds the consumers' lock: another may be consuming, so nothing commits."""


@dataclass(frozen=True)
class Fence:
    """The epoch this replica took with the consumers' lock, as its consumer transactions check it."""

    service: str
    epoch: int

    def params(self) -> tuple[str, int]:
        return self.service, self.epoch


FenceSource = Callable[[], Fence | None]


@dataclass
class ConsumersLease:
    """The lock on a connection of its own, named ``pathways-consumers-<service>`` for operators."""

    database_url: str
    service: str
    check_seconds: float = 1.0
    _conn: asyncpg.Connection | None = field(init=False, default=None)
    _ended: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    _fence: Fence | None = field(init=False, default=None)

    @property
    def key(self) -> int:
        return zlib.crc32(f"pathways-consumers:{self.service}".encode())

    @property
    def grace_seconds(self) -> float:
        """How long a replica that took the lock over waits before consuming: the old holder checks
        its session every ``check_seconds`` and gives a check twice that to answer."""
        return 3 * self.check_seconds + 1

    async def take(self) -> bool:
        """True if this replica now holds the lock (or held it already)."""
        if self._conn is None or self._conn.is_closed():
            self._ended = asyncio.Event()
            self._conn = await asyncpg.connect(
                self.database_url,
                server_settings={"application_name": f"pathways-consumers-{self.service}", **KEEPALIVES},
            )
            ended = self._ended
            self._conn.add_termination_listener(lambda _: ended.set())
            self._fence = None
        held = bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key))
        if held and self._fence is None:
            await self._conn.execute(EPOCH_DDL)
            self._fence = Fence(self.service, int(await self._conn.fetchval(TAKE_EPOCH, self.service)))
        return held

    def fence(self) -> Fence | None:
        """The session that holds the lock for this replica; None while it holds none."""
        return self._fence

    async def watch(self, stop: asyncio.Event) -> bool:
        """Wait while the lock is held: True once it is lost, False when ``stop`` is set first."""
        while not stop.is_set():
            await wait_until(stop, self._ended, timeout=self.check_seconds)
            if stop.is_set():
                return False
            if self._ended.is_set() or not await self._still_held():
                await self.release()
                return True
        return False

    async def _still_held(self) -> bool:
        conn = self._conn
        if conn is None or conn.is_closed():
            return False
        try:
            held = await asyncio.wait_for(conn.fetchval(LOCK_HELD, self.key), timeout=2 * self.check_seconds)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("%s: the consumers' lock session did not answer (%s)", self.service, error)
            return False
        return bool(held)

    async def release(self) -> None:
        """Give the lock up by ending its session (a lost session's socket is dropped with it)."""
        conn, self._conn, self._fence = self._conn, None, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2 * self.check_seconds)
            if not conn.is_closed():
                conn.terminate()
