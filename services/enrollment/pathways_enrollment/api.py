"""Enrollment HTTP API: commands write through the application; queries read the read models.

Single-aggregate lookups (a unit, a project, a mentor, a participant) answer from the event store,
so a caller reads its own writes; lists and journeys come from the read models, which follow the
events a moment later.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from pathways_contracts.reference import PROGRAMME_REGIONS, normalise_province_iso
from pathways_enrollment import commands as c
from pathways_enrollment.application import (
    BaselineCorrection,
    CoachingVisitLogged,
    ConsentChange,
    DuplicateSettled,
    EnrollmentApplication,
    ParticipantErasure,
    Registration,
    ScreeningAnswer,
)
from pathways_enrollment.domain.enrollment import Enrollment, evolve_enrollment
from pathways_enrollment.domain.mentor import Mentor, MentorStatus, evolve_mentor
from pathways_enrollment.domain.national_id import normalise_national_id
from pathways_enrollment.domain.participant import Participant, ParticipantRegistered, evolve_participant
from pathways_enrollment.domain.project import Project, ProjectStatus, evolve_project
from pathways_enrollment.domain.unit import CareerDevelopmentUnit, UnitStatus, evolve_unit
from pathways_enrollment.projections import (
    coaching_visits,
    enrollments,
    mentors,
    potential_duplicates,
    projects,
    units,
)
from pathways_enrollment.vault import MENTOR, PersonalData, Vault
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
)
from pathways_infra.idempotency import Once
from pathways_infra.known_ids import Known, known_from_events, require_known
from pathways_infra.listing import LISTED, check_day_range, listed
from pathways_infra.openapi_answers import answered_as
from pathways_infra.openapi_errors import Problem
from pathways_infra.thai_time import thai_today

router = APIRouter()
App = Annotated[EnrollmentApplication, Depends(application_of)]
Accepted: dict[str, Any] = {"status_code": 201, "response_model": CommandAccepted}


def _programme_region(region: str) -> str:
    return PROGRAMME_REGIONS.region(region.strip().upper()).id


Region = Annotated[str, AfterValidator(_programme_region)]
ProvinceCode = Annotated[str, AfterValidator(normalise_province_iso)]
RegionFilter = Annotated[Region | None, Query(description=f"One of {', '.join(PROGRAMME_REGIONS.region_ids)}.")]
ProvinceFilter = Annotated[ProvinceCode | None, Query(description="ISO 3166-2:TH code, e.g. TH-50 (or the bare 50).")]
Limit = Annotated[int, Query(ge=1, le=1000)]


# --- career development units ------------------------------------------------------------------


@router.post("/units", tags=["units"], **Accepted)
async def register_unit(command: c.RegisterUnit, app: App, context: Context, once: Once) -> Any:
    """Register a career development unit (it runs projects in its province) on `registered_on` (default today):
    a project is proposed for it on that day or later (`409 proposed-before-unit-registered`), so a unit typed in
    late needs its `registered_on` (one left out or mistyped is corrected with
    `POST /units/{id}/registration-day/correction`)."""
    return await once(lambda claim: app.register_unit(command, context, claim))


@router.post("/units/{unit_id}/registration-day/correction", tags=["units"], **Accepted)
async def correct_unit_registration_day(
    unit_id: UUID, command: c.CorrectUnitRegistrationDay, app: App, context: Context, once: Once
) -> Any:
    """Correct the day the unit was registered (`registered_on`), with a `reason`: a unit registered without one
    is dated the day it was recorded, and a project proposed before that day is refused
    (`proposed-before-unit-registered`). A unit registered before the day was kept is given one. `GET /units/{id}`
    and `GET /units` show the corrected day, and its first earlier name is held from it; published as
    `enrollment.v1.unit.registration_day_corrected` (the day and the one it replaces; the reason stays in the
    event store).

    The corrected day is no later than any of the unit's projects (`409 registered-after-proposal`, naming the
    project: from its proposal's day, or for one proposed before that day was kept, its first dated step or
    rename), than the first day of any mentor's assignment to the unit itself
    (`409 registered-after-mentor-assignment`, naming the assignment; one withdrawn before it began is left out),
    or than its first rename (`409 registered-after-rename`). A day after today or a Buddhist-era year is
    a `422`, as for any day. The day already recorded records nothing (an answer without `event_ids`). A
    deactivated unit keeps its day (`409 deactivated-unit-cannot-be-corrected`). Takes `If-Match` and
    `Idempotency-Key`."""
    return await once(lambda claim: app.correct_unit_registration_day(unit_id, command, context, claim))


@router.post("/units/{unit_id}/name", tags=["units"], **Accepted)
async def rename_unit(unit_id: UUID, command: c.Rename, app: App, context: Context, once: Once) -> Any:
    """Rename the unit from `renamed_on` (default today) on: a name mistyped at registration, or one the unit
    changed. `GET /units/{id}` keeps the names it had in `earlier_names` (each with `named_on` and `renamed_on`);
    `GET /units` lists it by its new name; published as `enrollment.v1.unit.renamed`.

    Refused (`409`, naming the rule): the name it has already (`name-unchanged`), a deactivated unit
    (`deactivated-unit-cannot-be-renamed`), a day before its registration (`renamed-before-registration`; units
    registered before the day was kept have none) or before its last rename (`renamed-before-last-rename`). A
    blank name is a `422`. Takes `If-Match` and `Idempotency-Key`."""
    return await once(lambda claim: app.rename_unit(unit_id, command, context, claim))


@router.post("/units/{unit_id}/activation", tags=["units"], **Accepted)
async def activate_unit(unit_id: UUID, app: App, context: Context, once: Once) -> Any:
    return await once(lambda claim: app.activate_unit(unit_id, context, claim))


@router.post("/units/{unit_id}/suspension", tags=["units"], **Accepted)
async def suspend_unit(unit_id: UUID, command: c.Reason, app: App, context: Context, once: Once) -> Any:
    return await once(lambda claim: app.suspend_unit(unit_id, command, context, claim))


@router.post("/units/{unit_id}/reinstatement", tags=["units"], **Accepted)
async def reinstate_unit(unit_id: UUID, app: App, context: Context, once: Once) -> Any:
    return await once(lambda claim: app.reinstate_unit(unit_id, context, claim))


@router.post("/units/{unit_id}/deactivation", tags=["units"], **Accepted)
async def deactivate_unit(unit_id: UUID, command: c.Reason, app: App, context: Context, once: Once) -> Any:
    return await once(lambda claim: app.deactivate_unit(unit_id, command, context, claim))


@router.get("/units", tags=["units"], **LISTED)
async def list_units(
    read: ReadPool,
    response: Response,
    region: RegionFilter = None,
    province_code: ProvinceFilter = None,
    status: UnitStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[units.UnitListed]:
    """Career development units by name (a read model: a unit registered a moment ago may not show yet);
    `X-Total-Count` says how many match, all pages together."""
    page = await units.list_units(
        read, region=region, province_code=province_code, status=status, limit=limit, offset=offset
    )
    return page.answer(response)


@router.get("/units/{unit_id}", tags=["units"], **recorded(CareerDevelopmentUnit))
async def get_unit(unit_id: UUID, request: Request) -> Any:
    """The unit as recorded: its status, `registered_on` (null for units registered before it was kept), the
    names it had before its current one (`earlier_names`, oldest first, each held from `named_on` until
    `renamed_on`), `projects`: those proposed for it since units note them (by id, in the order proposed), and
    `mentor_assignments`: the mentors' assignments to it since units note them (in the order assigned)."""
    return await as_recorded(request, evolve_unit, unit_id, "career development unit")


# --- projects ----------------------------------------------------------------------------------


@router.post("/projects", tags=["projects"], **Accepted)
async def propose_project(command: c.ProposeProject, app: App, context: Context, once: Once) -> Any:
    """Propose a project: a grant for a career development unit in one province, on `proposed_on` (default
    today), not before the unit was registered (`409 proposed-before-unit-registered`; a unit registered earlier
    than recorded has its day corrected first, `POST /units/{id}/registration-day/correction`). The unit notes the
    project (its version goes up by one; `event_ids` are the proposal's and the note's)."""
    return await once(lambda claim: app.propose_project(command, context, claim))


@router.post("/projects/{project_id}/needs-assessment", tags=["projects"], **Accepted)
async def assess_community_needs(
    project_id: UUID, command: c.AssessCommunityNeeds, app: App, context: Context, once: Once
) -> Any:
    """Record (or redraft) the community needs assessment: problems, community capital, opportunities."""
    return await once(lambda claim: app.assess_community_needs(project_id, command, context, claim))


@router.post("/projects/{project_id}/needs-assessment/validation", tags=["projects"], **Accepted)
async def validate_needs_assessment(project_id: UUID, app: App, context: Context, once: Once) -> Any:
    return await once(lambda claim: app.validate_needs_assessment(project_id, context, claim))


@router.post("/projects/{project_id}/approval", tags=["projects"], **Accepted)
async def approve_project(
    project_id: UUID, app: App, context: Context, once: Once, command: c.ProjectStep | None = None
) -> Any:
    """Approve the proposal (on `on`, default today; the body may be left out): the project opens for
    enrollment (published as enrollment.v1.project.opened). Needs a validated needs assessment
    (`409 needs-assessment-required`) and an active unit (`409 unit-not-active`, retryable while the unit is
    registered or suspended)."""
    return await once(lambda claim: app.approve_project(project_id, command, context, claim))


@router.post("/projects/{project_id}/rejection", tags=["projects"], **Accepted)
async def reject_project(
    project_id: UUID, command: c.ProjectStepWithReason, app: App, context: Context, once: Once
) -> Any:
    """Reject the proposal, with a reason, on `on` (default today)."""
    return await once(lambda claim: app.reject_project(project_id, command, context, claim))


@router.post("/projects/{project_id}/activation", tags=["projects"], **Accepted)
async def activate_project(
    project_id: UUID, app: App, context: Context, once: Once, command: c.ProjectStep | None = None
) -> Any:
    """Start the project (on `on`, default today; not before its approval): needs a validated needs
    assessment and an active unit."""
    return await once(lambda claim: app.activate_project(project_id, command, context, claim))


@router.post("/projects/{project_id}/closure", tags=["projects"], **Accepted)
async def close_project(
    project_id: UUID, app: App, context: Context, once: Once, command: c.ProjectStep | None = None
) -> Any:
    """Close the project when its work is done (on `on`, default today; not before it started)."""
    return await once(lambda claim: app.close_project(project_id, command, context, claim))


@router.post("/projects/{project_id}/termination", tags=["projects"], **Accepted)
async def terminate_project(
    project_id: UUID, command: c.ProjectStepWithReason, app: App, context: Context, once: Once
) -> Any:
    """End the project early, with a reason, on `on` (default today; not before its last step)."""
    return await once(lambda claim: app.terminate_project(project_id, command, context, claim))


@router.post("/projects/{project_id}/name", tags=["projects"], **Accepted)
async def rename_project(project_id: UUID, command: c.Rename, app: App, context: Context, once: Once) -> Any:
    """Rename the project from `renamed_on` (default today) on: a name mistyped at its proposal, or one changed
    since. `GET /projects/{id}` keeps the names it had in `earlier_names` (each with `named_on` and `renamed_on`);
    `GET /projects` lists it by its new name; published as `enrollment.v1.project.renamed`, and outcomes passes
    the new name on to integrators (`outcomes.v1.project.placed`).

    Refused (`409`, naming the rule): the name it has already (`name-unchanged`), a project that ended, closed,
    rejected or terminated (`ended-project-cannot-be-renamed`), a day before its proposal
    (`renamed-before-proposal`; projects proposed before the day was kept have none) or before its last rename
    (`renamed-before-last-rename`). A blank name is a `422`. Takes `If-Match` and `Idempotency-Key`."""
    return await once(lambda claim: app.rename_project(project_id, command, context, claim))


@router.get("/projects", tags=["projects"], **LISTED)
async def list_projects(
    request: Request,
    read: ReadPool,
    response: Response,
    region: RegionFilter = None,
    province_code: ProvinceFilter = None,
    unit_id: Annotated[UUID | None, Query(description="Projects of this career development unit.")] = None,
    mentor_id: Annotated[
        UUID | None, Query(description="Projects this mentor coaches today: assigned to them, or to their unit.")
    ] = None,
    status: ProjectStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[projects.ProjectListed]:
    """Projects by name, with their needs assessment's status and their mentors (a read model);
    `X-Total-Count` says how many match, all pages together. An unknown `unit_id` or `mentor_id` is a 404
    naming it.

    A project's mentors (`mentor_ids`, `mentors`) are all those coaching it today: assigned to the project
    (`via`: PROJECT), then those assigned to its unit while the project has not ended (`via`: UNIT).

    Each mentor's `full_name` (in `mentors`, today's, and in `mentor_assignments`) is decrypted from the vault
    as the page is read (one vault read per page), never copied into the read model: null when no contact was
    given or it was erased."""
    await require_known(read, (units.KNOWN, unit_id), (mentors.KNOWN, mentor_id))
    page = await projects.list_projects(
        read,
        region=region,
        province_code=province_code,
        unit_id=unit_id,
        mentor_id=mentor_id,
        status=status,
        on=_today(),
        limit=limit,
        offset=offset,
    )
    vault: Vault = request.app.state.vault
    mentor_ids = sorted(
        {a.mentor_id for project in page.items for a in project.mentor_assignments}
        | {m.id for project in page.items for m in project.mentors}
    )
    contacts = await vault.get_many(read, mentor_ids, MENTOR)
    return page.map(lambda project: _mentors_named(project, contacts)).answer(response)


def _mentors_named(listed: projects.ProjectListed, contacts: dict[UUID, PersonalData]) -> projects.ProjectListed:
    def full_name(mentor_id: UUID) -> str | None:
        contact = contacts.get(mentor_id)
        return None if contact is None else contact.full_name

    mentors = [m.model_copy(update={"full_name": full_name(m.id)}) for m in listed.mentors]
    history = [a.model_copy(update={"full_name": full_name(a.mentor_id)}) for a in listed.mentor_assignments]
    return listed.model_copy(update={"mentors": mentors, "mentor_assignments": history})


@router.get("/projects/{project_id}", tags=["projects"], **recorded(Project))
async def get_project(project_id: UUID, request: Request) -> Any:
    """The project as recorded: its status and `status_since` (the day of the step that set it, or of the
    proposal while PROPOSED), `proposed_on`, needs assessment, a rejected project's `rejection_reason`, and the
    names it had before its current one (`earlier_names`, oldest first, each held from `named_on` until
    `renamed_on`)."""
    return await as_recorded(request, evolve_project, project_id, "project")


# --- mentors -----------------------------------------------------------------------------------


@router.post("/mentors", tags=["mentors"], **Accepted)
async def register_mentor(command: c.RegisterMentor, app: App, context: Context, once: Once) -> Any:
    """Register a mentor, with their contact if given (`contact`: a `full_name`, and a `phone` if any; a national
    ID, address or date of birth is refused, `422`). The contact is personal data: it is encrypted in the vault
    under a key of the mentor's own, in the same transaction as the registration's events, and never goes
    into events, streams or read models (the events say only that a contact was given, and which fields)."""
    return await once(lambda claim: app.register_mentor(command, context, claim))


@router.post("/mentors/{mentor_id}/assignments", tags=["mentors"], **Accepted)
async def assign_mentor(mentor_id: UUID, command: c.AssignMentor, app: App, context: Context, once: Once) -> Any:
    """Assign the mentor to coach a unit or a project from a date (assignments over time are kept).
    A later date plans the assignment ahead: `GET /mentors?on=<that day>` shows it, and ending it on
    the day before it begins withdraws it. Not from before the unit's registration day, whether to the
    unit or to one of its projects (`409 assigned-before-unit-registered`: a day recorded wrong is corrected
    with `POST /units/{id}/registration-day/correction`); a project may have a mentor from before its proposal.
    Assigned to a unit, the unit notes the assignment in the same transaction (its note is among `event_ids`, and
    its version goes up), so a correction of its registration day never passes it."""
    return await once(lambda claim: app.assign_mentor(mentor_id, command, context, claim))


@router.post("/mentors/{mentor_id}/assignments/{assignment_id}/end", tags=["mentors"], **Accepted)
async def end_mentor_assignment(
    mentor_id: UUID, assignment_id: UUID, command: c.EndMentorAssignment, app: App, context: Context, once: Once
) -> Any:
    return await once(lambda claim: app.end_mentor_assignment(mentor_id, assignment_id, command, context, claim))


@router.post("/mentors/{mentor_id}/deactivation", tags=["mentors"], **Accepted)
async def deactivate_mentor(
    mentor_id: UUID, command: c.DeactivateMentor, app: App, context: Context, once: Once
) -> Any:
    """Make an active mentor inactive; their open assignments end on `deactivated_on`."""
    return await once(lambda claim: app.deactivate_mentor(mentor_id, command, context, claim))


@router.post("/mentors/{mentor_id}/reactivation", tags=["mentors"], **Accepted)
async def reactivate_mentor(mentor_id: UUID, app: App, context: Context, once: Once) -> Any:
    """Make an inactive mentor active again (with no assignment: assign them anew)."""
    return await once(lambda claim: app.reactivate_mentor(mentor_id, context, claim))


@router.post(
    "/mentors/{mentor_id}/coaching-visits", tags=["mentors"], **{**Accepted, "response_model": CoachingVisitLogged}
)
async def log_coaching_visit(
    mentor_id: UUID, command: c.LogCoachingVisit, app: App, context: Context, once: Once
) -> Any:
    """Log a coaching visit to the project or unit of one of the mentor's assignments, on a day it covers, with
    `notes` (what was found and agreed) if any. The answer's `visit_id` is the new visit's (`id` stays the
    mentor's). One visit a day per assignment: a second is a `409 coaching-visit-duplicate` naming the visit
    logged (a retry with the same `Idempotency-Key` gets the first answer instead). Not dated before the unit's
    registration day, whether the visit is to the unit or to one of its projects
    (`409 visited-before-unit-registered`). The notes are published as
    written on `enrollment.v1.mentor.coaching_visit_logged`, as a reason is: write no participant's name, phone
    or ID there. `GET /mentors/{id}/coaching-visits` lists the visits."""
    return await once(lambda claim: app.log_coaching_visit(mentor_id, command, context, claim))


@router.get("/mentors/{mentor_id}/coaching-visits", tags=["mentors"], **LISTED)
async def list_coaching_visits(
    mentor_id: UUID,
    read: ReadPool,
    response: Response,
    visited_from: Annotated[IsoDay | None, Query(description="Only visits on or after this day.")] = None,
    visited_to: Annotated[IsoDay | None, Query(description="Only visits on or before this day.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[coaching_visits.CoachingVisitListed]:
    """The mentor's coaching visits by day (a read model), for a month's report: `visited_from` and
    `visited_to` include both days (an end before the start is a `422` naming it). Each names its assignment
    and the project or unit visited, with its notes. A mentor the read model does not know (yet) is a `404`
    naming it.
    Visits logged before visits were published are listed once `pathways streams republish enrollment` has sent
    them. `X-Total-Count` says how many match, all pages together."""
    check_day_range(start=("visited_from", visited_from), end=("visited_to", visited_to))
    await require_known(read, (mentors.KNOWN, mentor_id))
    page = await coaching_visits.list_coaching_visits(
        read, mentor_id=mentor_id, visited_from=visited_from, visited_to=visited_to, limit=limit, offset=offset
    )
    return page.answer(response)


@router.get("/mentors", tags=["mentors"], **LISTED)
async def list_mentors(
    request: Request,
    read: ReadPool,
    response: Response,
    project_id: Annotated[
        UUID | None,
        Query(
            description="Mentors coaching this project today: assigned to it, or to its unit while the project has "
            "not ended (each says which, `via`)."
        ),
    ] = None,
    unit_id: Annotated[
        UUID | None, Query(description="Mentors coaching this unit, or one of its projects, today.")
    ] = None,
    region: RegionFilter = None,
    province_code: ProvinceFilter = None,
    status: MentorStatus | None = None,
    on: Annotated[
        date | None, Query(description="The day to list assignments on (default today); a later day shows the plan.")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[mentors.MentorListed]:
    """Mentors with the projects and units they coach today (or `on` a given day); `region` and
    `province_code` are theirs (a read model). Each mentor's `full_name` is decrypted from the vault as the
    page is read (one vault read per page), never copied into the read model: null when no contact was given
    or it was erased. `X-Total-Count` says how many match, all pages together. An unknown `project_id` or
    `unit_id` is a 404 naming it."""
    await require_known(read, (projects.KNOWN, project_id), (units.KNOWN, unit_id))
    page = await mentors.list_mentors(
        read,
        project_id=project_id,
        unit_id=unit_id,
        region=region,
        province_code=province_code,
        status=status,
        on=on or _today(),
        limit=limit,
        offset=offset,
    )
    vault: Vault = request.app.state.vault
    contacts = await vault.get_many(read, [m.id for m in page.items], MENTOR)
    return page.map(lambda m: _named(m, contacts.get(m.id))).answer(response)


def _named(listed: mentors.MentorListed, contact: PersonalData | None) -> mentors.MentorListed:
    return listed if contact is None else listed.model_copy(update={"full_name": contact.full_name})


@router.get("/mentors/{mentor_id}", tags=["mentors"], **recorded(Mentor))
async def get_mentor(mentor_id: UUID, request: Request) -> Any:
    """The mentor as recorded: status, assignments, and whether a contact is held (`contact`: NONE, HELD or
    ERASED; the contact itself is at `/mentors/{id}/contact`)."""
    return await as_recorded(request, evolve_mentor, mentor_id, "mentor")


class MentorContactHeld(BaseModel):
    full_name: str
    phone: str | None


@router.get(
    "/mentors/{mentor_id}/contact",
    tags=["mentors"],
    response_model=MentorContactHeld,
    responses={410: {"model": Problem, "description": "The mentor's contact was erased: the key is destroyed."}},
)
async def get_mentor_contact(mentor_id: UUID, request: Request, read: ReadPool) -> Any:
    """The mentor's contact, decrypted from the vault; 404 for an unknown mentor or one whose contact was never
    given, 410 once erased (as `GET /participants/{id}/personal-data`)."""
    vault: Vault = request.app.state.vault
    contact = await vault.get(read, mentor_id, MENTOR)
    if contact is not None:
        return MentorContactHeld(full_name=contact.full_name, phone=contact.phone)
    if await vault.is_erased(read, mentor_id, MENTOR):
        return JSONResponse(status_code=410, content={"error": f"mentor {mentor_id}'s contact was erased"})
    raise NotFoundError(f"no contact is held for mentor {mentor_id} (an unknown mentor, or none was given)")


@router.post("/mentors/{mentor_id}/contact", tags=["mentors"], **Accepted)
async def give_mentor_contact(
    mentor_id: UUID, command: c.GiveMentorContact, app: App, context: Context, once: Once
) -> Any:
    """Give the mentor's contact, or correct it (PDPA §35), as a participant's personal data is rectified: give
    only the fields to set; a phone given as null is removed. A mentor without a contact yet needs a
    `full_name` (`409 mentor-contact-needs-name`); an erased contact is not given again
    (`409 mentor-contact-erased`). The private event records which fields, never their values."""
    return await once(lambda claim: app.give_mentor_contact(mentor_id, command, context, claim))


@router.post("/mentors/{mentor_id}/contact/erasure", tags=["mentors"], **Accepted)
async def erase_mentor_contact(
    mentor_id: UUID, command: c.EraseMentorContact, app: App, context: Context, once: Once
) -> Any:
    """Erase the mentor's contact (PDPA §33): its key and record are destroyed and a private event records the
    erasure (no personal data); afterwards `GET /mentors/{id}/contact` answers 410 and the list shows no name.
    The mentor, its assignments and visits stay. Nothing is published: no stream ever carried the contact.
    `erased_on` defaults to today."""
    return await once(lambda claim: app.erase_mentor_contact(mentor_id, command, context, claim))


# --- participants ------------------------------------------------------------------------------


@router.post("/participants", tags=["participants"], **{**Accepted, "response_model": Registration})
async def register_participant(command: c.RegisterParticipant, app: App, context: Context, once: Once) -> Any:
    """Register a participant. Personal data is encrypted in the vault; events carry only a random id.

    A national ID already registered flags the newcomer as a potential duplicate, to be resolved: the
    answer names the registration it may duplicate (`potential_duplicate_of`).
    """
    return await once(lambda claim: app.register_participant(command, context, claim))


@router.post(
    "/participants/{participant_id}/consents", tags=["participants"], **{**Accepted, "response_model": ConsentChange}
)
async def grant_consent(participant_id: UUID, command: c.GrantConsent, app: App, context: Context, once: Once) -> Any:
    """Grant consent for some purposes. Consent to be followed up (`outcome-follow-up`) given again is told
    on each of the participant's cases in the programme (`follow_up_consent_told`): outcomes follows them up again.
    Consent to take part (`programme-participation`) given again does not reopen the cases withdrawn when it was
    withdrawn (a withdrawn case is final): the answer names them (`cases_still_withdrawn`) and says how to take part
    again (`taking_part_again`): apply to the project again (`POST /enrollments`), which opens a new case."""
    return await once(lambda claim: app.grant_consent(participant_id, command, context, claim))


@router.post(
    "/participants/{participant_id}/consents/withdrawal",
    tags=["participants"],
    **{**Accepted, "response_model": ConsentChange},
)
async def withdraw_consent(
    participant_id: UUID, command: c.WithdrawConsent, app: App, context: Context, once: Once
) -> Any:
    """Withdraw consent for some purposes (always possible for what was granted). Without consent to take
    part (`programme-participation`), the participant's cases in the programme are withdrawn with it,
    reason `CONSENT_WITHDRAWN`, and named in `cases_withdrawn`. Without consent to be followed up
    (`outcome-follow-up`), each case in the programme tells outcomes (`follow_up_consent_told`), which
    marks its open follow-ups missed and records no more outcomes for it."""
    return await once(lambda claim: app.withdraw_consent(participant_id, command, context, claim))


@router.post(
    "/participants/{participant_id}/duplicate-resolution",
    tags=["participants"],
    **{**Accepted, "response_model": DuplicateSettled},
)
async def resolve_duplicate(
    participant_id: UUID, command: c.ResolveDuplicate, app: App, context: Context, once: Once
) -> Any:
    """Settle a potential duplicate: MERGED into the participant it duplicates, or NOT_A_DUPLICATE. A merge
    withdraws the merged registration's applications not yet enrolled (reason `DUPLICATE`,
    `applications_withdrawn`): the person applies again as the registration that stays."""
    return await once(lambda claim: app.resolve_duplicate(participant_id, command, context, claim))


@router.post(
    "/participants/{participant_id}/erasure",
    tags=["participants"],
    **{**Accepted, "response_model": ParticipantErasure},
)
async def erase_participant(participant_id: UUID, command: c.Erase, app: App, context: Context, once: Once) -> Any:
    """Erase the participant's personal data (PDPA): the key is destroyed; the pseudonymous journey stays.

    Registrations merged into the participant are erased with it (`also_erased`). Registrations flagged as
    potential duplicates of it and never resolved are named (`unresolved_potential_duplicates`), not erased:
    erase each that is the same person, resolve the others `NOT_A_DUPLICATE` (none can be merged into an
    erased participant). `erased_on` defaults to today."""
    return await once(lambda claim: app.erase_participant(participant_id, command, context, claim))


@router.get("/participants/potential-duplicates", tags=["participants"], **LISTED)
async def list_potential_duplicates(
    read: ReadPool, response: Response, limit: Limit = 100, offset: Offset = 0
) -> list[potential_duplicates.PotentialDuplicateListed]:
    """Registrations flagged as potential duplicates and not yet resolved, oldest first: an officer's worklist.

    Pseudonymous ids only; resolve each with `POST /participants/{id}/duplicate-resolution` (a read model).
    `X-Total-Count` says how many are on it, all pages together.
    """
    page = await potential_duplicates.list_unresolved(read, limit=limit, offset=offset)
    return page.answer(response)


@router.get("/participants/{participant_id}", tags=["participants"], **recorded(Participant))
async def get_participant(participant_id: UUID, request: Request) -> Any:
    """The pseudonymous registry entry: status, duplicate flag, consents, erasure. No personal data."""
    return await as_recorded(request, evolve_participant, participant_id, "participant")


@router.post("/participants/{participant_id}/personal-data/rectification", tags=["participants"], **Accepted)
async def rectify_personal_data(
    participant_id: UUID, command: c.RectifyPersonalData, app: App, context: Context, once: Once
) -> Any:
    """Correct the participant's personal data (PDPA §35): give only the fields to correct; a phone or address
    given as null is removed. The event records which fields changed, never their values; a corrected date of
    birth gives the age band on the registration day again, for enrollments from then on. A registration with
    only a birth year can be screened once its date of birth is given here. A corrected national ID is indexed
    anew and decides who this is a duplicate of, as at registration: when another registration holds it, this
    one is flagged as its potential duplicate (`409 national-id-in-duplicate-check` while a duplicate check made
    with the old one is unsettled). An erased or merged participant's data cannot be corrected."""
    return await once(lambda claim: app.rectify_personal_data(participant_id, command, context, claim))


@router.post("/participants/{participant_id}/registration-day/correction", tags=["participants"], **Accepted)
async def correct_registration_day(
    participant_id: UUID, command: c.CorrectRegistrationDay, app: App, context: Context, once: Once
) -> Any:
    """Correct the day the participant registered (`registered_on`), with a `reason`: a registration sent without
    one is dated the day it was recorded, and every later step dated before that day is refused
    (`applied-before-registration`). A private event keeps the corrected day and the one it replaces; nothing is
    published, and no read model holds the day. The age band is taken on the corrected day again (from the date
    of birth held; without one the band stays), for enrollments from then on (published ones keep theirs).

    The corrected day is no later than any of the participant's applications (`409 registered-after-application`,
    naming the case), than a correction of their personal data (`409 registered-after-rectification`) or before
    their date of birth (`409 registered-before-birth`); consent given earlier is no obstacle (consent comes before
    or at collection). A day after today or a Buddhist-era year is a `422`, as for any day. The day already
    recorded records nothing (an answer without `event_ids`). An erased or merged participant's day is not
    corrected (`409 participant-erased`, `participant-merged`). Takes `If-Match` and `Idempotency-Key`."""
    return await once(lambda claim: app.correct_registration_day(participant_id, command, context, claim))


@router.get(
    "/participants/{participant_id}/personal-data",
    tags=["participants"],
    **answered_as(
        PersonalData,
        more={410: {"model": Problem, "description": "The participant was erased: the key is destroyed."}},
    ),
)
async def get_personal_data(participant_id: UUID, request: Request, read: ReadPool) -> Any:
    """The participant's personal data, decrypted from the vault; 410 once erased."""
    vault: Vault = request.app.state.vault
    data = await vault.get(read, participant_id)
    if data is not None:
        return data.model_dump(mode="json")
    if await vault.is_erased(read, participant_id):
        return JSONResponse(status_code=410, content={"error": f"participant {participant_id} was erased"})
    raise NotFoundError(f"no personal data is held for participant {participant_id}")


class NationalIdLookup(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    national_id: str = Field(description="13 digits, any accepted format (dashes, spaces, Thai digits).")

    @field_validator("national_id")
    @classmethod
    def _valid(cls, value: str) -> str:
        return normalise_national_id(value)


@router.post("/participants/lookup", tags=["participants"])
async def look_up_participants(body: NationalIdLookup, request: Request, read: ReadPool) -> dict[str, Any]:
    """Who is registered with a national ID: is the person at the desk registered already? It reads only
    (no event, no idempotency). A POST, so the ID never lands in a URL or an access log.

    `participants` lists every live registration indexed under it, the one holding the ID first
    (`holder`), then those flagged as its potential duplicates; empty when nobody is. Erased registrations
    are not indexed any more."""
    vault: Vault = request.app.state.vault
    found = await vault.registered_with(read, body.national_id)
    return {"participants": [{"id": participant_id, "holder": holder} for participant_id, holder in found]}


# --- enrollment cases --------------------------------------------------------------------------


@router.post("/enrollments", tags=["enrollments"], **Accepted)
async def apply(command: c.Apply, app: App, context: Context, once: Once) -> Any:
    """Open a case: a participant with valid consent applies to a project open for enrollment."""
    return await once(lambda claim: app.apply(command, context, claim))


@router.post("/enrollments/{enrollment_id}/baseline", tags=["enrollments"], **Accepted)
async def record_baseline(enrollment_id: UUID, command: c.Baseline, app: App, context: Context, once: Once) -> Any:
    """Record the baseline profile before enrollment; recorded again, it replaces the last one and calls for a
    new screening. Once the case is enrolled, correct it with `POST /enrollments/{id}/baseline-correction`."""
    return await once(lambda claim: app.record_baseline(enrollment_id, command, context, claim))


@router.post(
    "/enrollments/{enrollment_id}/baseline-correction",
    tags=["enrollments"],
    **{**Accepted, "response_model": BaselineCorrection},
)
async def correct_baseline(
    enrollment_id: UUID, command: c.CorrectBaseline, app: App, context: Context, once: Once
) -> Any:
    """Correct the baseline of an enrolled (or transferred) case, e.g. a monthly income typed 45000 for 4500;
    not of a withdrawn case, nor before enrollment (record the baseline again then). The corrected baseline
    replaces the old one for everything measured against it from then on (outcomes' income against the
    baseline, programme totals and indicators; `enrollment.v1.participant.baseline_corrected`).

    Screening is not run again: the participant was admitted on what was known then and stays enrolled.
    When the corrected baseline misses the project's income or target-group criteria, it is recorded all
    the same and the answer names them in `would_have_failed_screening`, for staff to review. The `reason`
    is kept by enrollment, never published."""
    return await once(lambda claim: app.correct_baseline(enrollment_id, command, context, claim))


@router.post(
    "/enrollments/{enrollment_id}/screening",
    tags=["enrollments"],
    **{**Accepted, "response_model": ScreeningAnswer},
)
async def screen(enrollment_id: UUID, command: c.Screen, app: App, context: Context, once: Once) -> Any:
    """Screen the baseline against the project's eligibility criteria (age from the vault's date of birth);
    the answer says whether it passed, and each criterion missed."""
    return await once(lambda claim: app.screen(enrollment_id, command, context, claim))


@router.post("/enrollments/{enrollment_id}/enrollment", tags=["enrollments"], **Accepted)
async def enroll(enrollment_id: UUID, command: c.Enroll, app: App, context: Context, once: Once) -> Any:
    """Enroll a screened case; needs valid consent on the day and a passed screening. A case screened out is
    refused (`409 passed-screening-required`) naming the day and each criterion it missed, and the way on when
    the data was wrong: record its baseline again, or rectify the date of birth, then screen it again."""
    return await once(lambda claim: app.enroll(enrollment_id, command, context, claim))


@router.post("/enrollments/{enrollment_id}/transfer", tags=["enrollments"], **Accepted)
async def transfer(enrollment_id: UUID, command: c.Transfer, app: App, context: Context, once: Once) -> Any:
    """Move an enrolled case to another project or unit; its history stays with it."""
    return await once(lambda claim: app.transfer(enrollment_id, command, context, claim))


@router.post("/enrollments/{enrollment_id}/withdrawal", tags=["enrollments"], **Accepted)
async def withdraw(enrollment_id: UUID, command: c.Withdraw, app: App, context: Context, once: Once) -> Any:
    """Withdraw a case: training closes an open record, and outcomes schedules no further follow-ups."""
    return await once(lambda claim: app.withdraw(enrollment_id, command, context, claim))


@router.get("/enrollments/{enrollment_id}/case", tags=["enrollments"], **recorded(Enrollment))
async def get_case(enrollment_id: UUID, request: Request) -> Any:
    """The case as recorded: status, placements over time, baseline and screening."""
    return await as_recorded(request, evolve_enrollment, enrollment_id, "enrollment")


@router.get("/enrollments/{enrollment_id}", tags=["enrollments"], **answered_as(enrollments.EnrollmentListed))
async def get_enrollment(enrollment_id: UUID, read: ReadPool) -> dict[str, Any]:
    """The case as the enrollments read model holds it (a moment behind the events), as `GET /enrollments` lists
    it."""
    found = await enrollments.get_enrollment(read, enrollment_id)
    if found is None:
        raise NotFoundError(f"enrollment {enrollment_id} is not known (yet: read models follow the events)")
    return found


@router.get("/enrollments", tags=["enrollments"], **listed(enrollments.EnrollmentListed))
async def list_enrollments(
    read: ReadPool,
    events: EventsTable,
    response: Response,
    participant_id: Annotated[UUID | None, Query(description="Only this participant's cases.")] = None,
    project_id: Annotated[UUID | None, Query(description="Only cases with this project now.")] = None,
    unit_id: Annotated[UUID | None, Query(description="Only cases with this career development unit now.")] = None,
    region: Annotated[
        Region | None, Query(description=f"Only cases in this region now: {', '.join(PROGRAMME_REGIONS.region_ids)}.")
    ] = None,
    province_code: Annotated[
        ProvinceCode | None, Query(description="Only cases in this province now: ISO 3166-2:TH code, e.g. TH-50.")
    ] = None,
    status: Annotated[enrollments.ListedStatus | None, Query(description="Only cases in this status.")] = None,
    applied_from: Annotated[IsoDay | None, Query(description="Only cases applied for on or after this day.")] = None,
    applied_to: Annotated[IsoDay | None, Query(description="Only cases applied for on or before this day.")] = None,
    enrolled_from: Annotated[IsoDay | None, Query(description="Only cases enrolled on or after this day.")] = None,
    enrolled_to: Annotated[IsoDay | None, Query(description="Only cases enrolled on or before this day.")] = None,
    training_ended: Annotated[
        enrollments.TrainingEnded | None,
        Query(description="Only cases whose training ended so, as the training service reported it."),
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Enrollment cases from the application on, by the day they were enrolled (cases not enrolled last):
    APPLIED, SCREENED_IN, SCREENED_OUT, ENROLLED, TRANSFERRED, WITHDRAWN (a read model).

    Filters combine. A case's project, unit, province and region are those it is with now: a transferred case
    is listed where it moved to. `applied_from`/`applied_to` and `enrolled_from`/`enrolled_to` include both
    days; a case without the day (not enrolled yet; applied for before applications were published) is left
    out by a range on it. A range's end before its start is a 422 naming the end. An unknown `participant_id`,
    `project_id` or `unit_id` is a 404 naming each one. `X-Total-Count` says how many cases match, all pages
    together.

    `training_ended` (`COMPLETED`, `DROPPED_OUT`; null while training goes on or before it began) and
    `training_ended_on` say how the case's training ended, as the training service reported it: the status
    stays ENROLLED (or TRANSFERRED) after it, since the case is still in the programme.
    """
    check_day_range(start=("applied_from", applied_from), end=("applied_to", applied_to))
    check_day_range(start=("enrolled_from", enrolled_from), end=("enrolled_to", enrolled_to))
    await require_known(
        read,
        (_registered_participants(events), participant_id),
        (projects.KNOWN, project_id),
        (units.KNOWN, unit_id),
    )
    of = enrollments.EnrollmentFilter(
        participant_id=participant_id,
        project_id=project_id,
        unit_id=unit_id,
        region=region,
        province_code=province_code,
        status=status,
        applied_from=applied_from,
        applied_to=applied_to,
        enrolled_from=enrolled_from,
        enrolled_to=enrolled_to,
        training_ended=training_ended,
    )
    page = await enrollments.list_enrollments(read, of, limit=limit, offset=offset)
    return page.answer(response)


def _registered_participants(events_table: str) -> Known:
    # The registry has no read model: a participant is known from their registration, in the event store.
    return known_from_events("participant", ParticipantRegistered, events_table)


def _today() -> date:
    return thai_today()
