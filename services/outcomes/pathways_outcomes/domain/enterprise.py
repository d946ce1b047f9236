"""An enterprise or community enterprise of participants: Forming → Registered → Operating → Dormant / Dissolved.

An enterprise is an outcome of the participants in it: each participant's case must accept outcomes
(training completed, not withdrawn, not closed) when the enterprise starts with them or they join.
``members_count`` counts everyone in it, programme participants or not. A community enterprise
(วิสาหกิจชุมชน) registers with at least seven members. A dormant enterprise may operate again; a
dissolved one takes no further change.

Days in order: nothing happens to an enterprise before the day it started (rule
``enterprise-not-started-yet``); its status changes no earlier than the day it took its current
status (registered, operating, dormant: rule ``status-change-before-current-status``); and it is
dissolved no earlier than the latest day anything happened to it (rule
``dissolved-before-last-change``). Members, counts, products and channels may be recorded late, in
any order among themselves and the status changes. It may start before its participants' training
formally ends (a group may form during training), but not before a founder's enrollment, nor may a
participant join it before theirs (rule ``enterprise-before-enrollment``: an enterprise they were in
before is where they started from, not an outcome).

One project's enterprise: a community enterprise is formed by the community of a project (its
curricula are co-designed with that community) and is that project's outcome, so its founders and
every participant who joins it later are cases of its project (rules ``enterprise-in-founders-project``
and ``member-in-enterprises-project``); someone from another project counts only in
``members_count``, as anyone outside the programme does. A case's project is the one outcomes knows:
the project training completed it in. A participant transferred during training completes in the
project they moved to, and counts there; a transfer after training completed is noted on the case for
the programme's figures and integrators (``CaseTransferNoted``), but training's record does not move,
so the case stays with the project that trained them and does not found or join an enterprise of the
project they moved to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from pathways_outcomes.domain.case import Case, accepting_outcomes
from pathways_outcomes.domain.errors import OutcomesRuleError, refuse_if_before

COMMUNITY_ENTERPRISE_MIN_MEMBERS = 7


class EnterpriseKind(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    COMMUNITY_ENTERPRISE = "COMMUNITY_ENTERPRISE"


class EnterpriseStatus(StrEnum):
    FORMING = "FORMING"
    REGISTERED = "REGISTERED"
    OPERATING = "OPERATING"
    DORMANT = "DORMANT"
    DISSOLVED = "DISSOLVED"


@dataclass(frozen=True, kw_only=True)
class EnterpriseStarted:
    enterprise_id: UUID
    kind: EnterpriseKind
    name: str
    project_id: UUID
    participant_enrollment_ids: tuple[UUID, ...]
    members_count: int
    products: tuple[str, ...]
    started_on: date


@dataclass(frozen=True, kw_only=True)
class EnterpriseMemberJoined:
    enterprise_id: UUID
    enrollment_id: UUID
    joined_on: date


@dataclass(frozen=True, kw_only=True)
class EnterpriseMembersCounted:
    enterprise_id: UUID
    members_count: int
    counted_on: date


@dataclass(frozen=True, kw_only=True)
class EnterpriseProductAdded:
    enterprise_id: UUID
    product: str
    added_on: date


@dataclass(frozen=True, kw_only=True)
class OnlineSalesChannelOpened:
    enterprise_id: UUID
    channel: str
    opened_on: date


@dataclass(frozen=True, kw_only=True)
class EnterpriseRegistered:
    enterprise_id: UUID
    registration_number: str
    registered_on: date


@dataclass(frozen=True, kw_only=True)
class EnterpriseBeganOperating:
    enterprise_id: UUID
    began_on: date


@dataclass(frozen=True, kw_only=True)
class EnterpriseWentDormant:
    enterprise_id: UUID
    dormant_on: date


@dataclass(frozen=True, kw_only=True)
class EnterpriseDissolved:
    enterprise_id: UUID
    dissolved_on: date
    reason: str


EnterpriseEvent = (
    EnterpriseStarted
    | EnterpriseMemberJoined
    | EnterpriseMembersCounted
    | EnterpriseProductAdded
    | OnlineSalesChannelOpened
    | EnterpriseRegistered
    | EnterpriseBeganOperating
    | EnterpriseWentDormant
    | EnterpriseDissolved
)


@dataclass(frozen=True, kw_only=True)
class Enterprise:
    enterprise_id: UUID
    kind: EnterpriseKind
    name: str
    project_id: UUID
    participant_enrollment_ids: tuple[UUID, ...]
    members_count: int
    products: tuple[str, ...]
    started_on: date
    status: EnterpriseStatus = EnterpriseStatus.FORMING
    registration_number: str | None = None
    online_channels: tuple[str, ...] = ()
    online_sales_since: date | None = None
    joined_on: tuple[tuple[UUID, date], ...] = ()  # participants who joined after it started, and when
    status_since: date  # the day it took its current status (started: FORMING)
    last_changed_on: date  # the latest day anything happened to it

    @property
    def sells_online(self) -> bool:
        return bool(self.online_channels)

    def participants_by(self, day: date | None) -> tuple[UUID, ...]:
        """Its participants who were members by ``day`` (None: all of them); founders from the day it started."""
        joined = dict(self.joined_on)
        return tuple(e for e in self.participant_enrollment_ids if day is None or joined.get(e, self.started_on) <= day)


def start_enterprise(
    state: Enterprise | None,
    *,
    enterprise_id: UUID,
    kind: EnterpriseKind,
    name: str,
    project_id: UUID,
    participant_cases: Sequence[tuple[UUID, Case | None]],
    members_count: int,
    started_on: date,
    products: Sequence[str] = (),
) -> list[EnterpriseStarted]:
    """Start an enterprise with the participants in it: ``(enrollment_id, case state)`` pairs."""
    if state is not None:
        raise OutcomesRuleError(f"enterprise {enterprise_id} already exists", rule="enterprise-already-exists")
    if not participant_cases:
        raise OutcomesRuleError("an enterprise is started by at least one participant", rule="participant-required")
    for enrollment_id, case in participant_cases:
        founder = accepting_outcomes(case, enrollment_id, on=started_on)
        _refuse_before_enrollment(founder, started_on, what="started")
        _refuse_another_project(
            founder,
            project_id,
            rule="enterprise-in-founders-project",
            why="an enterprise is started in its founders' project",
        )
    enrollment_ids = tuple(dict.fromkeys(enrollment_id for enrollment_id, _ in participant_cases))
    _check_members_count(members_count, participants=len(enrollment_ids))
    return [
        EnterpriseStarted(
            enterprise_id=enterprise_id,
            kind=kind,
            name=name,
            project_id=project_id,
            participant_enrollment_ids=enrollment_ids,
            members_count=members_count,
            products=tuple(dict.fromkeys(products)),
            started_on=started_on,
        )
    ]


def join_enterprise(
    state: Enterprise | None, *, enterprise_id: UUID, enrollment_id: UUID, case: Case | None, joined_on: date
) -> list[EnterpriseMemberJoined]:
    """A participant of the enterprise's project joins (members count grows by one)."""
    enterprise = _active_on(state, enterprise_id, joined_on)
    if enrollment_id in enterprise.participant_enrollment_ids:
        return []
    member = accepting_outcomes(case, enrollment_id, on=joined_on)
    _refuse_before_enrollment(member, joined_on, what="joined")
    _refuse_another_project(
        member,
        enterprise.project_id,
        rule="member-in-enterprises-project",
        why="a participant joins an enterprise of their own project (count others in its members count)",
    )
    return [EnterpriseMemberJoined(enterprise_id=enterprise_id, enrollment_id=enrollment_id, joined_on=joined_on)]


def count_members(
    state: Enterprise | None, *, enterprise_id: UUID, members_count: int, counted_on: date
) -> list[EnterpriseMembersCounted]:
    enterprise = _active_on(state, enterprise_id, counted_on)
    if members_count == enterprise.members_count:
        return []
    _check_members_count(members_count, participants=len(enterprise.participant_enrollment_ids))
    if (
        enterprise.kind is EnterpriseKind.COMMUNITY_ENTERPRISE
        and enterprise.status is not EnterpriseStatus.FORMING
        and members_count < COMMUNITY_ENTERPRISE_MIN_MEMBERS
    ):
        raise _too_few_members(members_count)
    return [EnterpriseMembersCounted(enterprise_id=enterprise_id, members_count=members_count, counted_on=counted_on)]


def add_product(
    state: Enterprise | None, *, enterprise_id: UUID, product: str, added_on: date
) -> list[EnterpriseProductAdded]:
    enterprise = _active_on(state, enterprise_id, added_on)
    if product in enterprise.products:
        return []
    return [EnterpriseProductAdded(enterprise_id=enterprise_id, product=product, added_on=added_on)]


def open_online_sales_channel(
    state: Enterprise | None, *, enterprise_id: UUID, channel: str, opened_on: date
) -> list[OnlineSalesChannelOpened]:
    enterprise = _active_on(state, enterprise_id, opened_on)
    if channel in enterprise.online_channels:
        return []
    return [OnlineSalesChannelOpened(enterprise_id=enterprise_id, channel=channel, opened_on=opened_on)]


def register_enterprise(
    state: Enterprise | None, *, enterprise_id: UUID, registration_number: str, registered_on: date
) -> list[EnterpriseRegistered]:
    enterprise = _changing_status(
        state,
        enterprise_id,
        registered_on,
        (EnterpriseStatus.FORMING,),
        "only a forming enterprise registers",
        "enterprise-must-be-forming",
    )
    if (
        enterprise.kind is EnterpriseKind.COMMUNITY_ENTERPRISE
        and enterprise.members_count < COMMUNITY_ENTERPRISE_MIN_MEMBERS
    ):
        raise _too_few_members(enterprise.members_count)
    return [
        EnterpriseRegistered(
            enterprise_id=enterprise_id, registration_number=registration_number, registered_on=registered_on
        )
    ]


def begin_operating(state: Enterprise | None, *, enterprise_id: UUID, began_on: date) -> list[EnterpriseBeganOperating]:
    """A registered enterprise begins operating; a dormant one operates again."""
    _changing_status(
        state,
        enterprise_id,
        began_on,
        (EnterpriseStatus.REGISTERED, EnterpriseStatus.DORMANT),
        "it operates once registered (or again when dormant)",
        "enterprise-must-be-registered",
    )
    return [EnterpriseBeganOperating(enterprise_id=enterprise_id, began_on=began_on)]


def go_dormant(state: Enterprise | None, *, enterprise_id: UUID, dormant_on: date) -> list[EnterpriseWentDormant]:
    _changing_status(
        state,
        enterprise_id,
        dormant_on,
        (EnterpriseStatus.OPERATING,),
        "only an operating enterprise goes dormant",
        "enterprise-must-be-operating",
    )
    return [EnterpriseWentDormant(enterprise_id=enterprise_id, dormant_on=dormant_on)]


def dissolve_enterprise(
    state: Enterprise | None, *, enterprise_id: UUID, dissolved_on: date, reason: str
) -> list[EnterpriseDissolved]:
    enterprise = _active_on(state, enterprise_id, dissolved_on)
    refuse_if_before(
        dissolved_on,
        enterprise.last_changed_on,
        rule="dissolved-before-last-change",
        message=f"enterprise {enterprise_id} last changed on {enterprise.last_changed_on}; "
        f"it cannot be dissolved on {dissolved_on}, before that",
    )
    return [EnterpriseDissolved(enterprise_id=enterprise_id, dissolved_on=dissolved_on, reason=reason)]


def evolve_enterprise(state: Enterprise | None, event: object) -> Enterprise:
    match event:
        case EnterpriseStarted():
            return Enterprise(
                enterprise_id=event.enterprise_id,
                kind=event.kind,
                name=event.name,
                project_id=event.project_id,
                participant_enrollment_ids=event.participant_enrollment_ids,
                members_count=event.members_count,
                products=event.products,
                started_on=event.started_on,
                status_since=event.started_on,
                last_changed_on=event.started_on,
            )
        case EnterpriseMemberJoined() if state is not None:
            return replace(
                _changed_on(state, event.joined_on),
                participant_enrollment_ids=(*state.participant_enrollment_ids, event.enrollment_id),
                members_count=state.members_count + 1,
                joined_on=(*state.joined_on, (event.enrollment_id, event.joined_on)),
            )
        case EnterpriseMembersCounted() if state is not None:
            return replace(_changed_on(state, event.counted_on), members_count=event.members_count)
        case EnterpriseProductAdded() if state is not None:
            return replace(_changed_on(state, event.added_on), products=(*state.products, event.product))
        case OnlineSalesChannelOpened() if state is not None:
            return replace(
                _changed_on(state, event.opened_on),
                online_channels=(*state.online_channels, event.channel),
                online_sales_since=state.online_sales_since or event.opened_on,
            )
        case EnterpriseRegistered() if state is not None:
            return replace(
                _status_on(state, EnterpriseStatus.REGISTERED, event.registered_on),
                registration_number=event.registration_number,
            )
        case EnterpriseBeganOperating() if state is not None:
            return _status_on(state, EnterpriseStatus.OPERATING, event.began_on)
        case EnterpriseWentDormant() if state is not None:
            return _status_on(state, EnterpriseStatus.DORMANT, event.dormant_on)
        case EnterpriseDissolved() if state is not None:
            return _status_on(state, EnterpriseStatus.DISSOLVED, event.dissolved_on)
    raise TypeError(f"an enterprise does not follow from {type(event).__name__} at {state}")


def _active(state: Enterprise | None, enterprise_id: UUID) -> Enterprise:
    if state is None:
        raise OutcomesRuleError(f"there is no enterprise {enterprise_id}", rule="must-exist")
    if state.status is EnterpriseStatus.DISSOLVED:
        raise OutcomesRuleError(f"enterprise {enterprise_id} is dissolved", rule="enterprise-dissolved")
    return state


def _active_on(state: Enterprise | None, enterprise_id: UUID, day: date) -> Enterprise:
    """The enterprise, if it exists, is not dissolved and had started by ``day``."""
    enterprise = _active(state, enterprise_id)
    refuse_if_before(
        day,
        enterprise.started_on,
        rule="enterprise-not-started-yet",
        message=f"enterprise {enterprise_id} started on {enterprise.started_on}; nothing happens to it on {day}, "
        "before it started",
    )
    return enterprise


def _changing_status(
    state: Enterprise | None,
    enterprise_id: UUID,
    day: date,
    allowed: tuple[EnterpriseStatus, ...],
    refusal: str,
    rule: str,
) -> Enterprise:
    """The enterprise, if it may leave its status on ``day``: one of the ``allowed``, taken on or before ``day``."""
    enterprise = _active_on(state, enterprise_id, day)
    if enterprise.status not in allowed:
        raise OutcomesRuleError(f"enterprise {enterprise_id} is {enterprise.status}; {refusal}", rule=rule)
    refuse_if_before(
        day,
        enterprise.status_since,
        rule="status-change-before-current-status",
        message=f"enterprise {enterprise_id} has been {enterprise.status} since {enterprise.status_since}; "
        f"its status cannot change on {day}, before then",
    )
    return enterprise


def _changed_on(enterprise: Enterprise, day: date) -> Enterprise:
    return replace(enterprise, last_changed_on=max(enterprise.last_changed_on, day))


def _status_on(enterprise: Enterprise, status: EnterpriseStatus, day: date) -> Enterprise:
    return replace(_changed_on(enterprise, day), status=status, status_since=day)


def _refuse_before_enrollment(case: Case, day: date, *, what: str) -> None:
    """An enterprise is an outcome of the programme: one a participant was in before enrolling is not."""
    refuse_if_before(
        day,
        case.enrolled_on,
        rule="enterprise-before-enrollment",
        message=f"enrollment {case.enrollment_id} was enrolled on {case.enrolled_on}; an enterprise {what} on {day}, "
        "before it, is not an outcome of the programme",
    )


def _refuse_another_project(case: Case, project_id: UUID, *, rule: str, why: str) -> None:
    if case.project_id != project_id:
        raise OutcomesRuleError(
            f"enrollment {case.enrollment_id} is a case of project {case.project_id} (where its training completed), "
            f"not of project {project_id}: {why}",
            rule=rule,
        )


def _check_members_count(members_count: int, *, participants: int) -> None:
    if members_count < participants:
        raise OutcomesRuleError(
            f"{members_count} members is fewer than the {participants} participants in the enterprise",
            rule="members-count-below-participants",
        )


def _too_few_members(members_count: int) -> OutcomesRuleError:
    return OutcomesRuleError(
        f"a registered community enterprise has at least {COMMUNITY_ENTERPRISE_MIN_MEMBERS} members, "
        f"not {members_count}",
        rule="community-enterprise-min-members",
    )
