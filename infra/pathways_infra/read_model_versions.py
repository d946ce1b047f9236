"""Which version of a read model's code built the rows its tables hold.

A read model's ``version`` goes up when a change to its handlers or tables means rows applied before
it lack something (a new column filled only by events applied since, say). The service records, per
read model, the version its rows were built by: the current one for tables it starts empty, 1 for
tables that were there before versions were recorded, and the current one again after a rebuild
(:mod:`pathways_infra.rebuild`, in its switch transaction). A read model recorded at an older version
than the code's is *stale*: the service logs it when it starts and reports it on ``/health``
(``pathways status`` shows it) until ``pathways read-models rebuild`` brings it up to date. Live
traffic keeps being applied meanwhile; only the rows from before the upgrade lack what the new
version keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS read_model_versions (
    read_model text PRIMARY KEY,
    version int NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
)
"""

BEFORE_VERSIONS = 1  # the version of rows built before versions were recorded


@dataclass(frozen=True)
class StaleReadModel:
    name: str
    built_by: int
    current: int

    def advice(self, service: str) -> str:
        return (
            f"{service} read model {self.name!r} holds rows built by its version {self.built_by}, older than this "
            f"code's {self.current}: rows from before the upgrade lack what it keeps since; "
            f"run `pathways read-models rebuild {service} {self.name}`"
        )


async def note_versions(conn: Any, service: str, read_models: Sequence[ReadModel]) -> list[StaleReadModel]:
    """Record the version of each read model seen for the first time; the stale ones."""
    await conn.execute(DDL)
    for read_model in read_models:
        names = [read_model.tracking_name(service, source) for source in read_model.sources()]
        applied_before = await conn.fetchval("SELECT EXISTS (SELECT 1 FROM inbox WHERE consumer = ANY($1))", names)
        await conn.execute(
            "INSERT INTO read_model_versions (read_model, version) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            read_model.name, BEFORE_VERSIONS if applied_before else read_model.version,
        )  # fmt: skip
    return await stale_read_models(conn, read_models)


async def stale_read_models(conn: Any, read_models: Sequence[ReadModel]) -> list[StaleReadModel]:
    """The read models whose rows were built by an older version than the code's."""
    rows = await conn.fetch("SELECT read_model, version FROM read_model_versions")
    built_by = {row["read_model"]: row["version"] for row in rows}
    return [
        StaleReadModel(read_model.name, built_by[read_model.name], read_model.version)
        for read_model in read_models
        if built_by.get(read_model.name, read_model.version) < read_model.version
    ]


async def mark_rebuilt(conn: Any, read_model: ReadModel) -> None:
    """The read model's rows are now all built by the current version."""
    await conn.execute(DDL)
    await conn.execute(
        "INSERT INTO read_model_versions (read_model, version) VALUES ($1, $2) "
        "ON CONFLICT (read_model) DO UPDATE SET version = EXCLUDED.version, recorded_at = now()",
        read_model.name, read_model.version,
    )  # fmt: skip
