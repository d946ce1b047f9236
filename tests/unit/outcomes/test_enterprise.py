"""Enterprise / community enterprise: Forming → Registered → Operating → Dormant / Dissolved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from pathways_outcomes.domain.case import BaselineIncomeNoted, Case, evolve_case
from pathways_outcomes.domain.enterprise import (
    Enterprise,
    EnterpriseBeganOperating,
    EnterpriseDissolved,
    EnterpriseKind,
    EnterpriseMemberJoined,
    EnterpriseMembersCounted,
    EnterpriseProductAdded,
    EnterpriseRegistered,
    EnterpriseStarted,
    EnterpriseStatus,
    EnterpriseWentDormant,
    OnlineSalesChannelOpened,
    add_product,
    begin_operating,
    count_members,
    dissolve_enterprise,
    evolve_enterprise,
    go_dormant,
    join_enterprise,
    open_online_sales_channel,
    register_enterprise,
    start_enterprise,
)
from tests.unit.outcomes.given import (
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    baseline,
    closed,
    dropped,
    given,
    scheduled,
    then_rejected,
    withdrawn,
)

ENTERPRISE = uuid4()
SECOND = uuid4()
STARTED_ON = date(2024, 3, 1)


def completed_case(enrollment_id: UUID = ENROLLMENT) -> Case | None:
    return given(evolve_case, scheduled(enrollment_id))


def started(kind: EnterpriseKind = EnterpriseKind.COMMUNITY_ENTERPRISE, members_count: int = 9) -> EnterpriseStarted:
    return EnterpriseStarted(
        enterprise_id=ENTERPRISE,
        kind=kind,
        name="Ban Na natural-dye weavers",
        project_id=PROJECT,
        participant_enrollment_ids=(ENROLLMENT,),
        members_count=members_count,
        products=("indigo scarf",),
        started_on=STARTED_ON,
    )


REGISTERED = EnterpriseRegistered(
    enterprise_id=ENTERPRISE, registration_number="CE-1234", registered_on=date(2024, 4, 1)
)
OPERATING = EnterpriseBeganOperating(enterprise_id=ENTERPRISE, began_on=date(2024, 4, 2))
DORMANT = EnterpriseWentDormant(enterprise_id=ENTERPRISE, dormant_on=date(2024, 10, 1))
DISSOLVED = EnterpriseDissolved(enterprise_id=ENTERPRISE, dissolved_on=date(2025, 1, 1), reason="members left")


def _start(participants: list[tuple[UUID, Case | None]], **overrides: Any) -> list[EnterpriseStarted]:
    args: dict[str, Any] = {
        "enterprise_id": ENTERPRISE,
        "kind": EnterpriseKind.COMMUNITY_ENTERPRISE,
        "name": "Ban Na natural-dye weavers",
        "project_id": PROJECT,
        "participant_cases": participants,
        "members_count": 9,
        "started_on": STARTED_ON,
        "products": ["indigo scarf", "indigo scarf"],
    }
    return start_enterprise(None, **(args | overrides))


# --- starting (Forming) ---


def test_participants_whose_training_completed_start_an_enterprise() -> None:
    events = _start([(ENROLLMENT, completed_case())])

    assert events == [started()]
    enterprise = given(evolve_enterprise, *events)
    assert enterprise is not None
    assert enterprise.status is EnterpriseStatus.FORMING


@pytest.mark.parametrize(
    ("case", "rule", "retryable"),
    [
        (None, "training-must-be-completed", True),
        (given(evolve_case, baseline(6500)), "training-must-be-completed", True),
        (given(evolve_case, dropped()), "training-must-be-completed", False),
        (given(evolve_case, scheduled(), withdrawn(on=STARTED_ON)), "case-withdrawn", False),
        (given(evolve_case, scheduled(), closed()), "case-closed", False),
    ],
)
def test_an_enterprise_is_an_outcome_of_cases_that_accept_outcomes(
    case: Case | None, rule: str, retryable: bool
) -> None:
    then_rejected(lambda: _start([(ENROLLMENT, case)]), rule=rule, retryable=retryable)
    state = given(evolve_enterprise, started())
    then_rejected(
        lambda: join_enterprise(state, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=case, joined_on=STARTED_ON),
        rule=rule,
        retryable=retryable,
    )


def test_an_enterprise_is_started_in_its_founders_project() -> None:
    elsewhere = uuid4()
    then_rejected(
        lambda: _start([(ENROLLMENT, completed_case())], project_id=elsewhere), rule="enterprise-in-founders-project"
    )


def test_a_founder_transferred_mid_training_starts_an_enterprise_in_the_project_of_completion() -> None:
    transferred_to = uuid4()
    completed_there = replace(scheduled(), project_id=transferred_to)
    case = given(evolve_case, baseline(6500), completed_there)  # enrollment's baseline names the first project

    assert _start([(ENROLLMENT, case)], project_id=transferred_to)
    then_rejected(lambda: _start([(ENROLLMENT, case)]), rule="enterprise-in-founders-project")


def test_an_enterprise_needs_a_participant_and_enough_members() -> None:
    then_rejected(lambda: _start([]), rule="participant-required")
    then_rejected(
        lambda: _start([(ENROLLMENT, completed_case()), (SECOND, completed_case(SECOND))], members_count=1),
        rule="members-count-below-participants",
    )


def test_an_enterprise_is_started_once() -> None:
    state = given(evolve_enterprise, started())

    then_rejected(
        lambda: start_enterprise(
            state,
            enterprise_id=ENTERPRISE,
            kind=EnterpriseKind.ENTERPRISE,
            name="x",
            project_id=PROJECT,
            participant_cases=[(ENROLLMENT, completed_case())],
            members_count=1,
            started_on=STARTED_ON,
        ),
        rule="enterprise-already-exists",
    )


# --- members, products, online sales ---


def test_a_participant_joins_and_the_members_count_grows() -> None:
    state = given(evolve_enterprise, started())

    events = join_enterprise(
        state, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=completed_case(SECOND), joined_on=date(2024, 3, 5)
    )

    assert events == [
        EnterpriseMemberJoined(enterprise_id=ENTERPRISE, enrollment_id=SECOND, joined_on=date(2024, 3, 5))
    ]
    enterprise = given(evolve_enterprise, started(), *events)
    assert enterprise is not None
    assert (enterprise.participant_enrollment_ids, enterprise.members_count) == ((ENROLLMENT, SECOND), 10)
    assert (
        join_enterprise(enterprise, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=None, joined_on=STARTED_ON)
        == []
    )


def test_a_participant_of_another_project_does_not_join() -> None:
    state = given(evolve_enterprise, started())
    elsewhere = given(evolve_case, replace(scheduled(SECOND), project_id=uuid4()))

    error = then_rejected(
        lambda: join_enterprise(
            state, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=elsewhere, joined_on=STARTED_ON
        ),
        rule="member-in-enterprises-project",
    )
    assert str(PROJECT) in str(error)


def test_a_member_transferred_mid_training_joins_an_enterprise_of_the_project_of_completion() -> None:
    transferred_to = uuid4()
    # Enrollment's baseline names the first project; training completed in the one moved to.
    case = given(evolve_case, baseline(6500, SECOND), replace(scheduled(SECOND), project_id=transferred_to))
    there = given(evolve_enterprise, replace(started(), project_id=transferred_to))
    first = given(evolve_enterprise, started())

    assert join_enterprise(there, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=case, joined_on=STARTED_ON)
    then_rejected(
        lambda: join_enterprise(first, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=case, joined_on=STARTED_ON),
        rule="member-in-enterprises-project",
    )


def test_the_members_count_is_updated_but_never_below_the_participants() -> None:
    state = given(evolve_enterprise, started())

    assert count_members(state, enterprise_id=ENTERPRISE, members_count=12, counted_on=date(2024, 5, 1)) == [
        EnterpriseMembersCounted(enterprise_id=ENTERPRISE, members_count=12, counted_on=date(2024, 5, 1))
    ]
    assert count_members(state, enterprise_id=ENTERPRISE, members_count=9, counted_on=date(2024, 5, 1)) == []
    then_rejected(
        lambda: count_members(state, enterprise_id=ENTERPRISE, members_count=0, counted_on=date(2024, 5, 1)),
        rule="members-count-below-participants",
    )


def test_a_registered_community_enterprise_keeps_at_least_seven_members() -> None:
    state = given(evolve_enterprise, started(), REGISTERED)

    then_rejected(
        lambda: count_members(state, enterprise_id=ENTERPRISE, members_count=6, counted_on=date(2024, 5, 1)),
        rule="community-enterprise-min-members",
    )
    forming = given(evolve_enterprise, started())
    assert count_members(forming, enterprise_id=ENTERPRISE, members_count=6, counted_on=date(2024, 5, 1))


def test_products_are_added_once() -> None:
    state = given(evolve_enterprise, started())

    events = add_product(state, enterprise_id=ENTERPRISE, product="dyed cotton bag", added_on=date(2024, 5, 1))

    assert events == [
        EnterpriseProductAdded(enterprise_id=ENTERPRISE, product="dyed cotton bag", added_on=date(2024, 5, 1))
    ]
    assert add_product(state, enterprise_id=ENTERPRISE, product="indigo scarf", added_on=date(2024, 5, 1)) == []


def test_an_online_sales_channel_is_opened_once() -> None:
    state = given(evolve_enterprise, started())

    events = open_online_sales_channel(state, enterprise_id=ENTERPRISE, channel="Shopee", opened_on=date(2024, 6, 1))

    assert events == [OnlineSalesChannelOpened(enterprise_id=ENTERPRISE, channel="Shopee", opened_on=date(2024, 6, 1))]
    enterprise = given(evolve_enterprise, started(), *events)
    assert enterprise is not None
    assert (enterprise.sells_online, enterprise.online_sales_since) == (True, date(2024, 6, 1))
    assert (
        open_online_sales_channel(enterprise, enterprise_id=ENTERPRISE, channel="Shopee", opened_on=date(2024, 7, 1))
        == []
    )


# --- lifecycle ---


def test_a_forming_enterprise_registers() -> None:
    state = given(evolve_enterprise, started())

    events = register_enterprise(
        state, enterprise_id=ENTERPRISE, registration_number="CE-1234", registered_on=date(2024, 4, 1)
    )

    assert events == [REGISTERED]
    enterprise = given(evolve_enterprise, started(), *events)
    assert enterprise is not None
    assert (enterprise.status, enterprise.registration_number) == (EnterpriseStatus.REGISTERED, "CE-1234")


def test_a_community_enterprise_registers_with_at_least_seven_members() -> None:
    small = given(evolve_enterprise, started(members_count=6))
    then_rejected(
        lambda: register_enterprise(
            small, enterprise_id=ENTERPRISE, registration_number="CE-1", registered_on=STARTED_ON
        ),
        rule="community-enterprise-min-members",
    )
    individual = given(evolve_enterprise, started(kind=EnterpriseKind.ENTERPRISE, members_count=1))
    assert register_enterprise(
        individual, enterprise_id=ENTERPRISE, registration_number="E-1", registered_on=STARTED_ON
    )


@pytest.mark.parametrize("after", [(REGISTERED,), (REGISTERED, OPERATING)])
def test_only_a_forming_enterprise_registers(after: tuple[object, ...]) -> None:
    state = given(evolve_enterprise, started(), *after)

    then_rejected(
        lambda: register_enterprise(
            state, enterprise_id=ENTERPRISE, registration_number="CE-9", registered_on=STARTED_ON
        ),
        rule="enterprise-must-be-forming",
    )


@pytest.mark.parametrize(
    ("after", "day"), [((REGISTERED,), date(2024, 4, 2)), ((REGISTERED, OPERATING, DORMANT), date(2024, 11, 1))]
)
def test_a_registered_or_dormant_enterprise_operates(after: tuple[object, ...], day: date) -> None:
    state = given(evolve_enterprise, started(), *after)

    events = begin_operating(state, enterprise_id=ENTERPRISE, began_on=day)

    assert events == [EnterpriseBeganOperating(enterprise_id=ENTERPRISE, began_on=day)]
    enterprise = given(evolve_enterprise, started(), *after, *events)
    assert enterprise is not None
    assert enterprise.status is EnterpriseStatus.OPERATING


@pytest.mark.parametrize("after", [(), (REGISTERED, OPERATING)])
def test_a_forming_or_operating_enterprise_does_not_begin_operating(after: tuple[object, ...]) -> None:
    state = given(evolve_enterprise, started(), *after)

    then_rejected(
        lambda: begin_operating(state, enterprise_id=ENTERPRISE, began_on=STARTED_ON),
        rule="enterprise-must-be-registered",
    )


def test_an_operating_enterprise_goes_dormant() -> None:
    state = given(evolve_enterprise, started(), REGISTERED, OPERATING)

    events = go_dormant(state, enterprise_id=ENTERPRISE, dormant_on=date(2024, 10, 1))

    assert events == [DORMANT]
    enterprise = given(evolve_enterprise, started(), REGISTERED, OPERATING, *events)
    assert enterprise is not None
    assert enterprise.status is EnterpriseStatus.DORMANT


@pytest.mark.parametrize("after", [(), (REGISTERED,), (REGISTERED, OPERATING, DORMANT)])
def test_only_an_operating_enterprise_goes_dormant(after: tuple[object, ...]) -> None:
    state = given(evolve_enterprise, started(), *after)

    then_rejected(
        lambda: go_dormant(state, enterprise_id=ENTERPRISE, dormant_on=STARTED_ON), rule="enterprise-must-be-operating"
    )


@pytest.mark.parametrize("after", [(), (REGISTERED,), (REGISTERED, OPERATING), (REGISTERED, OPERATING, DORMANT)])
def test_an_enterprise_is_dissolved_from_any_state(after: tuple[object, ...]) -> None:
    state = given(evolve_enterprise, started(), *after)

    events = dissolve_enterprise(state, enterprise_id=ENTERPRISE, dissolved_on=date(2025, 1, 1), reason="members left")

    assert events == [DISSOLVED]
    enterprise = given(evolve_enterprise, started(), *after, *events)
    assert enterprise is not None
    assert enterprise.status is EnterpriseStatus.DISSOLVED


COMMANDS: list[Callable[[Enterprise | None], object]] = [
    lambda s: join_enterprise(
        s, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=completed_case(SECOND), joined_on=STARTED_ON
    ),
    lambda s: count_members(s, enterprise_id=ENTERPRISE, members_count=20, counted_on=STARTED_ON),
    lambda s: add_product(s, enterprise_id=ENTERPRISE, product="new", added_on=STARTED_ON),
    lambda s: open_online_sales_channel(s, enterprise_id=ENTERPRISE, channel="LINE", opened_on=STARTED_ON),
    lambda s: register_enterprise(s, enterprise_id=ENTERPRISE, registration_number="x", registered_on=STARTED_ON),
    lambda s: begin_operating(s, enterprise_id=ENTERPRISE, began_on=STARTED_ON),
    lambda s: go_dormant(s, enterprise_id=ENTERPRISE, dormant_on=STARTED_ON),
    lambda s: dissolve_enterprise(s, enterprise_id=ENTERPRISE, dissolved_on=STARTED_ON, reason="x"),
]


@pytest.mark.parametrize("when", COMMANDS)
def test_a_dissolved_enterprise_takes_no_change(when: Callable[[Enterprise | None], object]) -> None:
    state = given(evolve_enterprise, started(), DISSOLVED)

    then_rejected(lambda: when(state), rule="enterprise-dissolved")


@pytest.mark.parametrize("when", COMMANDS)
def test_commands_need_an_existing_enterprise(when: Callable[[Enterprise | None], object]) -> None:
    then_rejected(lambda: when(None), rule="must-exist")


# --- days in order ---

BEFORE_START = STARTED_ON - timedelta(days=1)
ON_A_FORMING_ENTERPRISE: list[Callable[[Enterprise | None, date], object]] = [
    lambda s, day: join_enterprise(
        s, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=completed_case(SECOND), joined_on=day
    ),
    lambda s, day: count_members(s, enterprise_id=ENTERPRISE, members_count=20, counted_on=day),
    lambda s, day: add_product(s, enterprise_id=ENTERPRISE, product="new", added_on=day),
    lambda s, day: open_online_sales_channel(s, enterprise_id=ENTERPRISE, channel="LINE", opened_on=day),
    lambda s, day: register_enterprise(s, enterprise_id=ENTERPRISE, registration_number="x", registered_on=day),
    lambda s, day: dissolve_enterprise(s, enterprise_id=ENTERPRISE, dissolved_on=day, reason="x"),
]


@pytest.mark.parametrize("when", ON_A_FORMING_ENTERPRISE)
def test_nothing_happens_to_an_enterprise_before_it_started(when: Callable[[Enterprise | None, date], object]) -> None:
    state = given(evolve_enterprise, started())

    error = then_rejected(lambda: when(state, BEFORE_START), rule="enterprise-not-started-yet")
    assert str(STARTED_ON) in str(error) and str(BEFORE_START) in str(error)
    assert when(state, STARTED_ON), "the day it started is fine"


@pytest.mark.parametrize(
    ("history", "since", "when"),
    [
        (
            (REGISTERED,),
            REGISTERED.registered_on,
            lambda s, day: begin_operating(s, enterprise_id=ENTERPRISE, began_on=day),
        ),
        (
            (REGISTERED, OPERATING),
            OPERATING.began_on,
            lambda s, day: go_dormant(s, enterprise_id=ENTERPRISE, dormant_on=day),
        ),
        (
            (REGISTERED, OPERATING, DORMANT),
            DORMANT.dormant_on,
            lambda s, day: begin_operating(s, enterprise_id=ENTERPRISE, began_on=day),
        ),
    ],
    ids=["operating-before-registered", "dormant-before-operating", "operating-again-before-dormant"],
)
def test_the_status_changes_no_earlier_than_the_day_it_took_its_current_one(
    history: tuple[object, ...], since: date, when: Callable[[Enterprise | None, date], object]
) -> None:
    state = given(evolve_enterprise, started(), *history)

    error = then_rejected(lambda: when(state, since - timedelta(days=1)), rule="status-change-before-current-status")
    assert str(since) in str(error)
    assert when(state, since), "the same day is fine"


def test_members_products_and_channels_may_be_recorded_late() -> None:
    state = given(evolve_enterprise, started(), REGISTERED, OPERATING)
    before_registering = date(2024, 3, 20)

    assert add_product(state, enterprise_id=ENTERPRISE, product="dyed bag", added_on=before_registering)
    assert count_members(state, enterprise_id=ENTERPRISE, members_count=11, counted_on=before_registering)
    assert open_online_sales_channel(state, enterprise_id=ENTERPRISE, channel="LINE", opened_on=before_registering)


PRODUCT_IN_JUNE = EnterpriseProductAdded(enterprise_id=ENTERPRISE, product="dyed bag", added_on=date(2024, 6, 1))


@pytest.mark.parametrize(
    ("history", "last_change"),
    [((PRODUCT_IN_JUNE,), date(2024, 6, 1)), ((REGISTERED, OPERATING, DORMANT, PRODUCT_IN_JUNE), date(2024, 10, 1))],
    ids=["after-a-product", "after-going-dormant"],
)
def test_an_enterprise_is_dissolved_no_earlier_than_its_last_change(
    history: tuple[object, ...], last_change: date
) -> None:
    state = given(evolve_enterprise, started(), *history)

    def dissolve(day: date) -> list[EnterpriseDissolved]:
        return dissolve_enterprise(state, enterprise_id=ENTERPRISE, dissolved_on=day, reason="members left")

    error = then_rejected(lambda: dissolve(last_change - timedelta(days=1)), rule="dissolved-before-last-change")
    assert str(last_change) in str(error)
    assert dissolve(last_change), "the same day is fine"


def test_an_enterprise_stored_with_days_out_of_order_still_reads() -> None:
    dissolved_before_it_started = EnterpriseDissolved(
        enterprise_id=ENTERPRISE, dissolved_on=BEFORE_START, reason="members left"
    )
    history = (started(), PRODUCT_IN_JUNE, REGISTERED, dissolved_before_it_started)

    enterprise = given(evolve_enterprise, *history)

    assert enterprise is not None
    assert (enterprise.status, enterprise.last_changed_on) == (EnterpriseStatus.DISSOLVED, date(2024, 6, 1))


# --- an outcome of the programme, not where a participant started from ---


def _enrolled_on(day: date, enrollment_id: UUID = ENROLLMENT) -> Case | None:
    noted = BaselineIncomeNoted(
        enrollment_id=enrollment_id, participant_id=PARTICIPANT, project_id=PROJECT, monthly_income_thb=None,
        enrolled_on=day,
    )  # fmt: skip
    return given(evolve_case, noted, scheduled(enrollment_id))


def test_an_enterprise_is_not_started_before_a_founders_enrollment() -> None:
    late_enrollee = _enrolled_on(STARTED_ON + timedelta(days=1))

    error = then_rejected(lambda: _start([(ENROLLMENT, late_enrollee)]), rule="enterprise-before-enrollment")
    assert str(STARTED_ON) in str(error)
    assert _start([(ENROLLMENT, _enrolled_on(STARTED_ON))]), "the enrollment day itself is fine"


def test_a_participant_does_not_join_before_their_enrollment() -> None:
    state = given(evolve_enterprise, started())
    case = _enrolled_on(date(2024, 5, 1), SECOND)

    then_rejected(
        lambda: join_enterprise(
            state, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=case, joined_on=date(2024, 4, 30)
        ),
        rule="enterprise-before-enrollment",
    )
    assert join_enterprise(state, enterprise_id=ENTERPRISE, enrollment_id=SECOND, case=case, joined_on=date(2024, 5, 1))
