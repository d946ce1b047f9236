"""The demo's journeys are dated in an order the enrollment domain accepts: each one, played through the
domain's own decisions, is accepted from registration to transfer and withdrawal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from pathways_enrollment.domain.consent import ConsentPurpose
from pathways_enrollment.domain.enrollment import (
    Enrollment,
    TransferReason,
    WithdrawalReason,
    apply_for_enrollment,
    enroll,
    evolve_enrollment,
    record_baseline,
    screen,
    transfer,
    withdraw,
)
from pathways_enrollment.domain.participant import (
    Participant,
    ParticipantRegistered,
    Sex,
    evolve_participant,
    grant_consent,
)
from pathways_enrollment.domain.project import Project, ProjectApproved, evolve_project
from pathways_enrollment.domain.screening import BaselineProfile, EligibilityCriteria, EmploymentStatus
from pathways_enrollment.domain.unit import CareerDevelopmentUnit, evolve_unit
from pathways_infra.demo.plan import OPENS_BEFORE_START, Fate, JourneyPlan, ProjectPlan, plan_programme
from pathways_infra.thai_time import thai_today
from tests.unit.enrollment.facts import active_unit, at, proposed_project, uid
from tests.unit.enrollment.given import fold


def _then(history: list[object], new: Sequence[object]) -> Enrollment:
    """The case once ``new`` is added to its ``history``."""
    history.extend(new)
    case = fold(evolve_enrollment, history)
    assert case is not None
    return case


def _project(plan: ProjectPlan) -> Project:
    """The project, approved on the day the demo approves it."""
    where = {"province_code": plan.province_code, "region": plan.region}
    opened = ProjectApproved(**at(plan.project_id, plan.unit_id, **where), on=plan.starts_on - OPENS_BEFORE_START)
    found = fold(evolve_project, [*proposed_project(plan.project_id, plan.unit_id, **where), opened])
    assert found is not None
    return found


def _unit(plan: ProjectPlan) -> CareerDevelopmentUnit:
    """The project's unit, active as the demo makes it."""
    found = fold(evolve_unit, active_unit(plan.unit_id, plan.province_code, plan.region))
    assert found is not None
    return found


def _consenting(journey: JourneyPlan) -> Participant:
    registered = evolve_participant(
        None, ParticipantRegistered(participant_id=journey.person.participant_id, sex=Sex(journey.person.sex))
    )
    consent = grant_consent(
        registered,
        purposes=[ConsentPurpose.PROGRAMME_PARTICIPATION, ConsentPurpose.OUTCOME_FOLLOW_UP],
        notice_version="2021-06",
        granted_at=journey.consented_at,
    )
    return evolve_participant(registered, consent[0])


def _baseline(journey: JourneyPlan) -> BaselineProfile:
    person = journey.person
    return BaselineProfile(
        employment_status=EmploymentStatus(person.employment_status),
        occupation=None,
        monthly_income_thb=person.monthly_income_thb,
        informal_worker=person.informal_worker,
        covid_affected=person.covid_affected,
    )


def _play(journey: JourneyPlan) -> None:
    """What the demo sends for the journey, decided by the domain; a broken rule raises."""
    participant, project = _consenting(journey), _project(journey.project)
    history: list[object] = []
    case = _then(
        history,
        apply_for_enrollment(
            None,
            enrollment_id=uid(str(journey.person.participant_id)),
            participant=participant,
            participant_id=participant.id,
            project=project,
            project_id=project.id,
            unit=_unit(journey.project),
            applied_on=journey.applied_on,
        ),
    )
    case = _then(history, record_baseline(case, profile=_baseline(journey)))
    born = journey.person.date_of_birth
    case = _then(
        history, screen(case, criteria=EligibilityCriteria(), date_of_birth=born, screened_on=journey.screened_on)
    )
    assert case.screening is not None and case.screening.passed is not journey.screened_out
    if journey.screened_out:
        return
    enrolled = enroll(
        case, participant=participant, project=project, unit=_unit(journey.project), enrolled_on=journey.enrolled_on
    )
    case = _then(history, enrolled)
    if journey.transfer_to is not None:
        target = journey.transfer_to
        moved = transfer(
            case,
            participant=participant,
            to_project=_project(target),
            to_unit=_unit(target),
            to_project_id=target.project_id,
            transferred_on=journey.transferred_on,
            reason=TransferReason.RELOCATION,
        )
        case = _then(history, moved)
    if journey.fate is Fate.WITHDRAWN:
        _then(history, withdraw(case, reason=WithdrawalReason.PARTICIPANT_REQUEST, withdrawn_on=journey.left_on))


def _moves_then_withdraws(journey: JourneyPlan) -> bool:
    return journey.transfer_to is not None and journey.fate is Fate.WITHDRAWN


# Seeds whose small programme has every kind of journey, a transfer followed by a withdrawal too.
@pytest.mark.parametrize("seed", [9, 19, 24])
def test_every_journey_of_the_demo_is_accepted_by_the_enrollment_domain(seed: int) -> None:
    programme = plan_programme(seed, participants=600, projects=40, provinces=12)
    journeys = programme.journeys
    assert any(map(_moves_then_withdraws, journeys)) and any(j.screened_out for j in journeys)
    for journey in journeys:
        _play(journey)


def test_the_demo_never_dates_anything_after_today() -> None:
    """Commands refuse days of what happened after today, and the indicators count a follow-up due by the day
    asked (default today): the demo's latest days, a 12-month follow-up answered or marked missed some weeks
    after it was due, or consent withdrawn before it, and every date of birth, are long past."""
    programme = plan_programme(1)
    follow_ups = [planned for journey in programme.journeys for planned in journey.follow_ups]
    days = [planned.due_on for planned in follow_ups]
    days += [planned.missed_on for planned in follow_ups if planned.missed_on is not None]
    days += [planned.answer.on for planned in follow_ups if planned.answer is not None]
    days += [j.follow_up_consent_withdrawn_at.date() for j in programme.journeys if j.follow_up_consent_withdrawn_at]
    assert max(journey.current_project.ends_on for journey in programme.journeys) < max(days)
    assert max(days) < thai_today() - timedelta(days=365), max(days)
    assert max(journey.person.date_of_birth for journey in programme.journeys) < thai_today()
