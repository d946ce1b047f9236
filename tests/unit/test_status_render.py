"""`pathways status` as read: a service that is down is named as a relay nobody can count, never as caught up."""

from __future__ import annotations

from dataclasses import replace

from pathways_infra.status import ConsumerLag, ServiceHealth, SystemStatus, render


def status(*, enrollment_up: bool) -> SystemStatus:
    return SystemStatus(
        streams={"ENROLLMENT": 10},
        consumers=[
            ConsumerLag(stream="ENROLLMENT", name="training-from-enrollment", waiting=0, in_flight=0, redelivered=0)
        ],
        parked={},
        services=[
            ServiceHealth(
                service="enrollment",
                url="http://127.0.0.1:9",
                up=enrollment_up,
                relay_caught_up=True,
                relay_published=5,
            ),
            ServiceHealth(
                service="training", url="http://127.0.0.1:8002", up=True, relay_caught_up=True, relay_published=5
            ),
        ],
    )


def test_a_down_service_is_named_as_a_relay_nobody_can_count() -> None:
    down = status(enrollment_up=False)
    assert down.caught_up and not down.healthy
    assert down.relays_unknown == ["enrollment"]
    assert down.as_dict()["relays_unknown"] == ["enrollment"]
    assert "not counted: what enrollment recorded and has not published yet" in render(down)


def test_with_every_service_up_nothing_is_left_uncounted() -> None:
    up = status(enrollment_up=True)
    assert up.relays_unknown == [] and up.healthy
    assert "not counted" not in render(up)


def test_read_models_built_by_an_older_version_are_named_with_the_command_that_rebuilds_them() -> None:
    outcomes = ServiceHealth(
        service="outcomes", url="http://127.0.0.1:8003", up=True, read_models_to_rebuild=("cases", "programme")
    )
    shown = render(SystemStatus(streams={}, consumers=[], parked={}, services=[outcomes]))
    assert "read models built by an older version: cases programme" in shown
    assert "`pathways read-models rebuild outcomes cases programme`" in shown


def test_with_services_down_the_verdict_leads_with_them_not_with_caught_up() -> None:
    down = status(enrollment_up=False)
    down = replace(
        down,
        services=[replace(s, up=False) for s in down.services],
        parked={"outcomes-from-enrollment": 2},
    )
    verdict = render(down).split("\n\n")[-1].splitlines()[0]
    assert verdict == "DOWN: enrollment, training; 0 messages not yet applied, 2 parked"
    assert not any(line.startswith("caught up") for line in render(down).splitlines())
    assert down.as_dict()["healthy"] is False and down.as_dict()["relays_unknown"] == ["enrollment", "training"]


def test_a_down_services_consumer_with_a_backlog_is_not_caught_up() -> None:
    behind = ConsumerLag(stream="ENROLLMENT", name="training-from-enrollment", waiting=3, in_flight=0, redelivered=0)
    down = replace(status(enrollment_up=True), consumers=[behind])
    down = replace(down, services=[replace(s, up=s.service != "training") for s in down.services])
    assert not down.caught_up and not down.as_dict()["caught_up"]
    assert render(down).splitlines()[-1] == "DOWN: training; 3 messages not yet applied, 0 parked"
