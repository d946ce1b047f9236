"""The embedded NATS lets each service publish only its own events: another service, or anyone
without a user, cannot put a message into a service's stream (which other services act on)."""

from __future__ import annotations

import asyncio

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from pathways_infra.embedded import ServerUrls
from pathways_infra.settings import Settings
from pathways_infra.streams import ensure_streams

FORGED_SUBJECT = "enrollment.v1.participant.enrolled"


@pytest.fixture
def embedded_nats(server_urls: ServerUrls) -> None:
    if not server_urls.nats_service_urls:
        pytest.skip("PATHWAYS_NATS_URL names a server of its own: its users are its operator's to set")


async def _connect(url: str, errors: list[str]) -> NatsClient:
    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    return await nats.connect(url, error_cb=on_error, allow_reconnect=False)


@pytest.fixture
async def streams(operator_js: JetStreamContext) -> JetStreamContext:
    await ensure_streams(operator_js)
    return operator_js


async def test_a_service_cannot_publish_another_services_events(
    embedded_nats: None, settings: Settings, streams: JetStreamContext
) -> None:
    errors: list[str] = []
    training = await _connect(settings.nats_url_of("training"), errors)
    try:
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await training.jetstream().publish(FORGED_SUBJECT, b"{}", timeout=1)
        await training.jetstream().publish("training.v1.training.opened", b"{}", timeout=5)  # its own: stored
    finally:
        await training.close()
    refused = [error for error in errors if "permissions violation for publish" in error.lower()]
    assert refused and FORGED_SUBJECT in refused[0], errors
    assert (await streams.stream_info("ENROLLMENT")).state.messages == 0
    assert (await streams.stream_info("TRAINING")).state.messages == 1


async def test_a_service_cannot_purge_a_stream_or_send_a_replay(
    embedded_nats: None, settings: Settings, streams: JetStreamContext
) -> None:
    await streams.publish("enrollment.v1.participant.enrolled", b"{}")
    errors: list[str] = []
    outcomes = await _connect(settings.nats_url_of("outcomes"), errors)
    try:
        js = outcomes.jetstream(timeout=1)
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await js.purge_stream("ENROLLMENT")
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await js.publish("replay.training-from-enrollment.enrollment.v1.participant.enrolled", b"{}")
        assert (await js.stream_info("ENROLLMENT")).state.messages == 1  # reading is allowed
    finally:
        await outcomes.close()
    assert len([error for error in errors if "permissions violation" in error.lower()]) == 2, errors
    assert (await streams.stream_info("REPLAY")).state.messages == 0


@pytest.mark.parametrize("credentials", ["", "training:not-its-password@"], ids=["no user", "wrong password"])
async def test_nobody_connects_without_a_user_and_its_password(
    embedded_nats: None, settings: Settings, credentials: str
) -> None:
    address = (settings.nats_url or "").rsplit("@", 1)[1]
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(f"nats://{credentials}{address}", allow_reconnect=False, connect_timeout=2)
