"""Outcomes HTTP API."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from pathways_contracts.reference import PROGRAMME_REGIONS, normalise_province_iso
from pathways_infra.command_model import CalendarDay, IsoDay
from pathways_infra.http import CommandAccepted, Context, NotFoundError, Offset, ReadPool, application_of, happened_on
from pathways_infra.idempotency import Once
from pathways_infra.known_ids import require_known
from pathways_infra.listing import check_day_range, listed
from pathways_infra.openapi_answers import answered_as
from pathways_infra.thai_time import thai_today
from pathways_outcomes.application import (
    AddProduct,
    BeginOperating,
    CloseCase,
    CompleteFollowUp,
    CountMembers,
    DissolveEnterprise,
    GoDormant,
    JoinEnterprise,
    MissFollowUp,
    ObserveIncome,
    OpenOnlineSalesChannel,
    OutcomesApplication,
    RecordEmployment,
    RegisterEnterprise,
    StartEnterprise,
)
from pathways_outcomes.domain.enterprise import EnterpriseKind, EnterpriseStatus
from pathways_outcomes.domain.follow_ups import FollowUpStatus
from pathways_outcomes.domain.indicators import ProgrammeIndicators
from pathways_outcomes.projections import cases, enterprises, indicators, programme

router = APIRouter()


App = Annotated[OutcomesApplication, Depends(application_of)]
ACCEPTED: dict[str, Any] = {"status_code": 201, "response_model": CommandAccepted}


# Days a worklist, a case or the indicators may be asked about (CalendarDay): date arithmetic stays within the calendar.
def _day_query(description: str) -> Any:
    return Query(description=f"{description}; defaults to today.")


class FollowUpMonth(IntEnum):
    THREE = 3
    SIX = 6
    TWELVE = 12


# --- cases ---


@router.post("/cases/{enrollment_id}/employment", tags=["outcomes"], **ACCEPTED)
async def record_employment(
    enrollment_id: UUID, command: RecordEmployment, app: App, context: Context, once: Once
) -> Any:
    """Record employment (wage or self-employed) after completed training."""
    occurred = happened_on(context, command.occurred_at or command.observed_on)
    return await once(lambda claim: app.record_employment(enrollment_id, command, occurred, idempotency=claim))


@router.post("/cases/{enrollment_id}/follow-ups/{month}", tags=["outcomes"], **ACCEPTED)
async def complete_follow_up(
    enrollment_id: UUID, month: FollowUpMonth, command: CompleteFollowUp, app: App, context: Context, once: Once
) -> Any:
    """Complete a due (or overdue) follow-up with the participant's answers.

    A working participant's employment is recorded with it, and a monthly income is recorded as the
    income observed at this follow-up, all in one step.
    """
    occurred = happened_on(context, command.occurred_at or command.completed_on)
    return await once(
        lambda claim: app.complete_follow_up(enrollment_id, int(month), command, occurred, idempotency=claim)
    )


@router.post("/cases/{enrollment_id}/follow-ups/{month}/missed", tags=["outcomes"], **ACCEPTED)
async def miss_follow_up(
    enrollment_id: UUID, month: FollowUpMonth, command: MissFollowUp, app: App, context: Context, once: Once
) -> Any:
    """Mark a due (or overdue) follow-up missed, with the reason."""
    occurred = happened_on(context, command.missed_on)
    return await once(lambda claim: app.miss_follow_up(enrollment_id, int(month), command, occurred, idempotency=claim))


@router.post("/cases/{enrollment_id}/income", tags=["outcomes"], **ACCEPTED)
async def observe_income(enrollment_id: UUID, command: ObserveIncome, app: App, context: Context, once: Once) -> Any:
    """Record a monthly income observed at a completed follow-up (by default the latest one), once it was due."""
    occurred = happened_on(context, command.observed_on)
    return await once(lambda claim: app.observe_income(enrollment_id, command, occurred, idempotency=claim))


@router.post("/cases/{enrollment_id}/closure", tags=["outcomes"], **ACCEPTED)
async def close_case(enrollment_id: UUID, command: CloseCase, app: App, context: Context, once: Once) -> Any:
    """Close a case whose training is over; its unanswered follow-ups become missed.

    It closes no earlier than the latest day the case knows of (training's end, a withdrawal, an answered
    follow-up, an observation).
    """
    occurred = happened_on(context, command.closed_on)
    return await once(lambda claim: app.close_case(enrollment_id, command, occurred, idempotency=claim))


@router.get("/cases/{enrollment_id}", tags=["outcomes"], **answered_as(cases.CaseShown))
async def get_case(
    enrollment_id: UUID,
    read: ReadPool,
    as_of: Annotated[CalendarDay | None, _day_query("The case's and its follow-ups' statuses as of this day")] = None,
) -> dict[str, Any]:
    """The case: follow-ups (SCHEDULED, DUE, OVERDUE, COMPLETED, MISSED), employment, incomes against the baseline.

    The employment columns hold the latest employment observed (by `employment_on`, the day it was
    observed; one observed earlier and typed in later does not replace it), as the programme totals count
    it. `in_work` says whether the participant is in work as far as the case knows: false once a follow-up
    was answered "not working" after that employment (`not_working_on`, `not_working_month`), true again
    when an employment is observed on or after that day or recorded at that follow-up; null when the case
    knows neither. The employment columns still describe that job when `in_work` is false (it is history,
    with its days to a first job); what the participant earns now is `latest_income`: the income observed
    last since training (by `observed_on`), with its change from the baseline, null before any.

    `training` is COMPLETED, DROPPED_OUT for a dropout's case (it shows with `dropped_out_on` and
    `dropout_reason`), or WITHDRAWN for a case enrollment withdrew before training ended: these two show
    their withdrawal, their closure once staff closed them (`closed_on`, `closure_reason`), and no
    follow-ups. An enrollment with no case (still in training, screened out) is a 404 that says why.
    """
    found = await cases.get_case(read, enrollment_id, as_of=as_of or thai_today())
    if found is None:
        raise NotFoundError(
            f"no outcomes case for enrollment {enrollment_id}: {await programme.why_no_case(read, enrollment_id)}"
        )
    return found


@router.get("/follow-ups", tags=["outcomes"], **listed(cases.FollowUpOnWorklist))
async def list_follow_ups(
    read: ReadPool,
    response: Response,
    as_of: Annotated[CalendarDay | None, _day_query("Statuses (the follow-up's and its case's) as of this day")] = None,
    status: Annotated[
        list[FollowUpStatus] | None,
        Query(description="Only follow-ups in this status on `as_of`; repeat it for those in any of several."),
    ] = None,
    project_id: Annotated[UUID | None, Query(description="Only cases of this project.")] = None,
    unit_id: Annotated[
        list[UUID] | None,
        Query(
            description="Only cases of a project this career development unit runs; repeat it for those of any "
            "of several units."
        ),
    ] = None,
    month: Annotated[FollowUpMonth | None, Query(description="Only the 3-, 6- or 12-month follow-ups.")] = None,
    due_from: Annotated[IsoDay | None, Query(description="Only follow-ups due on or after this day.")] = None,
    due_to: Annotated[IsoDay | None, Query(description="Only follow-ups due on or before this day.")] = None,
    completed_from: Annotated[
        IsoDay | None, Query(description="Only follow-ups answered on or after this day (by `as_of`).")
    ] = None,
    completed_to: Annotated[
        IsoDay | None, Query(description="Only follow-ups answered on or before this day (by `as_of`).")
    ] = None,
    missed_from: Annotated[
        IsoDay | None, Query(description="Only follow-ups marked missed on or after this day (by `as_of`).")
    ] = None,
    missed_to: Annotated[
        IsoDay | None, Query(description="Only follow-ups marked missed on or before this day (by `as_of`).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Follow-ups across cases, by due date: the worklist of who to call.

    A follow-up is SCHEDULED before its due date, DUE from it, OVERDUE 30 days after it, or
    COMPLETED or MISSED from the day it was answered (as of an earlier day, the answer is not known
    yet). Those unanswered when their case was withdrawn or closed are MISSED (reason WITHDRAWN or
    CASE_CLOSED): they are no longer work to do. `project_id` is the project the case was in when its training
    was completed; `unit_id` selects the cases of the projects a unit runs, by that same project. `status` and
    `unit_id` may be repeated: `status=DUE&status=OVERDUE&unit_id=…` is a unit's calls to make, those of any of
    the statuses (units) given. An unknown `project_id` or `unit_id` is a 404 naming each one not known (a
    unit is known once a project it runs has opened; a rejected project's says so, with its day and reason).
    Read models follow the events: a fact recorded a moment ago may not show yet. `X-Total-Count` says how
    many follow-ups match, all pages together.

    What happened in a period: `completed_from`/`completed_to` by `completed_on`, the day a follow-up was
    answered (each COMPLETED); `missed_from`/`missed_to` by `missed_on`, the day it was marked missed (by staff,
    or when its case was withdrawn or closed), of those MISSED (one found answered before that day, the answer
    typed in later, is COMPLETED and counts by its answer's day). Both are of answers known on `as_of`, as the
    rows show them: a day after `as_of` matches nothing yet. Combinable with every filter, `due_from`/`due_to`
    too; both bounds are included, and a range whose end is before its start is a 422 naming the end.
    """
    check_day_range(start=("due_from", due_from), end=("due_to", due_to))
    check_day_range(start=("completed_from", completed_from), end=("completed_to", completed_to))
    check_day_range(start=("missed_from", missed_from), end=("missed_to", missed_to))
    await require_known(read, (programme.KNOWN_PROJECTS, project_id), (programme.KNOWN_UNITS, unit_id))
    of = cases.FollowUpFilter(
        statuses=tuple(status or ()),
        project_id=project_id,
        unit_ids=tuple(unit_id or ()),
        month=None if month is None else int(month),
        due_from=due_from,
        due_to=due_to,
        completed_from=completed_from,
        completed_to=completed_to,
        missed_from=missed_from,
        missed_to=missed_to,
    )
    page = await cases.list_follow_ups(read, of, as_of=as_of or thai_today(), limit=limit, offset=offset)
    return page.answer(response)


# --- enterprises ---


@router.post("/enterprises", tags=["enterprises"], **ACCEPTED)
async def start_enterprise(command: StartEnterprise, app: App, context: Context, once: Once) -> Any:
    """Participants who completed training start an enterprise or a community enterprise (7 members or more)."""
    occurred = happened_on(context, command.started_on)
    return await once(lambda claim: app.start_enterprise(command, occurred, idempotency=claim))


@router.post("/enterprises/{enterprise_id}/members", tags=["enterprises"], **ACCEPTED)
async def join_enterprise(enterprise_id: UUID, command: JoinEnterprise, app: App, context: Context, once: Once) -> Any:
    """A participant who completed training in the enterprise's project joins; the members count grows by one."""
    occurred = happened_on(context, command.joined_on)
    return await once(lambda claim: app.join_enterprise(enterprise_id, command, occurred, idempotency=claim))


@router.post("/enterprises/{enterprise_id}/members-count", tags=["enterprises"], **ACCEPTED)
async def count_members(enterprise_id: UUID, command: CountMembers, app: App, context: Context, once: Once) -> Any:
    """Members counted again, participants of the programme or not."""
    occurred = happened_on(context, command.counted_on)
    return await once(lambda claim: app.count_members(enterprise_id, command, occurred, idempotency=claim))


@router.post("/enterprises/{enterprise_id}/products", tags=["enterprises"], **ACCEPTED)
async def add_product(enterprise_id: UUID, command: AddProduct, app: App, context: Context, once: Once) -> Any:
    """A new product or service."""
    occurred = happened_on(context, command.added_on)
    return await once(lambda claim: app.add_product(enterprise_id, command, occurred, idempotency=claim))


@router.post("/enterprises/{enterprise_id}/online-sales-channel", tags=["enterprises"], **ACCEPTED)
async def open_online_sales_channel(
    enterprise_id: UUID, command: OpenOnlineSalesChannel, app: App, context: Context, once: Once
) -> Any:
    """It sells online from now on, through this channel."""
    occurred = happened_on(context, command.opened_on)
    return await once(lambda claim: app.open_online_sales_channel(enterprise_id, command, occurred, idempotency=claim))


@router.post("/enterprises/{enterprise_id}/registration", tags=["enterprises"], **ACCEPTED)
async def register_enterprise(
    enterprise_id: UUID, command: RegisterEnterprise, app: App, context: Context, once: Once
) -> Any:
    """A forming enterprise is registered (a community enterprise needs 7 members or more)."""
    occurred = happened_on(context, command.registered_on)
    return await once(lambda claim: app.register_enterprise(enterprise_id, command, occurred, idempotency=claim))


@router.post("/enterprises/{enterprise_id}/operating", tags=["enterprises"], **ACCEPTED)
async def begin_operating(enterprise_id: UUID, command: BeginOperating, app: App, context: Context, once: Once) -> Any:
    """A registered enterprise begins operating, or a dormant one operates again."""
    occurred = happened_on(context, command.began_on)
    return await once(lambda claim: app.begin_operating(enterprise_id, command, occurred, idempotency=claim))


@router.post("/enterprises/{enterprise_id}/dormancy", tags=["enterprises"], **ACCEPTED)
async def go_dormant(enterprise_id: UUID, command: GoDormant, app: App, context: Context, once: Once) -> Any:
    """An operating enterprise goes dormant."""
    occurred = happened_on(context, command.dormant_on)
    return await once(lambda claim: app.go_dormant(enterprise_id, command, occurred, idempotency=claim))


@router.post("/enterprises/{enterprise_id}/dissolution", tags=["enterprises"], **ACCEPTED)
async def dissolve_enterprise(
    enterprise_id: UUID, command: DissolveEnterprise, app: App, context: Context, once: Once
) -> Any:
    """The enterprise is dissolved, no earlier than the last day anything happened to it; it takes no further change."""
    occurred = happened_on(context, command.dissolved_on)
    return await once(lambda claim: app.dissolve_enterprise(enterprise_id, command, occurred, idempotency=claim))


@router.get("/enterprises/{enterprise_id}", tags=["enterprises"], **answered_as(enterprises.EnterpriseShown))
async def get_enterprise(enterprise_id: UUID, read: ReadPool) -> dict[str, Any]:
    """The enterprise: its members, products, online sales channels and status (a read model)."""
    found = await enterprises.get_enterprise(read, enterprise_id)
    if found is None:
        raise NotFoundError(f"enterprise {enterprise_id} is not known (yet: read models follow the events)")
    return found


@router.get("/enterprises", tags=["enterprises"], **listed(enterprises.EnterpriseShown))
async def list_enterprises(
    read: ReadPool,
    response: Response,
    project_id: Annotated[UUID | None, Query(description="Only enterprises of this project.")] = None,
    kind: EnterpriseKind | None = None,
    status: EnterpriseStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Enterprises by the day they started (a read model); `X-Total-Count` says how many match, all pages
    together. An unknown `project_id` is a 404 (a rejected project's says so, with its day and reason)."""
    await require_known(read, (programme.KNOWN_PROJECTS, project_id))
    page = await enterprises.list_enterprises(
        read,
        project_id=project_id,
        kind=None if kind is None else kind.value,
        status=None if status is None else status.value,
        limit=limit,
        offset=offset,
    )
    return page.answer(response)


# --- programme ---


@router.get("/programme/totals", tags=["programme"], **answered_as(programme.ProgrammeTotals))
async def programme_totals(read: ReadPool) -> dict[str, Any]:
    """Participants, enrollments, projects, provinces and regions; enrollments by stage, outcome and region.

    A completed enrollment counts under one outcome, the first that holds: COMMUNITY_ENTERPRISE (it founded
    or joined one), ENTERPRISE, the type of its latest employment observed (WAGE or SELF_EMPLOYED) unless a
    follow-up answered "not working" since (see `in_work` on the case), NONE.
    So a participant with a wage job who also founded a community enterprise counts there, not under WAGE;
    `GET /programme/indicators` counts employment and enterprises each on their own."""
    return await programme.totals(read)


def _programme_region(region: str) -> str:
    return PROGRAMME_REGIONS.region(region.strip().upper()).id


Region = Annotated[str, AfterValidator(_programme_region)]
ProvinceCode = Annotated[str, AfterValidator(normalise_province_iso)]
Baht = Annotated[Decimal, PlainSerializer(lambda amount: str(amount.quantize(Decimal("0.01"))), return_type=str)]


class RateAnswer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    numerator: int
    denominator: int
    value: float | None = Field(description="numerator / denominator; null when the denominator is 0.")


class IndicatorsAsked(BaseModel):
    as_of: date
    region: str | None
    province_code: str | None
    project_id: list[UUID] | None = Field(description="The projects asked about, each once; null: none asked.")
    unit_id: list[UUID] | None = Field(description="The units asked about, each once; null: none asked.")
    panel: bool
    by: indicators.Breakdown | None


class Indicators(BaseModel):
    """The indicators of a set of cases; months (3, 6, 12) key the per-follow-up ones."""

    model_config = ConfigDict(from_attributes=True)

    cases: int
    training_completion: RateAnswer
    follow_up_completion: dict[int, RateAnswer]
    employment: dict[int, RateAnswer]
    median_income_change_thb: dict[int, Baht | None]
    income_rose: dict[int, RateAnswer]
    median_baseline_income_thb: dict[int, Baht | None]
    median_income_thb: dict[int, Baht | None]
    median_days_to_first_job: float | None
    employment_related_to_training: RateAnswer
    enterprises_started: dict[EnterpriseKind, int]
    online_sales_adoption: RateAnswer


class IndicatorsAnswer(Indicators, IndicatorsAsked):
    """The slice asked about, then its indicators, then (with `by`) those of each group of its cases."""

    groups: dict[str, Indicators] | None = Field(
        default=None, description="With `by`: each group's indicators; their `cases` add up to the slice's."
    )


_GROUPS_NAMED = {
    indicators.Breakdown.PROVINCE: "each province's ISO code",
    indicators.Breakdown.PROJECT: "each project's id (those with cases, and those asked about)",
    indicators.Breakdown.UNIT: "each career development unit's id (those with cases, and those asked about)",
}
GROUPS_DOC = "; ".join(
    f"`{by.value}`: " + _GROUPS_NAMED.get(by, ", ".join(groups)) for by, groups in indicators.KNOWN_GROUPS.items()
)


@router.get("/programme/indicators", tags=["programme"])
async def programme_indicators(
    read: ReadPool,
    region: Annotated[
        Region | None, Query(description=f"Cases in this region on `as_of`: {', '.join(PROGRAMME_REGIONS.region_ids)}.")
    ] = None,
    province_code: Annotated[
        ProvinceCode | None, Query(description="Cases in this province on `as_of`: ISO 3166-2:TH code, e.g. TH-50.")
    ] = None,
    project_id: Annotated[
        list[UUID] | None,
        Query(description="Cases in this project on `as_of`; repeat it for the cases in any of several projects."),
    ] = None,
    unit_id: Annotated[
        list[UUID] | None,
        Query(
            description="Cases in a project of this career development unit on `as_of`; repeat it for the cases "
            "of any of several units."
        ),
    ] = None,
    as_of: Annotated[
        CalendarDay | None, _day_query("Count only what had happened by this day, follow-ups as they stood then")
    ] = None,
    panel: Annotated[
        bool, Query(description="Employment rates over the same people each round: those who answered all three.")
    ] = False,
    by: Annotated[
        indicators.Breakdown | None,
        Query(description=f"Also give the indicators of each group of the cases. Groups: {GROUPS_DOC}, UNKNOWN."),
    ] = None,
) -> IndicatorsAnswer:
    """Outcome indicators (tracer-study style) of the whole programme, or of the cases in a region,
    province, project and/or unit on `as_of` (filters combine; a case transferred counts where it moved to
    from the day it moved). `project_id` and `unit_id` may each be repeated: the cases of any of the
    projects (units) given, so that medians are those of all their cases together. An unknown
    `project_id` or `unit_id` is a 404 naming each one not known (a unit is known once a project it
    runs has opened; a rejected project's says so, with its day and reason).

    The cases are the enrolled participants' enrollments. Each rate gives its `numerator`,
    `denominator` and `value` (null when the denominator is 0); per-follow-up indicators are keyed
    by month after training completion (3, 6, 12). Read models follow the events: a fact recorded
    a moment ago may not show yet.

    Every indicator is as of `as_of` (default today): it counts only what had happened by that day,
    by the day each fact carries (enrolled, withdrawn, training completed or dropped out, transferred,
    cohort joined, employment or income observed, enterprise started, member joined, online sales
    opened; a fact told without a day happened on its `occurred_at`'s day in Thailand), so a report
    as of the end of a year asked for months later leaves out what happened since. A month's income
    is its latest observation made by `as_of`; the latest employment, the latest recorded of those
    observed by then. As of today or later every fact recorded counts (one dated after today, which
    only an event published by hand or a clock a little ahead can carry, counts from today). On an
    installation that recorded facts before this was kept, those count as of every day until
    `pathways read-models rebuild outcomes indicators` reads the streams again.

    - **cases**: enrollments enrolled by `as_of` (whatever happened to them since).
    - **training_completion**: completed / (completed + dropped out + withdrawn before completing);
      cases still in training are left out.
    - **follow_up_completion**: follow-ups completed by `as_of` / follow-ups due by `as_of` (due,
      overdue, completed or missed by then; those still open when their case was withdrawn or closed
      are missed). A follow-up answered after `as_of` counts as it stood on `as_of`.
    - **employment**: cases with an employment (wage or self-employed) recorded at that follow-up /
      cases that completed it by `as_of`. With `panel=true`, only cases that completed all three
      follow-ups. An enterprise's members count as employed only when their follow-up recorded an
      employment (self-employed, say): see `enterprises_started` for enterprises. Its denominator is
      only those who answered: how many that is of those due (follow-ups are scheduled when training
      completes, so of the completers whose follow-up was due) is `follow_up_completion` of the same
      month, whose numerator is this denominator (without `panel`).

    - **median_income_change_thb**: median of (monthly income observed at that follow-up − baseline)
      over cases with both; the baseline is enrollment's, else an income observed at month 0.
    - **income_rose**: of those same cases (with both), those whose income at that follow-up is above
      their baseline (an income equal to the baseline did not rise).
    - **median_baseline_income_thb**, **median_income_thb**: the median baseline and the median income
      at that follow-up of those same cases: the same people as the median change, so the two levels
      compare (the median change is not, in general, their difference).
    - **median_days_to_first_job**: median, over cases that reported it, of the days to first job
      given with their first employment that gave one.
    - **employment_related_to_training**: cases whose latest employment is related to the training /
      cases with an employment recorded.
    - **enterprises_started**: enterprises and community enterprises started by `as_of` with at least
      one participant among the cases (a member by then).
    - **online_sales_adoption**: those enterprises that opened an online sales channel by `as_of` / all of them.

    With `by`, `groups` gives the same indicators for each group of the cases: `sex` (as given at
    registration), `age_band` (the participant's age when registering), `track` (RESKILL or
    UPSKILL, of the latest cohort the participant was in by `as_of`), `region`, `province_code`,
    `project_id` or `unit_id` (where the case was on `as_of`), `covid_affected` or `informal_worker`
    (YES or NO, at baseline). Every group is listed, with cases or not (see `by`), except that projects
    and units are listed when they have cases in the slice or were asked about; cases whose group is
    not known (enrolled before it was recorded, never in a cohort, or in a project run by no unit) are
    in `UNKNOWN`, so the groups' `cases` always add up to `cases`. An enterprise counts in every group
    one of its participants is in.
    """
    day = as_of or thai_today()
    project_ids, unit_ids = list(dict.fromkeys(project_id or ())), list(dict.fromkeys(unit_id or ()))
    await require_known(read, (programme.KNOWN_PROJECTS, project_ids), (programme.KNOWN_UNITS, unit_ids))
    of = indicators.Slice(
        region=region, province_code=province_code, project_ids=tuple(project_ids), unit_ids=tuple(unit_ids)
    )
    asked = IndicatorsAsked(
        as_of=day,
        region=region,
        province_code=province_code,
        project_id=project_ids or None,
        unit_id=unit_ids or None,
        panel=panel,
        by=by,
    )
    if by is None:
        found = await indicators.programme_indicators(read, of, on=day, panel=panel)
        return IndicatorsAnswer(**dict(asked), **_indicators_of(found))
    grouped = await indicators.indicators_by_group(read, of, by, on=day, panel=panel)
    return IndicatorsAnswer(
        **dict(asked),
        **_indicators_of(grouped.overall),
        groups={name: Indicators.model_validate(found) for name, found in grouped.groups.items()},
    )


def _indicators_of(found: ProgrammeIndicators) -> dict[str, Any]:
    return {field.name: getattr(found, field.name) for field in fields(found)}
