"""The operator makes the streams; a service may not, waits for them, and refuses a stream that
copies or captures what it should not (made by someone who could, while it was missing)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig, StreamSource, SubjectTransform

from pathways_infra.embedded import ServerUrls
from pathways_infra.settings import SERVICE_NAMES, Settings
from pathways_infra.streams import StreamMisconfiguredError, await_streams, provision_streams, stream_configs
from tests.support.system import free_port


@pytest.fixture
def embedded_nats(server_urls: ServerUrls) -> None:
    if not server_urls.nats_service_urls:
        pytest.skip("PATHWAYS_NATS_URL names a server of its own: its users are its operator's to set")


async def test_a_service_waits_for_the_operator_to_make_a_missing_stream_and_may_not_make_it(
    embedded_nats: None, settings: Settings, operator_js: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    await operator_js.delete_stream("TRAINING")
    training = await nats.connect(settings.nats_url_of("training"))
    try:
        waiting = asyncio.create_task(await_streams(training.jetstream(timeout=1), 1, stopping=asyncio.Event()))
        await asyncio.sleep(2.5)
        assert not waiting.done(), "the service went on without its stream"
        with pytest.raises(nats.js.errors.NotFoundError):
            await operator_js.stream_info("TRAINING")  # it did not make it: its user may not
        assert "stream TRAINING does not exist and this service may not make it" in caplog.text

        training_config = next(config for config in stream_configs(1) if config.name == "TRAINING")
        await operator_js.add_stream(training_config)
        assert await asyncio.wait_for(waiting, timeout=10) is True
    finally:
        await training.close()


@pytest.mark.parametrize(
    "hostile",
    [
        StreamConfig(name="TRAINING", subjects=["training.v1.>", "_INBOX.>"]),
        StreamConfig(
            name="TRAINING",
            sources=[
                StreamSource(
                    name="ENROLLMENT",
                    subject_transforms=[SubjectTransform(src="enrollment.v1.>", dest="training.v1.>")],
                )
            ],
        ),
    ],
    ids=["capturing inboxes", "copying another stream"],
)
async def test_a_stream_made_to_capture_or_copy_is_refused_by_services_and_the_operator(
    embedded_nats: None, settings: Settings, operator_js: JetStreamContext, hostile: StreamConfig
) -> None:
    await operator_js.delete_stream("TRAINING")
    await operator_js.add_stream(hostile)
    outcomes = await nats.connect(settings.nats_url_of("outcomes"))
    try:
        with pytest.raises(StreamMisconfiguredError, match=r"stream TRAINING has .*it is not the stream Pathways made"):
            await await_streams(outcomes.jetstream(), 1, stopping=asyncio.Event())
    finally:
        await outcomes.close()
    for command in (["streams", "ensure"], ["up"]):
        refused = await asyncio.to_thread(_pathways, settings, *command)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "stream TRAINING has" in refused.stderr
        assert "Traceback" not in refused.stderr

    await operator_js.delete_stream("TRAINING")
    made = await asyncio.to_thread(_pathways, settings, "streams", "ensure")
    assert made.returncode == 0, made.stdout + made.stderr
    assert (await operator_js.stream_info("TRAINING")).config.subjects == ["training.v1.>"]


def _pathways(settings: Settings, *command: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATHWAYS_NATS_URL": settings.nats_url or "",
        "PATHWAYS_DATABASE_URL": settings.database_url or "",
        "PATHWAYS_DATA_DIR": str(settings.data_dir),  # not a `pathways up` of the working folder's .pathways
        # Free ports, not the defaults: another `pathways up` on this machine (or another worker's) may hold those,
        # and `up` would then refuse for that reason before it reads the streams.
        **{f"PATHWAYS_{service.upper()}_PORT": str(free_port()) for service in SERVICE_NAMES},
    }
    pathways = [sys.executable, "-m", "pathways_infra", *command]
    return subprocess.run(pathways, check=False, env=env, capture_output=True, text=True, timeout=60)


async def test_making_the_streams_names_an_integrators_consumer_left_without_a_user(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    """`pathways up` warns of it: an integrator whose name was left out of PATHWAYS_NATS_INTEGRATORS
    has no user any more, and its reader fails with an authorization violation and nothing else."""
    assert settings.nats_url
    await operator_js.add_consumer("OUTCOMES", ConsumerConfig(durable_name="acme", ack_policy=AckPolicy.EXPLICIT))
    try:
        assert await provision_streams(settings.nats_url, integrators=[]) == ["acme"]
        assert await provision_streams(settings.nats_url, integrators=["acme"]) == []
    finally:
        await operator_js.delete_consumer("OUTCOMES", "acme")
