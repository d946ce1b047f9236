"""Training HTTP API: curricula, cohorts and training records (commands and their read models).

Each curriculum, cohort and training record is also read as recorded in the event store
(``…/{id}/recorded``), with its version as the ``ETag`` for a command's ``If-Match``; the other reads
come from read models, which follow the events a moment later and carry no ``ETag``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from pathways_infra.as_recorded import as_recorded, recorded
from pathways_infra.command_model import IsoDay
from pathways_infra.http import (
    CommandAccepted,
    Context,
    EventsTable,
    NotFoundError,
    Offset,
    ReadPool,
    application_of,
    happened_on,
)
from pathways_infra.idempotency import Once
from pathways_infra.known_ids import Known, known_from_events, require_known
from pathways_infra.listing import check_day_range, listed
from pathways_infra.openapi_answers import answered_as
from pathways_training.application import (
    ApproveCurriculum,
    AssessSkills,
    AssignMembers,
    AssignToCohort,
    CancelCohort,
    CoDesignCurriculum,
    CompleteCohort,
    CompleteTraining,
    CurriculumRevision,
    DraftCurriculum,
    DropOut,
    HoldSession,
    MembersAssigned,
    PlanCohort,
    RecordAttendance,
    RetireCurriculum,
    ReviseCurriculum,
    SessionRecorded,
    StartCohort,
    TrainingApplication,
    TransferToCohort,
)
from pathways_training.domain.cohort import Cohort, CohortStatus, evolve_cohort
from pathways_training.domain.curriculum import Curriculum, CurriculumStatus, Track, evolve_curriculum
from pathways_training.domain.project import ProjectLearned
from pathways_training.domain.training import TrainingRecord, TrainingStatus, evolve_record
from pathways_training.projections import cohorts, curricula, training_records

router = APIRouter()

App = Annotated[TrainingApplication, Depends(application_of)]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _accepted(
    path: str, *, tags: list[str | Enum], response_model: type[CommandAccepted] = CommandAccepted
) -> Callable[[Endpoint], Endpoint]:
    """A command's route: 201 with what the command recorded."""
    return router.post(path, status_code=201, tags=tags, response_model=response_model)


def _known_projects(events_table: str) -> Known:
    # No read model holds projects: training learns each, as it opens, into its own event store.
    heard = "training hears of a project once it opens in the enrollment service"
    return known_from_events("project", ProjectLearned, events_table, not_yet=heard)


# --- curricula ---


@_accepted("/curricula", tags=["curricula"])
async def draft_curriculum(command: DraftCurriculum, app: App, context: Context, once: Once) -> Any:
    """Draft a curriculum (version 1) for a project; it is then co-designed with the community and approved.

    The project must have opened in the enrollment service: until training has heard of it, the draft
    is refused with a retryable `409 project-must-be-known`. `drafted_on` (default today) is the day the
    co-design may not precede.
    """
    occurred = happened_on(context, command.drafted_on)
    return await once(lambda claim: app.draft_curriculum(command, occurred, idempotency=claim))


@_accepted("/curricula/{curriculum_id}/revision", tags=["curricula"], response_model=CurriculumRevision)
async def revise_curriculum(
    curriculum_id: UUID, command: ReviseCurriculum, app: App, context: Context, once: Once
) -> Any:
    """Revise the content of the newest curriculum version.

    Revising a DRAFT or CO_DESIGNED version replaces it in place, under the same version number: it is a
    draft again and must be co-designed again before approval. Revising when the newest version is
    APPROVED or RETIRED opens the next version, as a draft (an approved version stays usable by cohorts
    until it is retired).

    `curriculum_version` in the answer is the curriculum version the revision drafted or replaced (the
    newest version after it): the one to co-design and approve. `version` is the aggregate's version
    (for `If-Match`), not a curriculum version.

    `revised_on` (default today) is the day the version was drafted anew: not before the newest version
    was drafted (`409 revision-before-draft`), and its co-design is not before it.
    """
    occurred = happened_on(context, command.revised_on)
    return await once(lambda claim: app.revise_curriculum(curriculum_id, command, occurred, idempotency=claim))


@_accepted("/curricula/{curriculum_id}/co-design", tags=["curricula"])
async def co_design_curriculum(
    curriculum_id: UUID, command: CoDesignCurriculum, app: App, context: Context, once: Once
) -> Any:
    """Record that a draft version was co-designed with the community (who, when, which needs assessment).

    Not before the version was drafted (`409 co-design-before-draft`): the draft, or the revision that
    drafted or last replaced it.
    """
    occurred = happened_on(context, command.co_designed_on)
    return await once(lambda claim: app.co_design_curriculum(curriculum_id, command, occurred, idempotency=claim))


@_accepted("/curricula/{curriculum_id}/approval", tags=["curricula"])
async def approve_curriculum(
    curriculum_id: UUID, command: ApproveCurriculum, app: App, context: Context, once: Once
) -> Any:
    """Approve a co-designed version: cohorts may then follow it. Not before the day it was co-designed
    (`409 approval-before-co-design`)."""
    occurred = happened_on(context, command.approved_on)
    return await once(lambda claim: app.approve_curriculum(curriculum_id, command, occurred, idempotency=claim))


@_accepted("/curricula/{curriculum_id}/retirement", tags=["curricula"])
async def retire_curriculum(
    curriculum_id: UUID, command: RetireCurriculum, app: App, context: Context, once: Once
) -> Any:
    """Retire an approved version: no new cohort follows it (cohorts under way keep its rules). Not before
    the day it was approved (`409 retirement-before-approval`)."""
    occurred = happened_on(context, command.retired_on)
    return await once(lambda claim: app.retire_curriculum(curriculum_id, command, occurred, idempotency=claim))


@router.get("/curricula/{curriculum_id}", tags=["curricula"], **answered_as(curricula.CurriculumShown))
async def get_curriculum(curriculum_id: UUID, read: ReadPool) -> dict[str, Any]:
    """A curriculum with all its versions (content, status, co-design, approval, retirement), from a read
    model (no `ETag`: read `/curricula/{id}/recorded` to act with `If-Match`)."""
    found = await curricula.get_curriculum(read, curriculum_id)
    if found is None:
        raise NotFoundError(f"curriculum {curriculum_id} is not known (yet: read models follow the events)")
    return found


@router.get("/curricula/{curriculum_id}/recorded", tags=["curricula"], **recorded(Curriculum))
async def get_recorded_curriculum(curriculum_id: UUID, request: Request) -> Any:
    """The curriculum as recorded, never behind: its versions (content, status, days). Its `ETag` is the
    version to send as `If-Match` with a command on the curriculum."""
    return await as_recorded(request, evolve_curriculum, curriculum_id, "curriculum")


@router.get("/curricula", tags=["curricula"], **listed(curricula.CurriculumShown))
async def list_curricula(
    read: ReadPool,
    events: EventsTable,
    response: Response,
    project_id: Annotated[UUID | None, Query(description="Only curricula of this project.")] = None,
    status: Annotated[
        CurriculumStatus | None, Query(description="Only curricula with a version in this status.")
    ] = None,
    track: Annotated[Track | None, Query(description="Only curricula with a version on this track.")] = None,
    community: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Only curricula with a version co-designed with a community whose name contains this.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Curricula in the order drafted, each with all its versions.

    `status`, `track` and `community` (matched in any case) select curricula with one version
    matching all of those given: a curriculum whose newest version is a draft is still listed under
    APPROVED while an earlier version is approved (its `status` is its newest version's). `X-Total-Count`
    says how many match, all pages together. An unknown `project_id` is a 404 naming it.
    """
    await require_known(read, (_known_projects(events), project_id))
    page = await curricula.list_curricula(
        read,
        project_id=project_id,
        status=None if status is None else status.value,
        track=None if track is None else track.value,
        community=community,
        limit=limit,
        offset=offset,
    )
    return page.answer(response)


# --- cohorts ---


@_accepted("/cohorts", tags=["cohorts"])
async def plan_cohort(command: PlanCohort, app: App, context: Context, once: Once) -> Any:
    """Plan a cohort of a project on an approved curriculum version (it keeps that version's competencies
    and attendance threshold)."""
    return await once(lambda claim: app.plan_cohort(command, context, idempotency=claim))


@_accepted("/cohorts/{cohort_id}/start", tags=["cohorts"])
async def start_cohort(cohort_id: UUID, command: StartCohort, app: App, context: Context, once: Once) -> Any:
    """Start a planned cohort: it then holds sessions.

    Not before its curriculum version was approved (`409 cohort-start-before-curriculum-approval`).
    """
    occurred = happened_on(context, command.started_on)
    return await once(lambda claim: app.start_cohort(cohort_id, command, occurred, idempotency=claim))


@_accepted("/cohorts/{cohort_id}/sessions", tags=["cohorts"], response_model=SessionRecorded)
async def hold_session(cohort_id: UUID, command: HoldSession, app: App, context: Context, once: Once) -> Any:
    """Record a session the cohort held and who attended it, in one transaction.

    `attended` lists the enrollment ids of the members present; members not listed were absent. If any
    listed participant is not in the cohort (or the session breaks a rule) nothing is recorded. `If-Match`
    applies to the cohort. A session the cohort already held, recorded again, is `409 session-duplicate`,
    naming it: one that day whose time overlaps it (from `starts_at` for its `hours`), or, where either has
    no start time, of the same length (unless `distinct_from` names that one: it was recorded without a start
    time, so only staff can tell it apart). On a day with a session recorded with its start time, one without
    is `409 session-start-time-needed`, naming the sessions held that day.
    """
    occurred = happened_on(context, command.held_on)
    return await once(lambda claim: app.hold_session(cohort_id, command, occurred, idempotency=claim))


@_accepted("/cohorts/{cohort_id}/members", tags=["cohorts"], response_model=MembersAssigned)
async def assign_members(cohort_id: UUID, command: AssignMembers, app: App, context: Context, once: Once) -> Any:
    """Assign many participants (enrollment ids) to the cohort in one transaction: all of them, or none.

    Participants already in this cohort are left as they are; one in another cohort is refused
    (`409 already-in-a-cohort`: transfer them instead). Without `assigned_on`, each joins on the first
    day they could have been in the cohort (see assigning one participant).
    """
    occurred = happened_on(context, command.assigned_on)
    return await once(lambda claim: app.assign_members(cohort_id, command, occurred, idempotency=claim))


@_accepted("/cohorts/{cohort_id}/completion", tags=["cohorts"])
async def complete_cohort(cohort_id: UUID, command: CompleteCohort, app: App, context: Context, once: Once) -> Any:
    """Record that a cohort in progress finished its training (it must have held a session).

    Not before it started (`409 cohort-end-before-start`) nor before its last session
    (`409 cohort-end-before-last-session`). Members still in training stay so: finish each record
    afterwards (completion, possibly dated later, dropout or cohort transfer); `GET /cohorts/{id}`
    counts them in `members_in_training` and shows each member's `training_status`.
    """
    occurred = happened_on(context, command.completed_on)
    return await once(lambda claim: app.complete_cohort(cohort_id, command, occurred, idempotency=claim))


@_accepted("/cohorts/{cohort_id}/cancellation", tags=["cohorts"])
async def cancel_cohort(cohort_id: UUID, command: CancelCohort, app: App, context: Context, once: Once) -> Any:
    """Cancel a planned or running cohort (with a reason); its participants can transfer to another cohort.

    A running cohort is not cancelled before it started or before its last session (the same rules as
    its completion).
    """
    occurred = happened_on(context, command.cancelled_on)
    return await once(lambda claim: app.cancel_cohort(cohort_id, command, occurred, idempotency=claim))


@router.get("/cohorts/{cohort_id}", tags=["cohorts"], **answered_as(cohorts.CohortShown))
async def get_cohort(cohort_id: UUID, read: ReadPool) -> dict[str, Any]:
    """A cohort: its curriculum, status, the sessions held (with how many attended) and its members.
    A member who left has `left_on` and `left_because`: TRANSFERRED (to another cohort), DROPPED_OUT or
    WITHDRAWN; `members_count` counts those who have not left. A member still in it has `training_status`
    IN_TRAINING or COMPLETED; `members_in_training` counts those still in training (once the cohort is
    completed, the records staff have yet to finish). Of the members in training (by their training
    records), `mean_attendance_rate` is their mean attendance rate, of hours (`null` until a session was
    expected of one) and `members_at_risk` how many attend below the cohort's `attendance_threshold` (listed by
    `GET /training-records?cohort_id={id}&at_risk=true`). From a read model (no `ETag`: read
    `/cohorts/{id}/recorded` to act with `If-Match`)."""
    found = await cohorts.get_cohort(read, cohort_id)
    if found is None:
        raise NotFoundError(f"cohort {cohort_id} is not known (yet: read models follow the events)")
    return found


@router.get("/cohorts/{cohort_id}/recorded", tags=["cohorts"], **recorded(Cohort))
async def get_recorded_cohort(cohort_id: UUID, request: Request) -> Any:
    """The cohort as recorded, never behind: status, days, the rules it keeps and the sessions held (its
    members are on their training records). Its `ETag` is the version to send as `If-Match` with a command
    on the cohort."""
    return await as_recorded(request, evolve_cohort, cohort_id, "cohort")


@router.get("/cohorts", tags=["cohorts"], **listed(cohorts.CohortListed))
async def list_cohorts(
    read: ReadPool,
    events: EventsTable,
    response: Response,
    project_id: Annotated[UUID | None, Query(description="Only cohorts of this project.")] = None,
    curriculum_id: Annotated[UUID | None, Query(description="Only cohorts following this curriculum.")] = None,
    status: Annotated[CohortStatus | None, Query(description="Only cohorts in this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Cohorts by the day they start, with how many sessions they held, members they have now and, of those,
    members still in training (`members_in_training`), their mean attendance rate (`mean_attendance_rate`)
    and how many attend below the cohort's `attendance_threshold` (`members_at_risk`), as on
    `GET /cohorts/{id}`; `X-Total-Count` says how many match, all pages together. An unknown `project_id` or
    `curriculum_id` is a 404 naming each one."""
    await require_known(read, (_known_projects(events), project_id), (curricula.KNOWN, curriculum_id))
    page = await cohorts.list_cohorts(
        read,
        project_id=project_id,
        curriculum_id=curriculum_id,
        status=None if status is None else status.value,
        limit=limit,
        offset=offset,
    )
    return page.answer(response)


# --- training records (id = enrollment id) ---


@_accepted("/training-records/{enrollment_id}/cohort", tags=["training"])
async def assign_to_cohort(enrollment_id: UUID, command: AssignToCohort, app: App, context: Context, once: Once) -> Any:
    """Assign the participant to a cohort of their project; sessions held from `assigned_on` count.

    Without `assigned_on`, the participant joins on the first day they could have been in the cohort:
    the later of its start (its planned start if not started, but not after today) and the enrollment
    (or its transfer to the cohort's project). Not before the enrollment, or its transfer to the
    cohort's project (`409 cohort-joining-before-enrollment`).
    """
    occurred = happened_on(context, command.assigned_on)
    return await once(lambda claim: app.assign_to_cohort(enrollment_id, command, occurred, idempotency=claim))


@_accepted("/training-records/{enrollment_id}/cohort-transfer", tags=["training"])
async def transfer_to_cohort(
    enrollment_id: UUID, command: TransferToCohort, app: App, context: Context, once: Once
) -> Any:
    """Move the participant to another cohort of their project, keeping their attendance history.

    Not before they joined their current cohort (`409 cohort-transfer-before-joining`), nor before the
    enrollment came into the new cohort's project (`409 cohort-joining-before-enrollment`). Leaving a
    cohort of the project the enrollment was transferred from, they are expected at its sessions held
    before the enrollment's transfer only.
    """
    occurred = happened_on(context, command.transferred_on)
    return await once(lambda claim: app.transfer_to_cohort(enrollment_id, command, occurred, idempotency=claim))


@_accepted("/training-records/{enrollment_id}/attendance", tags=["training"])
async def record_attendance(
    enrollment_id: UUID, command: RecordAttendance, app: App, context: Context, once: Once
) -> Any:
    """Mark the participant present or absent at one session of their cohort (a new mark corrects the old).

    After the enrollment was transferred to another project, a cohort of the old project takes no mark for
    a session held from the transfer day (`409 cohort-of-another-project`): move the participant to a
    cohort of their project first (`POST /training-records/{id}/cohort-transfer`). A session of a cohort
    the participant left by a cohort transfer, held while they were in it, may still be marked (it counts).
    """
    return await once(lambda claim: app.record_attendance(enrollment_id, command, context, idempotency=claim))


@_accepted("/training-records/{enrollment_id}/assessments", tags=["training"])
async def assess_skills(enrollment_id: UUID, command: AssessSkills, app: App, context: Context, once: Once) -> Any:
    """Record a pre- or post-training skills assessment: a score from 0 to 100 per competency.

    A phase may be assessed in parts: a later part scores competencies not yet scored in that phase
    (one scored already is refused, `409 assessment-already-recorded`). No assessment is before the
    enrollment (`409 assessment-before-enrollment`); the post-training assessment is not before the
    first part of the pre-training one (`409 post-assessment-before-pre`) nor before joining the
    current cohort (`409 post-assessment-before-joining`). After the enrollment was transferred to another
    project, a post-training assessment waits until the participant is moved to a cohort of that project
    (`409 cohort-of-another-project`). Once training is completed, a post-training assessment (or a part
    of it) may still be recorded, in the cohort completed in; a pre-training one is refused
    (`409 training-already-completed`). A score outside 0 to 100 is `409 score-out-of-range`, whatever
    the record's state.
    """
    occurred = happened_on(context, command.assessed_on)
    return await once(lambda claim: app.assess_skills(enrollment_id, command, occurred, idempotency=claim))


@_accepted("/training-records/{enrollment_id}/completion", tags=["training"])
async def complete_training(
    enrollment_id: UUID, command: CompleteTraining, app: App, context: Context, once: Once
) -> Any:
    """Record that the participant completed training.

    In a cohort, the hours attended (across cohort transfers) must reach the curriculum's threshold of the
    curriculum's hours, else `409 curriculum-hours-not-met`, and of the hours of the sessions the participant
    was expected at, else `409 attendance-threshold` (of the two, the refusal names the one on more hours,
    with the hours attended and needed). It is not before the
    enrollment (`409 training-end-before-enrollment`), joining the current cohort
    (`409 training-end-before-joining`), the first session the participant was expected at there
    (`409 completion-before-first-session`), or the last session there they attended
    (`409 completion-before-last-session-attended`). After the enrollment was transferred to another
    project, completion waits until the participant is moved to a cohort of that project
    (`409 cohort-of-another-project`).
    """
    occurred = happened_on(context, command.occurred_at or command.completed_on)
    return await once(lambda claim: app.complete_training(enrollment_id, command, occurred, idempotency=claim))


@_accepted("/training-records/{enrollment_id}/dropout", tags=["training"])
async def drop_out(enrollment_id: UUID, command: DropOut, app: App, context: Context, once: Once) -> Any:
    """Record that the participant dropped out of training (with a reason).

    Not before the enrollment (`409 training-end-before-enrollment`) or joining the current cohort
    (`409 training-end-before-joining`).
    """
    occurred = happened_on(context, command.dropped_out_on)
    return await once(lambda claim: app.drop_out(enrollment_id, command, occurred, idempotency=claim))


@router.get("/training-records/{enrollment_id}", tags=["training"], **answered_as(training_records.TrainingRecordShown))
async def get_training_record(enrollment_id: UUID, read: ReadPool) -> dict[str, Any]:
    """A participant's training: status, project, cohort, sessions and hours expected and attended,
    attendance rate (of hours), pre/post assessments, completion or dropout. From a read model (no `ETag`:
    read `/training-records/{id}/recorded` to act with `If-Match`).

    `attendance_threshold` is the current cohort's (the curriculum's, default 0.8; `null` outside a cohort):
    completion needs the hours attended at or above it of the cohort's `curriculum_hours` and of
    `hours_expected`; `hours_needed` is the larger (`null` outside a cohort). `at_risk` is true for a record
    IN_TRAINING whose `attendance_rate` is below it (`false` before any session was expected of it). Whether
    the curriculum's hours can still be reached is not said: the cohort does not say how many hours are still
    to come."""
    found = await training_records.get_record(read, enrollment_id)
    if found is None:
        raise NotFoundError(f"no training record for enrollment {enrollment_id} (yet: read models follow the events)")
    return found


@router.get("/training-records/{enrollment_id}/recorded", tags=["training"], **recorded(TrainingRecord))
async def get_recorded_training_record(enrollment_id: UUID, request: Request) -> Any:
    """The training record as recorded, never behind: status, cohort, attendance marks, assessments. Its
    `ETag` is the version to send as `If-Match` with a command on the record."""
    return await as_recorded(request, evolve_record, enrollment_id, "training record")


@router.get("/training-records", tags=["training"], **listed(training_records.TrainingRecordShown))
async def list_training_records(
    read: ReadPool,
    events: EventsTable,
    response: Response,
    project_id: Annotated[UUID | None, Query(description="Only records of this project.")] = None,
    cohort_id: Annotated[UUID | None, Query(description="Only records of participants now in this cohort.")] = None,
    status: Annotated[TrainingStatus | None, Query(description="Only records in this status.")] = None,
    at_risk: Annotated[
        bool | None,
        Query(
            description="`true`: only records in training attending below their cohort's threshold of the "
            "hours held for them (`at_risk`); `false`: only the others."
        ),
    ] = None,
    completed_from: Annotated[
        IsoDay | None, Query(description="Only records whose training completed on or after this day.")
    ] = None,
    completed_to: Annotated[
        IsoDay | None, Query(description="Only records whose training completed on or before this day.")
    ] = None,
    closed_from: Annotated[
        IsoDay | None,
        Query(description="Only records closed (completed, dropped out or withdrawn) on or after this day."),
    ] = None,
    closed_to: Annotated[
        IsoDay | None,
        Query(description="Only records closed (completed, dropped out or withdrawn) on or before this day."),
    ] = None,
    after: Annotated[
        UUID | None,
        Query(description="Only records after this enrollment id (keyset paging: the previous page's last)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Training records ordered by enrollment id, filtered by project, cohort, status and `at_risk`
    (combinable): `?cohort_id=…&at_risk=true` is who in a cohort attends below the threshold of the hours
    held for them, and would be refused completion whatever the curriculum's hours. Each
    record is as `GET /training-records/{id}` shows it, with `attendance_threshold` and `at_risk`.

    A period's records: `completed_from`/`completed_to` by `completed_on`, the day training completed;
    `closed_from`/`closed_to` by `closed_on`, the day the record closed however it did (completed, dropped out or
    withdrawn: with `status=DROPPED_OUT`, the month's dropouts). Both bounds are included; a range whose end
    is before its start is a 422 naming the end.

    Page with `limit` and `offset`, as every list does; or, over many pages, with `after` (the last
    enrollment id of the previous page), which stays quick however deep the page. `X-Total-Count` says how
    many records match the filters, all pages together (those before `after` too).

    An unknown `project_id` or `cohort_id` is a 404 naming each one (`after` is a place in the order, not a
    filter: any id is one).
    """
    check_day_range(start=("completed_from", completed_from), end=("completed_to", completed_to))
    check_day_range(start=("closed_from", closed_from), end=("closed_to", closed_to))
    await require_known(read, (_known_projects(events), project_id), (cohorts.KNOWN, cohort_id))
    of = training_records.RecordFilter(
        project_id=project_id,
        cohort_id=cohort_id,
        status=status and status.value,
        at_risk=at_risk,
        completed_from=completed_from,
        completed_to=completed_to,
        closed_from=closed_from,
        closed_to=closed_to,
        after=after,
    )
    page = await training_records.list_records(
        read,
        of,
        limit=limit,
        offset=offset,
    )
    return page.answer(response)
