"""Blue/green rebuild on real servers: a read model is rebuilt from its streams while events keep
arriving, and the switch loses none of them and applies none twice."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg

from pathways_infra.database import DatabaseAddress
from pathways_infra.rebuild import rebuild_read_model
from pathways_infra.services import definition_of
from pathways_infra.settings import Settings
from tests.support.messages import enrolled_event, publish_event
from tests.support.system import eventually, running_system

FACTS = "rm_programme_enrollment_facts"
TRACKING = "outcomes-programme-from-enrollment"
BEFORE, DURING = 150, 120


def _outcomes_database(settings: Settings) -> str:
    assert settings.database_url
    return DatabaseAddress.parse(settings.database_url).with_database(settings.database_name("outcomes")).url


async def _count(pool: asyncpg.Pool, query: str, *args: object) -> int:
    return int(await pool.fetchval(query, *args))


async def test_a_read_model_rebuilt_while_events_arrive_ends_with_each_event_once(settings: Settings) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        pool = runtime.pool

        async def publish(count: int, offset: int) -> None:
            for n in range(offset, offset + count):
                await publish_event(runtime.js, enrolled_event(), event_id=f"enrollment:{n}")

        async def facts_reach(count: int) -> int | None:
            found = await _count(pool, f"SELECT count(*) FROM {FACTS}")
            return found if found >= count else None

        await publish(BEFORE, 1)
        await eventually(lambda: facts_reach(BEFORE), timeout=60, what="the first enrollments to be projected")
        indicators = await pool.fetchval("SELECT 'rm_indicators_enrollments'::regclass::oid")
        # The read model went wrong: rows lost and rows changed.
        await pool.execute(f"DELETE FROM {FACTS} WHERE enrollment_id IN (SELECT enrollment_id FROM {FACTS} LIMIT 40)")
        await pool.execute(f"UPDATE {FACTS} SET enrolled_region = 'SOUTH'")

        rebuild = asyncio.create_task(
            rebuild_read_model(
                definition_of("outcomes"),
                next(rm for rm in definition_of("outcomes").read_models if rm.name == "programme"),
                database_url=_outcomes_database(settings),
                js=runtime.js,
            )
        )
        await publish(DURING, BEFORE + 1)
        rebuilt = await rebuild
        total = BEFORE + DURING
        await eventually(lambda: facts_reach(total), timeout=60, what="every enrollment to be projected")
        await asyncio.sleep(1.0)  # anything applied twice would show by now

        assert await _count(pool, f"SELECT count(*) FROM {FACTS}") == total
        assert await _count(pool, f"SELECT count(DISTINCT enrollment_id) FROM {FACTS}") == total
        assert await _count(pool, f"SELECT count(*) FROM {FACTS} WHERE enrolled_region = 'NORTH'") == total
        assert await _count(pool, "SELECT count(*) FROM inbox WHERE consumer = $1", TRACKING) == total
        assert await pool.fetchval("SELECT 'rm_indicators_enrollments'::regclass::oid") == indicators
        leftovers = await pool.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%' OR nspname LIKE 'retired\\_%'"
        )
        assert leftovers == [], "the rebuild left schemas behind"
        names = {info.name for info in await runtime.js.consumers_info("ENROLLMENT")}
        assert not any("rebuild" in (name or "") for name in names), "the rebuild left a consumer behind"
    assert rebuilt.read_through["ENROLLMENT"] >= BEFORE
    assert rebuilt.rows[FACTS][1] >= BEFORE
    assert rebuilt.retired_to is None


async def test_the_cli_rebuilds_a_read_model_and_can_keep_the_old_tables(settings: Settings) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        for n in range(1, 31):
            await publish_event(runtime.js, enrolled_event(), event_id=f"enrollment:{n}")

        async def projected() -> int | None:
            return await _count(runtime.pool, f"SELECT count(*) FROM {FACTS}") or None

        await eventually(projected, timeout=60, what="the enrollments to be projected")
        await runtime.pool.execute(f"DELETE FROM {FACTS}")

        env = {
            **os.environ,
            "PATHWAYS_DATABASE_URL": settings.database_url or "",
            "PATHWAYS_NATS_URL": settings.nats_url or "",
            "PATHWAYS_DATABASE_PREFIX": settings.database_prefix,
        }
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "pathways_infra", "read-models", "rebuild", "outcomes", "programme", "--keep-old"],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "outcomes read model 'programme': rebuilt and switched" in done.stdout
        assert f"{FACTS}" in done.stdout and "30 rows  (was 0)" in done.stdout
        assert await _count(runtime.pool, f"SELECT count(*) FROM {FACTS}") == 30
        kept = await runtime.pool.fetchval(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'retired\\_programme\\_%'"
        )
        assert kept is not None and f"old tables kept in schema {kept}" in done.stdout
        assert await _count(runtime.pool, f'SELECT count(*) FROM "{kept}".{FACTS}') == 0

        unknown = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "pathways_infra", "read-models", "rebuild", "outcomes", "programmes"],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert unknown.returncode == 2
        assert "no read model 'programmes' in outcomes" in unknown.stderr and "programme" in unknown.stderr
