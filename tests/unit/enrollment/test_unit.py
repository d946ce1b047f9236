"""Career development units: Registered → Active ⇄ Suspended, Deactivated from any of them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnitActivated,
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitRegistered,
    CareerDevelopmentUnitReinstated,
    CareerDevelopmentUnitSuspended,
    UnitStatus,
    activate_unit,
    deactivate_unit,
    evolve_unit,
    register_unit,
    reinstate_unit,
    suspend_unit,
)
from tests.unit.enrollment.facts import PROVINCE, REGION, UNIT, unit_registered
from tests.unit.enrollment.given import Decide, given

REGISTERED = [unit_registered()]
ACTIVE = [*REGISTERED, CareerDevelopmentUnitActivated(unit_id=UNIT)]
SUSPENDED = [*ACTIVE, CareerDevelopmentUnitSuspended(unit_id=UNIT, reason="audit")]
DEACTIVATED = [*REGISTERED, CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="dissolved")]


REGISTERED_ON = date(2025, 1, 15)


def test_a_unit_is_registered_with_its_province_on_its_day() -> None:
    then = given(evolve_unit).when(
        register_unit, unit_id=UNIT, name=" Mae Chaem CDU ", province_code=PROVINCE, region=REGION, on=REGISTERED_ON
    )
    assert then.events == [
        CareerDevelopmentUnitRegistered(
            unit_id=UNIT, name="Mae Chaem CDU", province_code=PROVINCE, region=REGION, registered_on=REGISTERED_ON
        )
    ]
    assert then.state is not None
    assert (then.state.status, then.state.registered_on) == (UnitStatus.REGISTERED, REGISTERED_ON)


def test_a_unit_is_registered_once() -> None:
    given(evolve_unit, *REGISTERED).rejects(
        register_unit,
        rule="unit-registered-once",
        unit_id=UNIT,
        name="x",
        province_code=PROVINCE,
        region=REGION,
        on=REGISTERED_ON,
    )


def test_a_unit_needs_a_name() -> None:
    given(evolve_unit).rejects(
        register_unit,
        rule="name-required",
        unit_id=UNIT,
        name="  ",
        province_code=PROVINCE,
        region=REGION,
        on=REGISTERED_ON,
    )


def test_activate_a_registered_unit() -> None:
    then = given(evolve_unit, *REGISTERED).when(activate_unit)
    assert then.events == [CareerDevelopmentUnitActivated(unit_id=UNIT)]
    assert then.state is not None and then.state.is_active


def test_suspend_an_active_unit_with_a_reason() -> None:
    then = given(evolve_unit, *ACTIVE).when(suspend_unit, reason=" failed audit ")
    assert then.events == [CareerDevelopmentUnitSuspended(unit_id=UNIT, reason="failed audit")]
    assert then.state is not None and then.state.status == UnitStatus.SUSPENDED


def test_reinstate_a_suspended_unit() -> None:
    then = given(evolve_unit, *SUSPENDED).when(reinstate_unit)
    assert then.events == [CareerDevelopmentUnitReinstated(unit_id=UNIT)]
    assert then.state is not None and then.state.status == UnitStatus.ACTIVE


@pytest.mark.parametrize("history", [REGISTERED, ACTIVE, SUSPENDED], ids=["registered", "active", "suspended"])
def test_deactivate_a_unit_from_any_live_state(history: list[object]) -> None:
    then = given(evolve_unit, *history).when(deactivate_unit, reason="dissolved")
    assert then.events == [CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="dissolved")]
    assert then.state is not None and then.state.status == UnitStatus.DEACTIVATED


@pytest.mark.parametrize(
    ("history", "decision", "command"),
    [
        (ACTIVE, activate_unit, {}),
        (SUSPENDED, activate_unit, {}),
        (REGISTERED, suspend_unit, {"reason": "audit"}),
        (SUSPENDED, suspend_unit, {"reason": "audit"}),
        (ACTIVE, reinstate_unit, {}),
        (DEACTIVATED, reinstate_unit, {}),
        (DEACTIVATED, activate_unit, {}),
        (DEACTIVATED, deactivate_unit, {"reason": "again"}),
    ],
    ids=[
        "activate-active",
        "activate-suspended",
        "suspend-registered",
        "suspend-suspended",
        "reinstate-active",
        "reinstate-deactivated",
        "activate-deactivated",
        "deactivate-deactivated",
    ],
)
def test_unit_transitions_that_are_not_allowed(
    history: list[object], decision: Decide, command: dict[str, Any]
) -> None:
    error = given(evolve_unit, *history).rejects(decision, rule="unit-transition-not-allowed", **command)
    assert "the unit is" in str(error)


@pytest.mark.parametrize("decision", [suspend_unit, deactivate_unit])
def test_suspending_or_deactivating_needs_a_reason(decision: Decide) -> None:
    given(evolve_unit, *ACTIVE).rejects(decision, rule="reason-required", reason=" ")


@pytest.mark.parametrize("decision", [activate_unit, reinstate_unit])
def test_commands_for_an_unknown_unit(decision: Decide) -> None:
    given(evolve_unit).rejects(decision, rule="must-exist")
