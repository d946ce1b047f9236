"""Blue/green rebuild on real servers: a read model is rebuilt from its streams while events keep
arriving, and the switch loses none of them and applies none twice."""

from __future__ import annotations

import asyncio

import asyncpg
import nats
import pytest
from nats.js import JetStreamContext

from pathways_contracts.enrollment import ParticipantEnrolledV1
from pathways_contracts.registry import STREAMS
from pathways_infra.consumer import Inbound
from pathways_infra.database import DatabaseAddress, ensure_database
from pathways_infra.rebuild import RebuildError, describe, rebuild_read_model
from pathways_infra.service import ReadModel, ServiceDefinition
from pathways_infra.services import definition_of
from pathways_infra.settings import Settings
from pathways_infra.streams import ensure_streams
from tests.support.cli import run_pathways
from tests.support.journeys import enroll, open_project
from tests.support.messages import enrolled_event, publish_event, publish_raw
from tests.support.system import eventually, running_system

FACTS = "rm_programme_enrollment_facts"
TRACKING = "outcomes-programme-from-enrollment"
BEFORE, DURING = 150, 120


def _outcomes_database(settings: Settings) -> str:
    assert settings.database_url
    return DatabaseAddress.parse(settings.database_url).with_database(settings.database_name("outcomes")).url


async def _count(pool: asyncpg.Pool, query: str, *args: object) -> int:
    return int(await pool.fetchval(query, *args))


async def test_a_read_model_rebuilt_while_events_arrive_ends_with_each_event_once(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        pool = runtime.pool

        async def publish(count: int, offset: int) -> None:
            for n in range(offset, offset + count):
                await publish_event(operator_js, enrolled_event(), event_id=f"enrollment:{n}")

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
                js=operator_js,  # as `pathways read-models rebuild` runs it
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
        names = {info.name for info in await operator_js.consumers_info("ENROLLMENT")}
        assert not any("rebuild" in (name or "") for name in names), "the rebuild left a consumer behind"
    assert rebuilt.read_through["ENROLLMENT"] >= BEFORE
    assert rebuilt.rows[FACTS][1] >= BEFORE
    assert rebuilt.retired_to is None


async def test_the_cli_rebuilds_a_read_model_and_can_keep_the_old_tables(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        for n in range(1, 31):
            await publish_event(operator_js, enrolled_event(), event_id=f"enrollment:{n}")

        async def projected() -> int | None:  # all of them: one projected after the deletion would count as "was"
            found = await _count(runtime.pool, f"SELECT count(*) FROM {FACTS}")
            return found if found == 30 else None

        await eventually(projected, timeout=60, what="the enrollments to be projected")
        await runtime.pool.execute(f"DELETE FROM {FACTS}")

        rebuild = ("read-models", "rebuild", "outcomes")
        done = await asyncio.to_thread(run_pathways, settings, *rebuild, "programme", "--keep-old")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "outcomes read model 'programme': rebuilt and switched" in done.stdout
        assert f"{FACTS}" in done.stdout and "30 rows  (was 0)" in done.stdout
        assert await _count(runtime.pool, f"SELECT count(*) FROM {FACTS}") == 30
        kept = await runtime.pool.fetchval(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'retired\\_programme\\_%'"
        )
        assert kept is not None and f"old tables kept in schema {kept}" in done.stdout
        assert await _count(runtime.pool, f'SELECT count(*) FROM "{kept}".{FACTS}') == 0

        unknown = await asyncio.to_thread(run_pathways, settings, *rebuild, "programmes")
        assert unknown.returncode == 2
        assert "no read model 'programmes' in outcomes" in unknown.stderr and "programme" in unknown.stderr


# --- a read model of the test's own: a handler that fails on one event, or takes its time ---------

PROBE_DDL = "CREATE TABLE IF NOT EXISTS rm_probe (enrollment_id uuid PRIMARY KEY, province_code text NOT NULL)"
POISON = "TH-10"


async def _on_enrolled(conn: asyncpg.Connection, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    if inbound.event.province_code == POISON:
        raise ValueError("this read model cannot take Bangkok")
    await asyncio.sleep(0.01)
    await conn.execute("INSERT INTO rm_probe VALUES ($1, $2)", inbound.event.enrollment_id, inbound.event.province_code)


PROBE = ReadModel(name="probe", ddl=PROBE_DDL, handlers={ParticipantEnrolledV1: _on_enrolled})
DEFINITION = ServiceDefinition(name="outcomes", translate=lambda _recorded: None, publishes=(), read_models=[PROBE])


async def _probe_database(settings: Settings, js: JetStreamContext) -> str:
    assert settings.database_url
    address = await ensure_database(DatabaseAddress.parse(settings.database_url), settings.database_name("outcomes"))
    conn = await asyncpg.connect(address.url)
    try:
        await conn.execute(
            "CREATE TABLE inbox (consumer text NOT NULL, event_id text NOT NULL, "
            "processed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, event_id))"
        )
        await conn.execute(PROBE_DDL)
        await conn.execute("INSERT INTO rm_probe VALUES (gen_random_uuid(), 'live')")
    finally:
        await conn.close()
    await ensure_streams(js)
    return address.url


async def test_a_failing_handler_stops_the_rebuild_naming_the_message_and_leaves_the_live_tables(
    settings: Settings,
) -> None:
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        database_url = await _probe_database(settings, js)
        for n, province in enumerate(["TH-50", "TH-50", POISON, "TH-50"], start=1):
            event = enrolled_event().model_copy(update={"province_code": province})
            await publish_event(js, event, event_id=f"enrollment:{n}")
        with pytest.raises(RebuildError, match=r"ENROLLMENT #3 \(enrollment.v1.participant.enrolled.*ValueError"):
            await rebuild_read_model(DEFINITION, PROBE, database_url=database_url, js=js)
        conn = await asyncpg.connect(database_url)
        try:
            assert [row["province_code"] for row in await conn.fetch("SELECT * FROM rm_probe")] == ["live"]
            assert await conn.fetchval("SELECT count(*) FROM inbox") == 0
            assert await conn.fetchval("SELECT to_regnamespace('rebuild_probe')") is None
        finally:
            await conn.close()
        assert await js.consumers_info("ENROLLMENT") == []
    finally:
        await nc.close()


async def test_unreadable_messages_are_skipped_and_each_is_named_with_why(settings: Settings) -> None:
    """Foreign messages an operator published by hand: the rebuild goes on without them, and says which."""
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        database_url = await _probe_database(settings, js)
        subject = ParticipantEnrolledV1.SUBJECT
        await publish_event(js, enrolled_event(), event_id="enrollment:1")
        not_json = await publish_raw(js, subject, b"not json at all", event_id="hand:1")
        invalid = await publish_raw(js, subject, {"not": "an enrollment"}, event_id="hand:2")
        await publish_event(js, enrolled_event(), event_id="enrollment:2")
        rebuilt = await rebuild_read_model(DEFINITION, PROBE, database_url=database_url, js=js)
    finally:
        await nc.close()

    assert rebuilt.applied == 2 and rebuilt.rows["rm_probe"] == (1, 2)
    assert [(s.stream, s.sequence) for s in rebuilt.skipped] == [("ENROLLMENT", not_json), ("ENROLLMENT", invalid)]
    assert "Invalid JSON" in rebuilt.skipped[0].reason
    assert "body does not match ParticipantEnrolledV1" in rebuilt.skipped[1].reason
    said = describe(rebuilt)
    assert "2 events, 2 unreadable (skipped: see below)" in said
    assert f"    ENROLLMENT #{not_json} ({subject}): body does not match" in said
    assert f"    ENROLLMENT #{invalid} ({subject}): body does not match" in said
    assert rebuilt.as_dict()["skipped"][1]["sequence"] == invalid


async def test_a_second_rebuild_of_the_same_read_model_is_refused_and_the_first_finishes(settings: Settings) -> None:
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        database_url = await _probe_database(settings, js)
        for n in range(1, 101):
            await publish_event(js, enrolled_event(), event_id=f"enrollment:{n}")
        first = asyncio.create_task(rebuild_read_model(DEFINITION, PROBE, database_url=database_url, js=js))
        conn = await asyncpg.connect(database_url)
        try:

            async def filling() -> bool | None:
                return await conn.fetchval("SELECT to_regclass('rebuild_probe.rm_probe') IS NOT NULL") or None

            await eventually(filling, what="the first rebuild to start filling")
            with pytest.raises(RebuildError, match="already running"):
                await rebuild_read_model(DEFINITION, PROBE, database_url=database_url, js=js)
            rebuilt = await first
            assert await conn.fetchval("SELECT count(*) FROM rm_probe") == 100
            assert await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'outcomes-probe'") == 100
        finally:
            await conn.close()
        assert rebuilt.rows["rm_probe"] == (1, 100)
    finally:
        await nc.close()


async def test_a_rebuild_from_a_stream_that_lost_published_events_is_refused_naming_them(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    """The rebuilt tables would silently lack what the stream lost; republishing comes first."""
    async with running_system(settings, ["enrollment"]) as system:
        project_id = await open_project(system)
        await enroll(system, project_id)
        stream = STREAMS["enrollment"].name

        async def relayed() -> int | None:
            state = (await operator_js.stream_info(stream)).state
            return state.last_seq if state.messages >= 7 else None

        last = await eventually(relayed, what="the journey to be published")
        lost = await operator_js.get_msg(stream, last)
        await operator_js.delete_msg(stream, last)
        rebuild = ("read-models", "rebuild", "enrollment", "enrollments")
        refused = await asyncio.to_thread(run_pathways, settings, *rebuild)
        despite = await asyncio.to_thread(run_pathways, settings, *rebuild, "--despite-missing")
    lost_id = (lost.headers or {})["ce-id"].split(":")[1]
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"stream ENROLLMENT lacks 1 events its relay published (notification ids {lost_id})" in refused.stderr
    assert "pathways streams republish enrollment" in refused.stderr
    assert despite.returncode == 0, despite.stdout + despite.stderr
