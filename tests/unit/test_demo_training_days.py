"""The demo's training days are in an order the training domain accepts: a small planned programme, played
through the domain's own decisions phase by phase, on the days the demo driver (pathways_infra.demo.run)
sends, is accepted from the curricula and cohorts to every dropout, withdrawal and completion.

The driver drafts, co-designs and approves each curriculum 45 days before its cohort starts, starts the cohort
on its planned day, assigns a project's members on the latest of their enrollment days, moves a
transferring participant to the new cohort on the day the enrollment moves, holds the sessions with
their attendance, drops out on ``left_on`` (a withdrawal, learned from enrollment, closes the record on
that day too) and completes training on the last session day of the cohort the participant ends in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid5

import pytest

from pathways_infra.demo.plan import (
    ATTENDANCE_THRESHOLD,
    CURRICULUM_HOURS,
    SESSION_HOURS,
    Fate,
    JourneyPlan,
    ProjectPlan,
    plan_programme,
)
from pathways_training.domain.cohort import Cohort, evolve_cohort, hold_session, plan_cohort, start_cohort
from pathways_training.domain.curriculum import (
    Curriculum,
    Track,
    approve_curriculum,
    co_design,
    draft_curriculum,
    evolve_curriculum,
)
from pathways_training.domain.project import KnownProject, evolve_project, learn_project
from pathways_training.domain.training import (
    DropoutReason,
    TrainingRecord,
    assign_to_cohort,
    complete,
    drop_out,
    evolve_record,
    hours_needed,
    note_enrollment_transfer,
    open_record,
    record_attendance,
    transfer_to_cohort,
    withdraw_record,
)
from tests.unit.training.given import given

S = TypeVar("S")


class _Store(Generic[S]):
    """One kind of the training service's aggregates, as event histories by id."""

    def __init__(self, evolve: Callable[[S | None, object], S]) -> None:
        self._evolve = evolve
        self._histories: dict[UUID, list[object]] = defaultdict(list)

    def state(self, aggregate_id: UUID) -> S | None:
        return given(self._evolve, *self._histories[aggregate_id])

    def existing(self, aggregate_id: UUID) -> S:
        found = self.state(aggregate_id)
        assert found is not None
        return found

    def decide(self, aggregate_id: UUID, decide: Callable[..., Sequence[object]], /, **command: Any) -> None:
        """Record what ``decide`` makes of the command; a broken rule raises, and a command that changes nothing
        fails (the demo counts on its effect)."""
        events = decide(self.state(aggregate_id), **command)
        assert events, f"{decide.__name__} changed nothing for {aggregate_id}"
        self._histories[aggregate_id].extend(events)


class _Training:
    """What the training service holds, changed only by its domain's decisions."""

    def __init__(self) -> None:
        self.projects: _Store[KnownProject] = _Store(evolve_project)
        self.curricula: _Store[Curriculum] = _Store(evolve_curriculum)
        self.cohorts: _Store[Cohort] = _Store(evolve_cohort)
        self.records: _Store[TrainingRecord] = _Store(evolve_record)

    def cohort(self, project: ProjectPlan) -> Cohort:
        return self.cohorts.existing(project.cohort_id)


def _enrollment_id(journey: JourneyPlan) -> UUID:
    return uuid5(journey.person.participant_id, "enrollment")


def _open_project(training: _Training, project: ProjectPlan) -> None:
    """Learned from enrollment; its curriculum drafted, co-designed and approved; its cohort planned and started."""
    project_id, curriculum_id = project.project_id, project.curriculum_id
    training.projects.decide(
        project_id,
        learn_project,
        project_id=project_id,
        name=project.name,
        province_code=project.province_code,
        region=project.region,
        unit_id=project.unit_id,
    )
    designed_on = project.starts_on - timedelta(days=45)
    training.curricula.decide(
        curriculum_id,
        draft_curriculum,
        curriculum_id=curriculum_id,
        project=training.projects.state(project_id),
        project_id=project_id,
        title=project.name,
        track=Track(project.track),
        competencies=["craft skills", "selling online"],
        hours=CURRICULUM_HOURS,
        drafted_on=designed_on,
        attendance_threshold=ATTENDANCE_THRESHOLD,
    )
    training.curricula.decide(
        curriculum_id, co_design, curriculum_id=curriculum_id, version=1, community="them", co_designed_on=designed_on
    )
    training.curricula.decide(
        curriculum_id, approve_curriculum, curriculum_id=curriculum_id, version=1, approved_on=designed_on
    )
    training.cohorts.decide(
        project.cohort_id,
        plan_cohort,
        cohort_id=project.cohort_id,
        project=training.projects.state(project_id),
        project_id=project_id,
        curriculum=training.curricula.state(curriculum_id),
        curriculum_id=curriculum_id,
        curriculum_version=1,
        starts_on=project.starts_on,
    )
    training.cohorts.decide(project.cohort_id, start_cohort, cohort_id=project.cohort_id, started_on=project.starts_on)


def _open_record(training: _Training, journey: JourneyPlan) -> None:
    """Learned from the enrollment service's report of the enrollment."""
    enrollment_id = _enrollment_id(journey)
    training.records.decide(
        enrollment_id,
        open_record,
        enrollment_id=enrollment_id,
        participant_id=journey.person.participant_id,
        project_id=journey.project.project_id,
        enrolled_on=journey.enrolled_on,
    )


def _assign_members(training: _Training, project: ProjectPlan, members: list[JourneyPlan]) -> None:
    joined_on, cohort = max(journey.enrolled_on for journey in members), training.cohort(project)
    for enrollment_id in map(_enrollment_id, members):
        training.records.decide(
            enrollment_id, assign_to_cohort, enrollment_id=enrollment_id, cohort=cohort, assigned_on=joined_on
        )


def _transfer(training: _Training, journey: JourneyPlan, target: ProjectPlan) -> None:
    """The enrollment's move, learned from enrollment, then the move to the new project's cohort."""
    enrollment_id, moved_on = _enrollment_id(journey), journey.transferred_on
    training.records.decide(
        enrollment_id,
        note_enrollment_transfer,
        enrollment_id=enrollment_id,
        to_project_id=target.project_id,
        transferred_on=moved_on,
    )
    training.records.decide(
        enrollment_id,
        transfer_to_cohort,
        enrollment_id=enrollment_id,
        from_cohort=training.cohort(journey.project),
        to_cohort=training.cohort(target),
        transferred_on=moved_on,
    )


def _hold_sessions(training: _Training, project: ProjectPlan, members: list[JourneyPlan]) -> None:
    """Each session of the cohort, then the attendance of the members present at it."""
    for number, held_on in enumerate(project.session_days):
        session_id = uuid5(project.cohort_id, str(number))
        training.cohorts.decide(
            project.cohort_id,
            hold_session,
            cohort_id=project.cohort_id,
            session_id=session_id,
            held_on=held_on,
            hours=SESSION_HOURS,
        )
        cohort = training.cohort(project)
        for journey in (j for j in members if j.sessions_attended > number):
            enrollment_id = _enrollment_id(journey)
            training.records.decide(
                enrollment_id, record_attendance, enrollment_id=enrollment_id, cohort=cohort, session_id=session_id
            )


def _leave(training: _Training, journey: JourneyPlan) -> None:
    enrollment_id = _enrollment_id(journey)
    if journey.fate is Fate.DROPPED_OUT:
        training.records.decide(
            enrollment_id,
            drop_out,
            enrollment_id=enrollment_id,
            reason=DropoutReason.FAMILY_DUTIES,
            dropped_out_on=journey.left_on,
        )
    else:  # withdrawn in enrollment: training closes the record when it learns of it
        training.records.decide(
            enrollment_id, withdraw_record, enrollment_id=enrollment_id, withdrawn_on=journey.left_on
        )


def _complete(training: _Training, journey: JourneyPlan) -> None:
    enrollment_id, project = _enrollment_id(journey), journey.current_project
    training.records.decide(
        enrollment_id,
        complete,
        enrollment_id=enrollment_id,
        cohort=training.cohort(project),
        completed_on=project.ends_on,
    )


def _play(projects: list[ProjectPlan], enrolled: list[JourneyPlan]) -> None:
    """The driver's training phases, in its order; a broken rule raises."""
    training = _Training()
    for project in projects:
        _open_project(training, project)
    for journey in enrolled:
        _open_record(training, journey)
    for project in projects:
        if members := [j for j in enrolled if j.project is project]:
            _assign_members(training, project, members)
    for journey in enrolled:
        if journey.transfer_to is not None:
            _transfer(training, journey, journey.transfer_to)
    for project in projects:
        _hold_sessions(training, project, [j for j in enrolled if j.current_project is project])
    for journey in enrolled:
        if journey.fate is not Fate.COMPLETED:
            _leave(training, journey)
    for journey in enrolled:
        if journey.fate is Fate.COMPLETED:
            _complete(training, journey)


def _kinds(journeys: list[JourneyPlan]) -> set[tuple[bool, Fate | None]]:
    """(transferred, fate) of each journey."""
    return {(journey.transfer_to is not None, journey.fate) for journey in journeys}


# Seeds whose small programme has every fate, each of them with and without a transfer.
@pytest.mark.parametrize("seed", [9, 19, 24])
def test_every_journey_of_the_demo_is_accepted_by_the_training_domain(seed: int) -> None:
    programme = plan_programme(seed, participants=600, projects=40, provinces=12)
    assert _kinds(programme.enrolled) == {(moved, fate) for moved in (False, True) for fate in Fate}
    _play(programme.projects, programme.enrolled)


def test_every_completer_of_the_article_scale_demo_attends_the_curriculum_s_hours() -> None:
    """Completion needs the curriculum's threshold of its hours: the sessions each cohort holds add up to the
    curriculum's hours, and every planned completer attends enough of them (every dropout fewer)."""
    programme = plan_programme(1)  # the demo's default
    needed = hours_needed(ATTENDANCE_THRESHOLD, CURRICULUM_HOURS)

    assert {len(project.session_days) * SESSION_HOURS for project in programme.projects} == {CURRICULUM_HOURS}
    attended = {(j.fate, j.sessions_attended * SESSION_HOURS >= needed) for j in programme.enrolled}
    assert attended == {(Fate.COMPLETED, True), (Fate.DROPPED_OUT, False), (Fate.WITHDRAWN, False)}
