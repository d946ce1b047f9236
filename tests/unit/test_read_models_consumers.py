"""A service's read models share one durable consumer per source stream, each keeping its inbox name."""

from __future__ import annotations

from typing import Any, cast

import pytest

from pathways_contracts.enrollment import ParticipantEnrolledV1
from pathways_contracts.registry import REPLAY_STREAM, STREAMS
from pathways_infra.consumer import BatchConsumer, ProjectionSink, RetryPolicy
from pathways_infra.service import ServiceRuntime, durable_consumers, read_models_consumers, retired_consumers
from pathways_infra.services import definition_of
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings
from pathways_outcomes.main import definition


def test_outcomes_read_models_share_one_consumer_per_stream_and_keep_their_inbox_names() -> None:
    groups = {group.name: group for group in read_models_consumers("outcomes", definition().read_models)}

    assert sorted(groups) == [
        "outcomes-read-models-from-enrollment",
        "outcomes-read-models-from-outcomes",
        "outcomes-read-models-from-training",
    ]
    from_enrollment = groups["outcomes-read-models-from-enrollment"].members
    assert sorted(from_enrollment) == [
        "outcomes-cases-from-enrollment",
        "outcomes-indicators-from-enrollment",
        "outcomes-programme-from-enrollment",
    ]
    assert all(ParticipantEnrolledV1 in handlers for handlers in from_enrollment.values())
    assert "outcomes-enterprises" in groups["outcomes-read-models-from-outcomes"].members


def test_a_read_model_that_takes_a_second_source_keeps_its_first_sources_inbox_name() -> None:
    """The enrollments read model read ENROLLMENT alone, then TRAINING too: its inbox rows, parked messages and
    the old per-read-model consumer an upgrade retires are found under the name they had."""
    from pathways_enrollment.main import definition as enrollment

    groups = {group.name: group for group in read_models_consumers("enrollment", enrollment().read_models)}

    assert "enrollment-enrollments" in groups["enrollment-read-models-from-enrollment"].members
    assert sorted(groups["enrollment-read-models-from-training"].members) == ["enrollment-enrollments-from-training"]
    assert ("ENROLLMENT", "enrollment-enrollments") in retired_consumers(enrollment())


def test_messages_replayed_to_a_read_models_old_consumer_reach_the_shared_one() -> None:
    group = read_models_consumers("outcomes", definition().read_models)[0]
    never_used = cast(Any, None)  # reading its configuration touches neither the pool nor NATS
    consumer = BatchConsumer(
        name=group.name, stream="ENROLLMENT", sink=ProjectionSink(lambda: never_used, group.members),
        js=lambda: never_used, retry=RetryPolicy(), replays_for=list(group.members),
    )  # fmt: skip

    replays = dict(consumer.consumer_configs())[REPLAY_STREAM]

    assert sorted(replays.filter_subjects or []) == sorted(f"replay.{name}.>" for name in [group.name, *group.members])


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_consumer_a_service_makes_is_one_its_nats_user_may_use(service: ServiceName) -> None:
    runtime = ServiceRuntime(definition_of(service), Settings())
    runtime.build_broker()  # builds the consumers; connects to nothing
    made = {(stream, config.durable_name) for c in runtime.consumers for stream, config in c.consumer_configs()}
    own = STREAMS[service].name

    allowed = set(durable_consumers(definition_of(service)))

    assert {pair for pair in made if pair[0] != own} <= allowed
    assert (REPLAY_STREAM, f"{service}-guard-replay") in allowed  # the stream guard's replays
    assert set(retired_consumers(definition_of(service))) <= allowed
    assert ("ENROLLMENT", "outcomes-programme-from-enrollment") in retired_consumers(definition_of("outcomes"))
