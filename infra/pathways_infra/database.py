"""PostgreSQL addresses and per-service databases."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, quote, unquote, urlsplit

import asyncpg
import eventsourcing.persistence
import psycopg

DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    # A connection PostgreSQL closed, or could not open (a restart, a failover, no slot free). Nothing
    # is wrong with the work itself: the same work succeeds once the database is back.
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, connection terminated
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,  # a connection left mid-operation when the server went away
    ConnectionError,  # refused, reset, aborted: the server is not there
    psycopg.OperationalError,
    eventsourcing.persistence.OperationalError,  # psycopg's, as the event store raises it
    eventsourcing.persistence.InterfaceError,
)


# An operator command gives up on a PostgreSQL that does not answer after this long, and says so.
OPERATOR_CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, kw_only=True)
class DatabaseAddress:
    """A PostgreSQL URL taken apart, so one server can hold a database per service.

    ``host`` may be a Unix-socket directory (the embedded server listens on one only).
    """

    user: str
    password: str
    host: str
    port: int
    database: str

    @classmethod
    def parse(cls, url: str) -> DatabaseAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"not a PostgreSQL URL (expected postgresql://…): {url!r}")
        query = parse_qs(parts.query)
        host = query.get("host", [parts.hostname or "localhost"])[0]
        port = int(query.get("port", [parts.port or 5432])[0])
        return cls(
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            host=host,
            port=port,
            database=unquote(parts.path.lstrip("/") or "postgres"),
        )

    def with_database(self, database: str) -> DatabaseAddress:
        return replace(self, database=database)

    @property
    def is_socket(self) -> bool:
        return self.host.startswith("/")

    @property
    def url(self) -> str:
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        if self.is_socket:
            return f"postgresql://{credentials}@/{self.database}?host={self.host}&port={self.port}"
        return f"postgresql://{credentials}@{self.host}:{self.port}/{self.database}"

    def eventsourcing_env(self) -> dict[str, str]:
        """The settings eventsourcing's PostgreSQL persistence reads."""
        return {
            "POSTGRES_DBNAME": self.database,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            # How long a command waits for a connection while the server is away before it gets a 503
            # (30 s by default: clients gave up first, and then did not know the command's fate).
            "POSTGRES_CONNECT_TIMEOUT": "5",
        }


async def ensure_database(server: DatabaseAddress, database: str) -> DatabaseAddress:
    """Create ``database`` on the server unless it exists; return its address."""
    conn = await asyncpg.connect(server.with_database("postgres").url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # Another process may create it between our check and our create.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{_identifier(database)}"')
    finally:
        await conn.close()
    return server.with_database(database)


async def drop_database(server: DatabaseAddress, database: str) -> None:
    conn = await asyncpg.connect(server.with_database("postgres").url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_identifier(database)}" WITH (FORCE)')
    finally:
        await conn.close()


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name: {name!r}")
    return name


async def keep_session(conn: asyncpg.Connection) -> None:
    """Pool ``reset`` that sends nothing: asyncpg's default costs a round trip per release
    (unlock advisory locks, CLOSE ALL, UNLISTEN *, RESET ALL), and no pooled connection here
    changes session state. asyncpg still rolls back an open transaction before calling this."""
