"""A parked message stops counting once it is dealt with: its replay applied, or parked again (the
new entry stands for it), or discarded by an operator with a reason. The DLQ keeps the history."""

from __future__ import annotations

import asyncio
import json
import os
from uuid import UUID

import nats
import nats.errors
import pytest
from nats.js import JetStreamContext

from pathways_contracts.registry import DLQ_STREAM, REPLAY_STREAM, RESOLUTIONS_STREAM
from pathways_infra.consumer import replay_consumer_name
from pathways_infra.embedded import ServerUrls
from pathways_infra.resolutions import read_resolutions, resolved_counts
from pathways_infra.settings import SERVICE_NAMES, Settings
from tests.support.messages import publish_raw
from tests.support.processes import Ran, run_pathways
from tests.support.system import RunningSystem, eventually, running_system, start_service, stop_service

CONSUMER = "enrollment-read-models-from-enrollment"  # longer than the old listing's consumer column
GUARD = "enrollment-guard"
REFUSE_UNITS = """
CREATE FUNCTION refuse_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'units refused by the test'; END $$;
CREATE TRIGGER refuse_units BEFORE INSERT OR UPDATE ON rm_units FOR EACH ROW EXECUTE FUNCTION refuse_units();
"""


async def _pathways(settings: Settings, system: RunningSystem, *args: str) -> Ran:
    env = {**os.environ, "PATHWAYS_NATS_URL": settings.nats_url or "", "LOGNAME": "somchai", "USER": "somchai"}
    for name in SERVICE_NAMES:  # a service this test does not run is down (nothing listens on port 9)
        running = system.services.get(name)
        env[f"PATHWAYS_{name.upper()}_PORT"] = str(running.client.base_url.port if running else 9)
    return await run_pathways(env, *args)


async def _park_a_unit(system: RunningSystem, js: JetStreamContext, name: str) -> UUID:
    """The units read model's table is renamed by mistake: the new unit's event is parked."""
    await system.runtime("enrollment").pool.execute("ALTER TABLE rm_units RENAME TO rm_units_x")
    answer = await system.client("enrollment").post("/units", json={"name": name, "province_code": "TH-55"})
    assert answer.status_code == 201, answer.text
    await _wait_for_dlq_entries(js, 1)
    return UUID(answer.json()["id"])


async def _wait_for_dlq_entries(js: JetStreamContext, count: int) -> None:
    async def parked() -> bool | None:
        return True if (await js.stream_info(DLQ_STREAM)).state.messages >= count else None

    await eventually(parked, timeout=60, what=f"{count} DLQ entries")


async def _unit_projected(system: RunningSystem, unit_id: UUID) -> None:
    async def projected() -> bool | None:
        query = "SELECT 1 FROM rm_units WHERE unit_id = $1"
        return True if await system.runtime("enrollment").pool.fetchval(query, unit_id) else None

    await eventually(projected, what="the replayed unit to be projected")


async def _parked_count(settings: Settings, system: RunningSystem) -> int:
    report = json.loads((await _pathways(settings, system, "status", "--json")).stdout)
    return sum(report["parked"].values())


async def _none_parked(settings: Settings, system: RunningSystem, *, what: str) -> None:
    async def resolved() -> int | None:
        return 0 if await _parked_count(settings, system) == 0 else None

    await eventually(resolved, what=what)


def _listed(listing: str) -> list[str]:
    return [line.split()[0] for line in listing.splitlines()[1:]]


async def test_a_replay_the_consumer_applied_is_no_longer_parked_and_status_is_healthy(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings) as system:
        unit_id = await _park_a_unit(system, operator_js, "CDU Nan")
        unhealthy = await _pathways(settings, system, "status")
        assert unhealthy.returncode == 1 and "1 parked" in unhealthy.stdout, unhealthy.stdout

        await system.runtime("enrollment").pool.execute("ALTER TABLE rm_units_x RENAME TO rm_units")
        replayed = await _pathways(settings, system, "dlq", "replay", "1")
        assert replayed.returncode == 0, replayed.stderr
        await _unit_projected(system, unit_id)

        async def healthy() -> Ran | None:
            ran = await _pathways(settings, system, "status")
            return ran if ran.returncode == 0 else None

        status = await eventually(healthy, what="status to be healthy once the replay is applied")
        listing = await _pathways(settings, system, "dlq", "list")
        history = await _pathways(settings, system, "dlq", "list", "--all")
        again = await _pathways(settings, system, "dlq", "replay", "1")
        its_own = await _pathways(settings, system, "dlq", "list", "--consumer", CONSUMER)
        misspelt = await _pathways(settings, system, "dlq", "list", "--consumer", "enrollment-read-model")

    assert "0 parked" in status.stdout
    assert listing.stdout.strip().startswith("no unresolved parked messages"), listing.stdout
    assert again.returncode == 1 and "DLQ #1 is resolved already: applied by" in again.stderr, again
    assert its_own.stdout.startswith(f"no unresolved messages parked by {CONSUMER}"), its_own.stdout
    assert f"'enrollment-read-model' never parked a message (those that did: {CONSUMER})" in misspelt.stdout
    rows = history.stdout.splitlines()
    assert _listed(history.stdout) == ["1"]
    assert f"applied by {CONSUMER}" in rows[1] and "replayed by somchai" in rows[1], rows[1]
    # Columns line up whatever a consumer's name: each heading starts where its column does.
    for heading, cell in (("ORIGIN", "ENROLLMENT#"), ("RESOLUTION", "applied"), ("ERROR", "ReadModelFailedError")):
        assert rows[0].index(heading) == rows[1].index(cell), history.stdout


async def test_a_replay_that_fails_again_leaves_one_unresolved_entry_not_two(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        unit_id = await _park_a_unit(system, operator_js, "CDU Phrae")

        assert (await _pathways(settings, system, "dlq", "replay", "1")).returncode == 0  # not fixed yet
        await _wait_for_dlq_entries(operator_js, 2)

        async def superseded() -> Ran | None:
            ran = await _pathways(settings, system, "dlq", "list")
            return ran if _listed(ran.stdout) == ["2"] else None

        listing = await eventually(superseded, what="the failed replay's entry to supersede the first")
        history = await _pathways(settings, system, "dlq", "list", "--all")
        parked_after_failure = await _parked_count(settings, system)

        await system.runtime("enrollment").pool.execute("ALTER TABLE rm_units_x RENAME TO rm_units")
        assert (await _pathways(settings, system, "dlq", "replay", "2")).returncode == 0
        await _unit_projected(system, unit_id)

        await _none_parked(settings, system, what="the second replay, applied, to resolve the last entry")

    assert "CDU" not in listing.stdout and CONSUMER in listing.stdout
    assert parked_after_failure == 1
    assert _listed(history.stdout) == ["1", "2"]
    assert "superseded by DLQ #2" in history.stdout.splitlines()[1]


async def test_a_discarded_message_is_not_parked_and_its_reason_stays_on_record(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        await _park_a_unit(system, operator_js, "CDU Trang")
        await system.client("enrollment").post("/units", json={"name": "CDU Satun", "province_code": "TH-91"})
        await _wait_for_dlq_entries(operator_js, 2)
        reason = "entered twice by mistake; the unit exists as CDU Trang 2"

        discarded = await _pathways(settings, system, "dlq", "discard", "1", "--reason", reason)
        again = await _pathways(settings, system, "dlq", "discard", "1", "2", "--reason", "twice")
        await system.runtime("enrollment").pool.execute("ALTER TABLE rm_units_x RENAME TO rm_units")
        listing = await _pathways(settings, system, "dlq", "list")
        history = await _pathways(settings, system, "dlq", "list", "--all")
        shown = json.loads((await _pathways(settings, system, "dlq", "show", "1")).stdout)
        parked = await _parked_count(settings, system)

    assert discarded.returncode == 0, discarded.stderr
    assert again.returncode == 1 and "resolved already" in again.stderr, again
    assert "DLQ #2 discarded by" in again.stdout, "a refusal of one entry does not stop the others"
    assert parked == 0
    assert _listed(listing.stdout) == []
    assert _listed(history.stdout) == ["1", "2"]
    assert "discarded by somchai at" in history.stdout and reason in history.stdout
    assert shown["resolved"] and shown["resolutions"][0]["reason"] == reason
    assert shown["resolutions"][0]["kind"] == "discarded" and shown["resolutions"][0]["by"] == "somchai"
    assert shown["headers"]["Pathways-Dlq-Consumer"] == CONSUMER  # the parked copy is kept as it was


async def test_a_replay_discarded_before_its_consumer_took_it_is_not_applied_until_replayed_again(
    settings: Settings, operator_js: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        unit_id = await _park_a_unit(system, operator_js, "CDU Lampang")
        await system.runtime("enrollment").pool.execute("ALTER TABLE rm_units_x RENAME TO rm_units")
        await stop_service(system.services.pop("enrollment"))  # the replay waits on its stream meanwhile

        replayed = await _pathways(settings, system, "dlq", "replay", "1")
        discarded = await _pathways(settings, system, "dlq", "discard", "1", "--reason", "registered in error")
        system.services["enrollment"] = await start_service("enrollment", settings, relay=True)
        await _replays_taken(operator_js, 1)
        projected_after_discard = await system.runtime("enrollment").pool.fetchval(
            "SELECT count(*) FROM rm_units WHERE unit_id = $1", unit_id
        )
        shown = json.loads((await _pathways(settings, system, "dlq", "show", "1")).stdout)
        parked = await _parked_count(settings, system)

        again = await _pathways(settings, system, "dlq", "replay", "1")  # the operator changed their mind
        await _unit_projected(system, unit_id)

        async def applied() -> list[str] | None:
            kinds = [
                r["kind"]
                for r in json.loads((await _pathways(settings, system, "dlq", "show", "1")).stdout)["resolutions"]
            ]
            return kinds if kinds[-1] == "applied" else None

        kinds = await eventually(applied, what="the second replay to be recorded applied")

    assert replayed.returncode == 0 and discarded.returncode == 0, (replayed, discarded)
    assert projected_after_discard == 0, "a replay sent before the discard was applied after it"
    assert [r["kind"] for r in shown["resolutions"]] == ["discarded"]
    assert parked == 0
    assert "REPLAY #1 of DLQ #1 not applied: the entry was discarded by somchai" in caplog.text
    assert again.returncode == 0, again.stderr
    assert kinds == ["discarded", "applied"]


async def test_an_entry_replayed_twice_that_fails_twice_leaves_one_unresolved_entry(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        pool = system.runtime("enrollment").pool
        await pool.execute(REFUSE_UNITS)  # a trigger outlasts the restart (the service makes missing tables anew)
        answer = await system.client("enrollment").post("/units", json={"name": "CDU Phayao", "province_code": "TH-56"})
        unit_id = UUID(answer.json()["id"])
        await _wait_for_dlq_entries(operator_js, 1)
        await stop_service(system.services.pop("enrollment"))  # both replays wait on their stream meanwhile
        for _ in range(2):  # an operator running the command twice, before the first came back
            assert (await _pathways(settings, system, "dlq", "replay", "1")).returncode == 0
        system.services["enrollment"] = await start_service("enrollment", settings, relay=True)
        await _wait_for_dlq_entries(operator_js, 3)
        await _replays_taken(operator_js, 2)
        listing = await _pathways(settings, system, "dlq", "list")
        parked = await _parked_count(settings, system)

        await system.runtime("enrollment").pool.execute("DROP TRIGGER refuse_units ON rm_units")
        assert (await _pathways(settings, system, "dlq", "replay", "3")).returncode == 0
        await _unit_projected(system, unit_id)

        await _none_parked(settings, system, what="the replay of the last entry, applied, to resolve it")
        history = await _pathways(settings, system, "dlq", "list", "--all")

    assert _listed(listing.stdout) == ["3"], listing.stdout
    assert parked == 1
    rows = history.stdout.splitlines()
    assert "superseded by DLQ #2" in rows[1] and "superseded by DLQ #3" in rows[2], history.stdout


async def test_a_replay_to_the_guard_discarded_before_it_took_it_is_not_parked_again(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        await publish_raw(system.runtime("enrollment").js, "enrollment.v1.participant.teleported", {}, event_id="x:1")
        await _wait_for_dlq_entries(operator_js, 1)
        await stop_service(system.services.pop("enrollment"))

        assert (await _pathways(settings, system, "dlq", "replay", "1")).returncode == 0
        assert (await _pathways(settings, system, "dlq", "discard", "1", "--reason", "a test message")).returncode == 0
        system.services["enrollment"] = await start_service("enrollment", settings, relay=True)
        await _replays_taken(operator_js, 1, consumer=GUARD)
        shown = json.loads((await _pathways(settings, system, "dlq", "show", "1")).stdout)
        parked = await _parked_count(settings, system)

    assert (await operator_js.stream_info(DLQ_STREAM)).state.messages == 1, "parked again as a new entry"
    assert [r["kind"] for r in shown["resolutions"]] == ["discarded"]
    assert parked == 0


async def _replays_taken(js: JetStreamContext, count: int, *, consumer: str = CONSUMER) -> None:
    async def taken() -> bool | None:
        info = await js.consumer_info(REPLAY_STREAM, replay_consumer_name(consumer))
        return True if info.ack_floor.stream_seq >= count and not info.num_ack_pending else None

    await eventually(taken, timeout=30, what=f"{consumer} to take {count} replays")


async def test_a_service_parks_and_resolves_only_as_its_own_consumers(
    server_urls: ServerUrls, settings: Settings, operator_js: JetStreamContext
) -> None:
    if not server_urls.nats_service_urls:
        pytest.skip("PATHWAYS_NATS_URL names a server of its own: its users are its operator's to set")
    training = await nats.connect(settings.nats_url_of("training"), allow_reconnect=False)
    try:
        js = training.jetstream(timeout=1)
        for foreign in (f"dlq-resolution.{CONSUMER}.1", f"dlq.{CONSUMER}.enrollment.v1.unit.registered"):
            with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
                await js.publish(foreign, b"{}")
        await js.publish("dlq-resolution.training-from-enrollment.1", b"{}")  # its own consumer's: stored
        await js.publish("dlq-resolution.training-from-enrollment.not-a-number", b"{}")  # names no entry
        await js.publish("dlq.training-from-enrollment.enrollment.v1.unit.registered", b"{}")
    finally:
        await training.close()
    assert (await operator_js.stream_info(RESOLUTIONS_STREAM)).state.messages == 2
    assert (await operator_js.stream_info(DLQ_STREAM)).state.messages == 1
    assert list(await read_resolutions(operator_js)) == [("training-from-enrollment", 1)]
    assert await resolved_counts(operator_js) == {"training-from-enrollment": 1}
