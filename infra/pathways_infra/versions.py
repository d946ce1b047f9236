"""``GET /versions/{record_id}``: a record's current version, for ``If-Match``, from the event store.

The read models behind the other queries may be a moment behind the events; the version a command
checks ``If-Match`` against is the event store's, so this is where it is read.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi import FastAPI
from pydantic import BaseModel, Field

from pathways_infra.http import NotFoundError, ReadPool
from pathways_infra.stale_versions import stored_version


class RecordVersion(BaseModel):
    """A record's version now: how many events it has."""

    id: UUID
    version: int = Field(description='Send it as `If-Match: "<version>"` with a command on this record.')


def serve_versions(app: FastAPI, events_table: Callable[[], str]) -> None:
    """``events_table``: the service's events table, known once its runtime has started."""

    @app.get("/versions/{record_id}", tags=["concurrency"])
    async def record_version(record_id: UUID, read: ReadPool) -> RecordVersion:
        """The current version of any record this service keeps (a unit, a case, a cohort, …), read from
        its event store: never behind. A command sent with it as `If-Match` acts only if nobody has
        changed the record since (else `409 optimistic-concurrency`)."""
        version = await stored_version(read, events_table(), record_id)
        if version is None:
            raise NotFoundError(f"no record {record_id} in this service")
        return RecordVersion(id=record_id, version=version)
