"""Projects: Proposed → Approved → Active → Closed, or Rejected / Terminated; the needs assessment."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, cast

import pytest

from pathways_enrollment.domain.project import (
    CommunityNeedsAssessed,
    CommunityNeedsAssessmentValidated,
    ProjectActivated,
    ProjectApproved,
    ProjectClosed,
    ProjectProposed,
    ProjectRejected,
    ProjectStatus,
    ProjectTerminated,
    activate_project,
    approve_project,
    assess_community_needs,
    close_project,
    evolve_project,
    propose_project,
    reject_project,
    terminate_project,
    validate_needs_assessment,
)
from pathways_enrollment.domain.screening import EligibilityCriteria
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitSuspended,
    evolve_unit,
)
from tests.unit.enrollment.facts import (
    PROJECT,
    PROVINCE,
    REGION,
    UNIT,
    active_project,
    active_unit,
    approved_project,
    assessed,
    at,
    proposed_project,
    unit_registered,
)
from tests.unit.enrollment.given import Decide, fold, given

ACTIVE_UNIT = fold(evolve_unit, active_unit())
REGISTERED_UNIT = fold(evolve_unit, [unit_registered()])
SUSPENDED_UNIT = fold(evolve_unit, [*active_unit(), CareerDevelopmentUnitSuspended(unit_id=UNIT, reason="audit")])
DEACTIVATED_UNIT = fold(evolve_unit, [unit_registered(), CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="x")])

PROPOSED = proposed_project()
APPROVED_WITHOUT_ASSESSMENT = [*PROPOSED, ProjectApproved(**at())]
APPROVED = approved_project()
ACTIVE = active_project()
CLOSED = [*ACTIVE, ProjectClosed(**at())]
REJECTED = [*PROPOSED, ProjectRejected(**at(), reason="out of scope")]
TERMINATED = [*ACTIVE, ProjectTerminated(**at(), reason="misused funds")]
DAY = date(2025, 3, 10)


def propose(**overrides: Any) -> dict[str, Any]:
    command: dict[str, Any] = {
        "project_id": PROJECT,
        "name": "Weaving co-op",
        "province_code": PROVINCE,
        "region": REGION,
        "unit": ACTIVE_UNIT,
        "unit_id": UNIT,
        "grant_thb": Decimal("450000"),
        "on": DAY,
    }
    return {**command, **overrides}


def test_propose_a_project_with_the_default_income_threshold() -> None:
    then = given(evolve_project).when(propose_project, **propose())
    assert then.events == [
        ProjectProposed(
            **at(), name="Weaving co-op", grant_thb=Decimal("450000"), income_threshold_thb=Decimal("15000"), on=DAY
        )
    ]
    assert then.state is not None
    assert (then.state.status, then.state.status_since) == (ProjectStatus.PROPOSED, DAY)
    assert then.state.eligibility == EligibilityCriteria(income_threshold_thb=Decimal("15000"))


def test_a_project_sets_its_own_income_threshold() -> None:
    then = given(evolve_project).when(propose_project, **propose(income_threshold_thb=Decimal("9000")))
    assert then.state is not None and then.state.eligibility.income_threshold_thb == Decimal("9000")


def test_a_registered_unit_not_yet_active_may_propose() -> None:
    assert given(evolve_project).when(propose_project, **propose(unit=REGISTERED_UNIT)).events


@pytest.mark.parametrize(
    ("command", "rule", "retryable"),
    [
        (propose(unit=None), "must-exist", False),
        (propose(unit=SUSPENDED_UNIT), "unit-cannot-propose-projects", True),
        (propose(unit=DEACTIVATED_UNIT), "unit-cannot-propose-projects", False),
        (propose(name="  "), "name-required", False),
        (propose(grant_thb=Decimal(0)), "grant-amount-positive", False),
        (propose(grant_thb=Decimal("-1")), "grant-amount-positive", False),
        (propose(grant_thb=Decimal("NaN")), "grant-amount-positive", False),
        (propose(income_threshold_thb=Decimal(0)), "income-threshold-positive", False),
        (propose(income_threshold_thb=Decimal("Infinity")), "income-threshold-positive", False),
    ],
    ids=[
        "unknown-unit",
        "suspended-unit",
        "deactivated-unit",
        "blank-name",
        "zero-grant",
        "negative-grant",
        "nan-grant",
        "zero-threshold",
        "infinite-threshold",
    ],
)
def test_proposals_that_break_a_rule(command: dict[str, Any], rule: str, retryable: bool) -> None:
    given(evolve_project).rejects(propose_project, rule=rule, retryable=retryable, **command)


def test_a_project_is_proposed_once() -> None:
    given(evolve_project, *PROPOSED).rejects(propose_project, rule="project-registered-once", **propose())


ASSESSED = [*PROPOSED, *assessed()]


def test_approve_a_proposed_project_with_a_validated_assessment_and_an_active_unit() -> None:
    then = given(evolve_project, *ASSESSED).when(approve_project, unit=ACTIVE_UNIT, on=DAY)
    assert then.events == [ProjectApproved(**at(), on=DAY)]
    assert then.state is not None and then.state.is_open_for_enrollment


@pytest.mark.parametrize("history", [PROPOSED, [*PROPOSED, assessed()[0]]], ids=["no-assessment", "draft-only"])
def test_a_project_is_approved_only_from_a_validated_needs_assessment(history: list[object]) -> None:
    error = given(evolve_project, *history).rejects(
        approve_project, rule="needs-assessment-required", retryable=False, unit=ACTIVE_UNIT, on=DAY
    )
    assert "validated community needs assessment before it is approved" in str(error)


@pytest.mark.parametrize(
    ("unit", "rule", "retryable"),
    [
        (None, "must-exist", False),
        (REGISTERED_UNIT, "unit-not-active", True),
        (SUSPENDED_UNIT, "unit-not-active", True),
        (DEACTIVATED_UNIT, "unit-not-active", False),
    ],
    ids=["unknown", "registered", "suspended", "deactivated"],
)
def test_a_project_is_approved_only_with_an_active_unit(unit: object, rule: str, retryable: bool) -> None:
    error = given(evolve_project, *ASSESSED).rejects(approve_project, rule=rule, retryable=retryable, unit=unit, on=DAY)
    if rule == "unit-not-active":
        assert "it must be ACTIVE to approve its project" in str(error)


def test_reject_a_proposed_project_with_a_reason() -> None:
    then = given(evolve_project, *PROPOSED).when(reject_project, reason="outside the programme", on=DAY)
    assert then.events == [ProjectRejected(**at(), reason="outside the programme", on=DAY)]
    assert then.state is not None
    assert (then.state.status, then.state.status_since) == (ProjectStatus.REJECTED, DAY)
    assert then.state.rejection_reason == "outside the programme"


def test_activate_an_approved_project_with_a_validated_assessment_and_an_active_unit() -> None:
    then = given(evolve_project, *APPROVED).when(activate_project, unit=ACTIVE_UNIT, on=DAY)
    assert then.events == [ProjectActivated(**at(), on=DAY)]
    assert then.state is not None and then.state.status == ProjectStatus.ACTIVE


def test_close_an_active_project() -> None:
    then = given(evolve_project, *ACTIVE).when(close_project, on=DAY)
    assert then.events == [ProjectClosed(**at(), on=DAY)]
    assert then.state is not None and not then.state.is_open_for_enrollment


@pytest.mark.parametrize("history", [APPROVED, ACTIVE], ids=["approved", "active"])
def test_terminate_an_approved_or_active_project(history: list[object]) -> None:
    then = given(evolve_project, *history).when(terminate_project, reason="misused funds", on=DAY)
    assert then.events == [ProjectTerminated(**at(), reason="misused funds", on=DAY)]
    assert then.state is not None and then.state.status == ProjectStatus.TERMINATED


@pytest.mark.parametrize(
    ("history", "decision", "command"),
    [
        (APPROVED, approve_project, {"unit": ACTIVE_UNIT, "on": DAY}),
        (REJECTED, approve_project, {"unit": ACTIVE_UNIT, "on": DAY}),
        (APPROVED, reject_project, {"reason": "late", "on": DAY}),
        (PROPOSED, activate_project, {"unit": ACTIVE_UNIT, "on": DAY}),
        (ACTIVE, activate_project, {"unit": ACTIVE_UNIT, "on": DAY}),
        (APPROVED, close_project, {"on": DAY}),
        (CLOSED, close_project, {"on": DAY}),
        (PROPOSED, terminate_project, {"reason": "x", "on": DAY}),
        (CLOSED, terminate_project, {"reason": "x", "on": DAY}),
        (TERMINATED, approve_project, {"unit": ACTIVE_UNIT, "on": DAY}),
    ],
    ids=[
        "approve-approved",
        "approve-rejected",
        "reject-approved",
        "activate-proposed",
        "activate-active",
        "close-approved",
        "close-closed",
        "terminate-proposed",
        "terminate-closed",
        "approve-terminated",
    ],
)
def test_project_transitions_that_are_not_allowed(
    history: list[object], decision: Decide, command: dict[str, Any]
) -> None:
    given(evolve_project, *history).rejects(decision, rule="project-transition-not-allowed", **command)


@pytest.mark.parametrize(
    ("history", "decision"), [(PROPOSED, reject_project), (ACTIVE, terminate_project)], ids=["reject", "terminate"]
)
def test_rejecting_or_terminating_needs_a_reason(history: list[object], decision: Decide) -> None:
    given(evolve_project, *history).rejects(decision, rule="reason-required", reason="  ", on=DAY)


def test_a_project_starts_only_from_a_validated_needs_assessment() -> None:
    given(evolve_project, *APPROVED_WITHOUT_ASSESSMENT).rejects(
        activate_project, rule="needs-assessment-required", unit=ACTIVE_UNIT, on=DAY
    )
    draft_only = [*PROPOSED, assessed()[0], ProjectApproved(**at())]
    given(evolve_project, *draft_only).rejects(
        activate_project, rule="needs-assessment-required", unit=ACTIVE_UNIT, on=DAY
    )


@pytest.mark.parametrize(
    ("unit", "rule", "retryable"),
    [
        (None, "must-exist", False),
        (REGISTERED_UNIT, "unit-not-active", True),
        (SUSPENDED_UNIT, "unit-not-active", True),
        (DEACTIVATED_UNIT, "unit-not-active", False),
    ],
    ids=["unknown", "registered", "suspended", "deactivated"],
)
def test_a_project_starts_only_with_an_active_unit(unit: object, rule: str, retryable: bool) -> None:
    given(evolve_project, *APPROVED).rejects(activate_project, rule=rule, retryable=retryable, unit=unit, on=DAY)


def test_assess_community_needs_keeping_only_what_was_said() -> None:
    then = given(evolve_project, *PROPOSED).when(
        assess_community_needs,
        problems=[" debt ", ""],
        community_capital=["weavers' group"],
        opportunities=["tourism", " "],
        assessed_on=date(2025, 3, 1),
    )
    assert then.events == [
        CommunityNeedsAssessed(
            **at(),
            problems=("debt",),
            community_capital=("weavers' group",),
            opportunities=("tourism",),
            assessed_on=date(2025, 3, 1),
        )
    ]
    assert then.state is not None and then.state.needs_assessment is not None
    assert not then.state.needs_assessment.validated


def test_a_new_draft_replaces_the_old_one() -> None:
    draft = assessed()[0]
    then = given(evolve_project, *PROPOSED, draft).when(
        assess_community_needs,
        problems=["drought"],
        community_capital=["temple hall"],
        opportunities=["dried fruit"],
        assessed_on=date(2025, 3, 9),
    )
    assert then.state is not None and then.state.needs_assessment is not None
    assert then.state.needs_assessment.problems == ("drought",)


def test_a_needs_assessment_names_problems_capital_and_opportunities() -> None:
    error = given(evolve_project, *PROPOSED).rejects(
        assess_community_needs,
        rule="needs-assessment-incomplete",
        problems=["debt"],
        community_capital=[" "],
        opportunities=[],
        assessed_on=date(2025, 3, 1),
    )
    assert "community capital, opportunities" in str(error)


def test_a_validated_assessment_no_longer_changes() -> None:
    given(evolve_project, *APPROVED).rejects(
        assess_community_needs,
        rule="needs-assessment-validated",
        problems=["a"],
        community_capital=["b"],
        opportunities=["c"],
        assessed_on=date(2025, 4, 1),
    )
    given(evolve_project, *APPROVED).rejects(validate_needs_assessment, rule="needs-assessment-validated")


def test_needs_are_assessed_before_the_project_starts() -> None:
    given(evolve_project, *ACTIVE).rejects(
        assess_community_needs,
        rule="project-transition-not-allowed",
        problems=["a"],
        community_capital=["b"],
        opportunities=["c"],
        assessed_on=date(2025, 4, 1),
    )


def test_validate_a_drafted_assessment() -> None:
    then = given(evolve_project, *PROPOSED, assessed()[0]).when(validate_needs_assessment)
    assert then.events == [CommunityNeedsAssessmentValidated(**at())]
    assert then.state is not None and then.state.needs_assessment is not None
    assert then.state.needs_assessment.validated


def test_nothing_to_validate_without_an_assessment() -> None:
    given(evolve_project, *PROPOSED).rejects(validate_needs_assessment, rule="needs-assessment-required")


@pytest.mark.parametrize(
    ("decision", "command"),
    [
        (approve_project, {"unit": ACTIVE_UNIT, "on": DAY}),
        (close_project, {"on": DAY}),
        (validate_needs_assessment, {}),
    ],
)
def test_commands_for_an_unknown_project(decision: Decide, command: dict[str, Any]) -> None:
    given(evolve_project).rejects(decision, rule="must-exist", **command)


def test_project_events_say_where_the_project_is() -> None:
    then = given(evolve_project, *ACTIVE).when(close_project, on=DAY)
    assert then.events[0] == ProjectClosed(
        project_id=PROJECT, unit_id=UNIT, province_code=PROVINCE, region=REGION, on=DAY
    )


def test_a_step_is_not_dated_before_the_step_that_set_the_status() -> None:
    approved_then = [*APPROVED[:-1], ProjectApproved(**at(), on=DAY)]
    error = given(evolve_project, *approved_then).rejects(
        activate_project, rule="project-step-before-the-last", unit=ACTIVE_UNIT, on=date(2025, 3, 9)
    )
    assert "APPROVED since 2025-03-10; it cannot start before, on 2025-03-09" in str(error)
    active = given(evolve_project, *approved_then).when(activate_project, unit=ACTIVE_UNIT, on=DAY)
    assert active.state is not None and active.state.status_since == DAY
    given(evolve_project, *approved_then, *active.events).rejects(
        close_project, rule="project-step-before-the-last", on=date(2025, 3, 1)
    )


def test_a_step_recorded_before_days_were_kept_constrains_nothing() -> None:
    assert given(evolve_project, *ACTIVE).when(close_project, on=date(2020, 1, 1)).events


@pytest.mark.parametrize(
    ("decide", "command"),
    [(approve_project, {"unit": ACTIVE_UNIT}), (reject_project, {"reason": "outside the programme"})],
    ids=["approval", "rejection"],
)
def test_a_proposal_is_not_approved_or_rejected_before_the_day_it_was_proposed(
    decide: Decide, command: dict[str, Any]
) -> None:
    proposed_later = [replace(cast(ProjectProposed, PROPOSED[0]), on=date(2025, 6, 1)), *assessed()]
    error = given(evolve_project, *proposed_later).rejects(
        decide, rule="project-step-before-the-last", **command, on=date(2025, 4, 1)
    )
    assert "PROPOSED since 2025-06-01" in str(error)
    given(evolve_project, *proposed_later).when(decide, **command, on=date(2025, 6, 1))  # the same day is fine
