"""The embedded NATS lets each service publish only its own events: another service, or anyone
without a user, cannot put a message into a service's stream (which other services act on)."""

from __future__ import annotations

import asyncio

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from pathways_infra.embedded import ServerUrls
from pathways_infra.settings import Settings
from pathways_infra.streams import ensure_streams
from tests.support.messages import INTEGRATOR

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


def _violations(errors: list[str]) -> list[str]:
    return [error for error in errors if "permissions violation" in error.lower()]


async def test_a_service_cannot_touch_another_services_consumer_or_see_its_deliveries(
    embedded_nats: None, settings: Settings, streams: JetStreamContext
) -> None:
    outcomes_consumer = ConsumerConfig(durable_name="outcomes-from-enrollment", ack_policy=AckPolicy.EXPLICIT)
    await streams.add_consumer("ENROLLMENT", config=outcomes_consumer)
    await streams.add_consumer("ENROLLMENT", config=ConsumerConfig(durable_name="training-from-enrollment"))
    await streams.publish("enrollment.v1.participant.enrolled", b'{"n": 1}')
    errors: list[str] = []
    training = await _connect(settings.nats_url_of("training"), errors)
    outcomes = await _connect(settings.nats_url_of("outcomes"), errors)
    try:
        js = training.jetstream(timeout=1)
        assert (await js.consumer_info("ENROLLMENT", "training-from-enrollment")).num_pending == 1  # its own
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await js.consumer_info("ENROLLMENT", "outcomes-from-enrollment")
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await js.delete_consumer("ENROLLMENT", "outcomes-from-enrollment")
        taking = await js.pull_subscribe_bind("outcomes-from-enrollment", stream="ENROLLMENT")
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await taking.fetch(1, timeout=1)

        seen_by_training = await training.subscribe(">")  # everything its account carries
        await training.flush()
        owner = await outcomes.jetstream().pull_subscribe_bind("outcomes-from-enrollment", stream="ENROLLMENT")
        [delivered] = await owner.fetch(1, timeout=5)
        assert delivered.data == b'{"n": 1}'
        await delivered.ack_sync()
        await asyncio.sleep(0.3)
        assert seen_by_training.pending_msgs == 0, "another service's deliveries reached training"
    finally:
        await training.close()
        await outcomes.close()
    assert len(_violations(errors)) == 3, errors
    untouched = await streams.consumer_info("ENROLLMENT", "outcomes-from-enrollment")
    assert (untouched.num_pending, untouched.num_ack_pending, untouched.delivered.stream_seq) == (0, 0, 1)


async def test_no_user_reaches_a_stream_through_the_reply_subject_of_a_request(
    embedded_nats: None, settings: Settings, server_urls: ServerUrls, streams: JetStreamContext
) -> None:
    """NATS permissions never check a request's reply subject, and the server answers there: in one
    account, an API call's answer or a consumer's delivery would be stored by the stream capturing it."""
    await streams.publish("training.v1.training.opened", b'{"forged": true}')
    await streams.publish("outcomes.v1.case.closed", b"{}")
    errors: list[str] = []
    training = await _connect(settings.nats_url_of("training"), errors)
    acme = await _connect(server_urls.nats_integrator_urls[INTEGRATOR], errors)
    try:
        await acme.jetstream().pull_subscribe("outcomes.v1.>", durable=INTEGRATOR, stream="OUTCOMES")
        forged = "enrollment.v1.participant.enrolled"
        await training.publish("$JS.API.DIRECT.GET.TRAINING", b'{"last_by_subj": "training.v1.training.opened"}',
                               reply=forged)  # fmt: skip
        await training.publish("$JS.API.INFO", b"", reply=forged)
        await training.publish("$JS.API.STREAM.INFO.ENROLLMENT", b"", reply=f"replay.outcomes-from-enrollment.{forged}")
        await acme.publish(f"$JS.API.CONSUMER.MSG.NEXT.OUTCOMES.{INTEGRATOR}", b'{"batch": 1}', reply=forged)
        await acme.publish("$JS.API.INFO", b"", reply=forged)
        await training.flush()
        await acme.flush()
        await asyncio.sleep(0.5)
    finally:
        await training.close()
        await acme.close()
    assert (await streams.stream_info("ENROLLMENT")).state.messages == 0
    assert (await streams.stream_info("REPLAY")).state.messages == 0
    assert not _violations(errors)


async def test_an_integrator_reads_outcomes_through_its_own_consumer_and_nothing_else(
    embedded_nats: None, server_urls: ServerUrls, streams: JetStreamContext
) -> None:
    await streams.publish("outcomes.v1.case.closed", b'{"outcome": 1}')
    await streams.publish("enrollment.v1.participant.enrolled", b"{}")
    await streams.add_consumer("OUTCOMES", config=ConsumerConfig(durable_name="outcomes-guard-x"))
    errors: list[str] = []
    acme = await _connect(server_urls.nats_integrator_urls[INTEGRATOR], errors)
    try:
        js = acme.jetstream(timeout=1)
        mine = await js.pull_subscribe("outcomes.v1.>", durable=INTEGRATOR, stream="OUTCOMES")
        [message] = await mine.fetch(1, timeout=5)
        assert (message.subject, message.data) == ("outcomes.v1.case.closed", b'{"outcome": 1}')
        await message.ack_sync()
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await js.pull_subscribe("enrollment.v1.>", durable=INTEGRATOR, stream="ENROLLMENT")
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await js.consumer_info("OUTCOMES", "outcomes-guard-x")
        with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
            await js.publish("outcomes.v1.case.closed", b"{}")
        raw = await acme.subscribe(">")
        await acme.flush()
        await streams.publish("outcomes.v1.case.closed", b'{"outcome": 2}')
        await streams.publish("enrollment.v1.participant.enrolled", b"{}")
        await asyncio.sleep(0.3)
        assert raw.pending_msgs == 0, "an integrator saw the streams' subjects other than through its consumer"
    finally:
        await acme.close()
    assert len(_violations(errors)) == 3, errors
    assert (await streams.stream_info("OUTCOMES")).state.messages == 2
    assert (await streams.consumer_info("OUTCOMES", INTEGRATOR)).num_ack_pending == 0
