"""`pathways status` on real servers: how far behind each consumer is, what is parked, which services
are up; and --wait, which returns once everything has caught up."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from pathways_infra.settings import SERVICE_NAMES, Settings
from pathways_infra.status import read_status
from tests.support.messages import enrolled_event, publish_event, publish_raw
from tests.support.processes import Ran, run_pathways
from tests.support.system import RunningSystem, eventually, running_system, start_service, stop_service

BACKLOG = 25


async def test_status_counts_a_stopped_services_backlog_and_wait_returns_once_it_has_caught_up(
    settings: Settings,
) -> None:
    await stop_service(await start_service("outcomes", settings, relay=False))  # leaves its durable consumers
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        for n in range(BACKLOG):
            await publish_event(js, enrolled_event(), event_id=f"enrollment:{n}")
        stopped = await read_status(js, {"outcomes": "http://127.0.0.1:9"})
    finally:
        await nc.close()
    lag = {c.name: c.behind for c in stopped.consumers}
    assert lag["outcomes-read-models-from-enrollment"] == BACKLOG
    assert lag["outcomes-from-enrollment"] == BACKLOG
    assert stopped.streams["ENROLLMENT"] == BACKLOG
    assert not stopped.caught_up and not stopped.healthy
    assert [(s.service, s.up) for s in stopped.services] == [("outcomes", False)]

    async with running_system(settings, ["outcomes"], relay=False) as system:
        waited = await _cli(settings, system, "--wait", "60", "--json")
        assert waited.returncode == 0, waited.stdout + waited.stderr
        report = json.loads(waited.stdout)
        assert report["caught_up"] and not report["healthy"], "enrollment and training are not running"
        assert report["relays_unknown"] == ["enrollment", "training"], "their unpublished events cannot be counted"
        assert all(c["behind"] == 0 for c in report["consumers"])
        services = {s["service"]: s for s in report["services"]}
        assert services["outcomes"]["up"] and services["outcomes"]["consuming"]


async def test_status_names_the_consumer_that_parked_a_message_and_exits_1(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        js = operator_js
        await publish_raw(js, "enrollment.v1.participant.enrolled", {"not": "an enrollment"}, event_id="broken:1")

        async def parked() -> dict[str, int] | None:
            found = (await read_status(js, {})).parked
            return dict(found) if found else None

        by_consumer = await eventually(parked, what="the malformed message to be parked")
        assert set(by_consumer) == {"outcomes-read-models-from-enrollment", "outcomes-from-enrollment"}

        text = await _cli(settings, system)
        assert text.returncode == 1
        assert "parked on the DLQ: 2 ('pathways dlq list' shows them)" in text.stdout
        assert "outcomes-from-enrollment" in text.stdout


def test_status_without_nats_exits_2_in_one_line(settings: Settings) -> None:
    env = {**os.environ, "PATHWAYS_NATS_URL": "nats://127.0.0.1:9"}
    result = subprocess.run(
        [sys.executable, "-m", "pathways_infra", "status"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("cannot reach NATS at nats://127.0.0.1:9"), result.stderr


async def _cli(settings: Settings, system: RunningSystem, *args: str) -> Ran:
    """The command as an operator runs it, told where this test's servers and services are."""
    env = {**os.environ, "PATHWAYS_NATS_URL": settings.nats_url or ""}
    for name in SERVICE_NAMES:  # a service this test does not run is down (nothing listens on port 9)
        running = system.services.get(name)
        env[f"PATHWAYS_{name.upper()}_PORT"] = str(running.client.base_url.port if running else 9)
    return await run_pathways(env, "status", *args)


async def test_status_shows_why_a_relay_cannot_publish_and_that_it_recovers(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        js = operator_js  # the operator reconfigures the stream; no service may
        stream = await js.stream_info("ENROLLMENT")
        config = stream.config
        config.max_msg_size = 64  # every event is larger: JetStream refuses them
        await js.update_stream(config)
        unit = {"name": "CDU Trang", "province_code": "TH-92"}
        assert (await system.client("enrollment").post("/units", json=unit)).status_code == 201

        async def failing() -> Ran | None:
            ran = await _cli(settings, system)
            return ran if "FAILING" in ran.stdout else None

        stuck = await eventually(failing, what="status to show the relay failing")
        assert stuck.returncode == 1
        assert "message size exceeds maximum allowed" in stuck.stdout, stuck.stdout

        config.max_msg_size = -1
        await js.update_stream(config)
        recovered = await _cli(settings, system, "--wait", "60")
        assert recovered.returncode == 0, recovered.stdout
        assert "FAILING" not in recovered.stdout


async def test_status_names_a_consumer_deleted_under_a_running_service(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    """Nothing reaches the read models it fed, and no backlog shows: only its absence says so."""
    async with running_system(settings, ["outcomes"], relay=False) as system:
        assert (await _cli(settings, system, "--wait", "60")).returncode == 0
        await operator_js.delete_consumer("ENROLLMENT", "outcomes-read-models-from-enrollment")
        missing = await _cli(settings, system, "--json")
        text = await _cli(settings, system)
    report = json.loads(missing.stdout)
    assert missing.returncode == 1
    assert report["missing_consumers"] == ["ENROLLMENT/outcomes-read-models-from-enrollment"]
    assert not report["caught_up"]
    assert "MISSING consumers (restart their service" in text.stdout
    assert "1 consumers missing" in text.stdout


async def test_an_integrator_behind_or_gone_is_shown_apart_and_does_not_hold_up_wait(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    """How far an integrator has read says nothing of the system: `status --wait` must not wait for
    one that went away (its durable consumer stays, its backlog grows)."""
    async with running_system(settings, ["outcomes"], relay=False) as system:
        await operator_js.add_consumer("ENROLLMENT", ConsumerConfig(durable_name="acme", ack_policy=AckPolicy.EXPLICIT))
        for n in range(BACKLOG):
            await publish_event(operator_js, enrolled_event(), event_id=f"enrollment:{n}")

        waited = await _cli(settings, system, "--wait", "30", "--json")
        text = await _cli(settings, system)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    report = json.loads(waited.stdout)
    assert report["caught_up"]
    assert [(c["name"], c["behind"]) for c in report["other_consumers"]] == [("acme", BACKLOG)]
    assert "acme" not in {c["name"] for c in report["consumers"]}
    assert "integrators and other readers (not counted in health)" in text.stdout
    assert "ENROLLMENT/acme" in text.stdout
