"""Read-model versions on real servers: an upgrade names the read models whose rows were built by an older
version of their code, until `pathways read-models rebuild` brings each up to date."""

from __future__ import annotations

import asyncio
import logging

import pytest
from nats.js import JetStreamContext

from pathways_infra.services import definition_of
from pathways_infra.settings import Settings
from tests.support.cli import run_pathways
from tests.support.messages import enrolled_event, publish_event
from tests.support.system import eventually, running_system

OUTCOMES = definition_of("outcomes").read_models


async def test_an_upgrade_names_the_read_models_built_by_an_older_version_until_they_are_rebuilt(
    settings: Settings, operator_js: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        fresh = (await system.client("outcomes").get("/health")).json()
        recorded = {row["read_model"]: row["version"] for row in await runtime.pool.fetch("TABLE read_model_versions")}
        for n in range(1, 4):
            await publish_event(operator_js, enrolled_event(), event_id=f"enrollment:{n}")

        async def projected() -> int | None:
            return await runtime.pool.fetchval("SELECT count(*) FROM rm_programme_enrollment_facts") or None

        await eventually(projected, timeout=60, what="the enrollments to be projected")
        await runtime.pool.execute("DROP TABLE read_model_versions")  # as before versions were recorded

    caplog.set_level(logging.WARNING)
    async with running_system(settings, ["outcomes"], relay=False) as system:
        upgraded = (await system.client("outcomes").get("/health")).json()
        rebuilt = await asyncio.to_thread(run_pathways, settings, "read-models", "rebuild", "outcomes", "programme")
        after_rebuild = (await system.client("outcomes").get("/health")).json()

    assert fresh["read_models_to_rebuild"] == {}, "tables started empty are built by the current version"
    assert recorded == {read_model.name: read_model.version for read_model in OUTCOMES}
    applied_before = [rm for rm in OUTCOMES if "enrollment" in rm.sources()]
    stale = {rm.name: {"built_by_version": 1, "version": rm.version} for rm in applied_before if rm.version > 1}
    assert "programme" in stale
    assert upgraded["read_models_to_rebuild"] == stale
    assert "run `pathways read-models rebuild outcomes programme`" in caplog.text
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert after_rebuild["read_models_to_rebuild"] == {k: v for k, v in stale.items() if k != "programme"}
