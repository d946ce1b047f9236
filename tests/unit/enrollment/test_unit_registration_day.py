"""A unit is registered on a day; its projects are proposed on that day or later. Units registered before the
day was kept have none, and then nothing is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pathways_enrollment.domain.project import ProjectProposed, evolve_project, propose_project
from pathways_enrollment.domain.unit import CareerDevelopmentUnitActivated, evolve_unit
from tests.unit.enrollment.facts import PROJECT, PROVINCE, REGION, UNIT, at, unit_registered
from tests.unit.enrollment.given import fold, given

REGISTERED_ON = date(2025, 1, 15)
UNIT_WITH_ITS_DAY = fold(
    evolve_unit, [unit_registered(registered_on=REGISTERED_ON), CareerDevelopmentUnitActivated(unit_id=UNIT)]
)
UNIT_WITHOUT_A_DAY = fold(evolve_unit, [unit_registered(), CareerDevelopmentUnitActivated(unit_id=UNIT)])


def proposal(**overrides: Any) -> dict[str, Any]:
    command: dict[str, Any] = {
        "project_id": PROJECT,
        "name": "Weaving co-op",
        "province_code": PROVINCE,
        "region": REGION,
        "unit": UNIT_WITH_ITS_DAY,
        "unit_id": UNIT,
        "grant_thb": Decimal("450000"),
        "on": REGISTERED_ON,
    }
    return {**command, **overrides}


def test_a_project_is_proposed_on_the_day_its_unit_was_registered_or_later() -> None:
    then = given(evolve_project).when(propose_project, **proposal())
    assert then.events == [
        ProjectProposed(
            **at(),
            name="Weaving co-op",
            grant_thb=Decimal("450000"),
            income_threshold_thb=Decimal("15000"),
            on=REGISTERED_ON,
        )
    ]
    assert then.state is not None and then.state.proposed_on == REGISTERED_ON


def test_a_project_is_not_proposed_before_its_unit_was_registered() -> None:
    error = given(evolve_project).rejects(
        propose_project, rule="proposed-before-unit-registered", **proposal(on=date(2025, 1, 14))
    )
    assert f"career development unit {UNIT} was registered on 2025-01-15" in str(error)
    assert "cannot propose a project before, on 2025-01-14" in str(error)


def test_a_unit_registered_before_its_day_was_kept_takes_a_proposal_of_any_day() -> None:
    assert given(evolve_project).when(propose_project, **proposal(unit=UNIT_WITHOUT_A_DAY, on=date(2001, 1, 1))).events
